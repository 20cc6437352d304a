"""Overlays at a confidence threshold: low scores hidden (one threshold or one per label), colours by label, TP/FP/FN
styles, ground truths drawn on top, tags left out of crowded images, and never a solid block."""
import numpy as np
import pytest
from PIL import Image

from kolena_lab.media import GROUND_TRUTH_COLOR, LABEL_PALETTE, MISSED_COLOR, Overlay, draw_overlay, label_color
from kolena_lab.media.overlays import below
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox


def _draw(overlay: Overlay, size=(200, 200)) -> np.ndarray:
    return np.asarray(draw_overlay(Image.new("RGB", size), overlay))


def _count(pixels: np.ndarray, color) -> int:
    return int(np.all(pixels == np.array(color, dtype=np.uint8), axis=-1).sum())


def _box(x: float, label: str, score: float) -> ScoredLabeledBoundingBox:
    return ScoredLabeledBoundingBox((x, 20.0), (x + 40.0, 60.0), label, score)


def test_inferences_under_the_threshold_are_not_drawn() -> None:
    low, high = _box(10, "car", 0.1), _box(100, "car", 0.9)
    overlay = Overlay(inferences=[low, high], min_score=0.5, show_labels=False, show_scores=False,
                      color_by_label=True)
    assert overlay.hidden_inferences == 1 and [a for a, _ in overlay.shown_inferences()] == [high]
    pixels = _draw(overlay)
    car = label_color("car")
    assert tuple(pixels[40, 100]) == car and tuple(pixels[40, 10]) == (0, 0, 0)
    everything = _draw(Overlay(inferences=[low, high], show_labels=False, show_scores=False, color_by_label=True))
    assert tuple(everything[40, 10]) == car


def test_a_threshold_per_label_leaves_other_labels_drawn() -> None:
    boxes = [_box(10, "car", 0.3), _box(100, "dog", 0.3)]
    overlay = Overlay(inferences=boxes, min_score={"car": 0.5})
    assert [a.label for a, _ in overlay.shown_inferences()] == ["dog"]
    assert below(boxes[0], {"car": 0.5}) and not below(boxes[1], {"car": 0.5})
    assert not below(LabeledBoundingBox((0, 0), (1, 1), "car"), 0.5)  # unscored: always drawn
    assert below(boxes[0], 0.31) and not below(boxes[0], 0.3)  # at the threshold is kept
    assert Overlay(inferences=boxes, min_score=0.2).cache_key != Overlay(inferences=boxes, min_score=0.4).cache_key


def test_label_colours_are_stable_and_never_the_ground_truth_or_missed_colour() -> None:
    assert label_color("car") == label_color("car") and label_color("car") in LABEL_PALETTE
    assert GROUND_TRUTH_COLOR not in LABEL_PALETTE and MISSED_COLOR not in LABEL_PALETTE
    assert len({label_color(str(i)) for i in range(50)}) >= 6  # labels spread over the palette


def test_false_positives_are_dashed_and_missed_ground_truths_red() -> None:
    inference = [_box(10, "car", 0.9)]
    solid = _count(_draw(Overlay(inferences=inference, inference_outcomes=["tp"], show_labels=False,
                                 show_scores=False, color_by_label=True)), label_color("car"))
    dashed = _count(_draw(Overlay(inferences=inference, inference_outcomes=["fp"], show_labels=False,
                                  show_scores=False, color_by_label=True)), label_color("car"))
    assert 0.3 * solid < dashed < 0.8 * solid
    truth = [LabeledBoundingBox((10, 20), (50, 60), "car")]
    missed = _draw(Overlay(ground_truths=truth, ground_truth_outcomes=["fn"], show_labels=False))
    found = _draw(Overlay(ground_truths=truth, ground_truth_outcomes=["tp"], show_labels=False))
    assert _count(missed, MISSED_COLOR) > 0 and _count(missed, GROUND_TRUTH_COLOR) == 0
    assert _count(found, GROUND_TRUTH_COLOR) > 0 and _count(found, MISSED_COLOR) == 0
    with pytest.raises(ValueError, match="2 entries for 1 annotations"):
        Overlay(inferences=inference, inference_outcomes=["tp", "fp"])
    with pytest.raises(ValueError, match="must hold"):
        Overlay(inferences=inference, inference_outcomes=["maybe"])


def test_ground_truths_are_drawn_over_inferences() -> None:
    truth = [LabeledBoundingBox((10, 20), (50, 60), "car")]
    same = [_box(10, "car", 0.9)]
    pixels = _draw(Overlay(ground_truths=truth, inferences=same, show_labels=False, show_scores=False))
    assert tuple(pixels[40, 10]) == GROUND_TRUTH_COLOR


def test_a_crowded_image_is_never_a_solid_block_and_keeps_its_ground_truth() -> None:
    rng = np.random.default_rng(0)
    truth = [LabeledBoundingBox((20, 20), (90, 90), "car")]
    noise = [ScoredLabeledBoundingBox((float(x), float(y)), (float(x) + 60, float(y) + 60), "car", 0.1)
             for x, y in rng.integers(0, 130, (40, 2))]
    found = [_box(110, "car", 0.9)]
    everything = _draw(Overlay(ground_truths=truth, inferences=noise + found, color_by_label=True, max_tags=4))
    at_threshold = _draw(Overlay(ground_truths=truth, inferences=noise + found, color_by_label=True, max_tags=4,
                                 min_score=0.5))
    inked = lambda p: float(p.any(axis=-1).mean())  # noqa: E731
    tagged = _draw(Overlay(ground_truths=truth, inferences=noise + found, color_by_label=True))
    assert inked(everything) < inked(tagged)  # no tags on a crowded image
    assert inked(at_threshold) < 0.1 < inked(everything)
    assert _count(at_threshold, GROUND_TRUTH_COLOR) > 0 and _count(everything, GROUND_TRUTH_COLOR) > 0
    assert tuple(everything[50, 20]) == GROUND_TRUTH_COLOR  # the ground truth's edge stays on top
