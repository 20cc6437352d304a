"""The shape of Kolena's 1:1 face recognition example: an Image sample with a required list of paired images ahead of
its metadata, ground truths and inferences mixing lists, boxes and keypoints (inferences may miss them), per-sample
metrics holding an asset subclass with extra fields and non-ASCII field names, and two nested per-class lists in the
test case metrics of a configured function evaluator."""
import dataclasses
from typing import List, Optional

import numpy as np
import pytest
from pydantic.dataclasses import dataclass

from kolena_lab.workflow import (
    EvaluationResults,
    EvaluatorConfiguration,
    GroundTruth as BaseGroundTruth,
    Image,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    TestCases,
    define_workflow,
    load_test_case_metrics,
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import BoundingBox, Keypoints
from kolena_lab.workflow.asset import ImageAsset
from kolena_lab.workflow.metrics import iou

from ._kolena_examples import write_images


def _define():
    """The example's types, defined when the test runs."""

    @dataclass(frozen=True)
    class Portrait(Image):
        pairs: List[ImageAsset]
        metadata: Metadata = dataclasses.field(default_factory=dict)

    @dataclass(frozen=True)
    class Identity(BaseGroundTruth):
        matches: List[bool]
        bbox: BoundingBox
        keypoints: Keypoints
        n_genuine: int

    @dataclass(frozen=True)
    class Embedding(BaseInference):
        similarities: List[Optional[float]]
        bbox: Optional[BoundingBox]
        keypoints: Optional[Keypoints]

    _, test_case, test_suite, model = define_workflow("Example Face Verification", Portrait, Identity, Embedding)
    return Portrait, Identity, Embedding, test_case, test_suite, model


@dataclass(frozen=True)
class ComparedImage(ImageAsset):
    is_match: bool
    false_match: bool
    false_non_match: bool
    similarity: Optional[float]


@dataclass(frozen=True)
class PortraitMetrics(MetricsTestSample):
    pair_samples: List[ComparedImage]
    count_FM: int
    count_FNM: int
    bbox_IoU: Optional[float]
    bbox_missed: List[Optional[BoundingBox]]
    keypoint_Δ_mean: Optional[float]


@dataclass(frozen=True)
class BoxRow(MetricsTestCase):
    Label: str
    AvgIoU: float


@dataclass(frozen=True)
class KeypointRow(MetricsTestCase):
    Label: str
    AvgΔ: float


@dataclass(frozen=True)
class VerificationCaseMetrics(MetricsTestCase):
    FM: int
    FNM: int
    FNMR: float
    PerBBoxMetrics: List[BoxRow]
    PerKeypointMetrics: List[KeypointRow]


@dataclass(frozen=True)
class VerificationSuiteMetrics(MetricsTestSuite):
    Threshold: float
    FM: int


@dataclass(frozen=True)
class MatchConfiguration(EvaluatorConfiguration):
    similarity_threshold: float
    iou_threshold: float

    def display_name(self) -> str:
        return f"similarity ≥ {self.similarity_threshold} | IoU ≥ {self.iou_threshold}"


def evaluate_verification(test_samples, ground_truths, inferences, test_cases: TestCases,
                          configuration: MatchConfiguration) -> EvaluationResults:
    sample_metrics = []
    for ts, gt, inf in zip(test_samples, ground_truths, inferences):
        compared = []
        for pair, match, sim in zip(ts.pairs, gt.matches, inf.similarities):
            accepted = sim is not None and sim >= configuration.similarity_threshold
            compared.append(ComparedImage(locator=pair.locator, is_match=match, false_match=accepted and not match,
                                          false_non_match=match and not accepted, similarity=sim))
        box_iou = None if inf.bbox is None else iou(gt.bbox, inf.bbox)
        delta = (None if inf.keypoints is None else
                 float(np.linalg.norm(np.array(gt.keypoints.points) - np.array(inf.keypoints.points), axis=1).mean()))
        sample_metrics.append(PortraitMetrics(
            pair_samples=compared, count_FM=sum(c.false_match for c in compared),
            count_FNM=sum(c.false_non_match for c in compared), bbox_IoU=box_iou,
            bbox_missed=[gt.bbox] if box_iou is None or box_iou < configuration.iou_threshold else [],
            keypoint_Δ_mean=delta))
    case_metrics = []
    for test_case, _, gts, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics):
        fnm, genuine = sum(m.count_FNM for m in metrics), sum(g.n_genuine for g in gts)
        ious = [m.bbox_IoU for m in metrics if m.bbox_IoU is not None]
        deltas = [m.keypoint_Δ_mean for m in metrics if m.keypoint_Δ_mean is not None]
        case_metrics.append((test_case, VerificationCaseMetrics(
            FM=sum(m.count_FM for m in metrics), FNM=fnm, FNMR=fnm / genuine if genuine else 0.0,
            PerBBoxMetrics=[BoxRow(Label="face", AvgIoU=np.mean(ious))],
            PerKeypointMetrics=[KeypointRow(Label="landmarks", AvgΔ=np.mean(deltas))])))
    suite = VerificationSuiteMetrics(Threshold=configuration.similarity_threshold,
                                     FM=sum(m.count_FM for m in sample_metrics))
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics, metrics_test_suite=suite)


