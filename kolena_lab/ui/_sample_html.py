"""Script-free HTML of samples: the detail view of one row (with a legend of what its image draws), a gallery of
page items for snapshots, and values formatted for people (2-3 significant digits, boxes as ``(x1, y1)–(x2, y2)``)."""
import dataclasses
import html
import math
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
import pandas as pd

from kolena_lab.media import Overlay, Thumbnail
from kolena_lab.media.overlays import FALSE_NEGATIVE, FALSE_POSITIVE, TRUE_POSITIVE
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, METRICS
from kolena_lab.ui._widget import html_table
from kolena_lab.workflow.annotation import Annotation

_GROUPS = ("Sample and metadata", "Ground truth", "Inference", "Metrics")
_LIST_ITEMS = 5  # a list shows this many items, then how many more
_OUTCOME_NAMES = {TRUE_POSITIVE: "TP", FALSE_POSITIVE: "FP", FALSE_NEGATIVE: "missed (FN)"}
_OUTCOME_STYLES = {TRUE_POSITIVE: "solid", FALSE_POSITIVE: "dashed", FALSE_NEGATIVE: "dashed"}


def number_text(value: float, grouping: bool = True) -> str:
    """A number for people: integers exactly (identifiers stay whole), other values to 3 significant digits, whole
    from 1,000 (thousands grouped from 10,000 when ``grouping``), a power of ten from a billion."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e9:
        return f"{value:.3g}"
    if value.is_integer() or abs(value) >= 1000:
        whole = round(value)
        return f"{whole:,}" if grouping and abs(whole) >= 10_000 else str(whole)
    return f"{value:.3g}"


def _point(point: Sequence[float]) -> str:
    return "(" + ", ".join(number_text(v, grouping=False) for v in point) + ")"


def annotation_text(annotation: Any) -> str:
    """An annotation as short text: ``"car (10, 10)–(40, 40) · 0.91"``, ``"polygon of 5 points"``, ``"cat"``."""
    parts = []
    label = getattr(annotation, "label", None)
    if label is not None:
        parts.append(str(label))
    if hasattr(annotation, "top_left") and hasattr(annotation, "bottom_right"):
        parts.append(f"{_point(annotation.top_left)}–{_point(annotation.bottom_right)}")
    elif hasattr(annotation, "points"):
        points = list(annotation.points)
        kind = type(annotation).__name__.replace("Scored", "").replace("Labeled", "").lower()
        parts.append(f"{kind} of {len(points)} points")
    text = " ".join(parts) or type(annotation).__name__
    score = getattr(annotation, "score", None)
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        text += f" · {number_text(score)}"
    return text


def cell_text(value: Any) -> str:
    """A field's value as short text: numbers to 3 significant digits, annotations and data objects readable,
    lists cut after a few items."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, np.integer, np.floating, np.bool_)):
        return number_text(value)
    if isinstance(value, (list, tuple)):
        items = [cell_text(v) for v in value[:_LIST_ITEMS]]
        more = f"; … {len(value) - _LIST_ITEMS} more" if len(value) > _LIST_ITEMS else ""
        return f"{len(value)}: " + "; ".join(items) + more if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items())
    if isinstance(value, Annotation):
        return annotation_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        shown = {k: v for k, v in vars(value).items() if not k.startswith("_") and v not in (None, [], {})}
        return f"{type(value).__name__}(" + ", ".join(f"{k}={cell_text(v)}" for k, v in shown.items()) + ")"
    return str(value)


def _swatch(color: Tuple[int, int, int], outcome: str) -> str:
    style = _OUTCOME_STYLES.get(outcome, "solid")
    return (f'<span aria-hidden="true" style="display:inline-block;width:14px;height:10px;margin-right:6px;'
            f'border:2px {style} rgb{color};vertical-align:middle"></span>')


