"""Metric directions as data: declared in field metadata, matched to stored metrics, applied to a comparison."""
from dataclasses import dataclass, field
from typing import List

import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow.comparison import apply_directions
from kolena_lab.workflow.directions import direction_overrides, note_stored
from kolena_lab.workflow import (
    ConfigurationComparison,
    MetricDirections,
    MetricsTestCase,
    MetricsTestSample,
    metrics_class,
)


@dataclass(frozen=True)
class _PerPoint(MetricsTestCase):
    point: str
    distance_px: float = field(metadata={"higher_is_better": False})


@dataclass(frozen=True)
class _Faces(MetricsTestCase):
    n_faces_seen: int = field(metadata={"higher_is_better": None})
    pose_loss: float
    mean_distance_px: float = field(metadata={"higher_is_better": False, "headline": 2})
    hit_rate: float = field(metadata={"higher_is_better": True, "headline": 1})
    per_point: List[_PerPoint]


@dataclass(frozen=True)
class _FaceSample(MetricsTestSample):
    distance_px: float = field(metadata={"higher_is_better": False, "headline": True})


def test_a_class_declares_directions_and_ranked_headlines():
    d = MetricDirections.of_class(_Faces)
    assert d.directions == {"n_faces_seen": None, "mean_distance_px": False, "hit_rate": True}
    assert d.headline == ("hit_rate", "mean_distance_px")
    assert d.direction("mean_distance_px") is False and d.direction("hit_rate") is True
    assert d.direction("pose_loss") is None and not d.declared_neutral("pose_loss")  # undeclared, never guessed
    assert d.declared_neutral("n_faces_seen")
    assert d.order(["n_faces_seen", "pose_loss", "mean_distance_px", "hit_rate"]) == [
        "hit_rate", "mean_distance_px", "pose_loss", "n_faces_seen"]
    assert d.with_overrides({"pose_loss": False}).direction("pose_loss") is False


def test_a_direction_must_be_true_false_or_none():
    @dataclass(frozen=True)
    class Bad(MetricsTestCase):
        score: float = field(metadata={"higher_is_better": "yes"})

    with pytest.raises(InputValidationError, match="Bad.score.*True, False or None"):
        MetricDirections.of_class(Bad)


def test_stored_metric_names_find_their_class():
    assert metrics_class(["n_faces_seen", "pose_loss", "mean_distance_px", "hit_rate", "per_point"]) is _Faces
    assert metrics_class(["point", "distance_px"]) is _PerPoint
    assert metrics_class(["distance_px"], MetricsTestSample) is _FaceSample
    assert metrics_class(["nothing", "declares", "these", "hit_rate"]) is None
    assert MetricDirections.for_metrics(["nothing", "here"]) == MetricDirections()
    assert MetricDirections.for_metrics(["pose_loss", "hit_rate", "mean_distance_px"]).headline == (
        "hit_rate", "mean_distance_px")


def test_a_class_redefined_later_wins():
    @dataclass(frozen=True)
    class Redefined(MetricsTestCase):
        odd_metric_a: float = field(metadata={"higher_is_better": True})
        odd_metric_b: float

    first = Redefined

    @dataclass(frozen=True)
    class Redefined(MetricsTestCase):  # noqa: F811  (a notebook cell run again after an edit)
        odd_metric_a: float = field(metadata={"higher_is_better": False})
        odd_metric_b: float

    assert metrics_class(["odd_metric_a", "odd_metric_b"]) is Redefined is not first
    assert MetricDirections.for_metrics(["odd_metric_a", "odd_metric_b"]).direction("odd_metric_a") is False


def test_a_class_stored_in_this_process_wins_over_a_later_one_of_the_same_fields():
    @dataclass(frozen=True)
    class Stored(MetricsTestSample):
        odd_hit: bool = field(metadata={"higher_is_better": True})
        odd_margin: float

    stored = Stored
    note_stored([Stored(odd_hit=True, odd_margin=0.5)], "ready evaluator")

    @dataclass(frozen=True)
    class Stored(MetricsTestSample):  # noqa: F811  (a user's class shaped like it, defined later, never stored)
        odd_hit: bool
        odd_margin: float

    assert metrics_class(["odd_hit", "odd_margin"], MetricsTestSample) is stored
    assert MetricDirections.for_metrics(["odd_hit", "odd_margin"], MetricsTestSample).direction("odd_hit") is True

    note_stored([Stored(odd_hit=False, odd_margin=0.1)], "user evaluator")
    assert metrics_class(["odd_hit", "odd_margin"], MetricsTestSample) is Stored  # stored last
    assert metrics_class(["odd_hit", "odd_margin"], MetricsTestSample, "ready evaluator") is stored
    assert metrics_class(["odd_hit", "odd_margin"], MetricsTestSample, "user evaluator") is Stored


