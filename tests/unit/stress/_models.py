"""Tiny workflows, images and deterministic numpy models for the stress engine's tests."""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import numpy as np
from PIL import Image as PILImage

from kolena_lab.stress import Domain
from kolena_lab.stress.media import read_image
from kolena_lab.workflow import GroundTruth, Image, Inference, Text, define_workflow
from kolena_lab.workflow.annotation import (
    ClassificationLabel,
    LabeledBoundingBox,
    ScoredClassificationLabel,
    ScoredLabeledBoundingBox,
)


@dataclass(frozen=True)
class ClsGT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class ClsInf(Inference):
    scores: List[ScoredClassificationLabel]


@dataclass(frozen=True)
class DetGT(GroundTruth):
    boxes: List[LabeledBoundingBox]


@dataclass(frozen=True)
class DetInf(Inference):
    boxes: List[ScoredLabeledBoundingBox]


@dataclass(frozen=True)
class TextGT(GroundTruth):
    label: ClassificationLabel


CLS = define_workflow("stress classification", Image, ClsGT, ClsInf)
DET = define_workflow("stress detection", Image, DetGT, DetInf)
TEXT = define_workflow("stress text", Text, TextGT, ClsInf)


def light_domain(delta: float) -> Domain:
    """Two axes: brightness shifted by up to ±``delta`` and Gaussian noise of std up to 20."""
    return Domain.from_yaml(f"""
name: light
axes:
  - name: brightness
    transform: brightness
    parameters:
      delta: {{low: {-delta}, high: {delta}}}
  - name: noise
    transform: gaussian_noise
    parameters:
      std: {{low: 0, high: 20}}
""")


def gray_images(folder: Path, levels: List[int], size: int = 16) -> List[str]:
    """Uniform gray images with a little texture; their locators."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    rng = np.random.default_rng(0)
    for i, level in enumerate(levels):
        pixels = np.clip(level + rng.integers(-3, 4, size=(size, size, 3)), 0, 255).astype(np.uint8)
        path = folder / f"gray_{i}.png"
        PILImage.fromarray(pixels).save(path)
        out.append(str(path))
    return out


def classification_case(folder: Path, name: str = "gray", levels: Optional[List[int]] = None):
    """A test case of gray images labelled "bright" above 128, else "dark"."""
    levels = levels or [40, 100, 120, 136, 160, 220]
    locators = gray_images(folder, levels)
    test_case_type = CLS[1]
    members = [(Image(loc), ClsGT(ClassificationLabel("bright" if lvl > 128 else "dark")))
               for loc, lvl in zip(locators, levels)]
    return test_case_type(name, test_samples=members)


class BrightnessClassifier:
    """Says "bright" with probability sigmoid((mean - 128) / 8); counts its calls and samples."""

    def __init__(self):
        self.calls, self.samples = 0, 0

    def one(self, sample: Image) -> ClsInf:
        mean = float(read_image(sample.locator).mean())
        bright = 1 / (1 + np.exp(-(mean - 128) / 8))
        return ClsInf([ScoredClassificationLabel("bright", bright), ScoredClassificationLabel("dark", 1 - bright)])

    def __call__(self, samples: List[Image]) -> List[ClsInf]:
        self.calls += 1
        self.samples += len(samples)
        return [self.one(s) for s in samples]


def square_images(folder: Path, boxes: List[tuple], size: int = 32) -> List[str]:
    """Black images with one white box each (x0, y0, x1, y1 in pixel edges)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        pixels = np.zeros((size, size, 3), dtype=np.uint8)
        pixels[y0:y1, x0:x1] = 255
        path = folder / f"square_{i}.png"
        PILImage.fromarray(pixels).save(path)
        out.append(str(path))
    return out


def bright_box(locator: str) -> Optional[tuple]:
    """The enclosing box of the pixels brighter than 128, in pixel edges."""
    pixels = read_image(locator).mean(axis=2) > 128
    ys, xs = np.nonzero(pixels)
    if not len(xs):
        return None
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


class BoxDetector:
    """Finds the white box; with ``fixed`` always answers the clean image's box (so it fails when boxes move)."""

    def __init__(self, fixed: Optional[dict] = None):
        self.fixed = fixed

    def __call__(self, samples: List[Image]) -> List[DetInf]:
        out = []
        for sample in samples:
            box = self.fixed[sample.metadata.get("stress_parent", sample.locator)] if self.fixed else \
                bright_box(sample.locator)
            out.append(DetInf([] if box is None else [ScoredLabeledBoundingBox(box[:2], box[2:], "box", 0.9)]))
        return out


def classify(sample: Image) -> ClsInf:
    """``BrightnessClassifier`` as an ``infer`` function (for the command line's ``--infer``)."""
    return BrightnessClassifier().one(sample)
