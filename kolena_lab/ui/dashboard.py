"""ResultsDashboard: a suite's test-case metrics for several models, compared with a baseline, with every plot.

One tab per (evaluator, configuration) holds a sortable table of test cases × metrics × models; cells are coloured
by improvement (green, ▲) or regression (red, ▼) against the baseline model, and marked ``*`` when a paired
bootstrap over the test case's samples says the difference is significant. Below the tabs, the test case's plots
(plotly, with PNG copies) and nested per-class rows as grouped bars. Clicking a test case opens it in the sample
browser, filtered to the chosen model's failing samples.
"""
import dataclasses
import html
import threading
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import ipywidgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display

from kolena_lab.ui import _comparison
from kolena_lab.ui._failures import FailureRule, failure_mask
from kolena_lab.ui._jobs import JobStatus
from kolena_lab.ui._nested import nested_fields, row_label
from kolena_lab.ui._results_table import ResultsTable, as_float, table_cell
from kolena_lab.ui._samples import frame_identities, sample_identity
from kolena_lab.ui._widget import Panel, html_table
from kolena_lab.ui.charts import LAYOUT, Chart, figure
from kolena_lab.workflow import (
    CurvePlot,
    Model,
    Plot,
    TestCase,
    TestSample,
    TestSuite,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    sample_label,
)

_KEY_COLUMNS = ("test_case", "version", "evaluator", "configuration")

OpenTestCase = Callable[[TestCase, Model, List[TestSample]], Any]
ConfigurationKey = Tuple[str, str]


@dataclasses.dataclass
class _Tab:
    key: ConfigurationKey
    title: str
    metrics: List[str]  # scalar metrics shown in the table, in stored order
    nested: Dict[str, List[str]]  # nested per-class column -> its numeric fields
    values: pd.DataFrame  # index test case name, columns (metric, model)
    table: ResultsTable


