"""Encoding is canonical: a data object and its decoded copy serialise to the same text, on every encode path."""
import dataclasses
import enum
import json
import random
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow import GroundTruth, Image, Inference, Video, _codec, _dataframe
from kolena_lab.workflow._values import rule_for
from kolena_lab.workflow.annotation import BoundingBox, ScoredPolygon, TimeSegment


@dataclasses.dataclass(frozen=True)
class Scaled(Image):
    scale: float = 1.0
    factor: Optional[float] = None
    count: int = 0
    flag: bool = False
    either: Union[int, float] = 0


@dataclasses.dataclass(frozen=True)
class CheckedScaled(Scaled):
    """The same fields with post-init logic, which sends DataFrames down the per-object path."""

    def __post_init__(self) -> None:
        pass


@dataclasses.dataclass(frozen=True)
class WeightedBox(BoundingBox):
    weight: float = 1.0


@dataclasses.dataclass(frozen=True)
class Keypointed(Image):
    """Like Kolena's keypoints tutorial sample: a box around the subject and a normalisation factor."""

    bbox: Optional[BoundingBox] = None
    normalization_factor: Optional[float] = None
    box: Optional[WeightedBox] = None
    segment: Optional[TimeSegment] = None
    polygon: Optional[ScoredPolygon] = None
    weights: List[float] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Weight(GroundTruth):
    label: str
    weight: float


class Level(enum.IntEnum):
    LOW = 1


def reloaded(sample):
    key, metadata = _codec.encode_sample(sample)
    return _codec.decode_sample(type(sample), key, metadata)


def assert_canonical(obj):
    text = _codec.encode(obj)
    assert _codec.encode(_codec.decode(type(obj), text)) == text
    return json.loads(text)


@pytest.mark.parametrize("value", [2, np.int64(2), np.uint8(2), Level.LOW, 2.0, np.float32(2)])
def test_an_integer_in_a_float_field_is_keyed_as_a_float(value):
    sample = Scaled(locator="a.png", scale=value, factor=value)
    data = json.loads(_codec.sample_key(sample))
    assert data["scale"] == float(value) and type(data["scale"]) is float and type(data["factor"]) is float
    assert _codec.sample_key(reloaded(sample)) == _codec.sample_key(sample)
    assert _codec.sample_key(sample) == _codec.sample_key(Scaled(locator="a.png", scale=float(value),
                                                                factor=float(value)))


def test_float32_keeps_its_widened_value():
    sample = Scaled(locator="a.png", scale=np.float32(0.1))
    assert json.loads(_codec.sample_key(sample))["scale"] == float(np.float32(0.1))
    assert _codec.sample_key(reloaded(sample)) == _codec.sample_key(sample)


def test_bool_stays_bool_even_in_a_float_field():
    sample = Scaled(locator="a.png", scale=True, factor=np.bool_(False))
    data = json.loads(_codec.sample_key(sample))
    assert data["scale"] is True and data["factor"] is False
    assert reloaded(sample).scale is True
    assert _codec.sample_key(reloaded(sample)) == _codec.sample_key(sample)
    assert _codec.sample_key(sample) != _codec.sample_key(Scaled(locator="a.png", scale=1.0, factor=0.0))


def test_union_of_int_and_float_int_fields_and_extras_keep_integers():
    sample = Scaled(locator="a.png", either=3, count=np.int64(4), extra=5, nested={"n": 6})
    data = json.loads(_codec.sample_key(sample))
    assert [type(data[k]) for k in ("either", "count", "extra")] == [int, int, int] and data["nested"] == {"n": 6}
    assert type(json.loads(_codec.sample_key(Scaled(locator="a.png", either=3.0)))["either"]) is float
    back = reloaded(sample)
    assert (back.either, back.count, back.extra) == (3, 4, 5) and type(back.either) is int  # type: ignore[attr-defined]
    assert _codec.sample_key(back) == _codec.sample_key(sample)


def test_integers_beyond_float_precision_round_once():
    sample = Scaled(locator="a.png", scale=2 ** 53 + 1)
    assert json.loads(_codec.sample_key(sample))["scale"] == 2.0 ** 53
    assert _codec.sample_key(reloaded(sample)) == _codec.sample_key(sample)
    with pytest.raises(ValueError, match="too large for a float"):
        _codec.sample_key(Scaled(locator="a.png", scale=10 ** 400))


