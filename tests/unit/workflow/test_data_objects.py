"""Data objects: frozen, extras, stdlib and pydantic subclasses, serialisation and round trips."""
import dataclasses
import json
import math
from typing import List, Optional, Union

import numpy as np
import pandas as pd
import pydantic.dataclasses
import pytest
from pydantic.dataclasses import DataclassProxy

from kolena_lab.workflow import (
    GroundTruth,
    Image,
    ImageAsset,
    Inference,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
)
from kolena_lab.workflow.annotation import (
    BoundingBox,
    LabeledBoundingBox,
    Polygon,
    ScoredClassificationLabel,
    ScoredLabel,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
)
from kolena_lab.errors import InputValidationError
from kolena_lab.workflow._datatypes import _info
from kolena_lab.workflow.plot import Curve, CurvePlot
from kolena_lab.workflow.workflow import Workflow


def json_round_trip(obj):
    return type(obj)._from_dict(json.loads(json.dumps(obj._to_dict())))


@dataclasses.dataclass(frozen=True)
class StdGT(GroundTruth):
    value: float
    name: str
    note: Optional[str] = None


@pydantic.dataclasses.dataclass(frozen=True)
class PydGT(GroundTruth):
    value: float
    name: str


@dataclasses.dataclass(frozen=True)
class StdOnPyd(PydGT):
    count: int = 0


@pydantic.dataclasses.dataclass(frozen=True)
class PydOnStd(StdGT):
    count: int = 0


@pydantic.dataclasses.dataclass(frozen=True)
class PydBox(BoundingBox):
    label: str


@dataclasses.dataclass(frozen=True)
class Nested(Inference):
    boxes: List[ScoredLabeledBoundingBox]
    best: Optional[BoundingBox] = None
    shape: Union[Polygon, BoundingBox, None] = None
    label: Optional[ScoredLabel] = None
    thumbnail: Optional[ImageAsset] = None


# --- frozen and extras ------------------------------------------------------------------------------------------------


def test_assignment_to_a_field_or_an_extra_raises():
    box = BoundingBox((0, 0), (1, 1), foo="bar")
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.top_left = (2, 2)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        box.foo = "baz"  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        StdGT(1.0, "a").value = 2.0  # type: ignore[misc]


def test_extras_are_kept_as_attributes_shown_and_serialised_after_declared_fields():
    box = LabeledBoundingBox((0, 0), (2, 1), "cat", foo="bar", n=3)
    assert box.foo == "bar" and box.n == 3  # type: ignore[attr-defined]
    assert str(box) == (
        "LabeledBoundingBox(top_left=(0.0, 0.0), bottom_right=(2.0, 1.0), width=2.0, height=1.0, area=2.0, "
        "aspect_ratio=2.0, label='cat', foo='bar', n=3)"
    )
    data = box._to_dict()
    assert list(data) == [
        "top_left", "bottom_right", "width", "height", "area", "aspect_ratio", "label", "foo", "n", "data_type",
    ]
    assert data["foo"] == "bar" and data["data_type"] == "ANNOTATION/BOUNDING_BOX"


def test_extras_survive_a_round_trip():
    gt = StdGT(1.0, "a", tags=["x", "y"], box=BoundingBox((0, 0), (1, 1)))
    back = json_round_trip(gt)
    assert back.tags == ["x", "y"]  # type: ignore[attr-defined]
    assert back.box == BoundingBox((0, 0), (1, 1))  # type: ignore[attr-defined]
    assert back._to_dict() == gt._to_dict()


def test_equality_and_hash_ignore_extras():
    plain = BoundingBox((0, 0), (1, 1))
    extra = BoundingBox((0, 0), (1, 1), foo="bar")
    assert plain == extra and hash(plain) == hash(extra)
    assert StdGT(1.0, "a", x=1) == StdGT(1.0, "a", x=2)
    assert BoundingBox((0, 0), (1, 1)) != BoundingBox((0, 0), (1, 2))
    assert BoundingBox((0, 0), (1, 1)) != LabeledBoundingBox((0, 0), (1, 1), "a")


