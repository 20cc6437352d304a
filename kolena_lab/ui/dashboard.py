"""ResultsDashboard: a suite's test-case metrics for several models, compared with a baseline, with every plot.

One tab per (evaluator, configuration), titled by what it computes, holds a sortable table of test cases × metrics ×
models, headline metrics first and counts last; cells are coloured by improvement (green, ▲) or regression (red, ▼)
against the baseline model in the direction each metric declares (``kolena_lab.workflow.directions``; a metric
without one stays uncoloured), and marked ``*`` when a paired bootstrap over the test case's samples says the
difference is significant (``kolena_lab.workflow.comparison`` does the comparison; the dashboard shows it). Below the
tabs, the test case's plots (plotly, with PNG copies) and nested per-class rows as grouped bars, opened on a metric
that differs between the models. Clicking a test case opens it in the sample browser, filtered to the chosen model's
failing samples.
"""
import dataclasses
import html
import math
import threading
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import ipywidgets
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display

from kolena_lab.evaluators import configuration_title
from kolena_lab.ui._failures import FailureRule, failing_samples
from kolena_lab.ui._jobs import JobStatus
from kolena_lab.ui._nested import nested_fields
from kolena_lab.ui._result_plots import PlotKey, load_plots, per_class_figure, plot_figures
from kolena_lab.ui._results_table import ResultsTable
from kolena_lab.ui._widget import REVEAL_CLASS, Panel, html_table
from kolena_lab.ui.charts import Chart
from kolena_lab.ui.suggestions import SNAPSHOT_COLUMNS, Suggestions
from kolena_lab.workflow import (
    Bootstrap,
    Comparison,
    ConfigurationComparison,
    MetricDirections,
    Model,
    Plot,
    TestCase,
    TestSample,
    TestSuite,
    compare,
    metric_value,
    sample_label,
)

OpenTestCase = Callable[[TestCase, Model, List[TestSample]], Any]
ConfigurationKey = Tuple[str, str]


@dataclasses.dataclass
class _Tab:
    key: ConfigurationKey
    title: str
    nested: Dict[str, List[str]]  # nested per-class column -> its numeric fields, headline first
    directions: MetricDirections  # of the tab's metrics, declared and given
    result: ConfigurationComparison  # the table's values and their comparison with the baseline
    table: ResultsTable


