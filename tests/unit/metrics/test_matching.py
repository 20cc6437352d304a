"""match_inferences / match_inferences_multiclass: Kolena's PASCAL rule (hand-built cases and a loop reference) and
the COCO rule against pycocotools' per-image matching."""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
import pytest

from kolena_lab.metrics import (
    InferenceMatches,
    InputValidationError,
    MulticlassInferenceMatches,
    match_inferences,
    match_inferences_multiclass,
)

from ._helpers import Box, ScoredBox, pycoco_eval


@dataclass(frozen=True)
class G:
    top_left: Tuple[float, float]
    bottom_right: Tuple[float, float]
    uid: int
    label: str = "a"
    area: Optional[float] = None
    iscrowd: bool = False


@dataclass(frozen=True)
class D:
    top_left: Tuple[float, float]
    bottom_right: Tuple[float, float]
    score: float
    uid: int
    label: str = "a"


def box_iou(a, b) -> float:
    """Kolena's closed form, restated independently."""
    (ax1, ay1), (ax2, ay2) = a.top_left, a.bottom_right
    (bx1, by1), (bx2, by2) = b.top_left, b.bottom_right
    w, h = min(ax2, bx2) - max(ax1, bx1), min(ay2, by2) - max(ay1, by1)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def reference_pascal(gts, infs, ignored, thr, fields=()):
    """The brief's rule as plain loops: returns uid pairs and uid lists."""
    cands = list(gts) + list(ignored)
    taken, matched, unmatched_inf = set(), [], []
    for inf in sorted(infs, key=lambda d: -d.score):
        best, best_iou = None, -1.0
        for j, g in enumerate(cands):
            if any(getattr(g, f) != getattr(inf, f) for f in fields):
                continue
            v = box_iou(g, inf)
            if v >= thr and v > best_iou:
                best, best_iou = j, v
        if best is None or (best < len(gts) and best in taken):
            unmatched_inf.append(inf.uid)
        elif best < len(gts):
            taken.add(best)
            matched.append((gts[best].uid, inf.uid))
    return matched, [g.uid for j, g in enumerate(gts) if j not in taken], unmatched_inf


def uids(result: InferenceMatches):
    return ([(g.uid, d.uid) for g, d in result.matched], [g.uid for g in result.unmatched_gt],
            [d.uid for d in result.unmatched_inf])


def random_scene(rng, n_gt, n_inf, grid=5.0, labels=("a",)):
    def box():
        x, y = rng.integers(0, 12, 2) * grid
        w, h = rng.integers(1, 5, 2) * grid
        return (float(x), float(y)), (float(x + w), float(y + h))
    gts = [G(*box(), uid=i, label=str(rng.choice(labels))) for i in range(n_gt)]
    infs = []
    for i in range(n_inf):
        if gts and rng.random() < 0.6:  # a copy or a shifted copy of a ground truth: IoU ties and exact hits
            g = gts[int(rng.integers(len(gts)))]
            dx = float(rng.integers(-1, 2) * grid)
            tl, br = (g.top_left[0] + dx, g.top_left[1]), (g.bottom_right[0] + dx, g.bottom_right[1])
        else:
            tl, br = box()
        infs.append(D(tl, br, score=float(rng.integers(0, 5)) / 4, uid=100 + i, label=str(rng.choice(labels))))
    return gts, infs


@pytest.mark.parametrize("seed", range(40))
def test_pascal_equals_loop_reference(seed):
    rng = np.random.default_rng(seed)
    gts, infs = random_scene(rng, int(rng.integers(0, 8)), int(rng.integers(0, 12)), labels=("a", "b"))
    n_ign = int(rng.integers(0, 3))
    ignored, gts = gts[:n_ign], gts[n_ign:]
    thr = float(rng.choice([0.0, 0.3, 0.5, 1 / 3]))
    fields = ["label"] if seed % 2 else []
    got = match_inferences(gts, infs, ignored_ground_truths=ignored, iou_threshold=thr, required_match_fields=fields)
    assert uids(got) == reference_pascal(gts, infs, ignored, thr, fields)


def test_pascal_hand_built_rules():
    g1, g2 = G((0, 0), (10, 10), uid=1), G((20, 0), (30, 10), uid=2)
    ign = G((40, 0), (50, 10), uid=3)
    infs = [
        D((0, 0), (10, 10), 0.9, uid=10),    # perfect hit on g1
        D((0, 0), (10, 9), 0.95, uid=11),    # higher score, IoU 0.9 with g1: takes g1 first
        D((40, 0), (50, 10), 0.5, uid=12),   # lands on the ignored GT: dropped
        D((41, 0), (50, 10), 0.4, uid=13),   # also on the ignored GT: dropped too
        D((100, 100), (110, 110), 0.3, uid=14),  # nothing: FP
    ]
    res = match_inferences([g1, g2], infs, ignored_ground_truths=[ign])
    assert uids(res) == ([(1, 11)], [2], [10, 14])
    assert res.matched[0][1].iou == pytest.approx(0.9)
    assert res.unmatched_inf[0].iou == 1.0  # uid 10: best over regular GTs even though unmatched
    assert res.unmatched_inf[1].iou == 0.0


