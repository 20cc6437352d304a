"""Detections at the evaluator's operating point: the confidence threshold its metrics used, read back from what it
stored, and the test case's matching done once so that precision, recall and F1 at any threshold are array work.

Greedy matching takes inferences by descending score, so the matches among the inferences above a threshold are the
same whether the lower ones take part or not: one matching per image serves every threshold (as in the evaluators).
"""
import math
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.media import collect_annotations
from kolena_lab.media.overlays import FALSE_NEGATIVE, FALSE_POSITIVE, TRUE_POSITIVE, MinScore
from kolena_lab.metrics import f1_score, match_inferences, precision, recall
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, METRICS
from kolena_lab.workflow.annotation import BoundingBox, Polygon

_UNLABELED = "object"
_KEPT = ("tp", "fp", "TP", "FP")
_NUMBER = r"([0-9]*\.?[0-9]+)"
_MIN_CONFIDENCE = re.compile(r"min(?:imum)?[ _]confidence(?:[ _]score)?\s*(?:=|≥|>=|:)\s*" + _NUMBER, re.I)
_IOU = re.compile(r"IoU\s*(?:=|:)\s*" + _NUMBER)


def _is_shape(annotation: Any) -> bool:
    return isinstance(annotation, (BoundingBox, Polygon))


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _score(annotation: Any) -> Optional[float]:
    return _number(getattr(annotation, "score", None))


def label_of(annotation: Any) -> str:
    """An annotation's label as text (``"object"`` when it has none)."""
    label = getattr(annotation, "label", None)
    return _UNLABELED if label is None else str(label)


def shapes(row: Mapping[str, Any], prefix: str) -> List[Tuple[Any, bool]]:
    """The boxes and polygons of a row's ``prefix`` columns, in column order, each with whether it is ignored (in a
    column whose name contains "ignore", or with a truthy ``iscrowd`` / ``ignored``)."""
    out = []
    for column, value in row.items():
        if not str(column).startswith(prefix):
            continue
        in_ignored = "ignore" in str(column).lower()
        for a in collect_annotations(value):
            if _is_shape(a):
                out.append((a, in_ignored or bool(getattr(a, "iscrowd", False)) or bool(getattr(a, "ignored", False))))
    return out


@dataclass(frozen=True)
class OperatingPoint:
    """The threshold the evaluator's metrics used (one value, one per label, or None: everything shown) and where
    it was found."""

    threshold: MinScore
    source: str

    def describe(self) -> str:
        """``"≥ 0.42"``, ``"per class: car ≥ 0.62, dog ≥ 0.41"`` or ``"none (all shown)"``."""
        if self.threshold is None:
            return "none (all shown)"
        if isinstance(self.threshold, Mapping):
            parts = [f"{k} ≥ {v:.2f}" for k, v in sorted(self.threshold.items())]
            return "per class: " + (", ".join(parts[:4]) + (f", … ({len(parts)} classes)" if len(parts) > 4 else ""))
        return f"≥ {self.threshold:.2f}"

    def lowest(self) -> float:
        """The lowest threshold it applies (0 when none)."""
        if self.threshold is None:
            return 0.0
        values = list(self.threshold.values()) if isinstance(self.threshold, Mapping) else [self.threshold]
        finite = [v for v in values if math.isfinite(v)]
        return min(max(min(finite), 0.0), 1.0) if finite else 0.0


def _stored_thresholds(rows: Sequence[Mapping[str, Any]]) -> Optional[MinScore]:
    """Per-sample ``thresholds`` (a number, or ``ScoredLabel``s) or ``threshold`` metrics."""
    for name in ("thresholds", "threshold"):
        per_label: Dict[str, float] = {}
        for row in rows:
            value = row.get(METRICS + name)
            if _number(value) is not None:
                return float(value)
            for item in value if isinstance(value, (list, tuple)) else []:
                score = _score(item)
                if score is not None:
                    per_label.setdefault(label_of(item), score)
        if per_label:
            return per_label
    return None


def _kept_thresholds(rows: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, float]]:
    """Per label, the lowest score among the inferences the evaluator kept (its stored true and false positives),
    or just above the highest score of a label none of whose inferences it kept."""
    kept_columns = [METRICS + k for k in _KEPT]
    if not rows or not any(c in rows[0] for c in kept_columns):
        return None
    lowest: Dict[str, float] = {}
    highest: Dict[str, float] = {}
    for row in rows:
        for column in kept_columns:
            for a in collect_annotations(row.get(column)):
                score = _score(a)
                if score is not None:
                    lowest[label_of(a)] = min(score, lowest.get(label_of(a), math.inf))
        for a, _ in shapes(row, INFERENCE):
            score = _score(a)
            if score is not None:
                highest[label_of(a)] = max(score, highest.get(label_of(a), -math.inf))
    if not highest:
        return None
    return {label: lowest.get(label, float(np.nextafter(top, math.inf))) for label, top in highest.items()}


