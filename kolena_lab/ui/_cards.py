"""What a table row shows in the sample grid: the sample (or its locator) to draw, its overlays, and its page item
(thumbnail, caption, label tags, a right/wrong badge and a line with the metric that matters)."""
import math
import posixpath
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kolena_lab.media import FetchOptions, Overlay, collect_annotations, thumbnails
from kolena_lab.media.overlays import FALSE_NEGATIVE, FALSE_POSITIVE, TRUE_POSITIVE, MinScore
from kolena_lab.ui._confidence import LiveDetection, shapes
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, METRICS, added_column
from kolena_lab.ui._sample_html import cell_text
from kolena_lab.workflow import MetricDirections, MetricsTestSample, Workflow, metrics_class, row_member
from kolena_lab.workflow.annotation import ClassificationLabel

Tag = Dict[str, str]
_THUMBNAIL_TAGS = 4  # label and score tags on a thumbnail only while it draws at most this many shapes


CARD_NAME_CHARS = 28


def card_name(locator: str) -> str:
    """A card's name: the locator's file name, cut in the middle when long (a content hash, say); the card's image
    and details show the whole locator."""
    name = posixpath.basename(locator.rstrip("/")) or locator
    if len(name) <= CARD_NAME_CHARS:
        return name
    keep = (CARD_NAME_CHARS - 1) // 2
    return f"{name[:keep]}…{name[-keep:]}"


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


def detection_badge(row: Dict[str, Any], counts: Optional[Sequence[int]] = None) -> Optional[Tag]:
    """``"all matched"`` or the image's TP/FP/FN ``counts`` (by default from its per-sample metrics, at the
    evaluator's threshold); None without them."""
    if counts is None:
        counts = [_count(row.get(f"{METRICS}count_{name}", row.get(f"{METRICS}{name}"))) for name in ("tp", "fp", "fn")]
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
class Drawn:
    """What a sample's overlay draws: the overlay, and its inference and ground-truth counts."""

    overlay: Optional[Overlay]
    shown: int = 0
    total: int = 0
    truths: int = 0
    outcomes: Tuple[int, int, int] = (0, 0, 0)  # TP, FP, FN drawn

    def text(self) -> str:
        """``"3 of 41 detections"`` (a card's line), or ``""`` without inferences."""
        return f"{self.shown} of {self.total} detections" if self.total else ""

    def title(self) -> str:
        """``"3 of 41 detections shown (38 under the confidence threshold) · 2 ground truths"`` (hover text)."""
        if not self.total:
            return ""
        hidden = f" ({self.total - self.shown} under the confidence threshold)" if self.total > self.shown else ""
        truths = f" · {self.truths} ground truth{'s' if self.truths != 1 else ''}"
        return f"{self.shown} of {self.total} detections shown{hidden}{truths}"


