"""The detection evaluator on a local Dask cluster (2 worker processes, 1 thread each) vs in one process.

Generates N images of boxes (bench_detection's generator: ~7 ground truths and 20-100 detections per image, 80
classes, fixed seed) and evaluates them with ``ObjectDetectionEvaluator`` directly (no store), in this process and
inside ``executor.using(client)``, alternating ``--repeat`` times. Prints the best times and the speed-up, checks that
every metric and plot is identical, and breaks the cluster run down: per partition, the cost to build what is sent
(here), its size and the matching (on a worker, and the same matching in this process); the time line of the run;
the scheduling overhead (empty tasks over the same partitions); and CPU seconds (this process's serial part, the
cluster run's here and on the workers) with the run time they imply on idle cores, since the machine may be shared.

Usage: python benchmarks/bench_dask_evaluators.py [--images 20000] [--mode pascal|coco] [--workers 2] [--repeat 2]
"""
import argparse
import os
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
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, alternating; the best is reported")
    args = parser.parse_args()
    from distributed import Client, LocalCluster, get_task_stream

    t_gen, (samples, gts, infs, cases) = timed(dataset, args.images)
    n_gt, n_inf = sum(len(g.bboxes) for g in gts), sum(len(i.bboxes) for i in infs)
    print(f"{args.images} images, {n_gt} ground truths, {n_inf} detections, mode={args.mode}, 4 test cases "
          f"(generated in {t_gen:.1f} s)")
    config = DetectionConfiguration(mode=args.mode)
    evaluator = ObjectDetectionEvaluator([config])
    gt_objs, inf_objs = [g.bboxes for g in gts], [i.bboxes for i in infs]
    ign: List[List[Any]] = [[] for _ in samples]
    names = sorted({detection._label_of(o) for objs in (gt_objs, inf_objs) for per in objs for o in per})
    code = {name: i for i, name in enumerate(names)}
    coco = args.mode == "coco"

    if args.images < detection.DISTRIBUTED_MIN_IMAGES:
        print(f"(below DISTRIBUTED_MIN_IMAGES = {detection.DISTRIBUTED_MIN_IMAGES}, where the evaluator stays in this "
              f"process: lowered to {args.images} to measure the cluster anyway)")
        detection.DISTRIBUTED_MIN_IMAGES = args.images

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("kolena_lab.evaluators"))  # workers import the library before the clock starts
        one, one_cpu, many, many_cpu, worker_cpu, computes, spans = [], [], [], [], [], [], []
        for _ in range(args.repeat):
            cpu = time.process_time()
            t, local = timed(evaluator, samples, gts, infs, cases, config)
            one.append(t)
            one_cpu.append(time.process_time() - cpu)
            before = client.run(time.process_time)
            with executor.using(client), get_task_stream(client) as stream:
                cpu, begin = time.process_time(), time.time()
                t, remote = timed(evaluator, samples, gts, infs, cases, config)
                many_cpu.append(time.process_time() - cpu)
            after = client.run(time.process_time)
            worker_cpu.append(sum(after[w] - before[w] for w in after))
            many.append(t)
            steps = [s for task in stream.data for s in task["startstops"] if s["action"] == "compute"]
            computes.append([s["stop"] - s["start"] for s in steps])
            spans.append((min(s["start"] for s in steps) - begin, max(s["stop"] for s in steps) - begin))
        same = all(pickle.dumps(getattr(local, f)) == pickle.dumps(getattr(remote, f)) for f in (
            "metrics_test_case", "plots_test_case", "metrics_test_suite", "metrics_test_sample"))
        t_one, t_many = min(one), min(many)
        print(f"1 process                  {t_one:7.2f} s   (runs: {', '.join(f'{t:.2f}' for t in one)})")
        print(f"{args.workers} workers x 1 thread       {t_many:7.2f} s   (runs: {', '.join(f'{t:.2f}' for t in many)})"
              f"   speed-up {t_one / t_many:4.2f}x")
        print(f"identical results          {same}")

        bounds = _partitions.partition_bounds(args.images, sum(client.nthreads().values()))
        best = int(np.argmin(many))
        compute, (first, last) = computes[best], spans[best]
        r = bounds[0]
        t_ship, shipped = timed(detection._ship, gt_objs, ign, inf_objs, code, r.start, r.stop)
        size = len(pickle.dumps(shipped, protocol=5))
        cpu = time.process_time()
        for b in bounds:
            detection._match_images(len(b), lambda i, b=b: detection._object_lights(
                gt_objs[b.start + i], ign[b.start + i], inf_objs[b.start + i], code, coco), config, b.start)
        match_cpu = time.process_time() - cpu
        print(f"partitions                 {len(bounds)} of ~{len(r)} images")
        print(f"per partition              build {t_ship * 1e3:6.1f} ms here, send {size / 1e6:5.2f} MB, "
              f"match {np.mean(compute) * 1e3:6.1f} ms on a worker (min {min(compute) * 1e3:.0f}, "
              f"max {max(compute) * 1e3:.0f}); {match_cpu / len(bounds) * 1e3:6.1f} ms CPU in this process")
        print(f"time line of the best run  first task starts at {first:.2f} s, last ends at {last:.2f} s, then "
              f"{t_many - last:.2f} s here")
        with executor.using(client):
            t_empty = min(timed(_partitions.map_partitions, _noop, args.images, lambda a, b: None, min_items=1)[0]
                          for _ in range(3))
        print(f"scheduling overhead        {t_empty * 1e3:6.1f} ms for {len(bounds)} empty tasks "
              f"({t_empty / len(bounds) * 1e3:.2f} ms per partition)")
        # CPU seconds do not depend on what else runs on the machine: what the run would take on idle cores
        serial = min(one_cpu) - match_cpu
        here, workers = many_cpu[best], worker_cpu[best]
        cores = os.cpu_count() or 1
        ideal = serial + (here - serial + workers) / cores
        print(f"CPU seconds                1 process {min(one_cpu):.2f} (serial part, not matching: {serial:.2f}); "
              f"cluster run: here {here:.2f} (client and scheduler), workers {workers:.2f}")
        print(f"on {cores} idle cores            ~{ideal:.2f} s: speed-up ~{min(one_cpu) / ideal:.2f}x "
              f"(serial part + the rest spread over the cores; the bound with free matching is "
              f"{min(one_cpu) / serial:.1f}x)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