def test_data_type_cannot_be_passed_as_an_extra():
    with pytest.raises(ValueError, match="data_type"):
        StdGT(1.0, "a", data_type="ANNOTATION/BOUNDING_BOX")


def test_a_field_may_be_named_cls():
    @dataclasses.dataclass(frozen=True)
    class WithCls(Inference):
        cls: str

    assert WithCls(cls="dog").cls == "dog"
    assert WithCls._from_dict({"cls": "dog", "x": 1}).x == 1  # type: ignore[attr-defined]


# --- subclassing: stdlib, pydantic, mixed ---------------------------------------------------------------------------


def test_stdlib_dataclass_subclass_checks_types_without_coercing():
    with pytest.raises(InputValidationError, match=r"StdGT.value must be a number, got str 'not a float'"):
        StdGT(value="not a float", name="a")  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="StdGT.name must be a str, got int 3"):
        StdGT(value=1, name=3)  # type: ignore[arg-type]
    gt = StdGT(value=1, name="a")
    assert gt.value == 1 and type(gt.value) is int  # accepted as it is, not coerced


def test_pydantic_dataclass_subclass_coerces():
    gt = PydGT(value="3.5", name=123)  # type: ignore[arg-type]
    assert gt.value == 3.5 and gt.name == "123"
    with pytest.raises(pydantic.ValidationError):
        PydGT(value="not a number", name="a")  # type: ignore[arg-type]


def test_pydantic_dataclass_keeps_extras_and_round_trips():
    gt = PydGT(1, "a", extra=[1, 2])  # type: ignore[call-arg]
    assert gt.extra == [1, 2]  # type: ignore[attr-defined]
    assert gt._to_dict() == {"value": 1.0, "name": "a", "extra": [1, 2]}
    back = json_round_trip(gt)
    assert back == gt and back.extra == [1, 2]  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        gt.value = 2.0  # type: ignore[misc]


def test_pydantic_subclass_of_a_built_in_annotation():
    box = PydBox((0, 0), (2, 4), label=5)  # type: ignore[arg-type]
    assert box.label == "5" and box.area == 8.0 and box.aspect_ratio == 0.5
    data = box._to_dict()
    assert data["label"] == "5" and data["data_type"] == "ANNOTATION/BOUNDING_BOX"
    assert json_round_trip(box) == box


def test_mixed_stdlib_and_pydantic_subclasses():
    pyd_on_std = PydOnStd(value="1.5", name=2, count="3")  # type: ignore[arg-type]
    assert (pyd_on_std.value, pyd_on_std.name, pyd_on_std.count) == (1.5, "2", 3)
    std_on_pyd = StdOnPyd(value=1.5, name="a", count=2, extra="x")  # type: ignore[call-arg]
    assert std_on_pyd.extra == "x"  # type: ignore[attr-defined]
    for obj in (pyd_on_std, std_on_pyd):
        assert json_round_trip(obj) == obj
    assert list(std_on_pyd._to_dict()) == ["value", "name", "count", "extra"]
    assert list(pyd_on_std._to_dict()) == ["value", "name", "note", "count"]


def test_non_frozen_subclass_is_rejected_with_type_error():
    with pytest.raises(TypeError):
        @dataclasses.dataclass
        class NotFrozen(GroundTruth):
            value: int

    with pytest.raises(TypeError):
        @pydantic.dataclasses.dataclass
        class NotFrozenPyd(GroundTruth):
            value: int


def test_undecorated_subclass_with_new_fields_is_rejected():
    class Forgotten(StdGT):
        extra_field: int = 0

    with pytest.raises(TypeError, match="dataclass"):
        Forgotten(1.0, "a")