def test_nested_annotation_fields_and_float_lists():
    sample = Keypointed(
        locator="a.png", bbox=BoundingBox((1, 2), (3, 4)), normalization_factor=5,
        box=WeightedBox((1, 2), (3, 4), weight=2), segment=TimeSegment(1, 2),
        polygon=ScoredPolygon([(0, 0), (1, 0), (1, 1)], score=1), weights=np.array([1, 2]),
    )
    data = json.loads(_codec.sample_key(sample))
    assert data["bbox"]["top_left"] == [1.0, 2.0] and type(data["normalization_factor"]) is float
    assert type(data["box"]["weight"]) is float and type(data["box"]["top_left"][0]) is float
    assert [type(data["segment"][k]) for k in ("start", "end")] == [float, float]
    assert type(data["polygon"]["score"]) is float and [type(w) for w in data["weights"]] == [float, float]
    assert _codec.sample_key(reloaded(sample)) == _codec.sample_key(sample)
    video = Video("v.mp4", start=1, end=2)
    assert _codec.sample_key(reloaded(video)) == _codec.sample_key(video) and reloaded(video).start == 1.0


def test_ground_truths_and_inferences_are_canonical_too():
    data = assert_canonical(Weight("cat", 1))
    assert type(data["weight"]) is float

    @dataclasses.dataclass(frozen=True)
    class Spans(Inference):
        spans: List[TimeSegment]
        scores: Optional[List[float]] = None

    data = assert_canonical(Spans([TimeSegment(0, 1)], scores=[1, 0.5]))
    assert data["spans"][0]["end"] == 1.0 and type(data["scores"][0]) is float


# --- the DataFrame bulk path ------------------------------------------------------------------------------------------


def frame_and_objects(cls):
    frame = pd.DataFrame({
        "locator": ["a.png", "b.png", "c.png", "d.png"],
        "scale": np.array([1, 2, 2 ** 53 + 1, -(2 ** 62) - 1], dtype=np.int64),
        "factor": pd.Series([3, None, 4, 2 ** 70], dtype=object),
        "count": [1, 2, 3, 4],
        "flag": [True, False, True, False],
        "either": [1, 2, 3, 4],
        "ground_truth.label": ["a", "b", "c", "d"],
        "ground_truth.weight": np.array([1, 0, 2 ** 60, 7], dtype=np.uint64),
        "weather": ["sun", "rain", "sun", "snow"],
    })
    objects = [
        (cls(locator=r["locator"], scale=r["scale"], factor=r["factor"], count=r["count"], flag=r["flag"],
             either=r["either"], metadata={"weather": r["weather"]}),
         Weight(r["ground_truth.label"], r["ground_truth.weight"]))
        for r in frame.to_dict("records")
    ]
    return frame, objects


@pytest.mark.parametrize("cls", [Scaled, CheckedScaled])
def test_bulk_path_keys_equal_the_object_path_and_the_decoded_copy(cls):
    frame, objects = frame_and_objects(cls)
    keys, metadata, ground_truths = _dataframe.encode_members(frame, cls, Weight)
    assert keys == [_codec.sample_key(s) for s, _ in objects]
    assert keys == [_codec.sample_key(reloaded(s)) for s, _ in objects]
    assert metadata == [_codec.encode_sample(s)[1] for s, _ in objects]
    assert ground_truths == [_codec.encode(g) for _, g in objects]
    assert ground_truths == [_codec.encode(_codec.decode(Weight, text)) for text in ground_truths]
    first = json.loads(keys[0])
    assert [type(first[k]) for k in ("scale", "factor", "count", "flag", "either")] == [float, float, int, bool, int]


def test_bulk_path_stores_annotation_objects_in_cells_as_the_object_path_does():
    @dataclasses.dataclass(frozen=True)
    class Boxes(GroundTruth):
        boxes: List[BoundingBox]
        main: Optional[BoundingBox] = None

    cells = [[WeightedBox((0, 0), (2, 3), weight=2, note="n")], [BoundingBox((1, 1), (4, 5), iscrowd=1)], []]
    mains = [None, cells[1][0], {"top_left": [0, 0], "bottom_right": [1, 1]}]
    frame = pd.DataFrame({"locator": ["a.png", "b.png", "c.png"], "ground_truth.boxes": cells,
                          "ground_truth.main": mains})
    _, _, ground_truths = _dataframe.encode_members(frame, Image, Boxes)
    objects = [Boxes(cells[0]), Boxes(cells[1], main=cells[1][0]), Boxes([], main=BoundingBox((0, 0), (1, 1)))]
    assert ground_truths == [_codec.encode(g) for g in objects]
    assert json.loads(ground_truths[0])["boxes"][0]["weight"] == 2.0
    built = _dataframe._objects(Boxes, {"boxes": frame["ground_truth.boxes"], "main": frame["ground_truth.main"]}, 3)
    assert built[0].boxes[0] is cells[0][0] and built[1].main is cells[1][0]  # kept as given, not rebuilt