def test_pascal_tie_goes_to_first_candidate_and_taken_means_unmatched():
    g1, g2 = G((0, 0), (10, 10), uid=1), G((0, 0), (10, 10), uid=2)  # identical: equal IoU
    infs = [D((0, 0), (10, 10), 0.8, uid=10), D((0, 0), (10, 10), 0.8, uid=11)]
    res = match_inferences([g1, g2], infs)
    # uid 10 (first of equal scores) takes g1 (first of equal IoUs); uid 11's best is g1 again: taken → FP
    assert uids(res) == ([(1, 10)], [2], [11])


def test_pascal_ignored_candidate_only_when_best():
    g = G((0, 0), (10, 10), uid=1)
    ign = G((0, 0), (10, 12), uid=2)
    inf = D((0, 0), (10, 12), 0.9, uid=10)  # IoU 1 with the ignored GT, 10/12 with the regular one
    assert uids(match_inferences([g], [inf], ignored_ground_truths=[ign])) == ([], [1], [])


def test_threshold_is_inclusive():
    g = G((0, 0), (10, 10), uid=1)
    inf = D((0, 0), (10, 5), 0.5, uid=10)  # IoU exactly 0.5
    assert uids(match_inferences([g], [inf], iou_threshold=0.5)) == ([(1, 10)], [], [])
    assert uids(match_inferences([g], [inf], iou_threshold=0.51)) == ([], [1], [10])


def test_required_match_fields_partition():
    gts = [G((0, 0), (10, 10), uid=1, label="cat"), G((0, 0), (10, 10), uid=2, label="dog")]
    infs = [D((0, 0), (10, 10), 0.9, uid=10, label="dog")]
    assert uids(match_inferences(gts, infs, required_match_fields=["label"])) == ([(2, 10)], [1], [])
    assert uids(match_inferences(gts, infs)) == ([(1, 10)], [2], [])
    with pytest.raises(InputValidationError, match="required_match_fields"):
        match_inferences(gts, infs, required_match_fields=["colour"])


def test_iou_attribute_on_copies_without_mutating_inputs():
    gt = Box((0, 0), (10, 10))
    inf = ScoredBox((0, 0), (10, 8), 0.7)
    res = match_inferences([gt], [inf])
    assert res.matched[0][1].iou == pytest.approx(0.8)
    assert not hasattr(inf, "iou")
    assert res.matched[0][1] == inf  # same fields


def test_iou_attribute_on_kolena_data_objects():
    annotation = pytest.importorskip("kolena_lab.workflow.annotation")
    gt = annotation.LabeledBoundingBox((0, 0), (10, 10), label="a")
    inf = annotation.ScoredLabeledBoundingBox((0, 0), (10, 5), label="a", score=0.6)
    res = match_inferences([gt], [inf])
    out = res.matched[0][1]
    assert out.iou == pytest.approx(0.5) and "iou" in out._extras() and out._to_dict()["iou"] == pytest.approx(0.5)
    assert not hasattr(inf, "iou")


def test_empty_inputs():
    assert match_inferences([], []) == InferenceMatches([], [], [])
    assert uids(match_inferences([G((0, 0), (1, 1), uid=1)], [])) == ([], [1], [])
    assert match_inferences_multiclass([], []) == MulticlassInferenceMatches([], [], [])