def test_undecorated_subclass_without_new_fields_behaves_like_its_parent():
    class MyImage(Image):
        def shout(self) -> str:
            return self.locator.upper()

    image = MyImage("a.png")
    assert image.shout() == "A.PNG"
    assert image._to_dict() == {"locator": "a.png", "metadata": {}, "data_type": "TEST_SAMPLE/IMAGE"}


@dataclasses.dataclass(frozen=True)
class StdBoxes(GroundTruth):
    boxes: List[BoundingBox]


@pydantic.dataclasses.dataclass(frozen=True)
class NarrowedBoxes(StdBoxes):  # only narrows an inherited field: pydantic returns a DataclassProxy
    boxes: List[PydBox]  # type: ignore[assignment]


def test_a_pydantic_proxy_is_accepted_as_its_class():
    assert isinstance(NarrowedBoxes, DataclassProxy)
    cls = NarrowedBoxes.__dataclass__
    workflow = Workflow("Narrowed Boxes", Image, NarrowedBoxes, Inference)  # type: ignore[arg-type]
    assert workflow.ground_truth_type is cls
    assert workflow.schema()["ground_truth"]["fields"] == {"boxes": f"List[{__name__}.PydBox]"}
    assert _info(NarrowedBoxes) is _info(cls)  # type: ignore[arg-type]
    gt = NarrowedBoxes(boxes=[PydBox((0, 0), (1, 2), label="car")])
    assert isinstance(gt, cls)
    loaded = json_round_trip(gt)
    assert loaded == gt and type(loaded) is cls and type(loaded.boxes[0]) is PydBox


# --- values -----------------------------------------------------------------------------------------------------------


def test_numpy_scalars_and_arrays_serialise_as_python_values():
    gt = StdGT(np.float32(1.5), np.str_("a"), note=None, arr=np.array([[1, 2], [3, 4]]), flag=np.bool_(True),
               n=np.int64(7), f64=np.float64(0.25), boxes=np.array([BoundingBox((0, 0), (1, 1))], dtype=object))
    data = gt._to_dict()
    assert data["value"] == 1.5 and type(data["value"]) is float
    assert type(data["name"]) is str and type(data["f64"]) is float
    assert data["arr"] == [[1, 2], [3, 4]] and type(data["arr"][0][0]) is int
    assert data["flag"] is True and type(data["n"]) is int
    assert data["boxes"] == [BoundingBox((0, 0), (1, 1))._to_dict()]
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_survive_json(value):
    gt = StdGT(value, "a", series=[value, 1.0])
    back = json_round_trip(gt)
    for got in (back.value, back.series[0]):  # type: ignore[attr-defined]
        assert math.isnan(got) if math.isnan(value) else got == value


def test_missing_required_key_names_the_field():
    with pytest.raises(ValueError, match="'name'"):
        StdGT._from_dict({"value": 1.0})
    with pytest.raises(ValueError, match="'bottom_right'"):
        BoundingBox._from_dict({"top_left": [0, 0]})


def test_missing_optional_key_takes_the_default():
    assert StdGT._from_dict({"value": 1, "name": "a"}) == StdGT(1.0, "a", None)


@pytest.mark.parametrize("value", [object(), {1, 2}, b"bytes", 1j])
def test_unsupported_value_type_raises(value):
    with pytest.raises(ValueError, match="^unsupported value type"):
        StdGT(1.0, "a", extra=value)._to_dict()


def test_int_is_restored_as_float_for_float_fields():
    back = StdGT._from_dict({"value": 3, "name": "a"})
    assert back.value == 3.0 and type(back.value) is float


# --- nested objects ---------------------------------------------------------------------------------------------------