def test_bulk_path_encodes_float_columns_as_the_object_path_and_refuses_booleans_in_them():
    frame = pd.DataFrame({"locator": ["a.png", "b.png"], "scale": [1, 2], "factor": [0.1, float("nan")]})
    keys, _, _ = _dataframe.encode_members(frame, Scaled, Weight)
    assert [json.loads(k)["scale"] for k in keys] == [1.0, 2.0]
    assert keys == [_codec.sample_key(Scaled(locator=loc, scale=s, factor=f))
                    for loc, s, f in zip(frame["locator"], [1, 2], [0.1, float("nan")])]
    with pytest.raises(InputValidationError, match="column 'scale' must hold numbers; row 0 holds bool True"):
        _dataframe.encode_members(frame.assign(scale=[True, False]), Scaled, Weight)  # a wrong column, not numbers


# --- round-trip property ----------------------------------------------------------------------------------------------

HINTS: Dict[str, Any] = {
    "f": float,
    "i": int,
    "b": bool,
    "s": str,
    "of": Optional[float],
    "pipe": float | None,
    "u": Union[int, float],
    "lf": List[float],
    "li": List[int],
    "lof": List[Optional[float]],
    "olf": Optional[List[float]],
    "llf": List[List[float]],
    "tv": Tuple[float, ...],
    "t2": Tuple[float, int],
    "ul": Union[str, List[float]],
    "uf": Union[float, List[int]],
    "d": Dict[str, float],
    "a": Any,
    "seg": Optional[TimeSegment],
    "box": Optional[WeightedBox],
    "segs": List[TimeSegment],
}
Generated = dataclasses.make_dataclass("Generated", [(k, v, dataclasses.field(default=None)) for k, v in HINTS.items()],
                                       bases=(GroundTruth,), frozen=True)


def scalar(rng: random.Random) -> Any:
    return rng.choice([
        rng.randint(-5, 5), rng.random(), True, False, None, np.int64(rng.randint(-9, 9)), np.float32(rng.random()),
        np.bool_(rng.random() < 0.5), 2 ** 53 + rng.randint(1, 9), rng.choice(["x", "ü"]), Level.LOW,
    ])


def value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 2 else 4)
    if kind < 4:
        return scalar(rng)
    if kind == 4:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 5:
        return tuple(scalar(rng) for _ in range(rng.randrange(1, 4)))
    if kind == 6:
        return np.array([rng.randint(0, 9) for _ in range(rng.randrange(1, 4))])
    return {"k": value(rng, depth + 1)}


def annotation(rng: random.Random, name: str) -> Any:
    start = rng.choice([0, 1, np.int64(2), 0.5])
    if name == "box":
        return WeightedBox((start, 0), (3, 4), weight=rng.choice([1, 2.5, np.int32(3), True]))
    segment = TimeSegment(start, rng.choice([5, 6.5]), **rng.choice([{}, {"extra": 1}, {"extra": [1, 2.5]}]))
    return [segment] if name == "segs" else segment


def fitting(rng: random.Random, name: str) -> Any:
    """A random value that field ``name`` accepts (fields are checked against their types on construction)."""
    rule = rule_for(Optional[HINTS[name]])
    while True:
        candidate = value(rng)
        if rule is None or rule.ok(candidate):
            return candidate


def test_encoding_a_decoded_copy_changes_nothing():
    rng = random.Random(7)
    for _ in range(3000):
        kwargs = {name: annotation(rng, name) if name in ("seg", "box", "segs") else fitting(rng, name)
                  for name in rng.sample(sorted(HINTS), rng.randrange(1, 6))}
        extras = {"extra": value(rng)} if rng.random() < 0.3 else {}
        obj = Generated(**kwargs, **extras)
        text = _codec.encode(obj)
        once = _codec.decode(Generated, text)
        assert _codec.encode(once) == text, kwargs
        assert _codec.encode(_codec.decode(Generated, _codec.encode(once))) == text
