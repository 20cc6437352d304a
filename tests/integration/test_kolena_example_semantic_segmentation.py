"""The shape of Kolena's semantic segmentation example: images with list-valued metadata, a segmentation mask ground
truth with an Enum's label map, inferences that point at a probability array (BinaryAsset) and an activation map
(BitmapMask) written with ``workflow.visualization``, an EvaluatorConfiguration declared without @dataclass, and
per-sample result masks stored as SegmentationMask metrics."""
import dataclasses
from enum import Enum
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from PIL import Image as PILImage
from pydantic.dataclasses import dataclass

from kolena_lab._experimental.object_detection.utils import compute_average_precision
from kolena_lab.workflow import (
    EvaluationResults,
    EvaluatorConfiguration,
    GroundTruth as BaseGroundTruth,
    Image,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    TestCases,
    define_workflow,
    load_test_case_metrics,
    load_test_sample_metrics,
    test,
)
from kolena_lab.workflow.annotation import BitmapMask, SegmentationMask
from kolena_lab.workflow.asset import BinaryAsset
from kolena_lab.workflow.visualization import colorize_activation_map, encode_png

from ._kolena_examples import write_images

SIZE = 8


@dataclass(frozen=True)
class Scene(Image):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class RoadMask(BaseGroundTruth):
    mask: SegmentationMask


@dataclass(frozen=True)
class RoadScores(BaseInference):
    prob: BinaryAsset
    activation_map: BitmapMask


_, TestCase, TestSuite, Model = define_workflow("Example Road Segmentation", Scene, RoadMask, RoadScores)


class Label(Enum):
    ROAD = 1

    @classmethod
    def as_label_map(cls) -> Dict[int, str]:
        return {option.value: option.name for option in cls}


@dataclass(frozen=True)
class PixelMetrics(MetricsTestSample):
    TP: SegmentationMask
    FP: SegmentationMask
    FN: SegmentationMask
    Precision: float
    Recall: float
    CountTP: int
    CountFP: int
    CountFN: int


@dataclass(frozen=True)
class PixelCaseMetrics(MetricsTestCase):
    Precision: float
    Recall: float
    AP: float


class ProbabilityThreshold(EvaluatorConfiguration):
    threshold: float

    def display_name(self) -> str:
        return f"T={self.threshold}"


def _make_evaluator(out_dir: Path):
    def save_mask(pixels: np.ndarray, name: str) -> SegmentationMask:
        path = out_dir / f"{name}.png"
        PILImage.fromarray(pixels.astype(np.uint8)).save(path)
        return SegmentationMask(locator=str(path), labels=Label.as_label_map())

    def evaluate_roads(test_samples: List[Scene], ground_truths: List[RoadMask], inferences: List[RoadScores],
                       test_cases: TestCases, configuration: ProbabilityThreshold) -> EvaluationResults:
        truths = [np.array(PILImage.open(gt.mask.locator)) == Label.ROAD.value for gt in ground_truths]
        probabilities = [np.load(inf.prob.locator) for inf in inferences]
        sample_metrics = []
        for ts, truth, prob in zip(test_samples, truths, probabilities):
            predicted = prob >= configuration.threshold
            tp, fp, fn = truth & predicted, ~truth & predicted, truth & ~predicted
            name = f"{ts.metadata['basename']}_{configuration.threshold}"
            sample_metrics.append(PixelMetrics(
                TP=save_mask(tp, f"{name}_tp"), FP=save_mask(fp, f"{name}_fp"), FN=save_mask(fn, f"{name}_fn"),
                Precision=tp.sum() / max(predicted.sum(), 1), Recall=tp.sum() / max(truth.sum(), 1),
                CountTP=tp.sum(), CountFP=fp.sum(), CountFN=fn.sum()))
        index = {id(ts): i for i, ts in enumerate(test_samples)}
        case_metrics = []
        for test_case, samples, _, _, metrics in test_cases.iter(test_samples, ground_truths, inferences,
                                                                 sample_metrics):
            truth = np.concatenate([truths[index[id(s)]].ravel() for s in samples])
            prob = np.concatenate([probabilities[index[id(s)]].ravel() for s in samples])
            precisions, recalls = [], []
            for t in np.linspace(0.05, 0.95, 19):
                predicted = prob >= t
                precisions.append(float((truth & predicted).sum() / max(predicted.sum(), 1)))
                recalls.append(float((truth & predicted).sum() / max(truth.sum(), 1)))
            tp = sum(m.CountTP for m in metrics)
            case_metrics.append((test_case, PixelCaseMetrics(
                Precision=tp / max(tp + sum(m.CountFP for m in metrics), 1),
                Recall=tp / max(tp + sum(m.CountFN for m in metrics), 1),
                AP=compute_average_precision(precisions, recalls))))
        return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                                 metrics_test_case=case_metrics)

    return evaluate_roads