def _configured(configuration: Any, name: str, pattern: "re.Pattern[str]") -> Optional[float]:
    value = getattr(configuration, name, None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    found = pattern.search(configuration if isinstance(configuration, str) else "")
    return float(found.group(1)) if found else None


def operating_point(rows: Sequence[Mapping[str, Any]], configuration: Any = None) -> OperatingPoint:
    """The threshold the metrics used: stored per-sample thresholds, else the lowest score the evaluator kept per
    label (its stored TP / FP), else the configuration's ``min_confidence_score`` (the object, or ``min confidence``
    in its stored name), else none."""
    stored = _stored_thresholds(rows)
    if stored is not None:
        return OperatingPoint(stored, "the thresholds the evaluator stored")
    kept = _kept_thresholds(rows)
    if kept is not None:
        return OperatingPoint(kept, "the detections the evaluator kept")
    minimum = _configured(configuration, "min_confidence_score", _MIN_CONFIDENCE)
    if minimum:
        return OperatingPoint(minimum, "the configuration's min_confidence_score")
    return OperatingPoint(None, "no threshold stored")


class _Light:
    """A stand-in the matcher reads: geometry, label and score of one annotation and its position in the row."""

    __slots__ = ("top_left", "bottom_right", "points", "label", "score", "index", "iscrowd")

    def __init__(self, annotation: Any, index: int, score: float = 1.0, crowd: bool = False):
        for name in ("top_left", "bottom_right", "points"):
            if hasattr(annotation, name):
                setattr(self, name, getattr(annotation, name))
        self.label, self.score, self.index, self.iscrowd = label_of(annotation), score, index, crowd


@dataclass(frozen=True)
class Counts:
    """TP / FP / FN of the test case at a threshold, with precision, recall and F1."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return float(precision(self.tp, self.fp))

    @property
    def recall(self) -> float:
        return float(recall(self.tp, self.fn))

    @property
    def f1(self) -> float:
        return float(f1_score(self.tp, self.fp, self.fn))


class LiveDetection:
    """The rows' boxes and polygons matched once (per label, Pascal VOC's greedy rule at ``iou_threshold``; COCO's
    with ``mode="coco"``), as flat arrays: counts and per-row outcomes at any threshold without matching again.
    Inferences without a score are always shown (scored +inf)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], iou_threshold: float = 0.5, mode: str = "pascal"):
        codes: Dict[str, int] = {}
        inf: List[Tuple[int, int, float, bool, bool]] = []  # row, label, score, tp, counted
        gt: List[Tuple[int, int, bool, float]] = []  # row, label, regular, score of the matching inference
        self.scored = False
        n_rows = 0
        for r, row in enumerate(rows):
            n_rows = r + 1
            truths, found = shapes(row, GROUND_TRUTH), shapes(row, INFERENCE)
            coco = mode == "coco"
            regular = [_Light(a, j, crowd=coco and ignored) for j, (a, ignored) in enumerate(truths)
                       if coco or not ignored]
            extra = [_Light(a, j) for j, (a, ignored) in enumerate(truths) if ignored and not coco]
            scored = []
            for j, (a, _) in enumerate(found):
                score = _score(a)
                self.scored |= score is not None
                scored.append(_Light(a, j, math.inf if score is None else score))
            hit: Dict[int, float] = {}
            matched, counted = set(), set()
            if regular and scored:
                matches = match_inferences(regular, scored, ignored_ground_truths=extra, iou_threshold=iou_threshold,
                                           required_match_fields=["label"], mode=mode)
                hit = {g.index: d.score for g, d in matches.matched}
                matched = {d.index for _, d in matches.matched}
                counted = matched | {d.index for d in matches.unmatched_inf}
            elif scored and not extra:
                counted = {d.index for d in scored}
            elif scored:  # no regular ground truth: only ignored regions can drop an inference
                matches = match_inferences([], scored, ignored_ground_truths=extra, iou_threshold=iou_threshold,
                                           required_match_fields=["label"], mode=mode)
                counted = {d.index for d in matches.unmatched_inf}
            for d in scored:
                inf.append((r, codes.setdefault(d.label, len(codes)), d.score, d.index in matched,
                            d.index in counted))
            regular_at = {g.index: not g.iscrowd for g in regular}
            for j, (a, _) in enumerate(truths):
                gt.append((r, codes.setdefault(label_of(a), len(codes)), regular_at.get(j, False), hit.get(j, -1.0)))
        self.labels = list(codes)
        i = np.array(inf, dtype=np.float64).reshape(-1, 5)
        g = np.array(gt, dtype=np.float64).reshape(-1, 4)
        self.inf_row, self.inf_label = i[:, 0].astype(np.int64), i[:, 1].astype(np.int64)
        self.inf_score, self.inf_tp, self.inf_counted = i[:, 2], i[:, 3].astype(bool), i[:, 4].astype(bool)
        self.gt_row, self.gt_label = g[:, 0].astype(np.int64), g[:, 1].astype(np.int64)
        self.gt_regular, self.gt_score = g[:, 2].astype(bool), g[:, 3]
        self._inf_bounds = np.searchsorted(self.inf_row, np.arange(n_rows + 1))
        self._gt_bounds = np.searchsorted(self.gt_row, np.arange(n_rows + 1))

    def limits(self, threshold: MinScore, label_codes: np.ndarray) -> np.ndarray:
        """The threshold of each entry of ``label_codes`` (labels a mapping leaves out: no threshold)."""
        if threshold is None:
            return np.full(len(label_codes), -math.inf)
        if isinstance(threshold, Mapping):
            by_code = np.array([threshold.get(name, -math.inf) for name in self.labels] or [0.0], dtype=np.float64)
            return by_code[label_codes]
        return np.full(len(label_codes), float(threshold))

    def shown(self, threshold: MinScore) -> np.ndarray:
        """Which inferences are at or above ``threshold``."""
        return self.inf_score >= self.limits(threshold, self.inf_label)

    def counts(self, threshold: MinScore, rows: Optional[np.ndarray] = None) -> Counts:
        """TP / FP / FN at ``threshold`` over every row (or the rows in the boolean mask ``rows``)."""
        pos = self.shown(threshold) & self.inf_counted
        truths = self.gt_regular
        if rows is not None:
            pos, truths = pos & rows[self.inf_row], truths & rows[self.gt_row]
        tp = int((pos & self.inf_tp).sum())
        return Counts(tp, int((pos & ~self.inf_tp).sum()), int(truths.sum()) - tp)

    def outcomes(self, row: int, threshold: MinScore) -> Tuple[List[str], List[str]]:
        """``(inference outcomes, ground-truth outcomes)`` of one row at ``threshold``, aligned with ``shapes``:
        ``"tp"`` / ``"fp"`` for inferences shown and counted, ``"tp"`` / ``"fn"`` for regular ground truths, else
        ``""``."""
        a, b = self._inf_bounds[row], self._inf_bounds[row + 1]
        shown = self.inf_score[a:b] >= self.limits(threshold, self.inf_label[a:b])
        inferences = [(TRUE_POSITIVE if tp else FALSE_POSITIVE) if s and c else ""
                      for s, tp, c in zip(shown, self.inf_tp[a:b], self.inf_counted[a:b])]
        a, b = self._gt_bounds[row], self._gt_bounds[row + 1]
        score = self.gt_score[a:b]
        found = (score >= 0) & (score >= self.limits(threshold, self.gt_label[a:b]))
        truths = [(TRUE_POSITIVE if f else FALSE_NEGATIVE) if regular else ""
                  for f, regular in zip(found, self.gt_regular[a:b])]
        return inferences, truths


def live_detection(rows: Sequence[Mapping[str, Any]], configuration: Any = None) -> Optional[LiveDetection]:
    """The rows' detections matched at the configuration's IoU threshold and mode (the object's fields, or ``IoU=``
    and ``COCO`` in its stored name; 0.5 and Pascal VOC by default); None when no row has a scored inference or the
    annotations cannot be matched (a malformed box, say)."""
    name = configuration if isinstance(configuration, str) else ""
    mode = getattr(configuration, "mode", None) or ("coco" if "coco" in name.lower() else "pascal")
    iou = _configured(configuration, "iou_threshold", _IOU) or 0.5
    try:
        live = LiveDetection(rows, iou_threshold=iou, mode=mode if mode in ("pascal", "coco") else "pascal")
    except ValueError:
        return None
    return live if live.scored else None


__all__ = ["Counts", "LiveDetection", "OperatingPoint", "label_of", "live_detection", "operating_point", "shapes"]
