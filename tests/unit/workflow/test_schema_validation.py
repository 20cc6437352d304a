"""Schema validation: field types in define_workflow, Metrics* classes at definition, workflow names."""
import dataclasses
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pytest

from kolena_lab.workflow import (
    Audio,
    BaseVideo,
    Composite,
    Document,
    GroundTruth,
    Image,
    ImageAsset,
    ImagePair,
    Inference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    PointCloud,
    TestSample,
    Text,
    Video,
    define_workflow,
)
from kolena_lab.workflow.annotation import (
    BoundingBox,
    Polygon,
    ScoredLabel,
    ScoredLabeledBoundingBox,
)
from kolena_lab.workflow.asset import VideoAsset


@dataclasses.dataclass(frozen=True)
class GT(GroundTruth):
    label: str = ""


@dataclasses.dataclass(frozen=True)
class Inf(Inference):
    score: float = 0.0


def with_field(base: type, tp: Any, name: str = "x") -> type:
    """A frozen dataclass deriving from ``base`` with one extra field ``name: tp`` (defaulted)."""
    return dataclasses.dataclass(frozen=True)(type("Generated", (base,), {"__annotations__": {name: tp}, name: None}))


def message(name: str, tp: str) -> str:
    return "^" + re.escape(f"Unsupported field type: field '{name}', type '{tp}'") + "$"


SUPPORTED = [
    str, bool, int, float, BoundingBox, ImageAsset, VideoAsset, List[ScoredLabeledBoundingBox], Optional[BoundingBox],
    Union[Polygon, BoundingBox], List[Union[Polygon, BoundingBox]], Optional[List[ScoredLabel]], Optional[float],
    List[str], int | None, list[BoundingBox | Polygon], Union[int, List[int]],
]

UNSUPPORTED = [
    (Dict[str, int], "typing.Dict[str, int]"),
    (dict, "dict"),
    (Sequence[int], "typing.Sequence[int]"),
    (Tuple[int, int], "typing.Tuple[int, int]"),
    (tuple, "tuple"),
    (Any, "typing.Any"),
    (List[List[int]], "typing.List[typing.List[int]]"),
    (list[list[float]], "list[list[float]]"),
    (List[Dict[str, int]], "typing.List[typing.Dict[str, int]]"),
    (List[Any], "typing.List[typing.Any]"),
    (List, "typing.List"),
    (list, "list"),
    (Optional[Dict[str, int]], "typing.Optional[typing.Dict[str, int]]"),
    (Union[int, Dict[str, int]], "typing.Union[int, typing.Dict[str, int]]"),
    (Optional[List[List[float]]], "typing.Optional[typing.List[typing.List[float]]]"),
    (List[Union[int, List[int]]], "typing.List[typing.Union[int, typing.List[int]]]"),
    (set, "set"),
    (bytes, "bytes"),
]


def workflow_with(role: str, tp: Any, name: str = "x"):
    sample, gt, inf = Image, GT, Inf
    if role == "test sample":
        sample = with_field(Image, tp, name)
    elif role == "ground truth":
        gt = with_field(GroundTruth, tp, name)
    else:
        inf = with_field(Inference, tp, name)
    return define_workflow("schema test", sample, gt, inf)


