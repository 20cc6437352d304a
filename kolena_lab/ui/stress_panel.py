"""StressPanel: stress-test a model on a test case from a notebook, and read what broke it.

Choose the model, the test case, the operational domain, the search, its budget and seed; "Run stress test" calls
``kolena_lab.stress.stress_test`` in a background thread with throttled progress and a cancel button, and always
ends in a final state. The report shows the clean score, the failures, mPC / rPC for a corruption domain, the
per-axis vulnerability table, the robustness curves with their bands, the worst perturbations beside their
originals, and the test cases the run created, each one click from a ``SampleBrowser``.
"""
import base64
import html
import json
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Union

import ipywidgets

from kolena_lab.errors import CancelledError, IncorrectUsageError
from kolena_lab.media import thumbnail
from kolena_lab.stress import SEARCHES, Domain, StressResults, resolve_domain, stress_test
from kolena_lab.ui import png
from kolena_lab.ui._widget import Panel, error_text, html_table
from kolena_lab.ui.charts import Chart
from kolena_lab.workflow import Model, TestCase, catalog

PROGRESS_INTERVAL_S = 0.2  # at most 5 progress updates a second reach the browser
READY_DOMAINS = ("outdoor", "corruptions")
SHOWN_WORST = 8
THUMBNAIL_PX = 120
DomainChoice = Union[Domain, str, Path]


def _error(text: str) -> str:
    return f"<span style='color:#a40e26'>{html.escape(text)}</span>"


def _domain_label(domain: DomainChoice) -> str:
    return domain.name if isinstance(domain, Domain) else str(domain)


def _image(locator: str) -> str:
    thumb = thumbnail(locator, THUMBNAIL_PX)
    data = base64.b64encode(thumb.data).decode("ascii")
    return (f"<img src='data:{thumb.mime_type};base64,{data}' width='{thumb.width}' height='{thumb.height}' "
            f"alt='{html.escape(locator)}' title='{html.escape(locator)}' style='display:block'/>")


