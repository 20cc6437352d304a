"""COCO box evaluation: kolena_lab.metrics.coco_evaluate vs pycocotools (and faster-coco-eval when installed).

Generates a COCO-style dataset (fixed seed): N images x ~7 ground truths (80 classes, ~3% crowd, sizes across the
small / medium / large ranges) and 20-100 detections per image (jittered copies of ground truths, some with the wrong
class, plus background boxes). Each implementation evaluates its own copy of the same dicts; the script prints the
times, the speed-ups and the largest difference of the twelve summary numbers, and exits non-zero unless they are
identical to pycocotools'.

Usage: python benchmarks/bench_detection.py [--images 5000] [--skip-pycocotools]
"""
import argparse
import contextlib
import copy
import io
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kolena_lab.metrics import coco_evaluate  # noqa: E402


def generate(n_images: int, seed: int = 0, n_classes: int = 80) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    images = [{"id": i + 1, "width": 640, "height": 480} for i in range(n_images)]
    categories = [{"id": c + 1, "name": f"class{c}"} for c in range(n_classes)]
    n_gt = rng.poisson(7, n_images)
    img_of_gt = np.repeat(np.arange(n_images), n_gt)
    g = len(img_of_gt)
    size = np.exp(rng.uniform(np.log(8), np.log(400), g))
    wh = np.stack([size * rng.uniform(0.6, 1.4, g), size * rng.uniform(0.6, 1.4, g)], axis=1)
    xy = rng.uniform(0, 1, (g, 2)) * np.maximum(np.array([640.0, 480.0]) - wh, 1.0)
    gt_boxes = np.round(np.concatenate([xy, wh], axis=1), 2)
    gt_cls = rng.integers(1, n_classes + 1, g)
    crowd = rng.random(g) < 0.03
    area = gt_boxes[:, 2] * gt_boxes[:, 3] * rng.uniform(0.55, 0.95, g)  # segmentation area < box area
    annotations = [
        {"id": i + 1, "image_id": int(img_of_gt[i]) + 1, "category_id": int(gt_cls[i]), "bbox": gt_boxes[i].tolist(),
         "area": float(area[i]), "iscrowd": int(crowd[i])}
        for i in range(g)
    ]

    n_det = np.minimum(rng.integers(20, 101, n_images), 100)
    img_of_det = np.repeat(np.arange(n_images), n_det)
    d = len(img_of_det)
    gt_start = np.concatenate([[0], np.cumsum(n_gt)[:-1]])
    has_gt = n_gt[img_of_det] > 0
    near = has_gt & (rng.random(d) < 0.35)
    pick = gt_start[img_of_det] + (rng.random(d) * np.maximum(n_gt[img_of_det], 1)).astype(np.int64)
    pick = np.minimum(pick, max(g - 1, 0))
    base = gt_boxes[pick] if g else np.zeros((d, 4))
    jitter = rng.normal(0, 0.08, (d, 4)) * np.concatenate([base[:, 2:], base[:, 2:]], axis=1)
    jittered = np.concatenate([base[:, :2] + jitter[:, :2], np.maximum(base[:, 2:] + jitter[:, 2:], 1.0)], axis=1)
    size = np.exp(rng.uniform(np.log(8), np.log(300), d))
    bg_wh = np.stack([size * rng.uniform(0.6, 1.4, d), size * rng.uniform(0.6, 1.4, d)], axis=1)
    bg = np.concatenate([rng.uniform(0, 1, (d, 2)) * np.maximum(np.array([640.0, 480.0]) - bg_wh, 1.0), bg_wh], axis=1)
    det_boxes = np.round(np.where(near[:, None], jittered, bg), 2)
    det_cls = np.where(near & (rng.random(d) < 0.85), gt_cls[pick] if g else 1, rng.integers(1, n_classes + 1, d))
    score = np.where(near, rng.beta(5, 2, d), rng.beta(1.5, 5, d))
    score = np.where(rng.random(d) < 0.2, np.round(score, 2), score)  # some score ties
    detections = [
        {"image_id": int(img_of_det[i]) + 1, "category_id": int(det_cls[i]), "bbox": det_boxes[i].tolist(),
         "score": float(score[i])}
        for i in range(d)
    ]
    return {"images": images, "annotations": annotations, "categories": categories}, detections


def run_pycocotools(gt: Dict[str, Any], dets: List[Dict[str, Any]]) -> np.ndarray:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(dets)
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return np.asarray(ev.stats)


def run_faster_coco_eval(gt: Dict[str, Any], dets: List[Dict[str, Any]]) -> np.ndarray:
    from faster_coco_eval import COCO, COCOeval_faster

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(dets)
        ev = COCOeval_faster(coco_gt, coco_dt, "bbox", print_function=lambda *a, **k: None)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return np.asarray(ev.stats[:12])


def timed(fn: Any, *args: Any) -> Tuple[float, Any]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pycocotools", action="store_true")
    args = parser.parse_args()

    gt, dets = generate(args.images, args.seed)
    print(f"{args.images} images, {len(gt['annotations'])} ground truths, {len(dets)} detections, 80 classes")

    # every implementation gets its own (untimed) copy of the inputs: pycocotools mutates them
    gt_copy, dets_copy = copy.deepcopy(gt), copy.deepcopy(dets)
    t_ours, result = timed(coco_evaluate, gt_copy, dets_copy)
    ours = result.stats
    print(f"kolena_lab.metrics   {t_ours:8.2f} s")
    ok = True
    if not args.skip_pycocotools:
        gt_copy, dets_copy = copy.deepcopy(gt), copy.deepcopy(dets)
        t_ref, ref = timed(run_pycocotools, gt_copy, dets_copy)
        diff = float(np.abs(ref - ours).max())
        print(f"pycocotools          {t_ref:8.2f} s   speed-up {t_ref / t_ours:5.1f}x   max |stats diff| {diff:.3g}")
        ok = diff == 0.0
    try:
        import faster_coco_eval  # noqa: F401
    except ImportError:
        print("faster-coco-eval     not installed (pip install faster-coco-eval to compare)")
    else:
        gt_copy, dets_copy = copy.deepcopy(gt), copy.deepcopy(dets)
        t_fce, fce = timed(run_faster_coco_eval, gt_copy, dets_copy)
        print(f"faster-coco-eval     {t_fce:8.2f} s   speed-up {t_fce / t_ours:5.1f}x   "
              f"max |stats diff| {float(np.abs(fce - ours).max()):.3g}")
    print("stats:", " ".join(f"{v:.6f}" for v in ours))
    if not ok:
        print("FAIL: stats differ from pycocotools")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
