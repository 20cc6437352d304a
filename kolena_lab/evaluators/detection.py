"""Object detection: boxes or polygons matched once per image and configuration (Kolena's PASCAL rule or
pycocotools' COCO rule), then TP/FP/FN, precision, recall, F1 and AP per class and per test case as array work.

A ground truth's objects may be ignored: those in the ``ignored_ground_truth`` field and those with a truthy
``iscrowd`` or ``ignored`` attribute. Inferences matched to them are dropped, and they never count as misses.
"""
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators._common import (
    F1_OPTIMAL,
    ReadyEvaluator,
    case_masks,
    curve,
    first_type,
    strategy_name,
    threshold_value,
)
from kolena_lab.evaluators._fields import describe, find_field, list_of
from kolena_lab._utils.gc import collector_paused
from kolena_lab.evaluators._partitions import map_partitions
from kolena_lab.metrics import (
    MulticlassInferenceMatches,
    average_precision_from_curve,
    compute_ap,
    f1_optimal_threshold,
    f1_score,
    match_inferences,
    match_inferences_multiclass,
    pr_curve,
)
from kolena_lab.metrics import precision as precision_of
from kolena_lab.metrics import recall as recall_of
from kolena_lab.workflow.annotation import Annotation, BoundingBox, Polygon
from kolena_lab.workflow.directions import higher, lower, neutral
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases
from kolena_lab.workflow.plot import ConfusionMatrix, CurvePlot, Histogram, Plot

UNLABELED = "object"
NO_MATCH = "no match"
_SCORE_BUCKETS = np.linspace(0.0, 1.0, 21)
# On a Dask cluster (``kolena_lab.workflow.executor.using``), suites of at least this many images are matched on the
# workers. Measured on images of ~67 boxes: matching ~1 ms an image (PASCAL; ~8 ms with COCO's rule), building what
# is sent ~0.1 ms, and ~5 ms a task; with fewer boxes per image the work shrinks and the fixed costs stay, so small
# suites stay here.
DISTRIBUTED_MIN_IMAGES = 2000


@dataclass(frozen=True)
class DetectionConfiguration(EvaluatorConfiguration):
    """``threshold_strategy``: ``"F1-Optimal"`` (per class, on the whole suite) or a fixed confidence in [0, 1].
    ``iou_threshold``: the IoU a match needs. ``min_confidence_score``: inferences below it are dropped before
    matching. ``mode``: ``"pascal"`` (Kolena's rule, all-point AP, mean AP over labels of ground truths and
    inferences) or ``"coco"`` (pycocotools' rule with ``max_dets`` per image and class, 101-point AP, mean AP over
    labels with ground truths)."""

    threshold_strategy: Union[str, float] = F1_OPTIMAL
    iou_threshold: float = 0.5
    min_confidence_score: float = 0.0
    mode: str = "pascal"
    max_dets: int = 100

    def __post_init__(self) -> None:
        threshold_value(self.threshold_strategy)
        if isinstance(self.iou_threshold, bool) or not isinstance(self.iou_threshold, (int, float)) \
                or not 0 < self.iou_threshold <= 1:
            raise InputValidationError(f"'iou_threshold' must be in (0, 1], got {self.iou_threshold!r}")
        if isinstance(self.min_confidence_score, bool) or not isinstance(self.min_confidence_score, (int, float)) \
                or not 0 <= self.min_confidence_score <= 1:
            raise InputValidationError(f"'min_confidence_score' must be in [0, 1], got {self.min_confidence_score!r}")
        if self.mode not in ("pascal", "coco"):
            raise InputValidationError(f"'mode' must be 'pascal' or 'coco', got {self.mode!r}")
        if isinstance(self.max_dets, bool) or not isinstance(self.max_dets, int) or self.max_dets < 1:
            raise InputValidationError(f"'max_dets' must be a positive integer, got {self.max_dets!r}")

    def display_name(self) -> str:
        parts = [strategy_name(self.threshold_strategy), f"IoU={self.iou_threshold:g}"]
        if self.min_confidence_score:
            parts.append(f"min confidence={self.min_confidence_score:g}")
        if self.mode == "coco":
            parts.append("COCO matching" + (f" (maxDets={self.max_dets})" if self.max_dets != 100 else ""))
        return ", ".join(parts)

    def title(self) -> str:
        """What this configuration computes, its distinguishing part first: ``"Pascal VOC AP@0.5 · F1-optimal
        threshold"`` (all-point AP) or ``"COCO AP@0.5 · ..."`` (101-point AP, pycocotools' matching)."""
        parts = [f"{'COCO' if self.mode == 'coco' else 'Pascal VOC'} AP@{self.iou_threshold:g}",
                 strategy_name(self.threshold_strategy)]
        if self.min_confidence_score:
            parts.append(f"min confidence={self.min_confidence_score:g}")
        if self.mode == "coco" and self.max_dets != 100:
            parts.append(f"maxDets={self.max_dets}")
        return " · ".join(parts)


