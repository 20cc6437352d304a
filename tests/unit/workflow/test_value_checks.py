"""Field values checked against declared field types on construction: what is accepted (as Kolena accepts it) and
what is refused, with messages naming the class, the field and the value."""
import dataclasses
import math
from enum import Enum
from typing import Any, Dict, List, Literal, Optional, Tuple, Union

import numpy as np
import pydantic.dataclasses
import pytest

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.workflow import GroundTruth, Image, Inference, MetricsTestCase, MetricsTestSample
from kolena_lab.workflow._datatypes import check_values
from kolena_lab.workflow._values import rule_for
from kolena_lab.workflow.annotation import BoundingBox, LabeledBoundingBox, ScoredLabel, TimeSegment
from kolena_lab.workflow.asset import ImageAsset


class Color(Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Everything(GroundTruth):
    text: str = ""
    count: int = 0
    ratio: float = 0.0
    flag: bool = False
    maybe: Optional[float] = None
    either: Union[int, str] = 0
    values: List[float] = dataclasses.field(default_factory=list)
    box: Optional[BoundingBox] = None
    boxes: List[BoundingBox] = dataclasses.field(default_factory=list)
    asset: Optional[ImageAsset] = None
    color: Optional[Color] = None
    mode: Literal["a", "b"] = "a"
    pair: Tuple[int, str] = (0, "")
    table: Dict[str, int] = dataclasses.field(default_factory=dict)
    anything: Any = None


@pytest.mark.parametrize("field, value", [
    ("text", np.str_("x")),
    ("count", np.int64(3)), ("count", 3.0), ("count", np.float32(2)), ("count", True),
    ("ratio", 1), ("ratio", np.int32(2)), ("ratio", np.float32(0.5)), ("ratio", math.nan), ("ratio", -math.inf),
    ("ratio", True), ("ratio", 2 ** 80),
    ("flag", np.bool_(True)),
    ("maybe", None), ("maybe", 1.5),
    ("either", 1), ("either", "one"),
    ("values", (1, 2.5)), ("values", np.array([1.0, math.nan])), ("values", np.arange(3)), ("values", []),
    ("box", LabeledBoundingBox((0, 0), (1, 1), "a")),  # a subclass of the declared type
    ("boxes", (BoundingBox((0, 0), (1, 1)),)),
    ("color", Color.RED), ("color", "red"),
    ("mode", "b"),
    ("pair", [1, "x"]),
    ("table", {"a": np.int64(1)}),
    ("anything", object()),
])
def test_what_kolena_accepts_is_accepted_and_kept_as_given(field, value):
    obj = Everything(**{field: value})
    assert getattr(obj, field) is value


@pytest.mark.parametrize("field, value, message", [
    ("text", 1, "Everything.text must be a str, got int 1"),
    ("count", 2.5, "Everything.count must be an int, got float 2.5"),
    ("count", "3", "Everything.count must be an int, got str '3'"),
    ("count", math.nan, "Everything.count must be an int"),
    ("ratio", "0.5", "Everything.ratio must be a number, got str '0.5'"),
    ("ratio", None, "Everything.ratio must be a number, got NoneType None"),
    ("flag", 1, "Everything.flag must be a bool, got int 1"),
    ("flag", "false", "Everything.flag must be a bool, got str 'false'"),
    ("maybe", "x", "Everything.maybe must be a number or None"),
    ("either", 1.5, "Everything.either must be an int or a str"),
    ("values", "abc", "Everything.values must be a list whose items are each a number"),
    ("values", [1, "2"], "Everything.values[1] must be a number, got str '2'"),
    ("values", np.array(["a"]), "Everything.values[0] must be a number"),
    ("box", (0, 0, 1, 1), "Everything.box must be a BoundingBox or None, got tuple"),
    ("boxes", [BoundingBox((0, 0), (1, 1)), {"top_left": (0, 0)}], "Everything.boxes[1] must be a BoundingBox"),
    ("asset", "a.png", "Everything.asset must be an ImageAsset or None"),
    ("color", "blue", "Everything.color must be a Color or one of its values or None"),
    ("mode", "c", "Everything.mode must be one of 'a', 'b', got str 'c'"),
    ("pair", [1], "Everything.pair must be a sequence of 2 values"),
    ("pair", [1, 2], "Everything.pair[1] must be a str, got int 2"),
    ("table", {"a": "1"}, "Everything.table['a'] must be an int"),
    ("table", {1: 1}, "Everything.table keys must each be a str, got int 1"),
])
def test_wrong_values_are_refused_naming_class_field_and_value(field, value, message):
    with pytest.raises(InputValidationError) as info:
        Everything(**{field: value})
    assert str(info.value).startswith(message), str(info.value)


def test_extras_are_not_checked_but_metadata_must_be_a_dict_keyed_by_strings():
    assert Everything(unknown=object()).unknown is not None  # type: ignore[attr-defined]
    assert Image("a.png", metadata={"nested": {"k": [1, None]}}).metadata == {"nested": {"k": [1, None]}}
    with pytest.raises(InputValidationError, match="Image.metadata keys must each be a str, got int 3"):
        Image("a.png", metadata={3: "x"})


def test_a_field_defaulting_to_none_takes_none_as_pydantic_makes_it_optional():
    @dataclasses.dataclass(frozen=True)
    class Loose(Inference):
        label: str = None  # type: ignore[assignment]

    assert Loose().label is None and Loose("a").label == "a"
    with pytest.raises(InputValidationError, match="Loose.label must be a str or None"):
        Loose(1)  # type: ignore[arg-type]


def test_pydantic_dataclasses_coerce_first_then_the_coerced_values_pass():
    @pydantic.dataclasses.dataclass(frozen=True)
    class Coerced(GroundTruth):
        value: float
        name: str

    gt = Coerced(value="3.5", name=123)  # type: ignore[arg-type]
    assert (gt.value, gt.name) == (3.5, "123")


def test_annotations_hold_finite_numbers_but_metrics_may_be_nan():
    @dataclasses.dataclass(frozen=True)
    class Metrics(MetricsTestSample):
        iou: float

    @dataclasses.dataclass(frozen=True)
    class CaseMetrics(MetricsTestCase):
        ap: float

    assert math.isnan(Metrics(iou=math.nan).iou) and CaseMetrics(ap=math.inf).ap == math.inf
    for build in (lambda: ScoredLabel("a", math.nan), lambda: TimeSegment(0, math.inf),
                  lambda: BoundingBox((0, math.nan), (1, 1))):
        with pytest.raises(InputValidationError, match="finite"):
            build()


def test_check_values_finds_a_value_changed_in_place():
    obj = Everything(text="a")
    check_values(obj)
    object.__setattr__(obj, "text", 5)
    with pytest.raises(InputValidationError, match="Everything.text must be a str, got int 5"):
        check_values(obj)


def test_a_user_annotation_subclass_of_the_declared_type_is_accepted():
    @dataclasses.dataclass(frozen=True)
    class WeightedBox(BoundingBox):
        weight: float = 1.0

    assert Everything(box=WeightedBox((0, 0), (1, 1), weight=2)).box.weight == 2  # type: ignore[union-attr]
    with pytest.raises(InputValidationError, match="WeightedBox.weight must be a finite number"):
        WeightedBox((0, 0), (1, 1), weight=math.nan)


def test_rules_of_unchecked_types_are_none():
    assert rule_for(Any) is None and rule_for("ForwardRef") is None and rule_for(Optional[Any]) is None
    assert rule_for(int).ok(3) and not rule_for(int).ok("3")


def test_shown_cuts_long_values_and_survives_a_broken_repr():
    assert shown("x" * 10) == repr("x" * 10)
    cut = shown("y" * 500)
    assert cut.startswith("'yyy") and cut.endswith("...y' (500 characters)") and len(cut) < 100

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert shown(Broken()) == "<Broken>"
