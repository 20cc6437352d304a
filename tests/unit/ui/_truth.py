"""Results of the ready evaluators for two models each, where the second model is better: keypoints (lower NME),
detection under Pascal VOC and COCO matching, and classification with a score per class, on small PNG images."""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import numpy as np
from PIL import Image as PILImage

from kolena_lab.evaluators import (
    ClassificationEvaluator,
    DetectionConfiguration,
    KeypointsEvaluator,
    ObjectDetectionEvaluator,
)
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow, test
from kolena_lab.workflow.annotation import (
    ClassificationLabel,
    Keypoints,
    LabeledBoundingBox,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
)

N = 12
PASCAL = "F1-optimal threshold, IoU=0.5"  # the stored name of the Pascal VOC configuration
CLASSES = ["cat", "dog", "fox", "owl"]


@dataclass(frozen=True)
class FaceGT(GroundTruth):
    face: Keypoints


@dataclass(frozen=True)
class FaceInf(Inference):
    face: Optional[Keypoints]


@dataclass(frozen=True)
class BoxGT(GroundTruth):
    bboxes: List[LabeledBoundingBox]


@dataclass(frozen=True)
class BoxInf(Inference):
    bboxes: List[ScoredLabeledBoundingBox]


@dataclass(frozen=True)
class ClassGT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class ClassInf(Inference):
    scores: List[ScoredClassificationLabel]


faces, FaceCase, FaceSuite, FaceModel = define_workflow("Truth faces", Image, FaceGT, FaceInf)
boxes, BoxCase, BoxSuite, BoxModel = define_workflow("Truth boxes", Image, BoxGT, BoxInf)
animals, ClassCase, ClassSuite, ClassModel = define_workflow("Truth animals", Image, ClassGT, ClassInf)


def images(directory: Path, prefix: str) -> List[Image]:
    """``N`` distinct 96×96 PNGs written to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(N):
        path = directory / f"{prefix}{i:02d}.png"
        if not path.exists():
            shade = 40 + 15 * i
            PILImage.new("RGB", (96, 96), (shade, 120, 255 - shade)).save(path)
        out.append(Image(locator=str(path)))
    return out


def _face(i: int) -> Keypoints:
    return Keypoints(points=[(30.0, 40.0 + i), (66.0, 40.0 + i), (48.0, 60.0 + i)])


def keypoints(directory: Path) -> Tuple[object, list]:
    """A suite of two test cases; ``noisy`` misplaces points by 6 px, ``precise`` by 1 px (a lower NME)."""
    samples = images(directory, "face")
    members = [(s, FaceGT(face=_face(i))) for i, s in enumerate(samples)]
    suite = FaceSuite("faces", test_cases=[FaceCase("faces :: all", test_samples=members),
                                          FaceCase("faces :: first half", test_samples=members[: N // 2])])

    def shifted(offset: float):
        def infer(sample: Image) -> FaceInf:
            i = int(Path(sample.locator).stem[-2:])
            points = [(x + offset * (1 + i % 3), y) for x, y in _face(i).points]
            return FaceInf(face=Keypoints(points=points))
        return infer

    models = [FaceModel("noisy", infer=shifted(6.0)), FaceModel("precise", infer=shifted(1.0))]
    for model in models:
        test(model, suite, KeypointsEvaluator())
    return suite, models


def _boxes(i: int) -> List[LabeledBoundingBox]:
    return [LabeledBoundingBox((10.0, 10.0), (40.0, 40.0), CLASSES[i % 2]),
            LabeledBoundingBox((50.0, 50.0), (90.0, 85.0), CLASSES[2])]


def detection(directory: Path) -> Tuple[object, list]:
    """Pascal VOC and COCO matching; ``sloppy`` shifts boxes and adds low-score extras, ``sharp`` is near exact."""
    samples = images(directory, "scene")
    members = [(s, BoxGT(bboxes=_boxes(i))) for i, s in enumerate(samples)]
    suite = BoxSuite("scenes", test_cases=[BoxCase("scenes :: all", test_samples=members)])

    def detector(shift: float, extras: int):
        def infer(sample: Image) -> BoxInf:
            i = int(Path(sample.locator).stem[-2:])
            found = [ScoredLabeledBoundingBox((b.top_left[0] + shift * (i % 3), b.top_left[1]),
                                              (b.bottom_right[0] + shift * (i % 3), b.bottom_right[1]),
                                              b.label, 0.9 - 0.05 * (i % 4)) for b in _boxes(i)]
            found += [ScoredLabeledBoundingBox((5.0 * k, 60.0), (5.0 * k + 20, 80.0), CLASSES[3], 0.3)
                      for k in range(extras)]
            return BoxInf(bboxes=found)
        return infer

    models = [BoxModel("sloppy", infer=detector(9.0, 3)), BoxModel("sharp", infer=detector(1.0, 0))]
    evaluator = ObjectDetectionEvaluator([DetectionConfiguration(mode="pascal"), DetectionConfiguration(mode="coco")])
    for model in models:
        test(model, suite, evaluator)
    return suite, models


def classification(directory: Path) -> Tuple[object, list]:
    """A score per class; ``guesser`` is right on every third image, ``expert`` on all but one."""
    samples = images(directory, "animal")
    members = [(s, ClassGT(label=ClassificationLabel(CLASSES[i % 4]))) for i, s in enumerate(samples)]
    suite = ClassSuite("animals", test_cases=[ClassCase("animals :: all", test_samples=members)])

    def classifier(right: Callable[[int], bool]):
        def infer(sample: Image) -> ClassInf:
            i = int(Path(sample.locator).stem[-2:])
            top = i % 4 if right(i) else (i + 1) % 4
            probs = np.full(4, 0.1)
            probs[top] = 0.66 + 0.01 * (i % 3)
            return ClassInf(scores=[ScoredClassificationLabel(c, float(p)) for c, p in zip(CLASSES, probs)])
        return infer

    models = [ClassModel("guesser", infer=classifier(lambda i: i % 3 == 0)),
              ClassModel("expert", infer=classifier(lambda i: i != 5))]
    for model in models:
        test(model, suite, ClassificationEvaluator())
    return suite, models
