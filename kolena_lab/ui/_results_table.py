"""The results table of one dashboard tab: a small anywidget, and how its cells read against the baseline."""
import math
from pathlib import Path
from typing import Any, Dict, Optional

import anywidget
import numpy as np
import traitlets

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


def number(value: Any) -> Optional[float]:
    """A metric value as a float (booleans count 0/1); None when it is not a number or is NaN."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.number)):
        value = float(value)
        return None if math.isnan(value) else value
    return None


def as_float(value: Any) -> float:
    """``number(value)``, with NaN for None (for numpy arrays)."""
    result = number(value)
    return math.nan if result is None else result


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table_cell(c: Dict[str, Any], i: int, j: int, k: int, metric: str, is_baseline: bool) -> Dict[str, str]:
    """The text, tone (``up``/``down``, ``-sig`` when significant) and tooltip of cell (test case ``i``, metric
    ``j``, model ``k``) from the comparison arrays ``c``."""
    text = _format(c["raw"][i, j, k])
    change = c["change"][i, j, k]
    if is_baseline or change == 0:
        return {"text": text, "tone": "", "title": f"{metric}: {text}" + (" (baseline)" if is_baseline else "")}
    better, significant = change > 0, bool(c["significant"][i, j, k])
    delta = abs(c["value"][i, j, k] - c["baseline"][i, j])
    title = f"{metric}: {text}, {'better' if better else 'worse'} than the baseline by {delta:.4g}"
    low, high = c["low"][i, j, k], c["high"][i, j, k]
    if np.isfinite(low):
        title += (f"; 95% interval of the mean per-sample difference [{low:.4g}, {high:.4g}]"
                  f"{' (significant)' if significant else ''}")
    tone = ("up" if better else "down") + ("-sig" if significant else "")
    return {"text": f"{text} {'▲' if better else '▼'}{'*' if significant else ''}", "tone": tone, "title": title}
