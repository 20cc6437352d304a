"""Matching inferences to ground truths within one image: Kolena's PASCAL VOC rule and pycocotools' COCO rule.

Returned inferences carry an ``iou`` attribute (see ``with_iou``): the IoU with the ground truth they matched, or, when
unmatched, the best IoU over the regular ground truths they could have matched (same ``required_match_fields`` values;
same label in the multiclass matcher). The caller's objects are never mutated.
"""
import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, check_scores
from kolena_lab.metrics.coco_matching import coco_box_iou, coco_match
from kolena_lab.metrics.iou import as_geometry, geometry_iou_matrix

GT = TypeVar("GT")
Inf = TypeVar("Inf")
_MODES = ("pascal", "coco")


@dataclass(frozen=True)
class InferenceMatches(Generic[GT, Inf]):
    """Matches of one image: ``matched`` (TP pairs), ``unmatched_gt`` (FN), ``unmatched_inf`` (FP)."""

    matched: List[Tuple[GT, Inf]]
    unmatched_gt: List[GT]
    unmatched_inf: List[Inf]


@dataclass(frozen=True)
class MulticlassInferenceMatches(Generic[GT, Inf]):
    """Like ``InferenceMatches``; ``unmatched_gt`` holds ``(gt, confused_inference_or_None)`` pairs."""

    matched: List[Tuple[GT, Inf]]
    unmatched_gt: List[Tuple[GT, Optional[Inf]]]
    unmatched_inf: List[Inf]


def with_iou(obj: Any, value: float) -> Any:
    """A copy of ``obj`` with an ``iou`` attribute.

    Kolena-style data objects (frozen dataclasses accepting extra keyword arguments) are rebuilt through their
    constructor so ``iou`` is a proper extra; dataclasses declaring ``iou`` use ``dataclasses.replace``; other objects
    are shallow-copied and the attribute set on the copy. Objects that cannot carry an attribute (tuples, ``__slots__``
    classes) are returned unchanged.
    """
    value = float(value)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = dataclasses.fields(obj)
        if any(f.name == "iou" and f.init for f in fields):
            return dataclasses.replace(obj, iou=value)
        extras = getattr(obj, "_extras", None)
        if callable(extras):
            kwargs = {f.name: getattr(obj, f.name) for f in fields if f.init}
            kwargs.update({k: getattr(obj, k) for k in extras() if k != "iou"})
            try:
                return type(obj)(**kwargs, iou=value)
            except TypeError:
                pass
    if hasattr(obj, "_replace") and "iou" in getattr(obj, "_fields", ()):
        return obj._replace(iou=value)
    try:
        new = copy.copy(obj)
        object.__setattr__(new, "iou", value)
        return new
    except (AttributeError, TypeError):
        return obj


def _check_threshold(iou_threshold: float) -> float:
    try:
        thr = float(iou_threshold)
    except (TypeError, ValueError):
        raise InputValidationError(f"'iou_threshold' must be a number, got {iou_threshold!r}") from None
    if not 0 <= thr <= 1:
        raise InputValidationError(f"'iou_threshold' must be in [0, 1], got {iou_threshold!r}")
    return thr


def _scores(inferences: Sequence[Any]) -> np.ndarray:
    try:
        scores = np.array([float(inf.score) for inf in inferences], dtype=np.float64)
    except AttributeError:
        raise InputValidationError("'inferences' must have a 'score' attribute") from None
    except (TypeError, ValueError):
        raise InputValidationError("'inferences' scores must be numbers") from None
    check_scores(scores, "inferences.score")
    return scores


def _field_keys(objs: Sequence[Any], fields: Sequence[str], name: str) -> List[tuple]:
    keys = []
    for i, o in enumerate(objs):
        try:
            keys.append(tuple(getattr(o, f) for f in fields))
        except AttributeError:
            raise InputValidationError(f"'{name}'[{i}] lacks an attribute named in required_match_fields") from None
    return keys


