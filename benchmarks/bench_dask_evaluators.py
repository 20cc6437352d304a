"""The detection evaluator on a local Dask cluster (2 worker processes, 1 thread each) vs in one process.

Generates N images of boxes (bench_detection's generator: ~7 ground truths and 20-100 detections per image, 80
classes, fixed seed) and evaluates them with ``ObjectDetectionEvaluator`` directly (no store), once in this process and
once inside ``executor.using(client)``. Prints both times and the speed-up, checks that every metric and plot is
identical, and breaks the cluster run down: per partition, the cost to build what is sent (here), its size, and the
matching (on a worker), plus the scheduling overhead (empty tasks over the same number of partitions) and the serial
part (labels, thresholds, sample metrics, test-case aggregation) that stays in this process.

Usage: python benchmarks/bench_dask_evaluators.py [--images 20000] [--mode pascal|coco] [--workers 2]
"""
import argparse
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detection import generate  # noqa: E402

from kolena_lab.evaluators import DetectionConfiguration, ObjectDetectionEvaluator  # noqa: E402
from kolena_lab.evaluators import _partitions, detection  # noqa: E402
from kolena_lab.workflow import GroundTruth, Image, Inference, TestCases, executor  # noqa: E402
from kolena_lab.workflow._codec import sample_key  # noqa: E402
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox  # noqa: E402


@dataclass(frozen=True)
class Photo(Image):
    pass


@dataclass(frozen=True)
class Boxes(GroundTruth):
    bboxes: List[LabeledBoundingBox]


@dataclass(frozen=True)
class Detections(Inference):
    bboxes: List[ScoredLabeledBoundingBox]


def dataset(n: int) -> Tuple[List[Photo], List[Boxes], List[Detections], TestCases]:
    coco, dets = generate(n)
    gts: List[List[Any]] = [[] for _ in range(n)]
    infs: List[List[Any]] = [[] for _ in range(n)]
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        gts[a["image_id"] - 1].append(LabeledBoundingBox((x, y), (x + w, y + h), f"class{a['category_id']}",
                                                         iscrowd=bool(a["iscrowd"])))
    for d in dets:
        x, y, w, h = d["bbox"]
        infs[d["image_id"] - 1].append(ScoredLabeledBoundingBox((x, y), (x + w, y + h), f"class{d['category_id']}",
                                                                 d["score"]))
    samples = [Photo(locator=f"/data/img{i:06d}.jpg") for i in range(n)]
    keys = [sample_key(s) for s in samples]
    cases = TestCases([("first half", set(keys[:n // 2])), ("second half", set(keys[n // 2:])),
                       ("every third", set(keys[::3])), ("all", set(keys))])
    return samples, [Boxes(bboxes=b) for b in gts], [Detections(bboxes=b) for b in infs], cases


def timed(fn: Any, *args: Any, **kwargs: Any) -> Tuple[float, Any]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def _noop(part: Any, start: int) -> int:
    return start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--mode", choices=("pascal", "coco"), default="pascal")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    t_gen, (samples, gts, infs, cases) = timed(dataset, args.images)
    n_gt, n_inf = sum(len(g.bboxes) for g in gts), sum(len(i.bboxes) for i in infs)
    print(f"{args.images} images, {n_gt} ground truths, {n_inf} detections, mode={args.mode} "
          f"(generated in {t_gen:.1f} s)")
    config = DetectionConfiguration(mode=args.mode)
    evaluator = ObjectDetectionEvaluator([config])

    t_one, local = timed(evaluator, samples, gts, infs, cases, config)
    print(f"1 process                 {t_one:8.2f} s")

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: __import__("kolena_lab.evaluators"))  # workers import the library before the clock starts
        with executor.using(client):
            t_dask, remote = timed(evaluator, samples, gts, infs, cases, config)
        print(f"{args.workers} workers x 1 thread      {t_dask:8.2f} s   speed-up {t_one / t_dask:4.2f}x")
        same = all(pickle.dumps(getattr(local, f)) == pickle.dumps(getattr(remote, f)) for f in (
            "metrics_test_case", "plots_test_case", "metrics_test_suite")) and \
            pickle.dumps([m for _, m in local.metrics_test_sample]) == \
            pickle.dumps([m for _, m in remote.metrics_test_sample])
        print(f"identical results         {same}")

        n_threads = sum(client.nthreads().values())
        bounds = _partitions.partition_bounds(args.images, n_threads)
        n_parts = len(bounds)
        gt_objs = [g.bboxes for g in gts]
        inf_objs = [i.bboxes for i in infs]
        ign: List[List[Any]] = [[] for _ in samples]
        names = sorted({detection._label_of(o) for objs in (gt_objs, inf_objs) for per in objs for o in per})
        code = {name: i for i, name in enumerate(names)}
        r = bounds[0]
        t_ship, shipped = timed(detection._ship, gt_objs, ign, inf_objs, code, r.start, r.stop)
        size = len(pickle.dumps(shipped, protocol=5))
        t_match, _ = timed(detection._match_shipped, shipped, r.start, names, config)
        print(f"partitions                {n_parts} of ~{len(r)} images")
        print(f"per partition: build {t_ship * 1e3:7.1f} ms here, {size / 1e6:5.2f} MB sent, "
              f"match {t_match * 1e3:7.1f} ms on a worker")
        t_all_match = sum(timed(detection._match_images, gt_objs[b.start:b.stop], ign[b.start:b.stop],
                                inf_objs[b.start:b.stop], code, config, b.start)[0] for b in bounds[:2])
        print(f"matching in-process       {t_all_match / 2 * 1e3:7.1f} ms per partition")
        with executor.using(client):
            overhead = []
            for _ in range(3):
                t, _ = timed(_partitions.map_partitions, _noop, args.images, lambda a, b: None, min_items=1)
                overhead.append(t)
        print(f"scheduling overhead       {min(overhead) * 1e3:7.1f} ms for {n_parts} empty tasks "
              f"({min(overhead) / n_parts * 1e3:.2f} ms per partition)")
    fields = evaluator._fields(Boxes, Detections)
    t_serial = t_one - sum(timed(detection._match_images, gt_objs[b.start:b.stop], ign[b.start:b.stop],
                                 inf_objs[b.start:b.stop], code, config, b.start)[0] for b in bounds)
    print(f"serial part (not matching) {t_serial:7.2f} s of the 1-process run ({fields[0]} field)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
