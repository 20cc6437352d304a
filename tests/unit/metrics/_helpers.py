"""Shared test helpers: simple box objects, a COCO scene generator and a silenced pycocotools runner."""
import contextlib
import copy
import io
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class Box:
    top_left: Tuple[float, float]
    bottom_right: Tuple[float, float]
    label: Optional[str] = None
    iscrowd: bool = False


@dataclass(frozen=True)
class ScoredBox:
    top_left: Tuple[float, float]
    bottom_right: Tuple[float, float]
    score: float
    label: Optional[str] = None


def xyxy(obj: Any) -> Tuple[float, float, float, float]:
    return (*obj.top_left, *obj.bottom_right)


def coco_scene(seed: int, *, n_images: int = 40, n_cats: int = 4, mean_gt: float = 5.0, max_det: int = 30,
               grid: Optional[float] = None, crowd_p: float = 0.1, score_decimals: Optional[int] = None,
               duplicate_p: float = 0.1, empty_p: float = 0.1, no_det_p: float = 0.1,
               area_edges_p: float = 0.05) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """A random COCO dataset dict and detection list with crowds, duplicate GTs (IoU ties), images without GTs or
    detections, areas exactly on the small/medium/large edges and optional coordinate grid / score rounding (ties)."""
    rng = np.random.default_rng(seed)
    images = [{"id": int(i) + 1} for i in range(n_images)]
    cats = [{"id": int(c) + 1} for c in range(n_cats)]
    anns: List[Dict[str, Any]] = []
    dets: List[Dict[str, Any]] = []

    def snap(b: List[float]) -> List[float]:
        if grid:
            b = [round(v / grid) * grid for v in b]
            b[2], b[3] = max(b[2], grid), max(b[3], grid)
        return [float(v) for v in b]

    def rbox() -> List[float]:
        w = float(rng.choice([rng.uniform(2, 30), rng.uniform(30, 100), rng.uniform(100, 300)]))
        return snap([rng.uniform(0, 600), rng.uniform(0, 450), w, w * rng.uniform(0.5, 2)])

    for im in images:
        gts = []
        n = 0 if rng.random() < empty_p else int(rng.poisson(mean_gt))
        for _ in range(n):
            b, c = rbox(), int(rng.integers(1, n_cats + 1))
            area = b[2] * b[3] * rng.uniform(0.6, 1.0)
            if rng.random() < area_edges_p:
                area = float(rng.choice([1024.0, 9216.0]))
            anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": c, "bbox": b,
                         "area": float(area), "iscrowd": int(rng.random() < crowd_p)})
            gts.append((b, c))
            if rng.random() < duplicate_p:
                anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": c, "bbox": list(b),
                             "area": float(area), "iscrowd": 0})
        if rng.random() < no_det_p:
            continue
        for _ in range(int(rng.integers(0, max_det + 1))):
            if gts and rng.random() < 0.7:
                b, c = gts[int(rng.integers(len(gts)))]
                j = rng.normal(0, 0.1, 4) * np.array([b[2], b[3], b[2], b[3]])
                nb = snap([b[0] + j[0], b[1] + j[1], max(1.0, b[2] + j[2]), max(1.0, b[3] + j[3])])
                if rng.random() < 0.2:
                    c = int(rng.integers(1, n_cats + 1))
            else:
                nb, c = rbox(), int(rng.integers(1, n_cats + 1))
            s = float(rng.random())
            if score_decimals is not None:
                s = round(s, score_decimals)
            dets.append({"image_id": im["id"], "category_id": c, "bbox": nb, "score": s})
    return {"images": images, "annotations": anns, "categories": cats}, dets


def pycoco_eval(gt: Dict[str, Any], dets: List[Dict[str, Any]], params: Optional[Dict[str, Any]] = None,
                summarize: bool = True) -> Any:
    """Run pycocotools' COCOeval (bbox) on copies of the inputs, printing nothing."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(copy.deepcopy(dets))
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        for key, value in (params or {}).items():
            setattr(ev.params, key, value)
        ev.evaluate()
        if summarize:
            ev.accumulate()
            ev.summarize()
    return ev
