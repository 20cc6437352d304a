"""Detection overlays at the evaluator's operating point: the threshold read back from stored metrics, live P/R/F1
equal to matching again at each threshold, the browser's confidence control, and numbers formatted for people."""
import random
import time
from pathlib import Path
from typing import List, Tuple

import pytest
from PIL import Image as PILImage

from kolena_lab.evaluators import DetectionConfiguration, ObjectDetectionEvaluator
from kolena_lab.metrics import match_inferences
from kolena_lab.ui import SampleBrowser
from kolena_lab.ui._confidence import LiveDetection, live_detection, operating_point
from kolena_lab.ui._sample_html import annotation_text, cell_text, legend_html, number_text
from kolena_lab.workflow import Image, load_test_case_metrics, test
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabel, ScoredLabeledBoundingBox
from tests.unit.ui import _truth as T

NOISE = 30  # low-score inferences per image


def crowded(directory: Path, n: int = 8) -> Tuple[object, object, object]:
    """A test case of ``n`` 160×120 images, two ground truths each, and a model that finds them (0.9; on every
    fourth image the fox is misplaced) plus ``NOISE`` boxes scored 0.05-0.15; tested at F1-optimal thresholds."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    members, found = [], {}
    for i in range(n):
        path = directory / f"crowd{i:02d}.png"
        PILImage.new("RGB", (160, 120), (70 + 10 * i, 110, 90)).save(path)
        truths = [LabeledBoundingBox((12.0, 14.0), (62.0, 70.0), "cat"),
                  LabeledBoundingBox((90.0, 40.0), (150.0, 110.0), "fox")]
        shift = 45.0 if i % 4 == 3 else 0.0
        hits = [ScoredLabeledBoundingBox(truths[0].top_left, truths[0].bottom_right, "cat", 0.9),
                ScoredLabeledBoundingBox((90.0 - shift, 40.0 - shift / 2), (150.0 - shift, 110.0 - shift / 2), "fox",
                                         0.85)]
        noise = []
        for _ in range(NOISE):
            x, y = rng.uniform(0, 120), rng.uniform(0, 80)
            noise.append(ScoredLabeledBoundingBox((x, y), (x + rng.uniform(10, 40), y + rng.uniform(10, 40)),
                                                  rng.choice(["cat", "fox"]), round(rng.uniform(0.05, 0.15), 3)))
        members.append((Image(locator=str(path)), T.BoxGT(bboxes=truths)))
        found[str(path)] = hits + noise
    case = T.BoxCase("crowded :: all", test_samples=members)
    suite = T.BoxSuite("crowded", test_cases=[case])
    model = T.BoxModel("noisy detector", infer=lambda s: T.BoxInf(bboxes=found[s.locator]))
    test(model, suite, ObjectDetectionEvaluator([DetectionConfiguration()]))
    return suite, case, model


def _rows(n: int, noise: int, seed: int = 0) -> List[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        truths = [LabeledBoundingBox((10.0 + 50 * k, 10.0), (50.0 + 50 * k, 60.0), f"c{k % 3}") for k in range(3)]
        infs = [ScoredLabeledBoundingBox((12.0 + 50 * k, 10.0), (52.0 + 50 * k, 60.0), f"c{k % 3}",
                                         rng.uniform(0.3, 1.0)) for k in range(3)]
        for _ in range(noise):
            x, y = rng.uniform(0, 150), rng.uniform(0, 60)
            infs.append(ScoredLabeledBoundingBox((x, y), (x + 40, y + 45), rng.choice(["c0", "c1", "c2"]),
                                                 rng.random()))
        rows.append({"ground_truth.bboxes": truths, "inference.bboxes": infs})
    return rows


def _direct(rows: List[dict], threshold) -> Tuple[int, int, int]:
    """TP / FP / FN matching only the inferences at or above the threshold, image by image."""
    tp = fp = fn = 0
    for row in rows:
        limit = (lambda a: threshold.get(a.label, 0.0)) if isinstance(threshold, dict) else (lambda a: threshold)
        kept = [a for a in row["inference.bboxes"] if a.score >= limit(a)]
        m = match_inferences(row["ground_truth.bboxes"], kept, required_match_fields=["label"])
        tp, fp, fn = tp + len(m.matched), fp + len(m.unmatched_inf), fn + len(m.unmatched_gt)
    return tp, fp, fn


@pytest.mark.parametrize("threshold", [0.0, 0.25, 0.5, 0.77, 1.0, {"c0": 0.6, "c1": 0.2, "c2": 0.9}])
def test_live_counts_equal_matching_again_at_each_threshold(threshold) -> None:
    rows = _rows(40, 12)
    live = LiveDetection(rows)
    counts = live.counts(threshold)
    assert (counts.tp, counts.fp, counts.fn) == _direct(rows, threshold)
    tp, fp, fn = _direct(rows, threshold)
    assert counts.precision == pytest.approx(tp / (tp + fp) if tp + fp else 0.0)
    assert counts.recall == pytest.approx(tp / (tp + fn))
    assert counts.f1 == pytest.approx(2 * tp / (2 * tp + fp + fn))


def test_live_counts_of_1000_images_take_well_under_200_ms() -> None:
    live = LiveDetection(_rows(1000, 37))
    start = time.perf_counter()
    for t in (0.1, 0.3, 0.5, 0.7, 0.9):
        live.counts(t)
    assert (time.perf_counter() - start) / 5 < 0.05


def test_outcomes_of_a_row_follow_the_threshold() -> None:
    rows = [{"ground_truth.bboxes": [LabeledBoundingBox((0, 0), (10, 10), "a")],
             "inference.bboxes": [ScoredLabeledBoundingBox((0, 0), (10, 10), "a", 0.4),
                                  ScoredLabeledBoundingBox((50, 50), (60, 60), "a", 0.8)]}]
    live = LiveDetection(rows)
    assert live.outcomes(0, 0.3) == (["tp", "fp"], ["tp"])
    assert live.outcomes(0, 0.5) == (["", "fp"], ["fn"])
    assert live.outcomes(0, {"a": 0.9}) == (["", ""], ["fn"])
    assert live_detection([{"ground_truth.bboxes": [LabeledBoundingBox((0, 0), (1, 1), "a")]}]) is None  # no scores


def test_the_operating_point_is_read_from_what_was_stored() -> None:
    labels = [ScoredLabel("cat", 0.6), ScoredLabel("dog", 0.35)]
    assert operating_point([{"metrics.thresholds": labels}]).threshold == {"cat": 0.6, "dog": 0.35}
    assert operating_point([{"metrics.thresholds": 0.42}]).threshold == 0.42
    kept = {"inference.bboxes": [ScoredLabeledBoundingBox((0, 0), (1, 1), "cat", s) for s in (0.2, 0.5, 0.7)]
            + [ScoredLabeledBoundingBox((0, 0), (1, 1), "owl", 0.3)]}
    point = operating_point([{**kept, "metrics.tp": kept["inference.bboxes"][2:3],
                              "metrics.fp": kept["inference.bboxes"][1:2]}])
    assert point.threshold["cat"] == 0.5 and point.threshold["owl"] > 0.3  # nothing of 'owl' kept
    assert operating_point([{}], DetectionConfiguration(min_confidence_score=0.25)).threshold == 0.25
    assert operating_point([{}], "F1-optimal threshold, IoU=0.5, min confidence=0.3").threshold == 0.3
    assert operating_point([{}], "Confidence Threshold: F1-Optimal, IoU: 0.5, min confidence ≥ 0.1").threshold == 0.1
    assert operating_point([{}]).threshold is None
    assert operating_point([{"metrics.thresholds": 0.42}]).describe() == "≥ 0.42"


def test_numbers_and_annotations_are_formatted_for_people() -> None:
    assert number_text(23.299999999999983) == "23.3" and number_text(0.912345) == "0.912"
    assert number_text(0.000123456) == "0.000123" and number_text(123456.7) == "123,457"
    assert number_text(2.0) == "2" and number_text(8840000000000000000) == "8840000000000000000"
    box = ScoredLabeledBoundingBox((23.299999999999983, 10.0), (40.5, 1234.5678), "car", 0.912345)
    assert annotation_text(box) == "car (23.3, 10)–(40.5, 1235) · 0.912"
    assert cell_text(box) == annotation_text(box)
    seven = cell_text([box] * 7)
    assert seven.startswith("7: car (23.3, 10)–(40.5, 1235) · 0.912; ") and seven.endswith("… 2 more")
    assert cell_text([]) == "none" and cell_text({"iou": 0.73333}) == "iou: 0.733" and cell_text(None) == ""
    assert "23.299" not in cell_text([box]) and "width=" not in cell_text(box)


def test_the_browser_opens_at_the_operating_point_and_the_slider_recomputes(sqlite_store, tmp_path):
    suite, case, model = crowded(tmp_path / "img")
    browser = SampleBrowser(case, model=model, configuration=DetectionConfiguration())
    stored = load_test_case_metrics(model, suite).iloc[0]
    counts = browser.live_metrics()
    assert (counts.tp, counts.fp, counts.fn) == (stored["tp"], stored["fp"], stored["fn"])
    assert counts.precision == pytest.approx(stored["precision"]) and counts.f1 == pytest.approx(stored["f1"])
    assert browser.confidence_row.layout.display == ""
    total = 2 + NOISE
    assert all(item["drawn"].startswith("2 of ") or item["drawn"].startswith("1 of ")
               for item in browser.gallery.items), [item["drawn"] for item in browser.gallery.items]
    assert browser.gallery.items[0]["drawn"] == f"2 of {total} detections"
    assert browser.gallery.items[0]["drawn_title"] == (f"2 of {total} detections shown ({total - 2} under the "
                                                       "confidence threshold) · 2 ground truths")
    assert "precision 0.875" in browser.snapshot_html()
    assert browser.gallery.items[3]["badge"]["text"] == "TP 1 · FP 1 · FN 1"
    before = browser.live_metrics_label.value
    browser.confidence_slider.value = 0.0  # as the user moves it
    assert browser.gallery.items[0]["drawn"] == f"{total} of {total} detections"
    assert browser.live_metrics_label.value != before and browser.live_metrics().fp > counts.fp
    assert browser.live_metrics().precision < counts.precision
    browser.show_details(0)
    assert f'data-shown="{total}"' in browser.detail.value
    browser.set_confidence_threshold(None)
    assert browser.gallery.items[0]["drawn"].startswith("2 of") and 'data-shown="2"' in browser.detail.value
    assert "under the evaluator" in browser.detail.value and "title=" in browser.detail.value
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        browser.set_confidence_threshold(1.5)


def test_without_scored_detections_there_is_no_confidence_control(sqlite_store, tmp_path):
    suite, models = T.classification(tmp_path)
    browser = SampleBrowser(suite.test_cases[0], model=models[0])
    assert browser.live is None and browser.confidence_row.layout.display == "none"
    assert browser.live_metrics() is None and legend_html(None) == ""
