"""A detection suite of overlapping test cases vs one test case holding their union, with the same evaluator.

Generates N images (fixed seed; ~4 ground truths of 10 classes and ~8 scored detections each: jittered copies of the
ground truths, some with the wrong class, plus background boxes), then a suite of C test cases, each a random share of
the images (they overlap), and a suite of one test case holding their union. ``ObjectDetectionEvaluator`` (F1-optimal
thresholds, IoU 0.5) is called directly on the in-memory data for both, best of ``--repeat`` runs, and the ratio is
printed (target: at most 1.5x). ``--with-test`` also times ``test()`` end to end on a fresh SQLite store (inferences
stored beforehand, so only evaluation and storing results are timed). ``--naive`` times evaluating each test case on
its own samples, as an evaluator called per test case would.

Usage: python benchmarks/bench_suite.py [--images 5000] [--cases 50] [--share 0.2] [--repeat 3] [--with-test]
"""
import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kolena_lab.evaluators import ObjectDetectionEvaluator  # noqa: E402
from kolena_lab.workflow import GroundTruth, Image, Inference, TestCases  # noqa: E402
from kolena_lab.workflow._codec import sample_key  # noqa: E402
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox  # noqa: E402


@dataclass(frozen=True)
class Sample(Image):
    pass


@dataclass(frozen=True)
class GT(GroundTruth):
    bboxes: List[LabeledBoundingBox]


@dataclass(frozen=True)
class Inf(Inference):
    bboxes: List[ScoredLabeledBoundingBox]


def generate(n_images: int, seed: int = 0, n_classes: int = 10) -> Tuple[List[Sample], List[GT], List[Inf]]:
    rng = np.random.default_rng(seed)
    classes = [f"class{c}" for c in range(n_classes)]
    samples, gts, infs = [], [], []
    for i in range(n_images):
        n_gt = int(rng.poisson(4))
        wh = np.exp(rng.uniform(np.log(10), np.log(200), (n_gt, 2)))
        xy = rng.uniform(0, 1, (n_gt, 2)) * (np.array([640.0, 480.0]) - wh)
        cls = rng.integers(0, n_classes, n_gt)
        boxes = [LabeledBoundingBox(tuple(xy[j]), tuple(xy[j] + wh[j]), classes[cls[j]]) for j in range(n_gt)]
        dets = []
        for j in range(n_gt):
            if rng.random() < 0.8:
                jitter = rng.normal(0, 0.08, 4) * np.r_[wh[j], wh[j]]
                x1, y1 = xy[j] + jitter[:2]
                x2, y2 = np.maximum(xy[j] + wh[j] + jitter[2:], [x1 + 1, y1 + 1])
                label = classes[cls[j]] if rng.random() < 0.85 else classes[rng.integers(0, n_classes)]
                dets.append(ScoredLabeledBoundingBox((x1, y1), (x2, y2), label, float(rng.beta(5, 2))))
        for _ in range(int(rng.poisson(4))):
            w, h = np.exp(rng.uniform(np.log(10), np.log(150), 2))
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            dets.append(ScoredLabeledBoundingBox((x, y), (x + w, y + h), classes[rng.integers(0, n_classes)],
                                                 float(rng.beta(1.5, 5))))
        samples.append(Sample(locator=f"s3://bench/images/{i:06d}.jpg"))
        gts.append(GT(bboxes=boxes))
        infs.append(Inf(bboxes=dets))
    return samples, gts, infs