@dataclass(frozen=True)
class Cards:
    """Draws rows of a table whose samples are of ``workflow`` (if known) and located in ``locator_column``; with
    ``live`` (the test case's detections matched once), inferences under ``threshold`` are hidden, the rest
    coloured by label and styled by outcome."""

    workflow: Optional[Workflow]
    locator_column: str
    overlays: bool
    fetch: FetchOptions
    live: Optional[LiveDetection] = None
    threshold: MinScore = None

    def locator(self, row: Dict[str, Any]) -> str:
        return cell_text(row.get(self.locator_column)) if self.locator_column else ""

    def source(self, row: Dict[str, Any], position: Optional[int] = None,
               max_tags: Optional[int] = None) -> Tuple[Any, Optional[Overlay]]:
        """What to draw for a row (its test sample, else its locator) and its annotations to overlay (class labels
        are shown as the card's tags, not over the image); ``position`` is the row's place in the table."""
        return self._sample(row), self.drawn(row, position, max_tags).overlay

    def _sample(self, row: Dict[str, Any]) -> Any:
        source: Any = self.locator(row)
        if self.workflow is not None:
            try:
                source = row_member({k: v for k, v in row.items() if not added_column(k)}, self.workflow)[0]
            except ValueError:  # a row that is not a valid sample is still previewed by its locator
                pass
        return source

    def drawn(self, row: Dict[str, Any], position: Optional[int] = None, max_tags: Optional[int] = None) -> Drawn:
        """The overlay of a row and what it draws (matching outcomes when ``live`` holds the row's position)."""
        if not self.overlays:
            return Drawn(None)
        if self.live is None or position is None:
            gts = [a for a in _annotations(row, GROUND_TRUTH) if not _is_label(a)]
            infs = [a for a in _annotations(row, INFERENCE) if not _is_label(a)]
            overlay = Overlay(ground_truths=gts, inferences=infs, color_by_label=True, max_tags=max_tags) \
                if gts or infs else None
            return Drawn(overlay, len(infs), len(infs), len(gts)) if overlay is not None else Drawn(None)
        gts, infs = [a for a, _ in shapes(row, GROUND_TRUTH)], [a for a, _ in shapes(row, INFERENCE)]
        inf_outcomes, gt_outcomes = self.live.outcomes(position, self.threshold)
        other_gts = [a for a in _annotations(row, GROUND_TRUTH) if not _is_label(a) and not any(a is g for g in gts)]
        other_infs = [a for a in _annotations(row, INFERENCE) if not _is_label(a) and not any(a is i for i in infs)]
        if not (gts or infs or other_gts or other_infs):
            return Drawn(None)
        overlay = Overlay(ground_truths=gts + other_gts, inferences=infs + other_infs, min_score=self.threshold,
                          inference_outcomes=inf_outcomes + [""] * len(other_infs),
                          ground_truth_outcomes=gt_outcomes + [""] * len(other_gts), color_by_label=True,
                          max_tags=max_tags)
        shown = [o for _, o in overlay.shown_inferences()]
        counts = (shown.count(TRUE_POSITIVE), shown.count(FALSE_POSITIVE), gt_outcomes.count(FALSE_NEGATIVE))
        return Drawn(overlay, len(shown), len(overlay.inferences), len(overlay.ground_truths), counts)

    def item(self, position: int, row: Dict[str, Any], thumb: Any, captions: Sequence[str],
             drawn: Optional[Drawn] = None) -> Dict[str, Any]:
        """One page item: caption, label tags, badge, what the overlay draws and a detail line (the metric that
        matters, then the ``captions`` fields that are neither annotations nor raw ground-truth numbers the metric
        supersedes)."""
        locator = self.locator(row)
        tags, badge = label_tags(row)
        live = drawn is not None and self.live is not None and drawn.overlay is not None
        badge = badge or (detection_badge(row, drawn.outcomes) if live else detection_badge(row)) \
            or outcome_badge(row)
        metric = key_metric(row, fallback=badge is None)  # a badge already says how the sample went
        fields = [f"{METRICS}{metric}"] if metric else []
        for f in dict.fromkeys(captions):
            if f not in row or f in fields or collect_annotations(row.get(f)):
                continue
            if metric and (f.startswith(GROUND_TRUTH) or f.startswith(INFERENCE)):
                continue
            fields.append(f)
        detail = " · ".join(f"{f.split('.')[-1]}: {cell_text(row.get(f))}" for f in fields)
        return {"index": position, "locator": locator, "caption": card_name(locator),
                "detail": detail, "tags": tags, "badge": badge, "drawn": drawn.text() if drawn is not None else "",
                "drawn_title": drawn.title() if drawn is not None else "",
                "src": thumb.data_url if thumb is not None else "",
                "error": (thumb.error or "") if thumb is not None else ""}

    def items(self, rows: List[Dict[str, Any]], positions: Sequence[int], captions: Sequence[str], size: int,
              show_thumbnails: bool) -> List[Dict[str, Any]]:
        """The grid's page items of ``rows`` (at ``positions`` in the table), captioned with the ``captions``
        fields; without thumbnails when ``show_thumbnails`` is false."""
        drawn = [self.drawn(row, position, _THUMBNAIL_TAGS) for row, position in zip(rows, positions)]
        thumbs: List[Any] = [None] * len(rows)
        if show_thumbnails and rows:
            thumbs = thumbnails([self._sample(row) for row in rows], size, overlays=[d.overlay for d in drawn],
                                fetch=self.fetch)
        return [self.item(position, row, thumb, captions, d)
                for position, row, thumb, d in zip(positions, rows, thumbs, drawn)]