ROLES = ["test sample", "ground truth", "inference"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tp", SUPPORTED, ids=str)
def test_supported_field_types(role, tp):
    workflow, test_case, test_suite, model = workflow_with(role, tp)
    assert workflow.name == "schema test"
    assert test_case.workflow is workflow and test_suite.workflow is workflow and model.workflow is workflow


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tp, shown", UNSUPPORTED, ids=[s for _, s in UNSUPPORTED])
def test_unsupported_field_types_name_the_field_and_its_type(role, tp, shown):
    with pytest.raises(ValueError, match=message("x", shown)):
        workflow_with(role, tp)


@pytest.mark.parametrize("role", ROLES)
def test_data_type_field_name_is_reserved(role):
    with pytest.raises(ValueError, match="data_type"):
        workflow_with(role, str, name="data_type")


def test_define_workflow_does_not_touch_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KOLENA_LAB_URL", raising=False)
    define_workflow("no store", Image, GT, Inf)
    assert list(tmp_path.iterdir()) == []


# --- test sample types ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [Image, Text, Document, BaseVideo, Video, PointCloud, Audio, ImagePair])
def test_built_in_sample_types_and_their_subclasses_are_accepted(base):
    define_workflow("w", base, GT, Inf)
    define_workflow("w", with_field(base, Optional[BoundingBox], "roi"), GT, Inf)


@pytest.mark.parametrize("sample_type", [
    with_field(TestSample, int), TestSample, Composite, GT, Inf, BoundingBox, int, "Image",
], ids=["TestSample subclass", "TestSample", "Composite", "GroundTruth", "Inference", "BoundingBox", "int", "str"])
def test_sample_type_must_derive_from_a_base_type(sample_type):
    with pytest.raises(ValueError, match="base type"):
        define_workflow("w", sample_type, GT, Inf)


def test_ground_truth_and_inference_must_derive_from_their_bases():
    with pytest.raises(ValueError, match="GroundTruth"):
        define_workflow("w", Image, Inf, Inf)
    with pytest.raises(ValueError, match="Inference"):
        define_workflow("w", Image, GT, GT)


def test_non_composite_sample_cannot_hold_test_samples():
    with pytest.raises(ValueError, match=message("other", "Text")):
        define_workflow("w", with_field(Image, Text, "other"), GT, Inf)


@dataclasses.dataclass(frozen=True)
class Pair(Composite):
    a: Image
    b: Text


@dataclasses.dataclass(frozen=True)
class PerMember(GroundTruth):
    boxes: List[BoundingBox]


@dataclasses.dataclass(frozen=True)
class PairGT(GroundTruth):
    a: PerMember
    b: PerMember
    shared: Optional[str] = None


def test_composite_one_level_deep_with_per_member_ground_truth():
    workflow = define_workflow("w", Pair, PairGT, Inf)[0]
    assert workflow.test_sample_type is Pair


def test_composite_nested_in_a_composite_is_rejected():
    @dataclasses.dataclass(frozen=True)
    class Deep(Composite):
        pair: Pair

    with pytest.raises(ValueError, match="^Unsupported field type: field 'pair'"):
        define_workflow("w", Deep, GT, Inf)


def test_composite_member_fields_are_validated():
    member = with_field(Image, Dict[str, int], "bad")

    @dataclasses.dataclass(frozen=True)
    class WithBadMember(Composite):
        a: member  # type: ignore[valid-type]

    with pytest.raises(ValueError, match=message("bad", "typing.Dict[str, int]")):
        define_workflow("w", WithBadMember, GT, Inf)


def test_per_member_ground_truth_is_validated_recursively():
    @dataclasses.dataclass(frozen=True)
    class BadPairGT(GroundTruth):
        a: with_field(GroundTruth, Tuple[int, int], "t")  # type: ignore[valid-type]

    with pytest.raises(ValueError, match=message("t", "typing.Tuple[int, int]")):
        define_workflow("w", Pair, BadPairGT, Inf)


def test_plain_data_object_fields_need_a_composite_sample():
    with pytest.raises(ValueError, match=message("a", "PerMember")):
        define_workflow("w", Image, PairGT, Inf)


@pytest.mark.parametrize("tp", [Metadata, Dict[str, Any], Dict[str, int], Dict[str, Optional[str]],
                                Dict[str, List[float]], Dict[str, Union[str, int, None]]], ids=str)
def test_metadata_field_accepts_str_keyed_scalar_dicts(tp):
    define_workflow("w", with_field(Image, tp, "metadata"), GT, Inf)


@pytest.mark.parametrize("tp, shown", [
    (Dict[int, str], "typing.Dict[int, str]"),
    (dict, "dict"),
    (List[str], "typing.List[str]"),
    (str, "str"),
    (Dict[str, Dict[str, int]], "typing.Dict[str, typing.Dict[str, int]]"),
    (Dict[str, List[List[int]]], "typing.Dict[str, typing.List[typing.List[int]]]"),
    (Dict[str, BoundingBox], "typing.Dict[str, kolena_lab.workflow.annotation.BoundingBox]"),
], ids=str)
def test_metadata_field_must_be_a_str_keyed_scalar_dict(tp, shown):
    with pytest.raises(ValueError, match=message("metadata", shown)):
        define_workflow("w", with_field(Image, tp, "metadata"), GT, Inf)


# --- Metrics* classes, checked at definition ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PerClass(MetricsTestCase):
    label: str
    ap: float


def define(base: type, **fields: Any) -> type:
    return dataclasses.dataclass(frozen=True)(type("Metrics", (base,), {"__annotations__": fields}))


def test_metrics_test_sample_allows_test_sample_field_types():
    define(MetricsTestSample, ok=bool, iou=Optional[float], matched=List[ScoredLabeledBoundingBox],
           shape=Union[Polygon, BoundingBox], heatmap=Optional[ImageAsset])


@pytest.mark.parametrize("tp, shown", [
    (Dict[str, float], "typing.Dict[str, float]"), (List[List[float]], "typing.List[typing.List[float]]"),
    (Any, "typing.Any"), (Tuple[float, float], "typing.Tuple[float, float]"),
], ids=str)
def test_metrics_test_sample_rejects_unsupported_types_when_defined(tp, shown):
    with pytest.raises(ValueError, match=message("x", shown)):
        define(MetricsTestSample, x=tp)


def test_metrics_test_case_allows_scalars_and_one_level_of_nested_rows():
    cls = define(MetricsTestCase, n=int, precision=float, name=str, ok=bool, maybe=Optional[float],
                 per_class=List[PerClass])
    assert cls(1, 0.5, "a", True, None, [PerClass("a", 0.5)]).per_class[0].ap == 0.5


def test_metrics_test_case_rejects_deeper_nesting():
    nested = define(MetricsTestCase, label=str, per_class=List[PerClass])
    with pytest.raises(ValueError, match=r"^Unsupported field type: field 'rows\.per_class'"):
        define(MetricsTestCase, rows=List[nested])


@pytest.mark.parametrize("tp, shown", [
    (Dict[str, float], "typing.Dict[str, float]"),
    (List[float], "typing.List[float]"),
    (BoundingBox, "BoundingBox"),
    (List[MetricsTestSample], "typing.List[kolena_lab.workflow.evaluator.MetricsTestSample]"),
    (Any, "typing.Any"),
], ids=str)
def test_metrics_test_case_rejects_non_scalars_when_defined(tp, shown):
    with pytest.raises(ValueError, match=message("x", shown)):
        define(MetricsTestCase, x=tp)


def test_metrics_test_suite_allows_scalars_only():
    define(MetricsTestSuite, n=int, mean=float, name=str, ok=bool, maybe=Optional[int])
    for tp in (List[PerClass], List[float], Dict[str, float], BoundingBox):
        with pytest.raises(ValueError, match="^Unsupported field type: field 'x'"):
            define(MetricsTestSuite, x=tp)


@pytest.mark.parametrize("base", [MetricsTestSample, MetricsTestCase, MetricsTestSuite])
def test_metrics_data_type_field_is_reserved(base):
    with pytest.raises(ValueError, match="data_type"):
        define(base, data_type=str)


# --- workflow names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, stored", [
    ("  my workflow  ", "my workflow"), ("\tdetect\n", "detect"),
    ("日本語ワークフロー", "日本語ワークフロー"),
    ("fraud", "fraud"), ("Détection d'objets", "Détection d'objets"), ("fr-2", "fr-2"),
])
def test_workflow_names_are_stripped(name, stored):
    assert define_workflow(name, Image, GT, Inf)[0].name == stored


@pytest.mark.parametrize("name", ["", "   ", "\n\t"])
def test_empty_workflow_names_are_rejected(name):
    with pytest.raises(ValueError, match="empty"):
        define_workflow(name, Image, GT, Inf)


@pytest.mark.parametrize("name", ["fr", "FR", "Fr", "classification", "Classification", " detection ", "DETECTION",
                                  "keypoints", "KeyPoints"])
def test_reserved_workflow_names_are_rejected_in_any_case(name):
    with pytest.raises(ValueError, match="reserved"):
        define_workflow(name, Image, GT, Inf)


@pytest.mark.parametrize("name", [None, 5, b"bytes"])
def test_non_string_workflow_names_are_rejected(name):
    with pytest.raises(ValueError, match="string"):
        define_workflow(name, Image, GT, Inf)  # type: ignore[arg-type]