def subsets(n_images: int, n_cases: int, share: float, seed: int = 1) -> List[np.ndarray]:
    rng = np.random.default_rng(seed)
    size = max(1, int(round(share * n_images)))
    return [np.sort(rng.choice(n_images, size, replace=False)) for _ in range(n_cases)]


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def in_memory(samples: List[Sample], gts: List[GT], infs: List[Inf], cases: List[np.ndarray], repeat: int,
              naive: bool) -> None:
    evaluator = ObjectDetectionEvaluator()
    config = evaluator.configurations[0]
    keys = [sample_key(s) for s in samples]
    union = np.unique(np.concatenate(cases))
    suite = TestCases([(f"case {i}", {keys[j] for j in idx}) for i, idx in enumerate(cases)])
    whole = TestCases([("union", {keys[j] for j in union})])
    t_samples = [samples[j] for j in union]
    t_gts, t_infs = [gts[j] for j in union], [infs[j] for j in union]
    t_suite = best_of(repeat, lambda: evaluator(t_samples, t_gts, t_infs, suite, config))
    t_union = best_of(repeat, lambda: evaluator(t_samples, t_gts, t_infs, whole, config))
    print(f"evaluator call, {len(cases)} test cases  {t_suite:7.2f} s")
    print(f"evaluator call, their union      {t_union:7.2f} s")
    print(f"ratio                            {t_suite / t_union:7.2f}x  (target <= 1.5x)")
    if naive:
        def per_case() -> None:
            for i, idx in enumerate(cases):
                one = TestCases([(f"case {i}", {keys[j] for j in idx})])
                evaluator([samples[j] for j in idx], [gts[j] for j in idx], [infs[j] for j in idx], one, config)

        t_naive = best_of(1, per_case)
        print(f"each test case on its own        {t_naive:7.2f} s  ({t_naive / t_union:.1f}x the union)")


def through_test(samples: List[Sample], gts: List[GT], infs: List[Inf], cases: List[np.ndarray]) -> None:
    import kolena_lab
    from kolena_lab.workflow import define_workflow, no_op_evaluator, test

    with tempfile.TemporaryDirectory() as tmp:
        store = kolena_lab.initialize(url=f"sqlite:///{tmp}/bench.db")
        try:
            _, TestCase, TestSuite, Model = define_workflow("Bench Detection Suite", Sample, GT, Inf)
            union = np.unique(np.concatenate(cases))
            test_cases = [TestCase(f"case {i}", test_samples=[(samples[j], gts[j]) for j in idx])
                          for i, idx in enumerate(cases)]
            suite = TestSuite("overlapping", test_cases=test_cases)
            whole = TestSuite("union", test_cases=[
                TestCase("union", test_samples=[(samples[j], gts[j]) for j in union])])
            by_locator = {s.locator: inf for s, inf in zip(samples, infs)}
            model = Model("bench model", infer=lambda s: by_locator[s.locator])
            test(model, whole, no_op_evaluator)  # stores the inferences, untimed
            evaluator = ObjectDetectionEvaluator(name="bench detection")
            t_suite = best_of(1, lambda: test(model, suite, evaluator))
            t_union = best_of(1, lambda: test(model, whole, evaluator))
        finally:
            store.dispose()
    print(f"test(), {len(cases)} test cases                {t_suite:7.2f} s")
    print(f"test(), their union                  {t_union:7.2f} s")
    print(f"ratio                                {t_suite / t_union:7.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--share", type=float, default=0.2, help="share of the images in each test case")
    parser.add_argument("--repeat", type=int, default=3, help="runs per in-memory timing (best is reported)")
    parser.add_argument("--with-test", action="store_true", help="also time test() on a SQLite store")
    parser.add_argument("--naive", action="store_true", help="also time each test case evaluated on its own")
    args = parser.parse_args()
    samples, gts, infs = generate(args.images)
    cases = subsets(args.images, args.cases, args.share)
    union = len(np.unique(np.concatenate(cases)))
    n_gt, n_inf = sum(len(g.bboxes) for g in gts), sum(len(i.bboxes) for i in infs)
    print(f"{args.images} images ({n_gt} ground truths, {n_inf} detections, 10 classes); {args.cases} test cases of "
          f"{int(round(args.share * args.images))} images each, union {union} images; "
          f"{sum(len(c) for c in cases)} memberships")
    in_memory(samples, gts, infs, cases, args.repeat, args.naive)
    if args.with_test:
        through_test(samples, gts, infs, cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