def _groups(infs: Sequence[Any], cands: Sequence[Any], fields: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
    """Integer codes of the ``required_match_fields`` values of inferences and candidate ground truths."""
    if not fields:
        return np.zeros(len(infs), dtype=np.int64), np.zeros(len(cands), dtype=np.int64)
    codes: Dict[tuple, int] = {}
    di = [codes.setdefault(k, len(codes)) for k in _field_keys(infs, fields, "inferences")]
    gi = [codes.setdefault(k, len(codes)) for k in _field_keys(cands, fields, "ground_truths")]
    return np.array(di, dtype=np.int64), np.array(gi, dtype=np.int64)


@dataclass(frozen=True)
class _Result:
    """Index form: ``matched`` (candidate index, inference index, IoU) in match order, ``unmatched_gt`` candidate
    indices (regular only), ``unmatched_inf`` (inference index, best regular IoU)."""

    matched: List[Tuple[int, int, float]]
    unmatched_gt: List[int]
    unmatched_inf: List[Tuple[int, float]]


def _match_pascal(cands: List[Any], n_gt: int, infs: List[Any], thr: float, fields: Sequence[str]) -> _Result:
    scores = _scores(infs)
    ious = geometry_iou_matrix(infs, cands, names=("inferences", "ground_truths")).reshape(len(infs), len(cands))
    d_group, g_group = _groups(infs, cands, fields)
    order = np.argsort(-scores, kind="stable")
    ious, d_group = ious[order], d_group[order]
    compat = d_group[:, None] == g_group[None, :]
    eligible = compat & (ious >= thr)
    has = eligible.any(axis=1)
    best = np.argmax(np.where(eligible, ious, -1.0), axis=1) if len(cands) else np.zeros(len(infs), dtype=np.int64)
    regular = has & (best < n_gt)
    contenders = np.flatnonzero(regular)
    _, first = np.unique(best[contenders], return_index=True)  # the highest-scoring inference claims the GT
    winner = np.zeros(len(infs), dtype=bool)
    winner[contenders[first]] = True
    best_regular = np.where(compat[:, :n_gt], ious[:, :n_gt], 0.0).max(axis=1) if n_gt else np.zeros(len(infs))
    matched = [(int(best[i]), int(order[i]), float(ious[i, best[i]])) for i in np.flatnonzero(winner)]
    unmatched = np.flatnonzero(~has | (regular & ~winner))
    taken = set(best[winner].tolist())
    return _Result(matched, [j for j in range(n_gt) if j not in taken],
                   [(int(order[i]), float(best_regular[i])) for i in unmatched])


def _coco_box(obj: Any, name: str) -> np.ndarray:
    kind, geom = as_geometry(obj, name)
    if kind != "box":
        raise InputValidationError(f"'{name}' is a polygon: mode='coco' matches boxes only")
    x1, y1, x2, y2 = geom
    return np.array([x1, y1, x2 - x1, y2 - y1])


def _match_coco(cands: List[Any], n_gt: int, infs: List[Any], thr: float, fields: Sequence[str],
                max_dets: int, area_range: Tuple[float, float]) -> _Result:
    scores = _scores(infs)
    g_box = np.array([_coco_box(g, f"ground_truths[{i}]") for i, g in enumerate(cands)]).reshape(-1, 4)
    d_box = np.array([_coco_box(d, f"inferences[{i}]") for i, d in enumerate(infs)]).reshape(-1, 4)
    areas = [getattr(g, "area", None) for g in cands]
    try:
        g_area = np.array([b[2] * b[3] if a is None else float(a) for a, b in zip(areas, g_box)], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputValidationError("'ground_truths' area must be a number") from None
    if np.isnan(g_area).any():
        raise InputValidationError("'ground_truths' area contains NaN")
    g_crowd = np.array([bool(getattr(g, "iscrowd", False)) for g in cands], dtype=bool)
    d_group, g_group = _groups(infs, cands, fields)
    res = coco_match(g_group, g_box, g_area, g_crowd, d_group, d_box, scores, iou_thresholds=[thr],
                     area_ranges=[area_range], max_det=max_dets, gt_ignore_extra=np.arange(len(cands)) >= n_gt)
    n_d, n_g = len(infs), len(cands)
    flat_d, flat_g = np.repeat(np.arange(n_d), n_g), np.tile(np.arange(n_g), n_d)
    plain = coco_box_iou(d_box[flat_d], g_box[flat_g], np.zeros(len(flat_d), dtype=bool)).reshape(n_d, n_g)
    crowd = coco_box_iou(d_box[flat_d], g_box[flat_g], g_crowd[flat_g]).reshape(n_d, n_g)
    regular = (d_group[:, None] == g_group[None, :]) & ~g_crowd[None, :] & (np.arange(n_g) < n_gt)[None, :]
    best_regular = np.where(regular, plain, 0.0).max(axis=1) if n_g else np.zeros(n_d)
    ignored = np.zeros(n_g, dtype=bool)
    ignored[res.gt_order] = res.gt_ignore[0]
    matched, unmatched_inf, taken = [], [], set()
    for pos, d in enumerate(res.dt_order.tolist()):
        g = int(res.det_gt[0, 0, pos])
        if g >= 0:
            gi = int(res.gt_order[g])
            if not ignored[gi]:
                matched.append((gi, d, float(crowd[d, gi])))
                taken.add(gi)
        elif not res.det_out_of_range[0, pos]:
            unmatched_inf.append((d, float(best_regular[d])))
    return _Result(matched, [j for j in range(n_gt) if j not in taken and not ignored[j]], unmatched_inf)


def _match(gts: List[Any], infs: List[Any], ignored: List[Any], mode: str, iou_threshold: float,
           fields: Sequence[str], max_dets: int, area_range: Tuple[float, float]) -> _Result:
    if mode not in _MODES:
        raise InputValidationError(f"unsupported mode {mode!r}: expected one of {_MODES}")
    thr = _check_threshold(iou_threshold)
    if mode == "pascal":
        return _match_pascal(gts + ignored, len(gts), infs, thr, fields)
    if int(max_dets) < 1:
        raise InputValidationError(f"'max_dets' must be >= 1, got {max_dets!r}")
    try:
        lo, hi = (float(v) for v in area_range)
    except (TypeError, ValueError):
        raise InputValidationError(f"'area_range' must be a (min, max) pair, got {area_range!r}") from None
    return _match_coco(gts + ignored, len(gts), infs, thr, fields, int(max_dets), (lo, hi))


def match_inferences(
    ground_truths: Sequence[GT],
    inferences: Sequence[Inf],
    *,
    ignored_ground_truths: Optional[Sequence[GT]] = None,
    mode: str = "pascal",
    iou_threshold: float = 0.5,
    required_match_fields: Optional[Sequence[str]] = None,
    max_dets: int = 100,
    area_range: Tuple[float, float] = (0.0, 1e10),
) -> InferenceMatches[GT, Inf]:
    """Match one image's inferences (objects with ``score``) to its ground truths, label-blind.

    ``mode="pascal"`` (Kolena): inferences by descending score (stable); each takes the candidate (regular ground
    truths, then ignored ones) with the highest IoU >= ``iou_threshold``, ties to the first. If that candidate is a
    regular ground truth already taken, or there is none, the inference is unmatched; if it is an ignored ground truth
    the inference is dropped. ``mode="coco"``: pycocotools' per-image rule for one threshold (see ``coco_matching``),
    with ``max_dets`` and ``area_range``; ground truths with a truthy ``iscrowd`` are crowd regions, ``area`` is read
    from the ground truth when it has one, and ``ignored_ground_truths`` act as non-crowd ignored regions.
    ``required_match_fields`` names attributes that must be equal for a pair to match.
    """
    gts, infs = list(ground_truths), list(inferences)
    res = _match(gts, infs, list(ignored_ground_truths or []), mode, iou_threshold, list(required_match_fields or []),
                 max_dets, area_range)
    return InferenceMatches(
        [(gts[g], with_iou(infs[d], iou)) for g, d, iou in res.matched],
        [gts[g] for g in res.unmatched_gt],
        [with_iou(infs[d], iou) for d, iou in res.unmatched_inf],
    )


def _label(obj: Any, name: str, i: int) -> Any:
    try:
        return obj.label
    except AttributeError:
        raise InputValidationError(f"'{name}'[{i}] has no 'label'") from None


def match_inferences_multiclass(
    ground_truths: Sequence[GT],
    inferences: Sequence[Inf],
    *,
    ignored_ground_truths: Optional[Sequence[GT]] = None,
    mode: str = "pascal",
    iou_threshold: float = 0.5,
    required_match_fields: Optional[Sequence[str]] = None,
    max_dets: int = 100,
    area_range: Tuple[float, float] = (0.0, 1e10),
) -> MulticlassInferenceMatches[GT, Inf]:
    """``match_inferences`` per label (labels in sorted order), then a label-blind pass between the leftovers.

    A leftover pair matched in that pass with different labels is "confused": ``(gt, inference)`` goes in
    ``unmatched_gt`` and the same inference object stays in ``unmatched_inf`` (its ``iou`` is the best over ground
    truths of its own label). Other unmatched ground truths appear as ``(gt, None)``, after the confused ones.
    """
    gts, infs = list(ground_truths), list(inferences)
    ignored = list(ignored_ground_truths or [])
    labels = {}
    for name, objs in (("ground_truths", gts), ("inferences", infs), ("ignored_ground_truths", ignored)):
        for i, o in enumerate(objs):
            labels.setdefault(_label(o, name, i), None)
    try:
        ordered = sorted(labels)
    except TypeError:
        raise InputValidationError("labels mix types that cannot be ordered (e.g. str and int)") from None
    for name, objs in (("ground_truths", gts), ("inferences", infs), ("ignored_ground_truths", ignored)):
        for i, o in enumerate(objs):  # validate up front so errors name positions in the caller's lists
            as_geometry(o, f"{name}[{i}]")
    _scores(infs)
    fields = list(required_match_fields or [])
    opts = dict(mode=mode, iou_threshold=iou_threshold, fields=fields, max_dets=max_dets, area_range=area_range)
    gt_labels = [g.label for g in gts]
    inf_labels = [d.label for d in infs]
    ign_labels = [g.label for g in ignored]
    matched: List[Tuple[Any, Any]] = []
    left_gt: List[int] = []
    left_inf: List[Tuple[int, float]] = []
    for label in ordered:
        gi = [i for i, v in enumerate(gt_labels) if v == label]
        di = [i for i, v in enumerate(inf_labels) if v == label]
        ii = [i for i, v in enumerate(ign_labels) if v == label]
        res = _match([gts[i] for i in gi], [infs[i] for i in di], [ignored[i] for i in ii], **opts)
        matched += [(gts[gi[g]], with_iou(infs[di[d]], iou)) for g, d, iou in res.matched]
        left_gt += [gi[g] for g in res.unmatched_gt]
        left_inf += [(di[d], iou) for d, iou in res.unmatched_inf]
    res = _match([gts[i] for i in left_gt], [infs[i] for i, _ in left_inf], ignored, **opts)
    confused = [(left_gt[g], left_inf[d][0], iou) for g, d, iou in res.matched
                if gt_labels[left_gt[g]] != inf_labels[left_inf[d][0]]]
    confused_gt = {g for g, _, _ in confused}
    leftover = {d: with_iou(infs[d], iou) for d, iou in left_inf}
    unmatched_gt = [(gts[g], leftover[d]) for g, d, _ in confused]
    unmatched_gt += [(gts[g], None) for g in left_gt if g not in confused_gt]
    return MulticlassInferenceMatches(matched, unmatched_gt, list(leftover.values()))