def _seed(tmp_path: Path):
    locators = write_images(tmp_path / "scenes", 6, size=(SIZE, SIZE))
    pairs = []
    for i, loc in enumerate(locators):
        mask = np.zeros((SIZE, SIZE), np.uint8)
        mask[SIZE - 2 - i % 3:, :] = Label.ROAD.value
        mask_path = tmp_path / "scenes" / f"mask_{i}.png"
        PILImage.fromarray(mask).save(mask_path)
        metadata = {"basename": f"scene_{i}", "captions": ["a road", f"scene {i}"], "has_road": True,
                    "road_rows": int(2 + i % 3)}
        pairs.append((Scene(locator=loc, metadata=metadata),
                      RoadMask(mask=SegmentationMask(locator=str(mask_path), labels=Label.as_label_map()))))
    return pairs


def test_road_segmentation_with_array_and_bitmap_inferences(sqlite_store, tmp_path):
    pairs = _seed(tmp_path)
    complete = TestCase("complete :: roads", test_samples=pairs, reset=True)
    wide = TestCase("road rows :: 4", test_samples=[p for p in pairs if p[0].metadata["road_rows"] == 4], reset=True)
    TestSuite("roads by width", test_cases=[complete, wide], reset=True)
    stored = complete.load_test_samples()[0][0].metadata
    assert stored["captions"] == ["a road", "scene 0"] and stored["road_rows"] == 2

    inference_dir = tmp_path / "inferences"
    inference_dir.mkdir()

    def infer(scene: Scene) -> RoadScores:
        rows = scene.metadata["road_rows"]
        prob = np.full((SIZE, SIZE), 0.1)
        prob[SIZE - rows:, :] = 0.9
        prob[SIZE - rows:, :2] = 0.4  # the road's left edge is uncertain
        prob_path = inference_dir / f"{scene.metadata['basename']}.npy"
        np.save(prob_path, prob)
        png_path = inference_dir / f"{scene.metadata['basename']}.png"
        png_path.write_bytes(encode_png(colorize_activation_map(prob), mode="RGBA").getvalue())
        return RoadScores(prob=BinaryAsset(str(prob_path)), activation_map=BitmapMask(locator=str(png_path)))

    results = tmp_path / "results"
    results.mkdir()
    model = Model("segnet", infer=infer)
    configurations = [ProbabilityThreshold(threshold=0.5), ProbabilityThreshold(threshold=0.3)]
    test(model, TestSuite.load("roads by width"), _make_evaluator(results), configurations=configurations, reset=True)

    frame = load_test_case_metrics(model, TestSuite.load("roads by width")).set_index(["test_case", "configuration"])
    assert frame.loc[("complete :: roads", "T=0.3"), "Recall"] == pytest.approx(1.0)
    assert frame.loc[("complete :: roads", "T=0.5"), "Recall"] == pytest.approx(6 / 8)
    assert frame.loc[("complete :: roads", "T=0.5"), "Precision"] == pytest.approx(1.0)
    assert 0.0 < frame.loc[("road rows :: 4", "T=0.5"), "AP"] <= 1.0

    per_sample = load_test_sample_metrics(model, wide)
    strict = per_sample[per_sample["configuration"] == "T=0.5"].iloc[0]
    assert strict["CountFN"] == 4 * 2 and isinstance(strict["FN"], SegmentationMask)
    assert int((np.array(PILImage.open(strict["FN"].locator)) > 0).sum()) == 8
    assert strict["FN"].labels == {1: "ROAD"}
    inference = model.load_inferences(wide)[0][2]
    assert PILImage.open(inference.activation_map.locator).mode == "RGBA"
    assert np.load(inference.prob.locator).shape == (SIZE, SIZE)