@dataclass(frozen=True)
class DetectionSampleMetrics(MetricsTestSample):
    """One image at the class thresholds: its true positives, false positives, missed ground truths and the false
    positives that overlap a ground truth of another class (``confused``)."""

    tp: List[Annotation]
    fp: List[Annotation]
    fn: List[Annotation]
    confused: List[Annotation]
    count_tp: int = higher()
    count_fp: int = lower()
    count_fn: int = lower()
    count_ignored: int = neutral()
    max_confidence_above_t: Optional[float] = neutral()
    min_confidence_above_t: Optional[float] = neutral()


@dataclass(frozen=True)
class DetectionClassMetrics(MetricsTestCase):
    """One class of a test case; ``threshold`` is the confidence the counts are taken at, ``n_images`` counts images
    with a ground truth or a kept inference of the class."""

    label: str
    n_images: int = neutral()
    threshold: float = neutral()
    objects: int = neutral()
    inferences: int = neutral()
    tp: int = higher()
    fp: int = lower()
    fn: int = lower()
    precision: float = higher()
    recall: float = higher()
    f1: float = higher()
    ap: float = higher(headline=1)


@dataclass(frozen=True)
class DetectionTestCaseMetrics(MetricsTestCase):
    """A test case: pooled counts and their precision / recall / F1, macro averages and mean AP over its classes."""

    n_images: int = neutral()
    objects: int = neutral()
    inferences: int = neutral()
    ignored: int = neutral()
    tp: int = higher()
    fp: int = lower()
    fn: int = lower()
    precision: float = higher()
    recall: float = higher()
    f1: float = higher()
    macro_precision: float = higher()
    macro_recall: float = higher()
    macro_f1: float = higher(headline=2)
    mean_ap: float = higher(headline=1)
    per_class: List[DetectionClassMetrics]


@dataclass(frozen=True)
class DetectionTestSuiteMetrics(MetricsTestSuite):
    """The suite's unique images taken together."""

    n_images: int = neutral()
    objects: int = neutral()
    inferences: int = neutral()
    tp: int = higher()
    fp: int = lower()
    fn: int = lower()
    precision: float = higher()
    recall: float = higher()
    f1: float = higher(headline=2)
    mean_ap: float = higher(headline=1)


class _Box(NamedTuple):
    top_left: Tuple[float, float]
    bottom_right: Tuple[float, float]
    label: int
    score: float
    index: int
    iscrowd: bool
    iou: float = 0.0


class _Poly(NamedTuple):
    points: List[Tuple[float, float]]
    label: int
    score: float
    index: int
    iscrowd: bool
    iou: float = 0.0


_SHAPES = list_of(BoundingBox, Polygon)


@dataclass(frozen=True)
class _Matched:
    """The suite's matching results as flat arrays: one row per kept inference and per regular ground truth."""

    labels: List[str]
    inf_img: np.ndarray
    inf_ref: np.ndarray
    inf_cls: np.ndarray
    inf_score: np.ndarray
    inf_tp: np.ndarray
    inf_confused: np.ndarray
    gt_img: np.ndarray
    gt_ref: np.ndarray
    gt_cls: np.ndarray
    gt_match_score: np.ndarray  # score of the matched inference, -1 when missed
    gt_conf_cls: np.ndarray  # class of the inference it is confused with, -1 when none
    gt_conf_score: np.ndarray
    ignored: np.ndarray  # ignored ground truths per image
    pair_img: np.ndarray  # the distinct (image, class) pairs with a ground truth or an inference
    pair_cls: np.ndarray


