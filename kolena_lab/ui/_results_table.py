"""The results table of one dashboard tab: a small anywidget, its cells read against the baseline, and its order."""
import math
from pathlib import Path
from typing import Any, Dict

import anywidget
import numpy as np
import pandas as pd
import traitlets

from kolena_lab.workflow import ConfigurationComparison, MetricDirections

_STATIC = Path(__file__).parent / "static"


class ResultsTable(anywidget.AnyWidget):
    """The table of one tab: sortable headers, test-case buttons (``open`` messages go to Python)."""

    _esm = _STATIC / "results_table.js"
    _css = _STATIC / "results_table.css"
    label = traitlets.Unicode("Results").tag(sync=True)
    groups = traitlets.List().tag(sync=True)
    columns = traitlets.List().tag(sync=True)
    rows = traitlets.List().tag(sync=True)
    sort_key = traitlets.Unicode("").tag(sync=True)
    descending = traitlets.Bool(True).tag(sync=True)

    def show(self, result: ConfigurationComparison, directions: MetricDirections = MetricDirections()) -> None:
        """Fill the table with a configuration's comparison (a column per metric and model), in the current order;
        each metric's header tells its direction."""
        models = result.models
        self.groups = [{"label": m, "span": len(models), "title": f"{m}: {_DIRECTION[directions.direction(m)]}"}
                       for m in result.metrics]
        self.columns = [{"key": f"{m}\x1f{model}", "group": m, "label": model, "model": model}
                        for m in result.metrics for model in models]
        self.rows = [
            {"test_case": test_case,
             "cells": [table_cell(result, i, j, k) for j in range(len(result.metrics)) for k in range(len(models))]}
            for i, test_case in enumerate(result.test_cases)
        ]
        self.sort_rows(result.values)

    def sort_rows(self, values: pd.DataFrame) -> None:
        """Order the rows by the ``sort_key`` column of ``values`` (test cases × (metric, model)), else as
        ``values``."""
        order = list(values.index)
        if self.sort_key:
            metric, model = self.sort_key.split("\x1f")
            column = values[(metric, model)]
            numeric = pd.to_numeric(column, errors="coerce")
            series = numeric if numeric.notna().any() else column.astype(str)
            order = list(series.sort_values(ascending=not self.descending, na_position="last", kind="stable").index)
        position = {name: i for i, name in enumerate(order)}
        rows = sorted(self.rows, key=lambda r: position[r["test_case"]])
        if [r["test_case"] for r in rows] != [r["test_case"] for r in self.rows]:
            self.rows = rows


_DIRECTION = {True: "higher is better", False: "lower is better", None: "no direction declared (not coloured)"}


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table_cell(result: ConfigurationComparison, i: int, j: int, k: int) -> Dict[str, str]:
    """The text, tone (``up``/``down``, ``-sig`` when significant), change (``better``/``worse``/empty) and tooltip
    of cell (test case ``i``, metric ``j``, model ``k``)."""
    metric, is_baseline = result.metrics[j], result.models[k] == result.baseline
    text = _format(result.raw[i, j, k])
    change = result.change[i, j, k]
    if is_baseline or change == 0:
        return {"text": text, "tone": "", "change": "",
                "title": f"{metric}: {text}" + (" (baseline)" if is_baseline else "")}
    better, significant = change > 0, bool(result.significant[i, j, k])
    delta = abs(result.value[i, j, k] - result.baseline_value[i, j])
    title = f"{metric}: {text}, {'better' if better else 'worse'} than the baseline by {delta:.4g}"
    low, high = result.low[i, j, k], result.high[i, j, k]
    if np.isfinite(low):
        title += (f"; 95% interval of the mean per-sample difference [{low:.4g}, {high:.4g}]"
                  f"{' (significant)' if significant else ''}")
    tone = ("up" if better else "down") + ("-sig" if significant else "")
    return {"text": f"{text} {'▲' if better else '▼'}{'*' if significant else ''}", "tone": tone,
            "change": "better" if better else "worse", "title": title}
