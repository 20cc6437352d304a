"""Metadata keeps each scalar's type (str, int, float, bool, None, lists of them) on stdlib and pydantic (v1)
dataclasses and on the base type itself: on the object, through JSON, a stored test case, and ``from_dataframe``."""
import dataclasses
import json
from typing import Any, List

import numpy as np
import pandas as pd
import pydantic.dataclasses
import pytest

from kolena_lab.workflow import GroundTruth, Image, Inference, Metadata, define_workflow
from kolena_lab.workflow._codec import sample_key
from kolena_lab.workflow.asset import ImageAsset, PointCloudAsset


@dataclasses.dataclass(frozen=True)
class StdlibSample(Image):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@pydantic.dataclasses.dataclass(frozen=True)
class PydanticSample(Image):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class GT(GroundTruth):
    label: str


@dataclasses.dataclass(frozen=True)
class Inf(Inference):
    score: float


SAMPLE_TYPES = {
    "stdlib": StdlibSample,
    "pydantic": PydanticSample,
    "base": Image,  # no metadata field: `metadata=` is kept all the same
}
TEST_CASES = {kind: define_workflow(f"Metadata types {kind}", cls, GT, Inf)[1] for kind, cls in SAMPLE_TYPES.items()}

METADATA = {
    "text": "640",
    "int": 640,
    "float": 0.5,
    "whole_float": 2.0,
    "bool": True,
    "false": False,
    "none": None,
    "texts": ["a", "1", "true"],
    "ints": [1, 2, 3],
    "floats": [0.25, 1.5],
    "bools": [True, False],
    "mixed": [1, 2.5, "x", True, None],
}