class ObjectDetectionEvaluator(ReadyEvaluator):
    """Detection evaluator: ``ObjectDetectionEvaluator(configurations, ground_truth=..., inference=...)`` passed to
    ``test(model, suite, evaluator)``. Fields default to the first ``List[BoundingBox | Polygon]`` (subclasses
    included) of the ground truth (whose name does not contain "ignore") and of the inference;
    ``ignored_ground_truth`` defaults to such a field whose name contains "ignore", if any."""

    configuration_type = DetectionConfiguration

    def __init__(self, configurations: Optional[Sequence[DetectionConfiguration]] = None, *,
                 ground_truth: Optional[str] = None, inference: Optional[str] = None,
                 ignored_ground_truth: Optional[str] = None, name: Optional[str] = None):
        super().__init__(configurations, name=name)
        self.ground_truth, self.inference, self.ignored_ground_truth = ground_truth, inference, ignored_ground_truth

    def _fields(self, gt_type: type, inf_type: type) -> Tuple[str, Optional[str], str]:
        expected = "List[BoundingBox] or List[Polygon]"
        gt = find_field(gt_type, self.ground_truth, _SHAPES, role="ground truth", expected=expected,
                        parameter="ground_truth", exclude=lambda n: "ignore" in n.lower())
        ignored = self.ignored_ground_truth
        if ignored is None:
            try:
                ignored = find_field(gt_type, None, _SHAPES, role="ground truth", expected=expected,
                                     parameter="ignored_ground_truth", exclude=lambda n: "ignore" not in n.lower())
            except ValueError:
                ignored = None
        else:
            find_field(gt_type, ignored, _SHAPES, role="ground truth", expected=expected,
                       parameter="ignored_ground_truth")
        inf = find_field(inf_type, self.inference, _SHAPES, role="inference", expected=expected, parameter="inference")
        return gt, ignored, inf

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: DetectionConfiguration) -> EvaluationResults:
        gt_field, ignored_field, inf_field = self._fields(first_type(ground_truths, "ground truth", test_samples),
                                                          first_type(inferences, "inference", test_samples))
        gts = [_objects(g, gt_field, s, "ground truth") for g, s in zip(ground_truths, test_samples)]
        ign = [_objects(g, ignored_field, s, "ground truth") if ignored_field else [] for g, s in
               zip(ground_truths, test_samples)]
        infs = [_objects(i, inf_field, s, "inference") for i, s in zip(inferences, test_samples)]
        data = _match_all(test_samples, gts, ign, infs, configuration)
        thresholds = _thresholds(data, configuration)
        sample_metrics = _sample_metrics(test_samples, gts, infs, data, thresholds)
        case_metrics, case_plots = [], []
        for test_case, mask in case_masks(test_cases, test_samples):
            metrics, plots = _aggregate(data, thresholds, mask, configuration, with_plots=True)
            case_metrics.append((test_case, metrics))
            case_plots.append((test_case, plots))
        suite, _ = _aggregate(data, thresholds, np.ones(len(test_samples), dtype=bool), configuration,
                              with_plots=False)
        suite_metrics = DetectionTestSuiteMetrics(
            n_images=suite.n_images, objects=suite.objects, inferences=suite.inferences, tp=suite.tp, fp=suite.fp,
            fn=suite.fn, precision=suite.precision, recall=suite.recall, f1=suite.f1, mean_ap=suite.mean_ap)
        return EvaluationResults(sample_metrics, case_metrics, case_plots, suite_metrics)


def _objects(container: Any, field: Optional[str], sample: Any, role: str) -> List[Any]:
    if container is None:
        raise InputValidationError(f"test sample {describe(sample)} has no {role}")
    value = getattr(container, field, None)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InputValidationError(f"{role} field '{field}' of test sample {describe(sample)} must be a list, "
                                   f"got {type(value).__name__}")
    return list(value)


def _label_of(obj: Any) -> str:
    label = getattr(obj, "label", None)
    return UNLABELED if label is None else str(label)


def _is_ignored(obj: Any) -> bool:
    return bool(getattr(obj, "iscrowd", False)) or bool(getattr(obj, "ignored", False))