def legend_html(overlay: Optional[Overlay], threshold: str = "") -> str:
    """What the image draws, as an HTML list: each shape's colour and style, label, box and score, and outcome
    (labels to read and hover, where the drawn image cannot); how many inferences ``threshold`` hides."""
    if overlay is None:
        return ""
    rows = [(a, o, False) for a, o in zip(overlay.ground_truths, overlay.ground_truth_outcomes)]
    rows += [(a, o, True) for a, o in overlay.shown_inferences()]
    items = []
    for annotation, outcome, inference in rows:
        what = ("inference" if inference else "ground truth") + (f", {_OUTCOME_NAMES[outcome]}" if outcome else "")
        text = annotation_text(annotation)
        items.append(f'<li class="kl-legend-{"inference" if inference else "truth"}" data-outcome="{outcome}" '
                     f'title="{html.escape(what)}: {html.escape(text)}">'
                     f"{_swatch(overlay.color(annotation, outcome, inference), outcome)}{html.escape(text)}"
                     f' <span style="color:#57606a">({html.escape(what)})</span></li>')
    shown, total = len(rows) - len(overlay.ground_truths), len(overlay.inferences)
    hidden = f", {total - shown} under {html.escape(threshold)} hidden" if total > shown and threshold else ""
    head = (f'<div class="kl-legend-count" data-shown="{shown}" data-total="{total}">'
            f"{shown} of {total} detections shown{hidden} · {len(overlay.ground_truths)} ground truths</div>")
    return (f'<div class="kl-legend" role="group" aria-label="What the image shows" style="font-size:12px;'
            f'line-height:1.5;max-width:360px">{head}<ul style="list-style:none;padding:0;margin:4px 0;'
            f'max-height:360px;overflow-y:auto">{"".join(items)}</ul></div>')


def detail_html(locator: str, image: Thumbnail, row: pd.Series, size: int, legend: str = "") -> str:
    """A large image (with the reason when it could not be shown) and its ``legend`` beside every field, grouped by
    kind."""
    groups: Dict[str, List[Tuple[str, str]]] = {group: [] for group in _GROUPS}
    for name, value in row.items():
        name = str(name)
        group = ("Ground truth" if name.startswith(GROUND_TRUTH) else "Inference" if name.startswith(INFERENCE)
                 else "Metrics" if name.startswith(METRICS) else "Sample and metadata")
        groups[group].append((name, cell_text(value)))
    tables = "".join(html_table(["field", "value"], rows, caption=group) for group, rows in groups.items() if rows)
    error = f'<div style="color:#b42318">{html.escape(image.error)}</div>' if image.error else ""
    name = html.escape(locator)
    return (
        f'<div role="region" aria-label="Details of {name}" style="display:flex;gap:12px;flex-wrap:wrap;'
        f'align-items:flex-start"><figure style="margin:0"><img src="{image.data_url}" alt="{name}" '
        f'style="max-width:{size}px"><figcaption>{name}</figcaption>{error}</figure>{legend}'
        f'<div style="max-width:640px;overflow-wrap:anywhere">{tables}</div></div>'
    )


_TAG_STYLES = {"truth": "background:#ddf4ff;color:#0a3069", "inference": "background:#fff1e5;color:#762c00",
               "right": "background:#dafbe1;color:#116329;font-weight:600",
               "wrong": "background:#ffebe9;color:#a40e26;font-weight:600"}


def _tags_html(item: Dict[str, Any]) -> str:
    """A card's label tags and right/wrong badge as inline spans (a line of their own), or nothing."""
    tags = [(t["text"], t["kind"]) for t in item.get("tags") or []]
    if item.get("badge"):
        tags.append((item["badge"]["text"], item["badge"]["tone"]))
    spans = "".join(f'<span style="{_TAG_STYLES.get(kind, "")};padding:0 6px;border-radius:9px;margin-right:4px;'
                    f'white-space:nowrap">{html.escape(text)}</span>' for text, kind in tags)
    return f"<div>{spans}</div>" if spans else ""


def gallery_html(items: Sequence[Dict[str, Any]], selected: Set[int], size: int, limit: int) -> str:
    """The first ``limit`` page items as captioned thumbnails (✓ on selected ones), and how many more there are."""
    figures = "".join(
        f'<figure style="display:inline-block;margin:3px;width:{size}px;vertical-align:top;font-size:12px">'
        + (f'<img src="{item["src"]}" alt="{html.escape(item["locator"])}" style="max-width:100%;'
           f'max-height:{size}px">' if item["src"] else "")
        + '<figcaption style="overflow-wrap:anywhere">' + _tags_html(item)
        + ("✓ " if item["index"] in selected else "") + html.escape(item["caption"])
        + (f'<br><span style="color:#57606a">{html.escape(item["detail"])}</span>' if item.get("detail") else "")
        + (f'<br><span style="color:#b42318">{html.escape(item["error"])}</span>' if item["error"] else "")
        + "</figcaption></figure>"
        for item in items[:limit]
    )
    more = len(items) - limit
    return f"<div>{figures}</div>" + (f"<div>… and {more} more on this page</div>" if more > 0 else "")