def _params_text(params: Dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def worst_html(results: StressResults, n: int = SHOWN_WORST) -> str:
    """The ``n`` worst perturbations, each beside its original, with the axis, parameters and both scores."""
    worst = results.worst(n)
    worst = worst[worst["drop"] > 0]
    if worst.empty:
        return "<p>No perturbation made the model worse.</p>"
    cards = []
    for row in worst.itertuples(index=False):
        caption = (f"<b>{html.escape(row.axis)}</b> {html.escape(_params_text(row.params))}<br>"
                   f"{results.record['metric']}: {row.clean_score:.3g} → {row.score:.3g}"
                   + (" <span style='color:#a40e26'>failure</span>" if row.failure else ""))
        cards.append("<figure style='margin:0 12px 12px 0;display:inline-block;vertical-align:top'>"
                     "<div style='display:flex;gap:4px'>"
                     f"{_image(row.parent)}{_image(row.locator)}</div>"
                     f"<figcaption style='font-size:12px;max-width:{2 * THUMBNAIL_PX + 4}px'>original · perturbed"
                     f"<br>{caption}</figcaption></figure>")
    return f"<h4 style='margin:8px 0 4px'>The worst perturbations</h4><div>{''.join(cards)}</div>"


def summary_html(results: StressResults) -> str:
    """The headline: clean score, perturbations and failures, and mPC / rPC when the domain is a corruption one."""
    frame = results.to_dataframe()
    failures = int(frame["failure"].sum())
    direction = "higher" if results.higher_is_better else "lower"
    parts = [f"<b>{html.escape(results.record['metric'])}</b> ({direction} is better): clean {results.clean:.4g}, "
             f"perturbed mean {frame['score'].mean():.4g} over {len(frame):,} perturbations of "
             f"{results.record['n_samples']:,} samples; <b>{failures:,} failures</b> "
             f"({failures / max(1, len(frame)):.1%})."]
    summary = results.summary()
    if "mpc" in summary:
        parts.append(f"mPC {summary['mpc']:.4g} · rPC {summary['rpc']:.1%} (mean over corruptions and severities "
                     "1–5, relative to clean)")
    return "<p>" + "<br>".join(parts) + "</p>"


def vulnerability_html(results: StressResults) -> str:
    """The per-axis table, the most damaging axis first."""
    table = results.vulnerability()
    rows = [[r.axis, r.n, r.mean_score, r.mean_drop, f"{r.failure_rate:.1%}"] for r in table.itertuples(index=False)]
    return html_table(["axis", "perturbations", "mean score", "mean drop", "failure rate"], rows,
                      caption="Vulnerability per axis (most damaging first)")


def test_cases_html(results: StressResults) -> str:
    """The test cases the run wrote, with their sizes and the Python that loads them."""
    rows = [[tc.name, tc.version, _size(tc),
             f"TestCase.load({json.dumps(tc.name, ensure_ascii=False)})"]
            for tc in results.test_cases]
    return html_table(["test case", "version", "samples", "load it"], rows,
                      caption=f"Test cases written in suite '{results.suite.name}'")


def _size(test_case: TestCase) -> int:
    """The number of samples of ``test_case`` at its version, from the catalog (no sample is loaded)."""
    sizes = {v.version: v.n_samples for v in catalog.test_case_versions(test_case.name)}
    return sizes[test_case.version]


class StressPanel(Panel):
    """Stress-test models on test cases: domain, search, budget and seed; progress and cancel; the report.

    ``models``: one or more models with their ``infer`` / ``infer_batch`` (``Model.from_package`` gives one).
    ``test_cases``: one or more test cases of the models' workflow. ``domains``: ready domain names, ``Domain``
    objects or YAML paths (by default the ready "outdoor" and "corruptions"). ``metric``, ``higher_is_better``,
    ``failure`` and ``batch_size`` go to ``stress_test``; ``on_complete(results)`` runs after each run that ends.
    """

    title = "Stress test"

    def __init__(
        self,
        models: Union[Model, Sequence[Model]],
        test_cases: Union[TestCase, Sequence[TestCase]],
        domains: Sequence[DomainChoice] = READY_DOMAINS,
        *,
        search: str = "random",
        budget: int = 20,
        seed: int = 0,
        metric: Any = None,
        higher_is_better: Optional[bool] = None,
        failure: Optional[float] = None,
        batch_size: int = 32,
        on_complete: Optional[Callable[[StressResults], Any]] = None,
    ):
        models = [models] if isinstance(models, Model) else list(models)
        test_cases = [test_cases] if isinstance(test_cases, TestCase) else list(test_cases)
        if not models or not test_cases or not domains:
            raise IncorrectUsageError("StressPanel needs at least one model, one test case and one domain")
        self._models = {m.name: m for m in models}
        self._test_cases = {tc.name: tc for tc in test_cases}
        self._domains = {_domain_label(d): d for d in domains}
        self._options = dict(metric=metric, higher_is_better=higher_is_better, failure=failure,
                             batch_size=batch_size)
        self.on_complete = on_complete
        self.results: Optional[StressResults] = None
        self.error: Optional[str] = None
        self._cancel = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._running = False
        self._last_progress = 0.0

        wide = {"description_width": "initial"}
        self.model_select = ipywidgets.Dropdown(options=list(self._models), description="Model")
        self.test_case_select = ipywidgets.Dropdown(options=list(self._test_cases), description="Test case",
                                                    layout=ipywidgets.Layout(width="420px"))
        self.domain_select = ipywidgets.Dropdown(options=list(self._domains), description="Domain")
        self.search_select = ipywidgets.Dropdown(options=list(SEARCHES), value=search, description="Search")
        self.budget = ipywidgets.BoundedIntText(value=budget, min=1, max=100_000, description="Budget per sample",
                                                style=wide, layout=ipywidgets.Layout(width="200px"))
        self.seed = ipywidgets.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="Seed",
                                              layout=ipywidgets.Layout(width="160px"))
        self.axes_text = ipywidgets.HTML()
        self.run_button = ipywidgets.Button(description="Run stress test", button_style="primary", icon="bolt")
        self.cancel_button = ipywidgets.Button(description="Cancel", disabled=True,
                                               tooltip="Stop before the next batch; what was inferred is kept")
        self.progress = ipywidgets.IntProgress(value=0, min=0, max=1, description="Progress")
        self.progress_text = ipywidgets.Label()
        self.status = ipywidgets.HTML()
        self.report = ipywidgets.HTML()
        self.figure = ipywidgets.Output()
        self.test_case_links = ipywidgets.Dropdown(description="Browse", layout=ipywidgets.Layout(display="none"))
        self.browse_button = ipywidgets.Button(description="Open in browser", icon="images",
                                               layout=ipywidgets.Layout(display="none"))
        self.browser = ipywidgets.Output()

        self.domain_select.observe(lambda _: self._guard(self._show_axes), "value")
        self.run_button.on_click(lambda _: self._guard(self.run, True))
        self.cancel_button.on_click(lambda _: self.cancel())
        self.browse_button.on_click(lambda _: self._guard(self.browse))
        super().__init__([
            ipywidgets.HBox([self.model_select, self.test_case_select]),
            ipywidgets.HBox([self.domain_select, self.search_select, self.budget, self.seed]), self.axes_text,
            ipywidgets.HBox([self.run_button, self.cancel_button]),
            ipywidgets.HBox([self.progress, self.progress_text]), self.status, self.report, self.figure,
            ipywidgets.HBox([self.test_case_links, self.browse_button]), self.browser,
        ])
        self._show_axes()

    # -- choices ------------------------------------------------------------------------------------------------

    def domain(self) -> Domain:
        """The chosen domain, loaded."""
        return resolve_domain(self._domains[self.domain_select.value])

    def _show_axes(self) -> None:
        try:
            domain = self.domain()
        except Exception as e:  # a bad YAML file: say so where the choice is
            self.axes_text.value = _error(error_text(e))
            self.run_button.disabled = True
            return
        self.axes_text.value = (f"<small>{len(domain.axes)} axes: "
                                f"{html.escape(', '.join(a.name for a in domain.axes))}</small>")
        self.run_button.disabled = self._running

    def select(self, model: Optional[str] = None, test_case: Optional[str] = None, domain: Optional[str] = None,
               search: Optional[str] = None, budget: Optional[int] = None, seed: Optional[int] = None) -> None:
        """Set the choices as the controls would (names, as listed)."""
        for control, value in ((self.model_select, model), (self.test_case_select, test_case),
                               (self.domain_select, domain), (self.search_select, search), (self.budget, budget),
                               (self.seed, seed)):
            if value is not None:
                control.value = value

    # -- running ------------------------------------------------------------------------------------------------

    def run(self, background: bool = False) -> Optional[StressResults]:
        """Run the stress test with the chosen settings; in a background thread when ``background``."""
        if self._running:
            raise IncorrectUsageError("a stress test is already running")
        arguments = dict(model=self._models[self.model_select.value],
                         test_case=self._test_cases[self.test_case_select.value], domain=self.domain(),
                         search=self.search_select.value, budget=self.budget.value, seed=self.seed.value,
                         **self._options)
        self._cancel.clear()
        self._running, self.error, self.results = True, None, None
        self.run_button.disabled, self.cancel_button.disabled = True, False
        self.progress.value, self.progress.max, self.progress.bar_style = 0, 1, "info"
        self.progress_text.value = ""
        self.report.value = ""
        self.figure.clear_output()
        for stale in ("_figure", "_figure_html"):
            self.__dict__.pop(stale, None)
        self.browser.clear_output()
        for control in (self.test_case_links, self.browse_button):
            control.layout.display = "none"
        self.status.value = "Starting…"
        if background:
            self._thread = threading.Thread(target=self._run, args=(arguments,), daemon=True,
                                            name="kolena-lab-stress")
            self._thread.start()
            return None
        return self._run(arguments)

    def cancel(self) -> None:
        """Stop the running stress test before its next batch (stored inferences are kept: running it again with
        the same settings continues from there)."""
        if not self._running:
            return
        self._cancel.set()
        self.cancel_button.disabled = True
        self.status.value = "Cancelling after the current batch…"

    def wait(self, timeout: Optional[float] = None) -> Optional[StressResults]:
        """Block until a background run is done; its results (None when it was cancelled or failed)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.results

    def _progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if done not in (0, total) and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        self.progress.max = max(1, total)
        self.progress.value = min(done, self.progress.max)
        self.progress_text.value = f"{done:,} / {total:,}"
        if not self._cancel.is_set():
            self.status.value = html.escape(message[:1].upper() + message[1:]) + "…"

    def _run(self, arguments: Dict[str, Any]) -> Optional[StressResults]:
        try:
            results = stress_test(**arguments, progress=self._progress, cancel=self._cancel)
        except CancelledError as e:
            self._finish(None, f"Cancelled: {e}", "warning")
            return None
        except BaseException as e:  # whatever ends the run is shown; re-raised for direct callers
            self.error = f"{type(e).__name__}: {e}"
            self._finish(None, _error(f"Stopped by {self.error}"), "danger")
            if threading.current_thread() is threading.main_thread():
                raise
            return None
        self._finish(results, "", "success")
        return results

    def _finish(self, results: Optional[StressResults], status: str, style: str) -> None:
        self.results = results
        self._running = False
        self.cancel_button.disabled = True
        self.progress.bar_style = style
        try:
            if results is not None:
                self.progress.value = self.progress.max
                self._show_report(results)
                status = (f"Done: stress test <b>{html.escape(results.name)}</b> wrote "
                          f"{len(results.test_cases)} test cases in suite <b>{html.escape(results.suite.name)}</b>.")
                if self.on_complete is not None:
                    self.on_complete(results)
        except Exception as e:  # the final state stays reachable whatever the report or the callback does
            status += "<br>" + _error(f"{type(e).__name__}: {e}")
        finally:
            self.status.value = html.escape(status) if style == "warning" else status
            self._show_axes()  # enables "Run" again
            self.update_displays()

    def _show_report(self, results: StressResults) -> None:
        self.report.value = "".join([summary_html(results), vulnerability_html(results), worst_html(results),
                                     test_cases_html(results)])
        self._figure = results.figure()
        self.__dict__.pop("_figure_html", None)
        # set as data: ``with output:`` from the run's thread would lose it
        bundle = Chart(self._figure, static=False)._repr_mimebundle_()
        self.figure.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
        self.test_case_links.options = [tc.name for tc in results.test_cases]
        self.test_case_links.value = results.test_cases[-1].name  # the worst perturbations
        for control in (self.test_case_links, self.browse_button):
            control.layout.display = ""

    def browse(self) -> Any:
        """A SampleBrowser of the chosen test case written by the last run (with the model's inferences), shown
        below the panel."""
        from kolena_lab.ui.browser import SampleBrowser

        if self.results is None:
            raise IncorrectUsageError("no results yet: run a stress test first")
        chosen = next(tc for tc in self.results.test_cases if tc.name == self.test_case_links.value)
        browser = SampleBrowser(chosen, model=self._models[self.results.record["model"]])
        self.browser.clear_output()
        with self.browser:
            from IPython.display import display

            display(browser)
        return browser

    def snapshot_body(self) -> str:
        fig = self.__dict__.get("_figure")
        if fig is not None and "_figure_html" not in self.__dict__:  # rendered once per run: export takes a second
            chart = Chart(fig)
            image = chart.png()
            self._figure_html = "" if image is None else (f"<img alt='robustness curves' width='{chart.size()[0]}' "
                                                          f"src='data:image/png;base64,{png.b64(image)}'/>")
        figure = self.__dict__.get("_figure_html", "")
        status = f"<p>{self.status.value}</p>" if self.status.value else ""
        return status + self.report.value + figure


__all__ = ["StressPanel", "summary_html", "vulnerability_html", "worst_html"]