class ResultsDashboard(Panel):
    """Test-case metrics of ``models`` on ``test_suite``: one tab per configuration, baseline comparison, plots.

    ``evaluator`` limits the results to one evaluator's display name. ``significance`` maps a test-case metric to the
    per-sample metric whose paired mean difference is bootstrapped (default: the per-sample metric of the same name).
    A metric's direction is what its metrics class declares (``kolena_lab.workflow.directions``: the ready
    evaluators declare theirs); ``directions`` (``{metric: True | False | None}``, or ``{evaluator: {metric: ...}}``)
    and ``lower_is_better`` / ``higher_is_better`` (metric names) set or override it. A metric with no direction is
    shown neutral, never guessed from its name. ``failure`` picks a model's failing samples for the click-through: a
    ``DataFrame.eval`` expression over the per-sample metrics (``"correct == False"``), a function of that frame
    returning a mask, or None to guess from common field names. ``on_open_test_case(test_case, model, samples)``
    receives the clicked test case, the model and its failing samples; by default the sample browser opens below.
    ``static_images=False`` leaves PNG copies out of chart outputs (faster, but not visible in shared notebooks).
    """

    title = "Results"

    def __init__(
        self,
        test_suite: TestSuite,
        models: Sequence[Model],
        baseline: Optional[Union[Model, str]] = None,
        evaluator: Optional[str] = None,
        significance: Optional[Mapping[str, str]] = None,
        lower_is_better: Iterable[str] = (),
        higher_is_better: Iterable[str] = (),
        directions: Optional[Mapping[str, Any]] = None,
        failure: FailureRule = None,
        on_open_test_case: Optional[OpenTestCase] = None,
        static_images: bool = True,
        background: bool = True,
    ):
        if not models:
            raise ValueError("ResultsDashboard needs at least one model")
        names = [m.name for m in models]
        if len(set(names)) != len(names):
            raise ValueError(f"models must be distinct, got {names}")
        self.test_suite, self.models = test_suite, list(models)
        self._by_name = {m.name: m for m in self.models}
        self.evaluator = evaluator
        self.significance = dict(significance or {})
        self._lower, self._higher = set(lower_is_better), set(higher_is_better)
        self._directions = dict(directions or {})
        self.failure = failure
        self.on_open_test_case = on_open_test_case or self._open_in_browser
        self.static_images = static_images
        self.bootstrap = Bootstrap()
        self.background = background
        self._significance_thread: Optional[threading.Thread] = None
        self._significance_lock = threading.Lock()
        self.title = f"Results: {test_suite.name} (version {test_suite.version})"
        self._test_cases = {tc.name: tc for tc in test_suite.test_cases}
        self._plots: Optional[Dict[PlotKey, List[Plot]]] = None
        self._chart_html: List[str] = []

        self._compared = self._load_comparison(self._check_model(baseline) if baseline else names[0])
        self._tabs: List[_Tab] = [self._make_tab(key) for key in self._compared.configurations()]
        self.baseline_select = ipywidgets.Dropdown(options=names, description="Baseline",
                                                   value=self._compared.baseline)
        self.failures_of = ipywidgets.Dropdown(options=names, value=names[-1], description="Failures of",
                                               tooltip="model whose failing samples open when a test case is clicked")
        self.tab = ipywidgets.Tab(children=[ipywidgets.VBox([t.table]) for t in self._tabs],
                                  titles=[t.title for t in self._tabs])
        self.test_case_select = ipywidgets.Dropdown(options=list(self._test_cases), description="Test case")
        self.plot_select = ipywidgets.Dropdown(description="Plot")
        self.per_class_select = ipywidgets.Dropdown(description="Per class")
        self.charts = ipywidgets.Output(layout=ipywidgets.Layout(min_height="40px"))
        self.browser = ipywidgets.Output()
        self.status = ipywidgets.HTML()
        self.significance_status = ipywidgets.HTML()
        self.suggestions = Suggestions(self._suggestion_target, self.show_slice, background=background,
                                       on_change=self.update_displays)
        self._refresh_comparison()
        self._refresh_plot_options()
        self.baseline_select.observe(lambda _: self._on_baseline(), "value")
        for control, name in ((self.failures_of, "value"), (self.test_case_select, "value"),
                              (self.tab, "selected_index")):
            control.observe(lambda _: self.suggestions.refresh_metrics(), name)
        self.tab.observe(lambda _: self._refresh_plot_options(), "selected_index")
        self.test_case_select.observe(lambda _: self._refresh_plot_options(), "value")
        self.plot_select.observe(lambda _: self._draw_charts(), "value")
        self.per_class_select.observe(lambda _: self._draw_charts(), "value")
        for tab in self._tabs:
            self._wire(tab)
        self.jobs = self._owned(JobStatus(names, test_suite.name, on_finished=lambda _: self.reload()))
        legend = ipywidgets.HTML(
            "<div style='font-size:12px;line-height:1.4'>Against the baseline: <span style='background:#dafbe1'>"
            "▲ better</span>, <span style='background:#ffebe9'>▼ worse</span> in each metric's direction (hover "
            "its header); no colour when it declares none. * significant (95% paired bootstrap). Click a test case "
            "to browse its failures.</div>")
        super().__init__([
            ipywidgets.HBox([self.baseline_select, self.failures_of]), legend, self.jobs, self.significance_status,
            self.tab, self.status, self.browser,  # a clicked test case (or suggested slice) opens below the table
            self.suggestions,
            ipywidgets.HBox([self.test_case_select, self.plot_select, self.per_class_select]),
            self.charts,
        ])
        self._draw_charts()
        self._start_significance()

    def _load_comparison(self, baseline: str) -> Comparison:
        return compare(self.test_suite, self.models, baseline=baseline, evaluator=self.evaluator,
                       significance=self.significance, lower_is_better=self._lower,
                       higher_is_better=self._higher, bootstrap=self.bootstrap, directions=self._directions)

    def _wire(self, tab: _Tab) -> None:
        tab.table.observe(lambda change, t=tab: self._sort(t), ["sort_key", "descending"])
        tab.table.on_msg(self._on_table_message)

    def reload(self) -> None:
        """Read the stored results again and rebuild the tabs (called when an evaluation job of these models on
        this suite finishes)."""
        self.wait()
        with self._significance_lock:
            self._compared = self._load_comparison(self.baseline)
            self._plots = None
            self._tabs = [self._make_tab(key) for key in self._compared.configurations()]
            for tab in self._tabs:
                self._wire(tab)
            self.tab.children = [ipywidgets.VBox([t.table]) for t in self._tabs]
            self.tab.titles = [t.title for t in self._tabs]
            self._refresh_comparison()
        self._refresh_plot_options()
        self._start_significance()
        self.update_displays()

    # -- data ---------------------------------------------------------------------------------------------------

    @property
    def metrics(self) -> pd.DataFrame:
        """The stored test-case metrics of every model (a leading ``model`` column)."""
        return self._compared.metrics

    def _check_model(self, model: Union[Model, str]) -> str:
        name = model if isinstance(model, str) else model.name
        if name not in self._by_name:
            raise ValueError(f"baseline '{name}' is not one of the dashboard's models {list(self._by_name)}")
        return name

    def _tab_title(self, key: ConfigurationKey) -> str:
        evaluator, configuration = key
        several = self.metrics["evaluator"].nunique() > 1
        if not configuration:
            return evaluator
        siblings = [c for e, c in self._compared.configurations() if e == evaluator]
        title = configuration_title(evaluator, configuration) or _distinct_first(configuration, siblings)
        return f"{evaluator} · {title}" if several else title

    def _make_tab(self, key: ConfigurationKey) -> _Tab:
        result = self._compared.configuration(key, significance=False)
        rows = self._compared.rows(key)
        directions = self._compared.directions(key)  # what the comparison applied: declared, then given
        nested = {}
        for column in result.nested:
            fields = nested_fields(rows[column].dropna())
            nested[column] = MetricDirections.for_metrics(fields).order(fields)
        title = self._tab_title(key)
        return _Tab(key, title, nested, directions, result, ResultsTable(label=f"Test-case metrics, {title}"))

    def configurations(self) -> List[str]:
        """The tab titles: one per (evaluator, configuration) with results."""
        return [t.title for t in self._tabs]

    def _tab(self, configuration: Optional[str]) -> _Tab:
        if configuration is None:
            return self._tabs[self.tab.selected_index or 0] if self._tabs else self._no_results()
        for tab in self._tabs:
            if configuration in (tab.title, tab.key[1]):
                return tab
        raise KeyError(f"no results for configuration '{configuration}'; there are {self.configurations()}")

    def _no_results(self) -> _Tab:
        raise ValueError(f"no stored test-case metrics for {list(self._by_name)} on suite '{self.test_suite.name}'")

    def table(self, configuration: Optional[str] = None) -> pd.DataFrame:
        """Test cases × (metric, model) of a tab (the selected one by default), in the table's current order."""
        tab = self._tab(configuration)
        values = tab.result.values
        return values.loc[[r["test_case"] for r in tab.table.rows]] if tab.table.rows else values

    # -- comparison ---------------------------------------------------------------------------------------------

    @property
    def baseline(self) -> str:
        """The baseline model's name."""
        return self.baseline_select.value

    def set_baseline(self, model: Union[Model, str]) -> None:
        """Compare every model with this one."""
        self.baseline_select.value = self._check_model(model)

    def comparison(self, configuration: Optional[str] = None) -> pd.DataFrame:
        """Every (test case, metric, model) of a tab against the baseline (``Comparison.to_dataframe`` columns:
        value, baseline value, delta, change +1 better / -1 worse / 0 same, the bootstrap interval of the mean
        per-sample difference and its p-value when the metric has a per-sample counterpart, see ``significance``)."""
        tab = self._tab(configuration)
        return self._compared.configuration(tab.key).to_dataframe()

    def compute_significance(self) -> None:
        """Bootstrap every tab against the current baseline and mark significant differences in the tables.

        Reading each test case's per-sample metrics is the slow part, so the dashboard runs this in a background
        thread after it is shown (``background=True``); ``wait()`` blocks until it is done.
        """
        compared = self._compared
        marked = compared.compute_significance()
        with self._significance_lock:
            if compared.baseline == self.baseline:
                self._refresh_comparison()
                self.significance_status.value = (
                    f"<small>Significance against <b>{html.escape(compared.baseline)}</b>: {marked} comparisons "
                    "bootstrapped</small>" if marked else "<small>No significance marks: the evaluator stores no per-sample "
                    "metric of the same name as a table metric to test them on.</small>")
        self.update_displays()  # a saved notebook's snapshot then carries the marks

    def _start_significance(self) -> None:
        if not self._tabs:
            return
        self.significance_status.value = "<small>Computing significance (paired bootstrap)…</small>"
        if not self.background:
            self.compute_significance()
            return
        self._significance_thread = threading.Thread(target=self._significance_worker, daemon=True,
                                                     name="kolena-lab-significance")
        self._significance_thread.start()

    def _significance_worker(self) -> None:
        try:
            self.compute_significance()
        except Exception as e:  # shown in the widget: a background thread has nowhere else to report
            self.significance_status.value = f"<small>Significance not computed: {html.escape(repr(e))}</small>"

    def wait(self, timeout: Optional[float] = None) -> None:
        """Block until the background significance computation is done."""
        thread = self._significance_thread
        if thread is not None:
            thread.join(timeout)

    def _on_baseline(self) -> None:
        with self._significance_lock:
            self._compared = self._compared.with_baseline(self.baseline)
            self._refresh_comparison()
        if not self._compared.significance_computed():
            self._start_significance()  # an earlier run for another baseline finishes without touching the tables

    def _refresh_comparison(self) -> None:
        for tab in self._tabs:
            tab.result = self._compared.configuration(tab.key, significance=False)
            tab.table.show(tab.result, tab.directions)

    def _sort(self, tab: _Tab) -> None:
        tab.table.sort_rows(tab.result.values)

    def sort(self, metric: Optional[str], model: Optional[str] = None, descending: bool = True,
             configuration: Optional[str] = None) -> None:
        """Order a tab's rows by one (metric, model) column; ``metric=None`` restores the suite's order."""
        tab = self._tab(configuration)
        if metric is None:
            tab.table.sort_key = ""
            return
        if metric not in tab.result.metrics:
            raise KeyError(f"no metric '{metric}' in tab '{tab.title}'; there are {tab.result.metrics}")
        model = model or self.baseline
        with tab.table.hold_trait_notifications():
            tab.table.descending = descending
            tab.table.sort_key = f"{metric}\x1f{self._check_model(model)}"
        self._sort(tab)

    # -- plots --------------------------------------------------------------------------------------------------

    def plots(self, test_case: str, configuration: Optional[str] = None) -> Dict[str, List[Plot]]:
        """The stored plots of a test case in a tab, by model."""
        tab = self._tab(configuration)
        if self._plots is None:
            self._plots = load_plots(self.test_suite, self.models, self.evaluator)
        return {m.name: self._plots.get((m.name, test_case, tab.key), []) for m in self.models}

    def _refresh_plot_options(self) -> None:
        if not self._tabs:
            return
        tab = self._tab(None)
        titles: List[str] = []
        for plots in self.plots(self.test_case_select.value, tab.title).values():
            titles += [p.title for p in plots if p.title not in titles]
        per_class = [f"{column}.{field}" for column, fields in tab.nested.items() for field in fields]
        with self.hold_trait_notifications():
            self.plot_select.options = [("(none)", "")] + [(t, t) for t in titles]
            self.per_class_select.options = [("(none)", "")] + [(p, p) for p in per_class]
            self.plot_select.value = titles[0] if titles else ""
            self.per_class_select.value = self._differing(tab, self.test_case_select.value, per_class)
        self._draw_charts()

    def _differing(self, tab: _Tab, test_case: str, per_class: List[str]) -> str:
        """The first per-class field (headline first) whose values differ between models on the test case; the
        first field when none differs."""
        rows = self._compared.rows(tab.key)
        rows = rows[rows["test_case"] == test_case]
        for nested in per_class:
            column, field = nested.rsplit(".", 1)
            values = {tuple(_comparable(getattr(e, field, None)) for e in entries)
                      for entries in rows[column] if isinstance(entries, list)}
            if len(values) > 1:
                return nested
        return per_class[0] if per_class else ""

    def plot_figures(self, test_case: str, title: str, configuration: Optional[str] = None) -> List[go.Figure]:
        """Figures of one plot title for every model: curves of all models in one figure, other plots one each."""
        return plot_figures(self.plots(test_case, configuration), test_case, title)

    def per_class_figure(self, test_case: str, nested: str, configuration: Optional[str] = None) -> go.Figure:
        """Grouped bars of a nested per-class field (``"<column>.<field>"``): one group per class, a bar per model."""
        return per_class_figure(self._compared.rows(self._tab(configuration).key), test_case, nested)

    def _draw_charts(self) -> None:
        if not hasattr(self, "children"):
            return
        figures = []
        if self._tabs:
            tab, test_case = self._tab(None), self.test_case_select.value
            if self.plot_select.value:
                figures += self.plot_figures(test_case, self.plot_select.value, tab.title)
            if self.per_class_select.value:
                figures.append(self.per_class_figure(test_case, self.per_class_select.value, tab.title))
        bundles = [Chart(fig, static=self.static_images)._repr_mimebundle_() for fig in figures]
        self._chart_html = [b["text/html"] for b in bundles]
        self.charts.outputs = tuple({"output_type": "display_data", "data": b, "metadata": {}} for b in bundles)

    # -- click-through ------------------------------------------------------------------------------------------

    def _on_table_message(self, _widget: Any, content: Dict[str, Any], _buffers: Any) -> None:
        if content.get("type") == "open":
            self.open_test_case(content["test_case"], content.get("model"))

    def failures(self, test_case: str, model: Optional[str] = None,
                 configuration: Optional[str] = None) -> List[TestSample]:
        """The model's failing samples of a test case in a tab, by the ``failure`` rule."""
        tab = self._tab(configuration)
        rows, identities = self._compared.sample_rows(model or self.failures_of.value, test_case, tab.key)
        return failing_samples(self._test_cases[test_case], rows, identities, self.failure)

    def open_test_case(self, test_case: str, model: Optional[str] = None) -> Any:
        """Open a test case for a model (the "Failures of" model by default) with its failing samples."""
        if test_case not in self._test_cases:
            raise KeyError(f"test case '{test_case}' is not in suite '{self.test_suite.name}'")
        model = self._check_model(model or self.failures_of.value)
        failing = self.failures(test_case, model)
        self.status.value = (f"Opened <b>{html.escape(test_case)}</b>: {len(failing)} failing samples of "
                             f"<b>{html.escape(model)}</b>")
        return self.on_open_test_case(self._test_cases[test_case], self._by_name[model], failing)

    def _open_in_browser(self, test_case: TestCase, model: Model, samples: List[TestSample]) -> Any:
        """The default click-through: a SampleBrowser on the test case with the model's results, filtered to the
        failing samples by locator (a plain list of them when the browser cannot open)."""
        from kolena_lab.ui.browser import SampleBrowser

        evaluator, configuration = self._tab(None).key
        widget = SampleBrowser(test_case, model=model, evaluator=evaluator, configuration=configuration,
                               suggest=False)  # the dashboard's own suggestions are above
        widget.add_filter(widget.table.locator_column, "in", [sample_label(s) for s in samples] or [""])
        self._show_browser(widget)
        return widget

    def _show_browser(self, widget: Any) -> None:
        """Show a browser opened by a click below the table; the JupyterLab extension scrolls it into view."""
        widget.add_class(REVEAL_CLASS)
        self.browser.clear_output()
        with self.browser:
            display(widget)

    def _suggestion_target(self) -> Tuple[Model, TestCase, Optional[str], Optional[str]]:
        evaluator, configuration = self._tab(None).key
        return (self._by_name[self.failures_of.value], self._test_cases[self.test_case_select.value], evaluator,
                configuration)

    def show_slice(self, query: str) -> Any:
        """Open the chosen test case for the "Failures of" model in the sample browser, filtered by ``query`` (a
        suggested slice's)."""
        from kolena_lab.ui.browser import SampleBrowser

        model, test_case, evaluator, configuration = self._suggestion_target()
        widget = SampleBrowser(test_case, model=model, evaluator=evaluator, configuration=configuration,
                               suggest=False)  # the dashboard's own suggestions are above
        widget.filter(query)
        self._show_browser(widget)
        return widget

    # -- static snapshot ----------------------------------------------------------------------------------------

    def snapshot_body(self) -> str:
        parts = [f"<p>Baseline: <b>{html.escape(self.baseline)}</b>. ▲ better, ▼ worse, * significant.</p>"]
        for tab in self._tabs:
            header = ["test case"] + [f"{c['group']} · {c['label']}" for c in tab.table.columns]
            rows = [[r["test_case"]] + [c["text"] for c in r["cells"]] for r in tab.table.rows]
            parts.append(html_table(header, rows, caption=tab.title))
        suggested = self.suggestions.snapshot_rows()
        if suggested:
            parts.append(html_table(SNAPSHOT_COLUMNS, suggested, caption="Suggested test cases"))
        parts += self._chart_html
        return "".join(parts)


def _comparable(value: Any) -> Optional[float]:
    number = metric_value(value)
    return None if math.isnan(number) else number


def _distinct_first(configuration: str, siblings: Sequence[str]) -> str:
    """A configuration's display name with the parts (``", "``-separated) its siblings do not all share first."""
    parts = configuration.split(", ")
    shared = [p for p in parts if all(p in s.split(", ") for s in siblings)]
    return ", ".join([p for p in parts if p not in shared] + shared)


__all__ = ["ResultsDashboard"]