@pytest.mark.parametrize("kwargs, match", [
    (dict(mode="voc"), "mode"),
    (dict(iou_threshold=1.5), "iou_threshold"),
    (dict(iou_threshold=float("nan")), "iou_threshold"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        match_inferences([Box((0, 0), (1, 1))], [ScoredBox((0, 0), (1, 1), 0.5)], **kwargs)


@pytest.mark.parametrize("inf, match", [
    (ScoredBox((0, 0), (1, 1), float("nan")), "NaN"),
    (ScoredBox((0, 0), (1, 1), 1.2), r"\[0, 1\]"),
    (ScoredBox((5, 0), (1, 1), 0.5), "x2 < x1"),
    (ScoredBox((0, float("nan")), (1, 1), 0.5), "NaN"),
    (Box((0, 0), (1, 1)), "score"),
])
def test_bad_inferences(inf, match):
    with pytest.raises(ValueError, match=match):
        match_inferences([Box((0, 0), (1, 1))], [inf])


def test_multiclass_confused_pairs():
    gts = [G((0, 0), (10, 10), uid=1, label="cat"), G((20, 0), (30, 10), uid=2, label="dog"),
           G((40, 0), (50, 10), uid=3, label="dog")]
    infs = [D((0, 0), (10, 10), 0.9, uid=10, label="cat"),   # TP cat
            D((20, 0), (30, 10), 0.8, uid=11, label="cat"),   # dog GT seen as cat: confused
            D((60, 0), (70, 10), 0.7, uid=12, label="dog")]   # FP dog
    res = match_inferences_multiclass(gts, infs)
    assert [(g.uid, d.uid) for g, d in res.matched] == [(1, 10)]
    assert [(g.uid, d.uid if d is not None else None) for g, d in res.unmatched_gt] == [(2, 11), (3, None)]
    assert [d.uid for d in res.unmatched_inf] == [11, 12]
    assert res.unmatched_gt[0][1] is res.unmatched_inf[0]  # the confused inference stays an FP of its own label
    assert res.unmatched_inf[0].iou == 0.0  # no cat ground truth overlaps it


def test_multiclass_same_label_leftover_is_not_confused():
    gts = [G((0, 0), (10, 10), uid=1, label="a"), G((0, 0), (10, 11), uid=2, label="a")]
    infs = [D((0, 0), (10, 10), 0.9, uid=10), D((0, 0), (10, 10), 0.8, uid=11)]
    # uid 11's best GT (1) is taken, so it is an FP; the leftover pass pairs it with GT 2, same label: not confused
    res = match_inferences_multiclass(gts, infs)
    assert [(g.uid, d) for g, d in res.unmatched_gt] == [(2, None)]
    assert [d.uid for d in res.unmatched_inf] == [11]


def test_multiclass_mixed_label_types():
    with pytest.raises(ValueError, match="labels"):
        match_inferences_multiclass([G((0, 0), (1, 1), uid=1, label="a")], [D((0, 0), (1, 1), 0.5, uid=2, label=3)])


def _xywh(o):
    return [o.top_left[0], o.top_left[1], o.bottom_right[0] - o.top_left[0], o.bottom_right[1] - o.top_left[1]]


def _pycoco_single_image(gts, infs, thr, max_dets, area_range):
    gt = {"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [
        {"id": i + 1, "image_id": 1, "category_id": 1, "iscrowd": int(g.iscrowd),
         "area": g.area if g.area is not None else _xywh(g)[2] * _xywh(g)[3], "bbox": _xywh(g)}
        for i, g in enumerate(gts)]}
    dets = [{"image_id": 1, "category_id": 1, "score": d.score, "bbox": _xywh(d)} for d in infs]
    ev = pycoco_eval(gt, dets, params=dict(iouThrs=np.array([thr]), maxDets=[max_dets], areaRng=[list(area_range)],
                                           areaRngLbl=["x"]), summarize=False)
    e = ev.evalImgs[0]
    gt_by_id = {i + 1: g.uid for i, g in enumerate(gts)}
    dt_by_id = {i + 1: d.uid for i, d in enumerate(infs)}
    matched, unmatched_inf = [], []
    for k, did in enumerate(e["dtIds"]):
        m, ig = int(e["dtMatches"][0, k]), bool(e["dtIgnore"][0, k])
        if m and not ig:
            matched.append((gt_by_id[m], dt_by_id[did]))
        elif not m and not ig:
            unmatched_inf.append(dt_by_id[did])
    unmatched_gt = sorted(gt_by_id[gid] for k, gid in enumerate(e["gtIds"])
                          if not e["gtIgnore"][k] and not e["gtMatches"][0, k])
    return sorted(matched), unmatched_gt, sorted(unmatched_inf)


@pytest.mark.parametrize("seed", range(30))
def test_coco_mode_equals_pycocotools_per_image(seed):
    rng = np.random.default_rng(1000 + seed)
    gts, infs = random_scene(rng, int(rng.integers(1, 9)), int(rng.integers(1, 25)))
    gts = [G(g.top_left, g.bottom_right, uid=g.uid, iscrowd=bool(rng.random() < 0.25),
             area=float(_xywh(g)[2] * _xywh(g)[3] * rng.choice([0.5, 1]))) for g in gts]
    thr = float(rng.choice([0.5, 0.75, 0.3]))
    max_dets = int(rng.choice([3, 10, 100]))
    area_range = [(0.0, 1e10), (0.0, 200.0), (100.0, 400.0)][seed % 3]
    res = match_inferences(gts, infs, mode="coco", iou_threshold=thr, max_dets=max_dets, area_range=area_range)
    ours = (sorted((g.uid, d.uid) for g, d in res.matched), sorted(g.uid for g in res.unmatched_gt),
            sorted(d.uid for d in res.unmatched_inf))
    assert ours == _pycoco_single_image(gts, infs, thr, max_dets, area_range)


def test_coco_mode_crowd_matches_repeatedly():
    crowd = G((0, 0), (100, 100), uid=1, iscrowd=True)
    infs = [D((0, 0), (50, 50), 0.9, uid=10), D((50, 50), (100, 100), 0.8, uid=11)]
    res = match_inferences([crowd], infs, mode="coco")
    assert uids(res) == ([], [], [])  # both matched to the crowd region: ignored, not FPs
    res = match_inferences([crowd], infs)  # pascal: IoU 0.25 with the box, unmatched
    assert uids(res) == ([], [1], [10, 11])


def test_coco_mode_iou_tie_goes_to_last_ground_truth():
    gts = [G((0, 0), (10, 10), uid=1), G((1, 0), (11, 10), uid=2)]
    infs = [D((0.5, 0), (10.5, 10), 0.9, uid=10),  # IoU 95/105 with both ground truths
            D((1.5, 0), (11.5, 10), 0.8, uid=11)]  # 95/105 with GT 2, 85/115 with GT 1
    res = match_inferences(gts, infs, mode="coco", iou_threshold=0.8)
    assert uids(res) == ([(2, 10)], [1], [11])
    assert _pycoco_single_image(gts, infs, 0.8, 100, (0.0, 1e10)) == ([(2, 10)], [1], [11])
    # Kolena's pascal rule breaks the same tie toward the first ground truth
    assert uids(match_inferences(gts, infs, iou_threshold=0.8)) == ([(1, 10), (2, 11)], [], [])


@dataclass(frozen=True)
class Poly:
    points: tuple
    score: float = 1.0
    uid: int = 0


def test_pascal_matches_polygons_and_mixed_geometry():
    square = Poly(((0, 0), (10, 0), (10, 10), (0, 10)), uid=1)
    notch = Poly(((0, 0), (10, 0), (10, 10), (5, 5), (0, 10)), score=0.9, uid=10)  # IoU 75/100 with the square
    box = D((20, 0), (30, 10), 0.8, uid=11)
    res = match_inferences([square, G((20, 0), (30, 10), uid=2)], [notch, box], iou_threshold=0.7)
    assert uids(res) == ([(1, 10), (2, 11)], [], [])
    assert res.matched[0][1].iou == pytest.approx(0.75)
    assert uids(match_inferences([square], [notch], iou_threshold=0.8)) == ([], [1], [10])
    with pytest.raises(InputValidationError, match="coco"):
        match_inferences([square], [notch], mode="coco")


def test_iou_attribute_carriers():
    from collections import namedtuple

    @dataclass(frozen=True)
    class WithField:
        top_left: tuple
        bottom_right: tuple
        score: float
        iou: float = -1.0

    class Slotted:
        __slots__ = ("top_left", "bottom_right", "score")

        def __init__(self):
            self.top_left, self.bottom_right, self.score = (0, 0), (1, 1), 0.5

    Plain = namedtuple("Plain", "top_left bottom_right score")
    gt = Box((0, 0), (1, 2))
    for inf in (WithField((0, 0), (1, 1), 0.5), Slotted(), Plain((0, 0), (1, 1), 0.5)):
        out = match_inferences([gt], [inf]).matched[0][1]
        if isinstance(inf, WithField):
            assert out.iou == 0.5 and inf.iou == -1.0
        else:
            assert out is inf and not hasattr(out, "iou")  # documented: such objects cannot carry the attribute


def test_multiclass_coco_mode():
    gts = [G((0, 0), (10, 10), uid=1, label="cat"), G((20, 0), (30, 10), uid=2, label="dog"),
           G((40, 0), (80, 40), uid=3, label="dog", iscrowd=True)]
    infs = [D((0, 0), (10, 10), 0.9, uid=10, label="cat"), D((20, 0), (30, 10), 0.8, uid=11, label="cat"),
            D((40, 0), (60, 20), 0.7, uid=12, label="dog")]  # inside the dog crowd region: ignored
    res = match_inferences_multiclass(gts, infs, mode="coco")
    assert [(g.uid, d.uid) for g, d in res.matched] == [(1, 10)]
    assert [(g.uid, d.uid if d else None) for g, d in res.unmatched_gt] == [(2, 11)]
    assert [d.uid for d in res.unmatched_inf] == [11]
