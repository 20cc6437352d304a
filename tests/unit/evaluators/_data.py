"""Generated data for the evaluator tests: workflow types per task and random suites with overlapping test cases."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.workflow import Evaluator, EvaluatorConfiguration, GroundTruth, Image, Inference, TestCases
from kolena_lab.workflow._codec import sample_key
from kolena_lab.workflow.annotation import (
    ClassificationLabel,
    Keypoints,
    LabeledBoundingBox,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
)


@dataclass(frozen=True)
class DetGT(GroundTruth):
    bboxes: List[LabeledBoundingBox]
    ignored_bboxes: List[LabeledBoundingBox]


@dataclass(frozen=True)
class DetInf(Inference):
    bboxes: List[ScoredLabeledBoundingBox]


@dataclass(frozen=True)
class ClsGT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class ClsInf(Inference):
    scores: List[ScoredClassificationLabel]


@dataclass(frozen=True)
class RegGT(GroundTruth):
    age: float


@dataclass(frozen=True)
class RegInf(Inference):
    age: float


@dataclass(frozen=True)
class KpGT(GroundTruth):
    face: Keypoints


@dataclass(frozen=True)
class KpInf(Inference):
    face: Optional[Keypoints]


@dataclass(frozen=True)
class TextGT(GroundTruth):
    transcript: str


@dataclass(frozen=True)
class TextInf(Inference):
    transcript: Optional[str]


def images(n: int) -> List[Image]:
    return [Image(locator=f"s3://bucket/img{i:05d}.jpg") for i in range(n)]


def test_cases(samples: Sequence[Any], groups: Dict[str, Sequence[int]]) -> TestCases:
    """A TestCases of named groups of sample positions."""
    keys = [sample_key(s) for s in samples]
    return TestCases([(name, {keys[i] for i in idx}) for name, idx in groups.items()])


def evaluate_test_cases(evaluator: Evaluator, test_cases: Sequence[Tuple[Any, List[tuple]]],
                        configuration: Optional[EvaluatorConfiguration]) -> Tuple[dict, dict, dict, Any]:
    """Call an ``Evaluator`` as ``test()`` does: per test case (given with its ``(sample, ground truth, inference)``
    triples) in order, then the suite. Returns sample metrics, test case metrics and plots by test case, and the suite's
    metrics."""
    samples, cases, plots = {}, {}, {}
    for test_case, triples in test_cases:
        per_sample = evaluator.compute_test_sample_metrics(test_case, triples, configuration)
        metrics = [m for _, m in per_sample]
        samples[test_case] = metrics
        cases[test_case] = evaluator.compute_test_case_metrics(test_case, triples, metrics, configuration)
        plots[test_case] = evaluator.compute_test_case_plots(test_case, triples, metrics, configuration) or []
    suite = evaluator.compute_test_suite_metrics(None, list(cases.items()), configuration)
    return samples, cases, plots, suite


def overlapping_groups(n: int, seed: int = 1, count: int = 5, share: float = 0.4) -> Dict[str, np.ndarray]:
    """``count`` random overlapping subsets, plus an empty test case."""
    rng = np.random.default_rng(seed)
    groups = {f"case{i}": np.sort(rng.choice(n, int(share * n), replace=False)) for i in range(count)}
    groups["empty"] = np.zeros(0, dtype=np.int64)
    return groups


def detection(n: int, seed: int = 0, classes: int = 3, grid: Optional[float] = None, decimals: Optional[int] = None,
              ignored_p: float = 0.0, crowd_p: float = 0.0) -> Tuple[List[Image], List[DetGT], List[DetInf]]:
    """Random scenes: ~3 objects per image, jittered or wrong-class detections, background detections; ``grid`` and
    ``decimals`` create IoU and score ties; some images have no objects or no detections."""
    rng = np.random.default_rng(seed)
    names = [f"c{k}" for k in range(classes)]
    snap = (lambda v: np.round(np.asarray(v) / grid) * grid) if grid else (lambda v: np.asarray(v))
    score = (lambda: round(float(rng.random()), decimals)) if decimals is not None else (lambda: float(rng.random()))
    gts, infs = [], []
    for _ in range(n):
        boxes, ignored, dets = [], [], []
        for _ in range(int(rng.poisson(3)) if rng.random() > 0.1 else 0):
            x, y = snap(rng.uniform(0, 300, 2))
            w, h = snap(rng.uniform(20, 80, 2)) + (grid or 0)
            crowd = rng.random() < crowd_p
            box = LabeledBoundingBox((x, y), (x + w, y + h), names[rng.integers(classes)], **(
                {"iscrowd": True} if crowd else {}))
            (ignored if rng.random() < ignored_p else boxes).append(box)
            if rng.random() < 0.8:
                jx, jy = snap(rng.normal(0, 5, 2))
                label = box.label if rng.random() < 0.75 else names[rng.integers(classes)]
                dets.append(ScoredLabeledBoundingBox((x + jx, y + jy), (x + w + jx, y + h + jy), label, score()))
                if rng.random() < 0.2:  # a duplicate
                    dets.append(ScoredLabeledBoundingBox((x, y), (x + w, y + h), label, score()))
        if rng.random() > 0.1:
            for _ in range(int(rng.poisson(1.5))):
                x, y = snap(rng.uniform(0, 300, 2))
                w, h = snap(rng.uniform(20, 80, 2)) + (grid or 0)
                dets.append(ScoredLabeledBoundingBox((x, y), (x + w, y + h), names[rng.integers(classes)], score()))
        else:
            dets = []
        gts.append(DetGT(bboxes=boxes, ignored_bboxes=ignored))
        infs.append(DetInf(bboxes=dets))
    return images(n), gts, infs


def classification(n: int, seed: int = 0, classes: int = 4) -> Tuple[List[Image], List[ClsGT], List[ClsInf]]:
    """Softmax scores for every class, correlated with the true class."""
    rng = np.random.default_rng(seed)
    names = [f"k{k}" for k in range(classes)]
    truth = rng.integers(classes, size=n)
    logits = rng.normal(0, 1, (n, classes))
    logits[np.arange(n), truth] += rng.uniform(0, 2.5, n)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    gts = [ClsGT(label=ClassificationLabel(names[t])) for t in truth]
    infs = [ClsInf(scores=[ScoredClassificationLabel(names[k], float(p[k])) for k in range(classes)]) for p in probs]
    return images(n), gts, infs
