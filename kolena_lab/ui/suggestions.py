"""Suggested test cases: the slices of a test case where a model does significantly worse, found on demand (in a
background thread), each shown in the sample browser with one click and created as a versioned test case with a
second.

Every action is a call of the core a user could type: ``kolena_lab.workflow.find_slices`` finds them,
``slice_test_case`` creates one.
"""
import html
import threading
from typing import Any, Callable, List, Optional, Tuple

import ipywidgets as w
import pandas as pd

from kolena_lab.ui._widget import error_text
from kolena_lab.workflow import CurationResult, Model, TestCase, find_slices, slice_test_case
from kolena_lab.workflow.slices import slice_metrics

# the model, the test case, and the evaluator and configuration of the results to search (None: the only one)
Target = Tuple[Model, TestCase, Optional[str], Optional[str]]
_ERROR = "<span style='color:#a40e26'>{}</span>"
_DONE = "<span style='color:#1a7f37'>{}</span>"


def _fixed() -> w.Layout:
    """A control's layout that the feedback beside it never squeezes."""
    return w.Layout(width="auto", flex="0 0 auto")


def _escaped(exc: BaseException) -> str:
    return _ERROR.format(html.escape(error_text(exc)))


class Suggestions(w.VBox):
    """A "Suggested test cases" list over ``target()`` (called at each search): a metric to search (of ``metrics()``,
    else the stored per-sample metrics with a direction), a button that finds the slices, and per slice "Show"
    (``on_show(query)``) and "Create test case" (named in its box)."""

    def __init__(self, target: Callable[[], Target], on_show: Callable[[str], Any], *, k: int = 10,
                 background: bool = True, on_change: Callable[[], Any] = lambda: None,
                 metrics: Optional[Callable[[], List[str]]] = None):
        self._target = target
        self._metrics = metrics  # the metrics to offer, when the owner knows them without reading the store
        self._on_show = on_show
        self._on_change = on_change  # after a search or a creation: the owner refreshes its snapshot
        self.k = k
        self.background = background
        self.slices: Optional[pd.DataFrame] = None
        self.created: List[CurationResult] = []
        self._thread: Optional[threading.Thread] = None
        self._test_case: Optional[TestCase] = None  # the test case the listed slices are of
        self._name_boxes: List[w.Text] = []
        self._feedbacks: List[w.HTML] = []
        self.metric_box = w.Dropdown(description="Metric", options=[], layout=w.Layout(width="auto"),
                                     style={"description_width": "initial"})
        self.suggest_button = w.Button(description="Suggest test cases", icon="lightbulb-o",
                                       tooltip="find the slices where the model does significantly worse",
                                       layout=_fixed())
        self.status = w.HTML()
        self.status.add_class("kl-suggestions-status")
        self.rows = w.VBox()
        self.suggest_button.on_click(lambda _: self.start())
        super().__init__([w.HTML("<strong>Suggested test cases</strong>"),
                          w.HBox([self.metric_box, self.suggest_button]), self.status, self.rows])
        self.refresh_metrics()

    def refresh_metrics(self) -> None:
        """List the per-sample metrics of the current target that have a direction (headline first)."""
        try:
            if self._metrics is not None:
                options = self._metrics()
            else:
                model, test_case, evaluator, _ = self._target()
                options = slice_metrics(model, test_case, evaluator)
        except Exception as exc:  # shown, not raised: the list is optional
            self.status.value = _escaped(exc)
            options = []
        self.metric_box.options = options
        self.metric_box.value = options[0] if options else None
        if not options and not self.status.value:
            self.status.value = "No per-sample metric with a direction is stored for this model and test case."

    # ---------------------------------------------------------------- finding
    def suggest(self, metric: Optional[str] = None) -> pd.DataFrame:
        """Find the slices (``find_slices``) of the current target for ``metric`` (the chosen one by default)."""
        metric = metric or self.metric_box.value
        model, test_case, evaluator, configuration = self._target()
        self.status.value = html.escape(f"Searching the slices of '{test_case.name}' for {metric}…")
        slices = find_slices(model, test_case, metric=metric, evaluator=evaluator, configuration=configuration,
                             k=self.k)
        self.slices, self._test_case = slices, test_case
        self._render()
        found = (f"{len(slices)} slice{'s' if len(slices) != 1 else ''} where {model.name} does worse on {metric} "
                 f"({int(slices['significant'].sum())} significant)")
        self.status.value = html.escape(found if len(slices) else f"No slice where {model.name} does worse on "
                                                                  f"{metric}")
        return slices

    def start(self, metric: Optional[str] = None) -> None:
        """Run :meth:`suggest` (in a background thread unless ``background`` is False); errors show in the status."""
        if self._thread is not None and self._thread.is_alive():
            return
        self.suggest_button.disabled = True

        def run() -> None:
            try:
                self.suggest(metric)
            except Exception as exc:  # shown in the widget: a callback has no caller to raise to
                self.status.value = _escaped(exc)
            finally:
                self.suggest_button.disabled = False
                self._on_change()

        if self.background:
            self._thread = threading.Thread(target=run, name="kolena-lab-suggestions", daemon=True)
            self._thread.start()
        else:
            run()

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait for a background search to finish."""
        if self._thread is not None:
            self._thread.join(timeout)

    # ---------------------------------------------------------------- actions
    def _row(self, index: int) -> pd.Series:
        listed = 0 if self.slices is None else len(self.slices)
        if self.slices is None or not 0 <= index < listed:
            raise IndexError(f"no suggested slice {index} ({listed} listed; suggest first)")
        return self.slices.iloc[index]

    def show(self, index: int) -> Any:
        """Show slice ``index`` (its query) through ``on_show``."""
        row = self._row(index)
        out = self._on_show(row["query"])
        self._feedback(index, html.escape(f"Showing {row['size']:,} samples"))
        return out

    def create(self, index: int, name: Optional[str] = None) -> CurationResult:
        """Create slice ``index`` as a new test case (``slice_test_case``), named ``name`` or what its box holds."""
        row = self._row(index)
        name = name or self._name_boxes[index].value
        result = slice_test_case(self._test_case, row, name)  # type: ignore[arg-type]  # set with the slices
        self.created.append(result)
        self._feedback(index, _DONE.format(html.escape(
            f"Created test case '{result.test_case.name}' version {result.test_case.version} "
            f"({result.diff.after:,} samples)")))
        return result

    def _guarded(self, index: int, action: Callable[[int], Any]) -> None:
        try:
            action(index)
        except Exception as exc:  # shown next to the action
            self._feedback(index, _escaped(exc))
        self._on_change()

    def _feedback(self, index: int, text: str) -> None:
        if index < len(self._feedbacks):
            self._feedbacks[index].value = text

    # ---------------------------------------------------------------- rendering
    def _render(self) -> None:
        boxes, feedbacks, rows = [], [], []
        for i, row in enumerate(self.slices.itertuples(index=False) if self.slices is not None else []):
            text = (f"<b>{html.escape(row.slice)}</b>: {row.size:,} samples, {row.metric:.3g} vs {row.rest:.3g} "
                    f"elsewhere (adjusted p = {row.p_adjusted:.2g}, "
                    f"{'significant' if row.significant else '<em>not significant</em>'})")
            show = w.Button(description="Show", icon="filter", layout=_fixed())
            create = w.Button(description="Create test case", icon="plus", layout=_fixed())
            name = w.Text(value=f"{self._test_case.name} :: {row.slice}", layout=w.Layout(width="320px",
                                                                                         flex="0 0 auto"))
            feedback = w.HTML()
            show.on_click(lambda _, at=i: self._guarded(at, self.show))
            create.on_click(lambda _, at=i: self._guarded(at, self.create))
            boxes.append(name)
            feedbacks.append(feedback)
            rows.append(w.VBox([w.HTML(text), w.HBox([show, name, create, feedback],
                                                      layout=w.Layout(flex_flow="row wrap", align_items="center"))]))
        self._name_boxes, self._feedbacks = boxes, feedbacks
        self.rows.children = rows

    def snapshot_rows(self) -> List[List[Any]]:
        """The listed slices as table rows (slice, size, metric, rest, adjusted p), for a widget's snapshot."""
        if self.slices is None:
            return []
        return [[r.slice, r.size, r.metric, r.rest, r.p_adjusted] for r in self.slices.itertuples(index=False)]


SNAPSHOT_COLUMNS = ["suggested test case", "samples", "metric", "elsewhere", "p (adjusted)"]

__all__ = ["SNAPSHOT_COLUMNS", "Suggestions", "Target"]
