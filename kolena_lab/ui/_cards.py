"""What a table row shows in the sample grid: the sample (or its locator) to draw, its overlays, and its page item
(thumbnail, caption, label tags, a right/wrong badge and a line with the metric that matters)."""
import math
import posixpath
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kolena_lab.media import FetchOptions, Overlay, collect_annotations, thumbnails
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, METRICS, added_column
from kolena_lab.ui._sample_html import cell_text
from kolena_lab.workflow import MetricDirections, MetricsTestSample, Workflow, metrics_class, row_member
from kolena_lab.workflow.annotation import ClassificationLabel

Tag = Dict[str, str]


def _is_label(annotation: Any) -> bool:
    return isinstance(annotation, ClassificationLabel)


def _score(annotation: Any) -> float:
    score = getattr(annotation, "score", None)
    return float(score) if isinstance(score, (int, float)) and math.isfinite(score) else -math.inf


def _annotations(row: Dict[str, Any], prefix: str) -> List[Any]:
    return collect_annotations([v for k, v in row.items() if str(k).startswith(prefix)])


def _count(value: Any) -> Optional[int]:
    """A count from an int metric or a list of matched annotations; None otherwise."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return int(value)
    return None


def label_tags(row: Dict[str, Any]) -> Tuple[List[Tag], Optional[Tag]]:
    """The ground-truth class label and the top predicted label with its score (``"9 · 0.66"``) as tags, and a
    right/wrong badge when both exist (right when the top prediction is a ground-truth label)."""
    truths = [a for a in _annotations(row, GROUND_TRUTH) if _is_label(a)]
    predictions = [a for a in _annotations(row, INFERENCE) if _is_label(a)]
    tags = [{"text": f"GT {a.label}", "kind": "truth"} for a in truths[:1]]
    badge = None
    if predictions:
        top = max(predictions, key=_score)
        score = _score(top)
        tags.append({"text": f"{top.label} · {score:.2f}" if math.isfinite(score) else str(top.label),
                     "kind": "inference"})
        if truths:
            right = str(top.label) in {str(a.label) for a in truths}
            badge = {"text": "✓ right" if right else "✗ wrong", "tone": "right" if right else "wrong"}
    return tags, badge


def detection_badge(row: Dict[str, Any]) -> Optional[Tag]:
    """``"all matched"`` or the image's TP/FP/FN counts, from its per-sample metrics (at the evaluator's
    threshold); None without them."""
    counts = []
    for name in ("tp", "fp", "fn"):
        value = row.get(f"{METRICS}count_{name}", row.get(f"{METRICS}{name}"))
        counts.append(_count(value))
    if any(c is None for c in counts):
        return None
    tp, fp, fn = counts
    if fp == 0 and fn == 0:
        return {"text": f"✓ all matched ({tp})" if tp else "✓ nothing to find", "tone": "right"}
    return {"text": f"TP {tp} · FP {fp} · FN {fn}", "tone": "wrong"}


def _sample_directions(row: Dict[str, Any]) -> Tuple[List[str], MetricDirections]:
    names = [str(k)[len(METRICS):] for k in row if str(k).startswith(METRICS)]
    found = metrics_class(names, MetricsTestSample)
    return names, MetricDirections.of_class(found) if found is not None else MetricDirections()


def outcome_badge(row: Dict[str, Any]) -> Optional[Tag]:
    """A right/wrong badge from a true/false per-sample metric with a declared direction (headline first), e.g.
    ``failed`` (lower is better): ``"✗ failed"`` or ``"✓ not failed"``; None without one."""
    names, directions = _sample_directions(row)
    flags = [n for n in names if isinstance(row.get(METRICS + n), bool) and directions.direction(n) is not None]
    for name in sorted(flags, key=lambda n: n not in directions.headline):
        value = row[METRICS + name]
        right = value == directions.direction(name)
        return {"text": f"{'✓' if right else '✗'} {name if value else f'not {name}'}",
                "tone": "right" if right else "wrong"}
    return None


def key_metric(row: Dict[str, Any], fallback: bool = True) -> Optional[str]:
    """The per-sample metric that matters: the headline its metrics class declares, else (with ``fallback``) the
    first numeric one."""
    names, directions = _sample_directions(row)
    headline = directions.headline
    numeric = [n for n in names if isinstance(row.get(METRICS + n), (int, float))
               and not isinstance(row.get(METRICS + n), bool)]
    for name in [*[h for h in headline if h in numeric], *(numeric if fallback else [])]:
        return name
    return None


@dataclass(frozen=True)
class Cards:
    """Draws rows of a table whose samples are of ``workflow`` (if known) and located in ``locator_column``."""

    workflow: Optional[Workflow]
    locator_column: str
    overlays: bool
    fetch: FetchOptions

    def locator(self, row: Dict[str, Any]) -> str:
        return cell_text(row.get(self.locator_column)) if self.locator_column else ""

    def source(self, row: Dict[str, Any]) -> Tuple[Any, Optional[Overlay]]:
        """What to draw for a row (its test sample, else its locator) and its annotations to overlay (class labels
        are shown as the card's tags, not over the image)."""
        source: Any = self.locator(row)
        if self.workflow is not None:
            try:
                source = row_member({k: v for k, v in row.items() if not added_column(k)}, self.workflow)[0]
            except ValueError:  # a row that is not a valid sample is still previewed by its locator
                pass
        overlay = None
        if self.overlays:
            gts = [a for a in _annotations(row, GROUND_TRUTH) if not _is_label(a)]
            infs = [a for a in _annotations(row, INFERENCE) if not _is_label(a)]
            if gts or infs:
                overlay = Overlay(ground_truths=gts, inferences=infs)
        return source, overlay

    def item(self, position: int, row: Dict[str, Any], thumb: Any, captions: Sequence[str]) -> Dict[str, Any]:
        """One page item: caption, label tags, badge and a detail line (the metric that matters, then the
        ``captions`` fields that are neither annotations nor raw ground-truth numbers the metric supersedes)."""
        locator = self.locator(row)
        tags, badge = label_tags(row)
        badge = badge or detection_badge(row) or outcome_badge(row)
        metric = key_metric(row, fallback=badge is None)  # a badge already says how the sample went
        fields = [f"{METRICS}{metric}"] if metric else []
        for f in dict.fromkeys(captions):
            if f not in row or f in fields or collect_annotations(row.get(f)):
                continue
            if metric and (f.startswith(GROUND_TRUTH) or f.startswith(INFERENCE)):
                continue
            fields.append(f)
        detail = " · ".join(f"{f.split('.')[-1]}: {cell_text(row.get(f))}" for f in fields)
        return {"index": position, "locator": locator, "caption": posixpath.basename(locator.rstrip("/")) or locator,
                "detail": detail, "tags": tags, "badge": badge,
                "src": thumb.data_url if thumb is not None else "",
                "error": (thumb.error or "") if thumb is not None else ""}

    def items(self, rows: List[Dict[str, Any]], positions: Sequence[int], captions: Sequence[str], size: int,
              show_thumbnails: bool) -> List[Dict[str, Any]]:
        """The grid's page items of ``rows`` (at ``positions`` in the table), captioned with the ``captions``
        fields; without thumbnails when ``show_thumbnails`` is false."""
        thumbs: List[Any] = [None] * len(rows)
        if show_thumbnails and rows:
            sources, overlays = zip(*map(self.source, rows))
            thumbs = thumbnails(list(sources), size, overlays=list(overlays), fetch=self.fetch)
        return [self.item(position, row, thumb, captions) for position, row, thumb in zip(positions, rows, thumbs)]
