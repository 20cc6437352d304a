"""The dashboard's charts: stored plots of several models (curves of all models in one figure) and per-class bars."""
import dataclasses
from typing import Dict, List, Optional, Sequence, Tuple

import pandas as pd
import plotly.graph_objects as go

from kolena_lab.ui._nested import row_label
from kolena_lab.ui.charts import LAYOUT, figure
from kolena_lab.workflow import CurvePlot, Model, Plot, TestSuite, load_test_case_plots, metric_value

PlotKey = Tuple[str, str, Tuple[str, str]]  # model, test case, (evaluator, configuration)


def load_plots(test_suite: TestSuite, models: Sequence[Model], evaluator: Optional[str]) -> Dict[PlotKey, List[Plot]]:
    """Every stored plot of the models on the suite, by (model, test case, (evaluator, configuration))."""
    plots: Dict[PlotKey, List[Plot]] = {}
    for model in models:
        for test_case, plot_evaluator, configuration, plot in load_test_case_plots(model, test_suite, evaluator):
            plots.setdefault((model.name, test_case.name, (plot_evaluator, configuration)), []).append(plot)
    return plots


def plot_figures(by_model: Dict[str, List[Plot]], test_case: str, title: str) -> List[go.Figure]:
    """Figures of one plot title of a test case for every model: curves of all models in one figure, other plots
    one each."""
    titled = {m: [p for p in plots if p.title == title] for m, plots in by_model.items()}
    found = [(m, p[0]) for m, p in titled.items() if p]
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


def per_class_figure(rows: pd.DataFrame, test_case: str, nested: str) -> go.Figure:
    """Grouped bars of a nested per-class field (``"<column>.<field>"``) of a test case's rows (a ``model`` column
    and the nested column): one group per class, a bar per model."""
    column, field = nested.rsplit(".", 1)
    rows = rows[rows["test_case"] == test_case]
    fig = go.Figure()
    for model, entries in zip(rows["model"], rows[column]):
        if not isinstance(entries, list):
            continue
        classes = [row_label(e) for e in entries]
        fig.add_trace(go.Bar(name=str(model), x=classes, y=[metric_value(getattr(e, field, None)) for e in entries]))
    fig.update_layout(title=f"{column}: {field} per class — {test_case}", barmode="group", xaxis_title="class",
                      yaxis_title=field, xaxis_type="category", **LAYOUT)
    return fig


def _with(title: str, part: str) -> str:
    """``title — part``, unless the title already names it (evaluators often put the test case in plot titles)."""
    return title if part in title else f"{title} — {part}"