class ResultsDashboard(Panel):
    """Test-case metrics of ``models`` on ``test_suite``: one tab per configuration, baseline comparison, plots.

    ``evaluator`` limits the results to one evaluator's display name. ``significance`` maps a test-case metric to the
    per-sample metric whose paired mean difference is bootstrapped (default: the per-sample metric of the same name).
    ``lower_is_better`` / ``higher_is_better`` name metrics whose direction the name does not tell (see
    ``_comparison.lower_is_better``). ``failure`` picks a model's failing samples for the click-through: a
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
        self.failure = failure
        self.on_open_test_case = on_open_test_case or self._open_in_browser
        self.static_images = static_images
        self.bootstrap = _comparison.Bootstrap()
        self.background = background
        self._intervals_cache: Dict[Tuple[ConfigurationKey, str], Dict[Tuple[str, str, str], Tuple[float, float]]] = {}
        self._significance_thread: Optional[threading.Thread] = None
        self._significance_lock = threading.Lock()
        self.title = f"Results: {test_suite.name} (version {test_suite.version})"
        self._test_cases = {tc.name: tc for tc in test_suite.test_cases}
        self._sample_metrics: Dict[Tuple[str, str], pd.DataFrame] = {}
        self._tab_sample_rows: Dict[Tuple[str, str, ConfigurationKey], Tuple[pd.DataFrame, List[str]]] = {}
        self._plots: Optional[Dict[Tuple[str, str, ConfigurationKey], List[Plot]]] = None
        self._chart_html: List[str] = []

        self.metrics = self._load_metrics()
        self._tabs: List[_Tab] = [self._make_tab(key) for key in self._configuration_keys()]
        self.baseline_select = ipywidgets.Dropdown(options=names, description="Baseline",
                                                   value=self._check_model(baseline) if baseline else names[0])
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
        self._refresh_comparison()
        self._refresh_plot_options()
        self.baseline_select.observe(lambda _: self._on_baseline(), "value")
        self.tab.observe(lambda _: self._refresh_plot_options(), "selected_index")
        self.test_case_select.observe(lambda _: self._refresh_plot_options(), "value")
        self.plot_select.observe(lambda _: self._draw_charts(), "value")
        self.per_class_select.observe(lambda _: self._draw_charts(), "value")
        for tab in self._tabs:
            self._wire(tab)
        self.jobs = self._owned(JobStatus(names, test_suite.name, on_finished=lambda _: self.reload()))
        legend = ipywidgets.HTML(
            "<small>Compared with the baseline: <span style='background:#dafbe1'>▲ better</span>, "
            "<span style='background:#ffebe9'>▼ worse</span>, * significant (95% paired bootstrap over the test "
            "case's samples). Click a test case to browse its failures.</small>")
        super().__init__([
            ipywidgets.HBox([self.baseline_select, self.failures_of]), legend, self.jobs, self.significance_status,
            self.tab,
            ipywidgets.HBox([self.test_case_select, self.plot_select, self.per_class_select]),
            self.charts, self.status, self.browser,
        ])
        self._draw_charts()
        self._start_significance()

    def _wire(self, tab: _Tab) -> None:
        tab.table.observe(lambda change, t=tab: self._sort(t), ["sort_key", "descending"])
        tab.table.on_msg(self._on_table_message)

    def reload(self) -> None:
        """Read the stored results again and rebuild the tabs (called when an evaluation job of these models on
        this suite finishes)."""
        self.wait()
        with self._significance_lock:
            self.metrics = self._load_metrics()
            self._intervals_cache.clear()
            self._sample_metrics.clear()
            self._tab_sample_rows.clear()
            self._plots = None
            self._tabs = [self._make_tab(key) for key in self._configuration_keys()]
            for tab in self._tabs:
                self._wire(tab)
            self.tab.children = [ipywidgets.VBox([t.table]) for t in self._tabs]
            self.tab.titles = [t.title for t in self._tabs]
            self._refresh_comparison()
        self._refresh_plot_options()
        self._start_significance()
        self.update_displays()

    # -- data ---------------------------------------------------------------------------------------------------

    def _check_model(self, model: Union[Model, str]) -> str:
        name = model if isinstance(model, str) else model.name
        if name not in self._by_name:
            raise ValueError(f"baseline '{name}' is not one of the dashboard's models {list(self._by_name)}")
        return name

    def _load_metrics(self) -> pd.DataFrame:
        frames = []
        for model in self.models:
            frame = load_test_case_metrics(model, self.test_suite, self.evaluator)
            frame.insert(0, "model", model.name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def _configuration_keys(self) -> List[ConfigurationKey]:
        keys = self.metrics[["evaluator", "configuration"]].drop_duplicates()
        return [(str(e), str(c)) for e, c in keys.itertuples(index=False)]

    def _tab_title(self, key: ConfigurationKey) -> str:
        evaluator, configuration = key
        several = self.metrics["evaluator"].nunique() > 1
        if not configuration:
            return evaluator
        return f"{evaluator} · {configuration}" if several else configuration

    def _make_tab(self, key: ConfigurationKey) -> _Tab:
        rows = _of_configuration(self.metrics, key).dropna(axis=1, how="all")
        metrics, nested = [], {}
        for column in rows.columns:
            if column in _KEY_COLUMNS or column == "model":
                continue
            values = rows[column].dropna()
            if len(values) and isinstance(values.iloc[0], list):
                nested[column] = nested_fields(values)
            elif len(values):
                metrics.append(column)
        wide = rows.pivot(index="test_case", columns="model", values=metrics) if metrics else pd.DataFrame()
        order = [n for n in self._test_cases if n in set(rows["test_case"])]
        models = [m.name for m in self.models if m.name in set(rows["model"])]
        if metrics:
            wide = wide.reindex(index=order, columns=pd.MultiIndex.from_product([metrics, models]))
        title = self._tab_title(key)
        table = ResultsTable(label=f"Test-case metrics, {title}")
        return _Tab(key, title, metrics, nested, wide, table)

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
        return tab.values.loc[[r["test_case"] for r in tab.table.rows]] if tab.table.rows else tab.values

    # -- comparison ---------------------------------------------------------------------------------------------

    @property
    def baseline(self) -> str:
        """The baseline model's name."""
        return self.baseline_select.value

    def set_baseline(self, model: Union[Model, str]) -> None:
        """Compare every model with this one."""
        self.baseline_select.value = self._check_model(model)

    def _sample_frame(self, model: str, test_case: str) -> pd.DataFrame:
        key = (model, test_case)
        if key not in self._sample_metrics:
            self._sample_metrics[key] = load_test_sample_metrics(self._by_name[model], self._test_cases[test_case],
                                                                 self.evaluator)
        return self._sample_metrics[key]

    def _tab_samples(self, model: str, test_case: str, key: ConfigurationKey) -> Tuple[pd.DataFrame, List[str]]:
        """A model's per-sample metrics of a test case in one tab, with each row's sample identity (cached)."""
        cache_key = (model, test_case, key)
        if cache_key not in self._tab_sample_rows:
            rows = _of_configuration(self._sample_frame(model, test_case), key)
            self._tab_sample_rows[cache_key] = rows, frame_identities(rows)
        return self._tab_sample_rows[cache_key]

    def _sample_values(self, model: str, test_case: str, tab: _Tab, field: str) -> pd.Series:
        rows, keys = self._tab_samples(model, test_case, tab.key)
        if field not in rows.columns:
            return pd.Series(dtype=float)
        values = pd.to_numeric(rows[field], errors="coerce").astype(float)
        return pd.Series(values.to_numpy(), index=keys)

    def comparison(self, configuration: Optional[str] = None) -> pd.DataFrame:
        """Every (test case, metric, model) of a tab against the baseline: value, baseline value, delta, change
        (+1 better, -1 worse, 0 same), and the bootstrap interval of the mean per-sample difference when the metric
        has a per-sample counterpart (see ``significance``)."""
        tab = self._tab(configuration)
        c = self._comparison_arrays(tab, compute=True)
        shape = c["value"].shape
        test_cases, metrics, models = np.meshgrid(np.asarray(tab.values.index, dtype=object),
                                                  np.asarray(tab.metrics, dtype=object),
                                                  np.asarray(c["models"], dtype=object), indexing="ij")
        base = np.broadcast_to(c["baseline"][:, :, None], shape)
        frame = pd.DataFrame({
            "test_case": test_cases.ravel(), "metric": metrics.ravel(), "model": models.ravel(),
            "value": c["value"].ravel(), "baseline": base.ravel(), "delta": (c["value"] - base).ravel(),
            "change": c["change"].ravel(), "ci_low": c["low"].ravel(), "ci_high": c["high"].ravel(),
            "significant": c["significant"].ravel(),
        })
        return frame

    def _comparison_arrays(self, tab: _Tab, compute: bool = False) -> Dict[str, Any]:
        """Arrays indexed (test case, metric, model): numeric values, change against the baseline, intervals."""
        models = list(tab.values.columns.get_level_values(1).unique()) if tab.metrics else []
        n_cases, n_metrics, n_models = len(tab.values.index), len(tab.metrics), len(models)
        raw = tab.values.to_numpy(dtype=object).reshape(n_cases, n_metrics, n_models)
        value = np.vectorize(as_float, otypes=[float])(raw) \
            if raw.size else np.zeros(raw.shape)
        baseline = self.baseline
        b = models.index(baseline) if baseline in models else None
        base = value[:, :, b] if b is not None else np.full(value.shape[:2], np.nan)
        lower = np.array([_comparison.lower_is_better(m, self._lower, self._higher) for m in tab.metrics], dtype=bool)
        diff = value - base[:, :, None]
        with np.errstate(invalid="ignore"):
            better = np.where(lower[None, :, None], diff < 0, diff > 0)
            worse = np.where(lower[None, :, None], diff > 0, diff < 0)
        change = better.astype(int) - worse.astype(int)
        low, high = np.full(value.shape, np.nan), np.full(value.shape, np.nan)
        if b is not None:
            change[:, :, b] = 0
            intervals = self._tab_intervals(tab, baseline) if compute else \
                self._intervals_cache.get((tab.key, baseline), {})
            rows = {name: i for i, name in enumerate(tab.values.index)}
            for (test_case, metric, model), (lo, hi) in intervals.items():
                i, j, k = rows[test_case], tab.metrics.index(metric), models.index(model)
                low[i, j, k], high[i, j, k] = lo, hi
        with np.errstate(invalid="ignore"):
            significant = (change != 0) & ((low > 0) | (high < 0))
        return {"models": models, "raw": raw, "value": value, "baseline": base, "change": change, "low": low,
                "high": high, "significant": significant}

    def _tab_intervals(self, tab: _Tab, baseline: str) -> Dict[Tuple[str, str, str], Tuple[float, float]]:
        """Bootstrap intervals of every (test case, metric, model) of a tab with a per-sample counterpart (cached)."""
        key = (tab.key, baseline)
        if key not in self._intervals_cache:
            fields = {m: self.significance.get(m, m) for m in tab.metrics}
            found = {}
            for test_case in tab.values.index:
                for (metric, model), interval in self._intervals(tab, test_case, baseline, fields).items():
                    found[(test_case, metric, model)] = interval
            self._intervals_cache[key] = found
        return self._intervals_cache[key]

    def compute_significance(self) -> None:
        """Bootstrap every tab against the current baseline and mark significant differences in the tables.

        Reading each test case's per-sample metrics is the slow part, so the dashboard runs this in a background
        thread after it is shown (``background=True``); ``wait()`` blocks until it is done.
        """
        baseline = self.baseline
        for tab in self._tabs:
            self._tab_intervals(tab, baseline)
        with self._significance_lock:
            if baseline == self.baseline:
                self._refresh_comparison()
                marked = sum(len(v) for (k, b), v in self._intervals_cache.items() if b == baseline)
                self.significance_status.value = (
                    f"<small>Significance against <b>{html.escape(baseline)}</b>: {marked} comparisons bootstrapped"
                    "</small>" if marked else "<small>No per-sample metric matches a table metric: no significance "
                    "marks (pass <code>significance={metric: per-sample metric}</code>)</small>")
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
            self._refresh_comparison()
        if any((tab.key, self.baseline) not in self._intervals_cache for tab in self._tabs):
            self._start_significance()  # an earlier run for another baseline finishes without touching the tables

    def _intervals(self, tab: _Tab, test_case: str, baseline: str,
                   sample_fields: Dict[str, str]) -> Dict[Tuple[str, str], Tuple[float, float]]:
        others = [m for m in tab.values.columns.get_level_values(1).unique() if m != baseline]
        if not others:
            return {}
        base_frame = self._sample_frame(baseline, test_case)
        wanted = {m: f for m, f in sample_fields.items() if f in base_frame.columns}
        columns, labels = [], []
        for metric, field in wanted.items():
            base = self._sample_values(baseline, test_case, tab, field)
            for model in others:
                values = self._sample_values(model, test_case, tab, field)
                paired = pd.concat([values, base], axis=1, join="inner").dropna()
                if len(paired) != len(base) or len(paired) < 2:
                    continue  # samples missing for one model: no paired comparison
                columns.append((paired.iloc[:, 0] - paired.iloc[:, 1]).to_numpy())
                labels.append((metric, model))
        if not columns:
            return {}
        low, high = self.bootstrap.intervals(np.column_stack(columns))
        return {label: (float(lo), float(hi)) for label, lo, hi in zip(labels, low, high)}

    def _refresh_comparison(self) -> None:
        for tab in self._tabs:
            c = self._comparison_arrays(tab)
            models = c["models"]
            tab.table.groups = [{"label": m, "span": len(models)} for m in tab.metrics]
            tab.table.columns = [{"key": f"{m}\x1f{model}", "group": m, "label": model, "model": model}
                                 for m in tab.metrics for model in models]
            tab.table.rows = [
                {"test_case": test_case,
                 "cells": [table_cell(c, i, j, k, metric, model == self.baseline)
                           for j, metric in enumerate(tab.metrics) for k, model in enumerate(models)]}
                for i, test_case in enumerate(tab.values.index)
            ]
            self._sort(tab)

    def _sort(self, tab: _Tab) -> None:
        order = list(tab.values.index)
        key, descending = tab.table.sort_key, tab.table.descending
        if key:
            metric, model = key.split("\x1f")
            column = tab.values[(metric, model)]
            numeric = pd.to_numeric(column, errors="coerce")
            series = numeric if numeric.notna().any() else column.astype(str)
            order = list(series.sort_values(ascending=not descending, na_position="last", kind="stable").index)
        position = {name: i for i, name in enumerate(order)}
        rows = sorted(tab.table.rows, key=lambda r: position[r["test_case"]])
        if [r["test_case"] for r in rows] != [r["test_case"] for r in tab.table.rows]:
            tab.table.rows = rows

    def sort(self, metric: Optional[str], model: Optional[str] = None, descending: bool = True,
             configuration: Optional[str] = None) -> None:
        """Order a tab's rows by one (metric, model) column; ``metric=None`` restores the suite's order."""
        tab = self._tab(configuration)
        if metric is None:
            tab.table.sort_key = ""
            return
        if metric not in tab.metrics:
            raise KeyError(f"no metric '{metric}' in tab '{tab.title}'; there are {tab.metrics}")
        model = model or self.baseline
        with tab.table.hold_trait_notifications():
            tab.table.descending = descending
            tab.table.sort_key = f"{metric}\x1f{self._check_model(model)}"
        self._sort(tab)

    # -- plots --------------------------------------------------------------------------------------------------

    def _all_plots(self) -> Dict[Tuple[str, str, ConfigurationKey], List[Plot]]:
        if self._plots is None:
            self._plots = {}
            for model in self.models:
                for test_case, evaluator, configuration, plot in load_test_case_plots(model, self.test_suite,
                                                                                      self.evaluator):
                    key = (model.name, test_case.name, (evaluator, configuration))
                    self._plots.setdefault(key, []).append(plot)
        return self._plots

    def plots(self, test_case: str, configuration: Optional[str] = None) -> Dict[str, List[Plot]]:
        """The stored plots of a test case in a tab, by model."""
        tab = self._tab(configuration)
        plots = self._all_plots()
        return {m.name: plots.get((m.name, test_case, tab.key), []) for m in self.models}

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
            self.per_class_select.value = per_class[0] if per_class else ""
        self._draw_charts()

    def plot_figures(self, test_case: str, title: str, configuration: Optional[str] = None) -> List[go.Figure]:
        """Figures of one plot title for every model: curves of all models in one figure, other plots one each."""
        by_model = {m: [p for p in plots if p.title == title]
                    for m, plots in self.plots(test_case, configuration).items()}
        found = [(m, p[0]) for m, p in by_model.items() if p]
        if not found:
            return []
        if all(isinstance(p, CurvePlot) for _, p in found):
            first = found[0][1]
            curves = [dataclasses.replace(c, label=f"{m} · {c.label}" if c.label else m)
                      for m, p in found for c in p.curves]
            merged = CurvePlot(title=first.title, x_label=first.x_label, y_label=first.y_label, curves=curves,
                               x_config=first.x_config, y_config=first.y_config)
            return [figure(merged, title=_with(title, test_case))]
        return [figure(p, title=_with(_with(title, test_case), m)) for m, p in found]

    def per_class_figure(self, test_case: str, nested: str, configuration: Optional[str] = None) -> go.Figure:
        """Grouped bars of a nested per-class field (``"<column>.<field>"``): one group per class, a bar per model."""
        tab = self._tab(configuration)
        column, field = nested.rsplit(".", 1)
        rows = _of_configuration(self.metrics, tab.key)
        rows = rows[rows["test_case"] == test_case]
        fig = go.Figure()
        for model, entries in zip(rows["model"], rows[column]):
            if not isinstance(entries, list):
                continue
            classes = [row_label(e) for e in entries]
            fig.add_trace(go.Bar(name=str(model), x=classes, y=[as_float(getattr(e, field, None)) for e in entries]))
        fig.update_layout(title=f"{column}: {field} per class — {test_case}", barmode="group", xaxis_title="class",
                          yaxis_title=field, xaxis_type="category", **LAYOUT)
        return fig

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
        model = model or self.failures_of.value
        frame, keys = self._tab_samples(model, test_case, tab.key)
        mask = failure_mask(frame, self.failure)
        by_key = {sample_identity(s): s for s, _ in self._test_cases[test_case].iter_test_samples()}
        return [by_key[k] for k, failed in zip(keys, mask) if failed and k in by_key]

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
        widget = SampleBrowser(test_case, model=model, evaluator=evaluator, configuration=configuration)
        widget.add_filter(widget.table.locator_column, "in", [sample_label(s) for s in samples] or [""])
        self.browser.clear_output()
        with self.browser:
            display(widget)
        return widget

    # -- static snapshot ----------------------------------------------------------------------------------------

    def snapshot_body(self) -> str:
        parts = [f"<p>Baseline: <b>{html.escape(self.baseline)}</b>. ▲ better, ▼ worse, * significant.</p>"]
        for tab in self._tabs:
            header = ["test case"] + [f"{c['group']} · {c['label']}" for c in tab.table.columns]
            rows = [[r["test_case"]] + [c["text"] for c in r["cells"]] for r in tab.table.rows]
            parts.append(html_table(header, rows, caption=tab.title))
        parts += self._chart_html
        return "".join(parts)


def _of_configuration(frame: pd.DataFrame, key: ConfigurationKey) -> pd.DataFrame:
    """The rows of one (evaluator, configuration)."""
    return frame[(frame["evaluator"] == key[0]) & (frame["configuration"] == key[1])]


def _with(title: str, part: str) -> str:
    """``title — part``, unless the title already names it (evaluators often put the test case in plot titles)."""
    return title if part in title else f"{title} — {part}"


__all__ = ["ResultsDashboard"]