def _comparison(metrics, values, low=None, high=None) -> ConfigurationComparison:
    """One test case, models ``base`` (the baseline) and ``new``; ``values[metric] = (base, new)``."""
    models = ["base", "new"]
    value = np.array([[values[m] for m in metrics]], dtype=float)
    shape = value.shape
    frame = pd.DataFrame([value.reshape(-1)], index=["tc"], columns=pd.MultiIndex.from_product([metrics, models]))
    return ConfigurationComparison(
        evaluator="e", configuration="c", baseline="base", test_cases=["tc"], metrics=list(metrics), models=models,
        nested=[], values=frame, raw=value.astype(object), value=value, baseline_value=value[:, :, 0],
        change=np.zeros(shape, dtype=int), low=np.full(shape, np.nan) if low is None else low,
        high=np.full(shape, np.nan) if high is None else high, p_value=np.full(shape, np.nan),
        significant=np.zeros(shape, dtype=bool))


def test_apply_directions_colours_only_declared_directions_and_orders_headline_first():
    metrics = ["n_faces_seen", "pose_loss", "mean_distance_px", "hit_rate"]
    low, high = np.full((1, 4, 2), np.nan), np.full((1, 4, 2), np.nan)
    low[0, :, 1], high[0, :, 1] = -3.0, -1.0  # every difference "significant"
    result = _comparison(metrics, {"n_faces_seen": (10, 12), "pose_loss": (0.5, 0.2), "mean_distance_px": (4, 2),
                                   "hit_rate": (0.6, 0.5)}, low, high)
    out = apply_directions(result, MetricDirections.of_class(_Faces))
    assert out.metrics == ["hit_rate", "mean_distance_px", "pose_loss", "n_faces_seen"]
    assert list(out.values.columns.get_level_values(0)[::2]) == out.metrics
    assert out.values[("mean_distance_px", "new")]["tc"] == 2
    change = dict(zip(out.metrics, out.change[0, :, 1]))
    # lower distance is better; a lower hit rate is worse; undeclared pose_loss and neutral counts are neither
    assert change == {"hit_rate": -1, "mean_distance_px": 1, "pose_loss": 0, "n_faces_seen": 0}
    assert out.change[0, :, 0].tolist() == [0, 0, 0, 0]  # the baseline
    assert dict(zip(out.metrics, out.significant[0, :, 1])) == {
        "hit_rate": True, "mean_distance_px": True, "pose_loss": False, "n_faces_seen": False}
    assert out.to_dataframe().set_index("metric").loc["pose_loss", "direction"].tolist() == ["same", "same"]


def test_a_name_never_sets_a_direction():
    result = _comparison(["error", "loss", "latency"], {"error": (2, 1), "loss": (2, 1), "latency": (2, 1)})
    assert not apply_directions(result, MetricDirections()).change.any()


def test_direction_overrides():
    given = {"accuracy": True, "DigitEvaluator": {"loss": False}, "OtherEvaluator": {"loss": True}, "n": None}
    assert direction_overrides(["wer"], ["bleu"], given, "DigitEvaluator") == {
        "accuracy": True, "loss": False, "n": None, "wer": False, "bleu": True}
    assert direction_overrides(directions=given, evaluator="OtherEvaluator")["loss"] is True
    with pytest.raises(InputValidationError, match="direction of 'accuracy'"):
        direction_overrides(directions={"accuracy": "up"})


def test_a_bad_direction_inside_an_evaluator_mapping_is_refused():
    with pytest.raises(InputValidationError, match="direction of 'AccuracyEvaluator.acc'.*'higher'"):
        direction_overrides(directions={"AccuracyEvaluator": {"acc": "higher"}}, evaluator="AccuracyEvaluator")