def typed(value: Any) -> Any:
    """A value with the type of every scalar spelled out, so that ``1 == 1.0 == True`` cannot pass for equal."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value).__name__, value


@pytest.fixture(params=list(SAMPLE_TYPES))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def test_metadata_scalars_keep_their_types_on_the_object_and_through_json(kind):
    cls = SAMPLE_TYPES[kind]
    sample = cls("a.png", metadata=METADATA)
    assert typed(sample.metadata) == typed(METADATA)
    back = cls._from_dict(json.loads(json.dumps(sample._to_dict())))
    assert typed(back.metadata) == typed(METADATA) and back == sample
    assert sample_key(sample) == sample_key(cls("a.png", metadata={"other": 1}))  # metadata is no identity


def test_numpy_metadata_scalars_become_python_scalars_under_pydantic():
    sample = PydanticSample("a.png", metadata={"i": np.int64(3), "f": np.float32(0.5), "b": np.bool_(True),
                                               "l": [np.int32(1), np.float64(2.5)]})
    assert typed(sample.metadata) == typed({"i": 3, "f": 0.5, "b": True, "l": [1, 2.5]})


def test_pydantic_still_rejects_what_is_no_metadata():
    with pytest.raises(pydantic.ValidationError):
        PydanticSample("a.png", metadata={"nested": {"a": 1}})


def test_metadata_scalars_keep_their_types_in_a_stored_test_case(sqlite_store, kind):
    cls, TestCase = SAMPLE_TYPES[kind], TEST_CASES[kind]
    TestCase("objects", test_samples=[(cls("a.png", metadata=METADATA), GT("cat"))])
    (loaded, gt), = TestCase.load("objects").load_test_samples()
    assert type(loaded) is cls and typed(loaded.metadata) == typed(METADATA) and gt == GT("cat")
    frame = TestCase.load("objects").to_dataframe()
    assert [frame[key].dtype.kind for key in ("int", "float", "bool")] == ["i", "f", "b"]
    assert typed([frame["text"][0], frame["none"][0], frame["mixed"][0]]) == typed(["640", None, METADATA["mixed"]])


def test_metadata_scalars_keep_their_types_through_from_dataframe(sqlite_store, kind):
    cls, TestCase = SAMPLE_TYPES[kind], TEST_CASES[kind]
    frame = pd.DataFrame({
        "locator": ["a.png", "b.png"],
        "ground_truth.label": ["cat", "dog"],
        "text": ["640", "x"],
        "int": [640, 480],
        "float": [0.5, 1.0],
        "bool": [True, False],
        "texts": [["a", "1"], []],
        "ints": [[1, 2], [3]],
        "floats": [[0.25], [1.5, 2.5]],
        "bools": [[True], [False, True]],
        "mixed": [[1, 2.5, "x", True, None], [None]],
    })
    TestCase.from_dataframe("columns", frame)
    (a, _), (b, _) = TestCase.load("columns").load_test_samples()
    assert type(a) is cls
    assert typed(a.metadata) == typed({"text": "640", "int": 640, "float": 0.5, "bool": True, "texts": ["a", "1"],
                                       "ints": [1, 2], "floats": [0.25], "bools": [True],
                                       "mixed": [1, 2.5, "x", True, None]})
    assert typed(b.metadata) == typed({"text": "x", "int": 480, "float": 1.0, "bool": False, "texts": [], "ints": [3],
                                       "floats": [1.5, 2.5], "bools": [False, True], "mixed": [None]})


def test_a_metadata_column_of_dicts_keeps_types_and_none(sqlite_store, kind):
    cls, TestCase = SAMPLE_TYPES[kind], TEST_CASES[kind]
    frame = pd.DataFrame({"locator": ["a.png"], "ground_truth.label": ["cat"], "metadata": [METADATA]})
    TestCase.from_dataframe("dicts", frame)
    (loaded, _), = TestCase.load("dicts").load_test_samples()
    assert type(loaded) is cls and typed(loaded.metadata) == typed(METADATA)


def test_a_round_trip_through_to_dataframe_keeps_types(sqlite_store, kind):
    cls, TestCase = SAMPLE_TYPES[kind], TEST_CASES[kind]
    metadata = {k: v for k, v in METADATA.items() if v is not None}  # an empty cell means "no value"
    source = TestCase("source", test_samples=[(cls("a.png", metadata=metadata), GT("cat"))])
    TestCase.from_dataframe("copy", source.to_dataframe())
    (loaded, _), = TestCase.load("copy").load_test_samples()
    assert typed(loaded.metadata) == typed(metadata)


@pydantic.dataclasses.dataclass(frozen=True)
class PairsSample(Image):
    pairs: List[ImageAsset]
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class LidarSample(Image):
    velodyne: PointCloudAsset


_, PairsTestCase, _, _ = define_workflow("Metadata types pairs", PairsSample, GT, Inf)
_, LidarTestCase, _, _ = define_workflow("Metadata types lidar", LidarSample, GT, Inf)


def test_a_subclass_with_required_fields_through_objects_and_from_dataframe(sqlite_store):
    sample = PairsSample("a.png", [ImageAsset("b.png")], metadata={"width": 640, "night": True})
    PairsTestCase("objects", test_samples=[(sample, GT("same"))])
    frame = PairsTestCase.load("objects").to_dataframe()
    PairsTestCase.from_dataframe("copy", frame.assign(width=[480]))
    (loaded, gt), = PairsTestCase.load("copy").load_test_samples()
    assert loaded == PairsSample("a.png", [ImageAsset("b.png")], metadata={"width": 480, "night": True})
    assert typed(loaded.metadata) == typed({"width": 480, "night": True}) and gt == GT("same")
    (first, _), = PairsTestCase.load("objects").load_test_samples()  # metadata is merged: the last write wins
    assert typed(first.metadata) == typed({"width": 480, "night": True})


def test_a_subclass_without_a_metadata_field_keeps_stored_metadata(sqlite_store):
    LidarTestCase("objects", test_samples=[(LidarSample("a.png", PointCloudAsset("a.pcd"), metadata={"n": 3}),
                                            GT("car"))])
    LidarTestCase.from_dataframe("columns", pd.DataFrame({
        "locator": ["b.png"], "velodyne": [PointCloudAsset("b.pcd")], "ground_truth.label": ["car"], "night": [True],
    }))
    (a, _), = LidarTestCase.load("objects").load_test_samples()
    (b, _), = LidarTestCase.load("columns").load_test_samples()
    assert type(a) is LidarSample and typed(a.metadata) == typed({"n": 3})
    assert b.velodyne == PointCloudAsset("b.pcd") and typed(b.metadata) == typed({"night": True})
