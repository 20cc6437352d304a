"""Script-free HTML of samples: the detail view of one row, and a gallery of page items for snapshots."""
import html
from typing import Any, Dict, List, Sequence, Set, Tuple

import pandas as pd

from kolena_lab.media import Thumbnail
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, METRICS
from kolena_lab.ui._widget import html_table

_GROUPS = ("Sample and metadata", "Ground truth", "Inference", "Metrics")


def cell_text(value: Any) -> str:
    """A field's value as short text."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def detail_html(locator: str, image: Thumbnail, row: pd.Series, size: int) -> str:
    """A large image (with the reason when it could not be shown) beside every field, grouped by kind."""
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
        f'style="max-width:{size}px"><figcaption>{name}</figcaption>{error}</figure><div>{tables}</div></div>'
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