def _light(obj: Any, code: int, index: int, crowd: bool, where: str, scored: bool) -> Any:
    """A light stand-in the matcher reads (label as a class code, the position of the original object)."""
    score = 1.0
    if scored:
        score = getattr(obj, "score", None)
        if isinstance(score, bool) or not isinstance(score, (int, float, np.integer, np.floating)) \
                or not 0 <= score <= 1:
            raise InputValidationError(f"{where} must have a score in [0, 1], got {score!r}")
    if hasattr(obj, "top_left") and hasattr(obj, "bottom_right"):
        return _Box(obj.top_left, obj.bottom_right, code, float(score), index, crowd)
    if hasattr(obj, "points"):
        return _Poly(obj.points, code, float(score), index, crowd)
    raise InputValidationError(f"{where} is neither a box nor a polygon: {obj!r}")


class _ImageError(InputValidationError):
    """Bad input in one image (its position in the suite), raised with the sample's description by the caller."""

    def __init__(self, image: int, message: str):
        super().__init__(message)
        self.image, self.message = image, message

    def __reduce__(self) -> Tuple[Any, ...]:
        return _ImageError, (self.image, self.message)


def _match_all(samples: List[Any], gts: List[List[Any]], ign: List[List[Any]], infs: List[List[Any]],
               config: DetectionConfiguration) -> _Matched:
    """Match every image once, on the current Dask cluster when there is one and at least
    ``DISTRIBUTED_MIN_IMAGES`` images; the flat arrays keep rows in image order, inferences in their original
    order, whichever way the images were split."""
    names = sorted({_label_of(o) for objs in (gts, ign, infs) for per_image in objs for o in per_image})
    code = {name: i for i, name in enumerate(names)}
    try:
        parts = map_partitions(_match_shipped, len(samples), lambda a, b: _ship(gts, ign, infs, code, a, b),
                               min_items=DISTRIBUTED_MIN_IMAGES, names=names, config=config)
        if parts is None:
            coco = config.mode == "coco"
            parts = [_match_images(len(samples), lambda i: _object_lights(gts[i], ign[i], infs[i], code, coco),
                                   config, 0)]
    except _ImageError as e:
        raise InputValidationError(f"test sample {describe(samples[e.image])}: {e.message}") from None
    inf = np.concatenate([p[0] for p in parts])
    inf = inf[np.lexsort((inf[:, 1], inf[:, 0]))]
    gt = np.concatenate([p[1] for p in parts])
    gt = gt[np.lexsort((gt[:, 1], gt[:, 0]))]
    ignored = np.concatenate([p[2] for p in parts])
    k = max(len(names), 1)
    pairs = np.unique(np.r_[inf[:, 0] * k + inf[:, 2], gt[:, 0] * k + gt[:, 2]].astype(np.int64))
    return _Matched(
        labels=names, inf_img=inf[:, 0].astype(np.int64), inf_ref=inf[:, 1].astype(np.int64),
        inf_cls=inf[:, 2].astype(np.int64), inf_score=inf[:, 3], inf_tp=inf[:, 4].astype(bool),
        inf_confused=inf[:, 5].astype(bool), gt_img=gt[:, 0].astype(np.int64), gt_ref=gt[:, 1].astype(np.int64),
        gt_cls=gt[:, 2].astype(np.int64), gt_match_score=gt[:, 3], gt_conf_cls=gt[:, 4].astype(np.int64),
        gt_conf_score=gt[:, 5], ignored=ignored, pair_img=pairs // k, pair_cls=pairs % k)


_Lights = Tuple[List[Any], List[Any], List[Any], int]  # regular ground truths, ignored regions, inferences, ignored


def _object_lights(gts: List[Any], ign: List[Any], infs: List[Any], code: Dict[str, int], coco: bool) -> _Lights:
    """One image's objects as the matcher's stand-ins: crowd regions are ignored regions (PASCAL) or regular ground
    truths flagged ``iscrowd`` (COCO)."""
    regular, extra, n_ignored = [], [], 0
    for j, o in enumerate(gts):
        crowd = _is_ignored(o)
        light = _light(o, code[_label_of(o)], j, crowd and coco, f"ground truth {j}", False)
        (extra if crowd and not coco else regular).append(light)
        n_ignored += crowd
    for j, o in enumerate(ign):
        extra.append(_light(o, code[_label_of(o)], -1 - j, False, f"ignored ground truth {j}", False))
    kept = [_light(o, code[_label_of(o)], j, False, f"inference {j}", True) for j, o in enumerate(infs)]
    return regular, extra, kept, n_ignored + len(ign)


def _match_images(n: int, lights_of: Callable[[int], _Lights], config: DetectionConfiguration,
                  start: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of images ``start, ..., start + n - 1`` (``lights_of(i)``: the stand-ins of image ``start + i``):
    ``(inference rows (N, 6), ground-truth rows (M, 6), ignored ground truths per image)``; bad input raises
    ``_ImageError`` naming the image."""
    inf_rows: List[Tuple[int, int, int, float, bool, bool]] = []
    gt_rows: List[Tuple[int, int, int, float, int, float]] = []
    ignored = np.zeros(n, dtype=np.int64)
    for i in range(n):
        img = start + i
        try:
            regular, extra, kept, ignored[i] = lights_of(i)
            kept = [d for d in kept if d.score >= config.min_confidence_score]
            m = _match_image(regular, kept, extra, config)
        except InputValidationError as e:
            raise _ImageError(img, str(e)) from None
        confused = set()
        for g, d in m.matched:
            inf_rows.append((img, d.index, d.label, d.score, True, False))
            gt_rows.append((img, g.index, g.label, d.score, -1, 0.0))
        for g, d in m.unmatched_gt:
            if g.iscrowd:  # an unmatched crowd region (COCO mode) is not a miss
                continue
            if d is not None:
                confused.add(d.index)
            gt_rows.append((img, g.index, g.label, -1.0, -1 if d is None else d.label, 0.0 if d is None else d.score))
        for d in m.unmatched_inf:
            inf_rows.append((img, d.index, d.label, d.score, False, d.index in confused))
    return (np.array(inf_rows, dtype=np.float64).reshape(-1, 6), np.array(gt_rows, dtype=np.float64).reshape(-1, 6),
            ignored)


class _NotPlain(Exception):
    """An object of the partition is not a plain box with a score in [0, 1]: the partition is sent as it is."""


def _ship(gts: List[List[Any]], ign: List[List[Any]], infs: List[List[Any]], code: Dict[str, int], start: int,
          stop: int) -> Any:
    """Images ``start:stop`` as sent to a worker: flat arrays of plain boxes (a fraction of the pickled objects'
    size and decoding time), or the objects themselves when some are polygons, malformed or badly scored (the worker
    then raises what this process would)."""
    parts = (gts[start:stop], ign[start:stop], infs[start:stop])
    try:
        return tuple(_encode(objs, code, scored=role == 2) for role, objs in enumerate(parts))
    except _NotPlain:
        return parts


def _encode(per_image: List[List[Any]], code: Dict[str, int], scored: bool) -> Tuple[np.ndarray, ...]:
    """``(objects per image, corners (N, 4), class codes, crowd flags, scores)`` of plain boxes."""
    flat = [o for objs in per_image for o in objs]
    counts = np.array([len(objs) for objs in per_image], dtype=np.int64)
    try:  # a flat list of (x, y) points converts in half the time of nested pairs
        corners = np.array([p for o in flat for p in (o.top_left, o.bottom_right)], dtype=np.float64)
    except (AttributeError, TypeError, ValueError):
        raise _NotPlain() from None
    if corners.shape != (2 * len(flat), 2) and flat:
        raise _NotPlain()
    labels = np.array([code[_label_of(o)] for o in flat], dtype=np.int64)
    crowd = np.zeros(len(flat), dtype=bool) if scored else np.array([_is_ignored(o) for o in flat], dtype=bool)
    scores = np.ones(len(flat))
    if scored:
        raw = [getattr(o, "score", None) for o in flat]
        if not all(type(v) is float for v in raw) and not all(
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in raw):
            raise _NotPlain()
        scores = np.array(raw, dtype=np.float64)
        if not ((scores >= 0) & (scores <= 1)).all():
            raise _NotPlain()
    return counts, corners.reshape(-1, 4), labels, crowd, scores


def _boxes(encoded: Tuple[np.ndarray, ...], crowd: np.ndarray, index: Callable[[np.ndarray], np.ndarray]) -> \
        List[List[_Box]]:
    """Per image, the ``_Box`` stand-ins ``_object_lights`` makes of the encoded boxes."""
    counts, corners, labels, _, scores = encoded
    bounds = np.r_[0, np.cumsum(counts)]
    position = np.arange(bounds[-1]) - np.repeat(bounds[:-1], counts)
    x1, y1, x2, y2 = (corners[:, c].tolist() for c in range(4))
    flat = list(map(_Box._make, zip(zip(x1, y1), zip(x2, y2), labels.tolist(), scores.tolist(),
                                    index(position).tolist(), crowd.tolist(), repeat(0.0))))
    edges = bounds.tolist()
    return [flat[edges[i]:edges[i + 1]] for i in range(len(counts))]


def _decode(shipped: Tuple[Tuple[np.ndarray, ...], ...], coco: bool) -> List[_Lights]:
    """The stand-ins of each image of an encoded partition, as ``_object_lights`` makes them of the objects."""
    gts, ign, infs = shipped
    counts, crowd = gts[0], gts[3]
    g_boxes = _boxes(gts, crowd & coco, lambda j: j)
    i_boxes = _boxes(ign, np.zeros(len(ign[2]), dtype=bool), lambda j: -1 - j)
    d_boxes = _boxes(infs, np.zeros(len(infs[2]), dtype=bool), lambda j: j)
    edges = np.r_[0, np.cumsum(counts)].tolist()
    to_extra = (crowd & (not coco)).tolist()  # crowd regions are ignored regions in PASCAL mode
    n_crowd = np.bincount(np.repeat(np.arange(len(counts)), counts), weights=crowd, minlength=len(counts))
    out = []
    for i in range(len(counts)):
        flags = to_extra[edges[i]:edges[i + 1]]
        regular = [b for b, e in zip(g_boxes[i], flags) if not e]
        extra = [b for b, e in zip(g_boxes[i], flags) if e] + i_boxes[i]
        out.append((regular, extra, d_boxes[i], int(n_crowd[i]) + int(ign[0][i])))
    return out


def _match_shipped(shipped: Any, start: int, names: List[str], config: DetectionConfiguration) -> Tuple[Any, ...]:
    """On a worker: ``_match_images`` of a partition sent by ``_ship``."""
    coco = config.mode == "coco"
    if isinstance(shipped[0], tuple):
        with collector_paused():  # hundreds of thousands of small tuples at once
            lights = _decode(shipped, coco)
        return _match_images(len(lights), lights.__getitem__, config, start)
    gts, ign, infs = shipped
    code = {name: i for i, name in enumerate(names)}
    return _match_images(len(gts), lambda i: _object_lights(gts[i], ign[i], infs[i], code, coco), config, start)


def _match_image(regular: List[Any], kept: List[Any], extra: List[Any],
                 config: DetectionConfiguration) -> MulticlassInferenceMatches:
    """``match_inferences_multiclass``'s result for one image. In PASCAL mode it is reached with at most two calls of
    ``match_inferences`` instead of one per label: the per-label pass is one call that requires equal labels, and the
    label-blind pass over the leftovers gets them in the order the per-label loop leaves them (labels ascending; ground
    truths in input order, inferences by descending score), so ties break the same way."""
    if config.mode == "coco":
        return match_inferences_multiclass(regular, kept, ignored_ground_truths=extra, mode="coco",
                                           iou_threshold=config.iou_threshold, max_dets=config.max_dets)
    if not kept:
        return MulticlassInferenceMatches([], [(g, None) for g in sorted(regular, key=_by_label)], [])
    first = match_inferences(regular, kept, ignored_ground_truths=extra, iou_threshold=config.iou_threshold,
                             required_match_fields=["label"])
    left_gt = sorted(first.unmatched_gt, key=_by_label)
    left_inf = sorted(first.unmatched_inf, key=lambda d: (d.label, -d.score, d.index))
    confused: List[Tuple[Any, Any]] = []
    if left_gt and left_inf:
        second = match_inferences(left_gt, left_inf, ignored_ground_truths=extra, iou_threshold=config.iou_threshold)
        confused = [(g, d) for g, d in second.matched if g.label != d.label]
    paired = {g.index for g, _ in confused}
    unmatched_gt = [(g, d) for g, d in confused] + [(g, None) for g in left_gt if g.index not in paired]
    return MulticlassInferenceMatches(first.matched, unmatched_gt, left_inf)


def _by_label(g: Any) -> Tuple[int, int]:
    return g.label, g.index


def _thresholds(data: _Matched, config: DetectionConfiguration) -> np.ndarray:
    """The confidence threshold of each class: fixed, or F1-optimal over the whole suite."""
    fixed = threshold_value(config.threshold_strategy)
    k = len(data.labels)
    if fixed is not None:
        return np.full(k, fixed)
    n_gt = np.bincount(data.gt_cls, minlength=k)
    out = np.zeros(k)
    for c in range(k):
        rows = data.inf_cls == c
        out[c] = f1_optimal_threshold(data.inf_score[rows], data.inf_tp[rows], int(n_gt[c]))[0]
    return out


def _sample_metrics(samples: List[Any], gts: List[List[Any]], infs: List[List[Any]], data: _Matched,
                    thr: np.ndarray) -> List[Tuple[Any, DetectionSampleMetrics]]:
    n = len(samples)
    positive = data.inf_score >= thr[data.inf_cls]
    found = data.gt_match_score >= thr[data.gt_cls]
    inf_bounds = np.searchsorted(data.inf_img, np.arange(n + 1))
    gt_bounds = np.searchsorted(data.gt_img, np.arange(n + 1))
    out = []
    for img, sample in enumerate(samples):
        rows = slice(inf_bounds[img], inf_bounds[img + 1])
        pos, tp, conf, ref = positive[rows], data.inf_tp[rows], data.inf_confused[rows], data.inf_ref[rows]
        above = data.inf_score[rows][pos]
        own = infs[img]
        g = slice(gt_bounds[img], gt_bounds[img + 1])
        tps = [own[j] for j in ref[pos & tp]]
        fps = [own[j] for j in ref[pos & ~tp]]
        fns = [gts[img][j] for j in data.gt_ref[g][~found[g]]]
        out.append((sample, DetectionSampleMetrics(
            tp=tps, fp=fps, fn=fns, confused=[own[j] for j in ref[pos & ~tp & conf]], count_tp=len(tps),
            count_fp=len(fps), count_fn=len(fns), count_ignored=int(data.ignored[img]),
            max_confidence_above_t=float(above.max()) if len(above) else None,
            min_confidence_above_t=float(above.min()) if len(above) else None)))
    return out


def _aggregate(data: _Matched, thr: np.ndarray, mask: np.ndarray, config: DetectionConfiguration,
               with_plots: bool) -> Tuple[DetectionTestCaseMetrics, List[Plot]]:
    """Metrics (and plots) of the images in ``mask``: slices of the suite's arrays, no matching."""
    k = len(data.labels)
    r, g = mask[data.inf_img], mask[data.gt_img]
    s, tp, c = data.inf_score[r], data.inf_tp[r], data.inf_cls[r]
    pos = s >= thr[c]
    gc = data.gt_cls[g]
    objects = np.bincount(gc, minlength=k)
    inferences = np.bincount(c, minlength=k)
    tps = np.bincount(c[pos & tp], minlength=k)
    fps = np.bincount(c[pos & ~tp], minlength=k)
    fns = objects - tps
    present = np.flatnonzero((objects > 0) | (inferences > 0))
    images = np.bincount(data.pair_cls[mask[data.pair_img]], minlength=k)
    order = np.argsort(c, kind="stable")  # keeps image order within a class (COCO's tie order)
    bounds = np.searchsorted(c[order], np.arange(k + 1))
    interpolation = "coco" if config.mode == "coco" else "all"
    ap, curves = np.zeros(k), {}
    for cls in present:
        rows = order[bounds[cls]:bounds[cls + 1]]
        if interpolation == "all" and len(rows) and objects[cls]:  # compute_ap's own steps, sharing the curve
            curves[cls] = pr_curve(s[rows], tp[rows], int(objects[cls]))
            ap[cls] = average_precision_from_curve(curves[cls].precision, curves[cls].recall)
        else:
            ap[cls] = compute_ap(s[rows], tp[rows], int(objects[cls]), interpolation=interpolation)
        if with_plots and len(rows) and cls not in curves:
            curves[cls] = pr_curve(s[rows], tp[rows], int(objects[cls]))
    precision, recall, f1 = precision_of(tps, fps), recall_of(tps, fns), f1_score(tps, fps, fns)
    per_class = [DetectionClassMetrics(
        label=data.labels[i], n_images=int(images[i]), threshold=float(thr[i]), objects=int(objects[i]),
        inferences=int(inferences[i]), tp=int(tps[i]), fp=int(fps[i]), fn=int(fns[i]), precision=float(precision[i]),
        recall=float(recall[i]), f1=float(f1[i]), ap=float(ap[i])) for i in present]
    averaged = present if config.mode == "pascal" else present[objects[present] > 0]
    tp_n, fp_n, fn_n = int(tps.sum()), int(fps.sum()), int(fns.sum())
    metrics = DetectionTestCaseMetrics(
        n_images=int(mask.sum()), objects=int(objects.sum()), inferences=int(r.sum()),
        ignored=int(data.ignored[mask].sum()), tp=tp_n, fp=fp_n, fn=fn_n, precision=precision_of(tp_n, fp_n),
        recall=recall_of(tp_n, fn_n), f1=f1_score(tp_n, fp_n, fn_n),
        macro_precision=_mean(precision[present]), macro_recall=_mean(recall[present]), macro_f1=_mean(f1[present]),
        mean_ap=_mean(ap[averaged]), per_class=per_class)
    if not with_plots or not len(present):
        return metrics, []
    return metrics, _plots(data, thr, mask, present, curves, s, tp)


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else 0.0


def _plots(data: _Matched, thr: np.ndarray, mask: np.ndarray, present: np.ndarray, curves: Dict[int, Any],
           scores: np.ndarray, is_tp: np.ndarray) -> List[Plot]:
    plots: List[Plot] = []
    if curves:
        names = {i: data.labels[i] for i in curves}
        plots.append(CurvePlot(title="Precision vs. Recall", x_label="Recall", y_label="Precision", curves=[
            curve(pr.recall, pr.precision, names[i], threshold=pr.thresholds) for i, pr in curves.items()]))
        plots.append(CurvePlot(title="F1 vs. Confidence Threshold", x_label="Confidence Threshold", y_label="F1",
                               curves=[curve(pr.thresholds, pr.f1, names[i]) for i, pr in curves.items()]))
    matrix = confusion_counts(data, thr, mask)
    keep = np.r_[present, len(data.labels)]
    plots.append(ConfusionMatrix(title="Confusion Matrix", labels=[data.labels[i] for i in present] + [NO_MATCH],
                                 matrix=matrix[np.ix_(keep, keep)]))
    frequency = [np.histogram(scores[is_tp], bins=_SCORE_BUCKETS)[0],
                 np.histogram(scores[~is_tp], bins=_SCORE_BUCKETS)[0]]
    plots.append(Histogram(title="Confidence Scores", x_label="Confidence", y_label="Inferences",
                           buckets=_SCORE_BUCKETS, frequency=frequency, labels=["matched", "unmatched"]))
    return plots


def confusion_counts(data: _Matched, thr: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(K + 1, K + 1)`` counts of actual vs predicted class at the class thresholds, the last row and column "no
    match": the same cells ``kolena_lab.metrics.detection_confusion_matrix`` fills, from the suite's arrays."""
    k = len(data.labels)
    g = mask[data.gt_img]
    gc, ms, cc, cs = data.gt_cls[g], data.gt_match_score[g], data.gt_conf_cls[g], data.gt_conf_score[g]
    found = (ms >= 0) & (ms >= thr[gc])
    confused = (cc >= 0) & (cs >= thr[np.maximum(cc, 0)])
    col = np.where(found, gc, np.where(confused, cc, k))
    r = mask[data.inf_img]
    stray = r & ~data.inf_tp & ~data.inf_confused & (data.inf_score >= thr[data.inf_cls])
    rows = np.r_[gc, np.full(int(stray.sum()), k)]
    cols = np.r_[col, data.inf_cls[stray]]
    return np.bincount(rows * (k + 1) + cols, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