def test_nested_annotations_round_trip_to_the_declared_classes():
    inf = Nested(
        boxes=[ScoredLabeledBoundingBox((0, 0), (1, 1), "a", 0.5), ScoredLabeledBoundingBox((1, 1), (3, 3), "b", 0.9)],
        best=BoundingBox((1, 1), (2, 2)),
        shape=Polygon([(0, 0), (1, 0), (1, 1)]),
        label=ScoredLabel("cat", 0.3),
        thumbnail=ImageAsset("t.png"),
    )
    back = json_round_trip(inf)
    assert back == inf
    assert all(type(b) is ScoredLabeledBoundingBox for b in back.boxes)
    assert type(back.best) is BoundingBox
    assert type(back.shape) is Polygon
    assert type(back.label) is ScoredClassificationLabel
    assert type(back.thumbnail) is ImageAsset
    assert back.boxes[1].score == 0.9 and back.boxes[1].label == "b"


def test_union_picks_the_member_by_data_type_and_none_stays_none():
    inf = Nested(boxes=[], shape=BoundingBox((0, 0), (1, 1)))
    back = json_round_trip(inf)
    assert type(back.shape) is BoundingBox and back == inf
    assert back.best is None and back.label is None and back.boxes == []


def test_user_subclass_of_an_annotation_round_trips_to_itself():
    @dataclasses.dataclass(frozen=True)
    class Holder(Inference):
        boxes: List[PydBox]

    holder = Holder([PydBox((0, 0), (1, 1), label="x")])
    back = json_round_trip(holder)
    assert type(back.boxes[0]) is PydBox and back == holder


def test_nested_metrics_rows_round_trip():
    @dataclasses.dataclass(frozen=True)
    class PerClass(MetricsTestCase):
        label: str
        ap: float

    @dataclasses.dataclass(frozen=True)
    class Aggregate(MetricsTestCase):
        map: float
        per_class: List[PerClass]

    metrics = Aggregate(0.5, [PerClass("a", 0.25), PerClass("b", 0.75)])
    data = metrics._to_dict()
    assert data["data_type"] == "METRICS/TEST_CASE"
    assert data["per_class"][0] == {"label": "a", "ap": 0.25, "data_type": "METRICS/TEST_CASE"}
    back = json_round_trip(metrics)
    assert back == metrics and type(back.per_class[0]) is PerClass


# --- tags -------------------------------------------------------------------------------------------------------------


def test_data_type_tags():
    @dataclasses.dataclass(frozen=True)
    class SampleMetrics(MetricsTestSample):
        ok: bool

    @dataclasses.dataclass(frozen=True)
    class SuiteMetrics(MetricsTestSuite):
        n: int

    @dataclasses.dataclass(frozen=True)
    class CaseMetrics(MetricsTestCase):
        n: int

    tags = {
        "TEST_SAMPLE/IMAGE": Image("a.png"),
        "ANNOTATION/BOUNDING_BOX": ScoredLabeledBoundingBox((0, 0), (1, 1), "a", 0.1),
        "ANNOTATION/POLYGON": ScoredLabeledPolygon([(0, 0), (1, 0), (1, 1)], "a", 0.1),
        "ASSET/IMAGE": ImageAsset("a.png"),
        "PLOT/CURVE": CurvePlot("t", "x", "y", [Curve([0, 1], [1, 0])]),
        "METRICS/TEST_SAMPLE": SampleMetrics(True),
        "METRICS/TEST_CASE": CaseMetrics(1),
        "METRICS/TEST_SUITE": SuiteMetrics(1),
    }
    for tag, obj in tags.items():
        data = obj._to_dict()
        assert data["data_type"] == tag
        assert list(data)[-1] == "data_type"


def test_untyped_data_objects_carry_no_tag():
    assert "data_type" not in StdGT(1.0, "a")._to_dict()
    assert "data_type" not in Curve([0], [1])._to_dict()


def test_pandas_to_json_writes_data_objects_as_their_serialised_form():
    box = BoundingBox((0, 0), (1, 2), note="x")
    assert box.toDict() == box._to_dict()
    (row,) = json.loads(pd.DataFrame({"box": [box]}).to_json(orient="records"))
    assert row["box"] == box._to_dict()