LANDMARKS = [(5.0, 5.0), (11.0, 5.0), (8.0, 8.0), (6.0, 10.0), (10.0, 10.0)]


def test_face_verification_with_pairs_boxes_and_keypoints(sqlite_store, tmp_path):
    Portrait, Identity, Embedding, TestCase, TestSuite, Model = _define()
    locators = write_images(tmp_path / "faces", 8)
    person = {loc: i // 2 for i, loc in enumerate(locators)}  # images 2k and 2k+1 show the same person
    partners = {loc: [locators[(i + 1) % 8], locators[(i + 2) % 8]] for i, loc in enumerate(locators)}
    samples = []
    for i, loc in enumerate(locators):
        matches = [person[loc] == person[p] for p in partners[loc]]
        samples.append((Portrait(loc, pairs=[ImageAsset(p) for p in partners[loc]],
                                 metadata={"group": "a" if i < 4 else "b"}),
                        Identity(matches=matches, bbox=BoundingBox((2, 2), (14, 14)), keypoints=Keypoints(LANDMARKS),
                                 n_genuine=np.sum(matches))))
    complete = TestCase("faces :: complete", test_samples=samples, reset=True)
    groups = [TestCase(f"faces :: group {g}", test_samples=[s for s in samples if s[0].metadata["group"] == g],
                       reset=True) for g in "ab"]
    TestSuite("faces :: group", test_cases=[complete, *groups], reset=True)

    def infer(sample: Portrait) -> Embedding:
        index = locators.index(sample.locator)
        similarities = [None if index == 0 else 0.9 if person[sample.locator] == person[p.locator] else 0.2 + index / 20
                        for p in sample.pairs]
        if index == 3:
            return Embedding(similarities=similarities, bbox=None, keypoints=None)
        return Embedding(similarities=similarities, bbox=BoundingBox((2 + index % 2, 2), (14, 14)),
                         keypoints=Keypoints([(x + 1.0, y) for x, y in LANDMARKS]))

    model = Model("facenet + detector", infer=infer, metadata=dict(model="facenet", detector="hog"))
    configuration = MatchConfiguration(similarity_threshold=0.5, iou_threshold=0.9)
    test(model, TestSuite.load("faces :: group"), evaluate_verification, [configuration], reset=True)

    suite = TestSuite.load("faces :: group")
    cases = load_test_case_metrics(model, suite).set_index("test_case")
    # false matches: imposter pairs scored 0.2 + i/20 >= 0.5: image 6's pair with 0, image 7's pairs with 0 and 1
    assert cases.loc["faces :: complete", "FM"] == 3
    assert cases.loc["faces :: complete", "FNM"] == 1  # image 0 has no similarities: its genuine pair is missed
    assert cases.loc["faces :: complete", "configuration"] == configuration.display_name()
    boxes = load_test_case_metrics(model, suite, expand="PerBBoxMetrics")
    assert list(boxes["Label"]) == ["face"] * 3
    keypoints = load_test_case_metrics(model, suite, expand="PerKeypointMetrics")
    assert keypoints["AvgΔ"].to_numpy() == pytest.approx([1.0, 1.0, 1.0])

    per_sample = load_test_sample_metrics(model, complete)
    assert [len(p) for p in per_sample["pairs"]] == [2] * 8
    by_locator = per_sample.set_index("locator")
    missed = by_locator.loc[locators[3]]
    assert missed["bbox_IoU"] is None or np.isnan(missed["bbox_IoU"])
    assert missed["bbox_missed"] == [BoundingBox((2, 2), (14, 14))]
    compared = by_locator.loc[locators[6], "pair_samples"]
    assert all(isinstance(c, ImageAsset) for c in compared)  # read back as the asset type, extra fields kept
    assert [(c.locator, c.is_match, c.false_match, c.similarity) for c in compared] == [
        (locators[7], True, False, 0.9), (locators[0], False, True, pytest.approx(0.5))]
    assert load_test_suite_metrics(model, suite).iloc[0]["Threshold"] == pytest.approx(0.5)
