"""DataFrames to and from CSV and Parquet, with data objects, JSON cells and typed scalars."""
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kolena_lab.workflow import Image, ImagePair
from kolena_lab.workflow.annotation import (
    BoundingBox,
    Label,
    LabeledBoundingBox,
    Polygon,
    ScoredLabel,
    ScoredLabeledBoundingBox,
)
from kolena_lab.workflow.asset import ImageAsset
from kolena_lab.workflow.io import (
    dataframe_from_csv,
    dataframe_from_parquet,
    dataframe_to_csv,
    dataframe_to_parquet,
)


def csv_round_trip(df: pd.DataFrame) -> pd.DataFrame:
    buffer = io.StringIO()
    dataframe_to_csv(df, buffer, index=False)
    buffer.seek(0)
    return dataframe_from_csv(buffer)


def read_csv_text(text: str) -> pd.DataFrame:
    return dataframe_from_csv(io.StringIO(text))


OBJECTS = [
    BoundingBox((0, 0), (1, 1)),
    Polygon([(0, 0), (1, 0), (1, 1)]),
    Image("a.png", metadata={"k": 1}),
    ImagePair(Image("a.png"), Image("b.png")),
    Label("cat"),
    ImageAsset("s3://bucket/a.png"),
]


def test_csv_writes_json_for_structured_cells():
    df = pd.DataFrame({"l": [[1, 2]], "d": [{"a": None}], "o": [Label("cat")], "s": ["x"]})
    text = dataframe_to_csv(df, index=False)
    lines = text.splitlines()
    assert lines[0] == "l,d,o,s"
    label = '"{""label"": ""cat"", ""data_type"": ""ANNOTATION/CLASSIFICATION_LABEL""}"'
    assert lines[1] == f'"[1, 2]","{{""a"": null}}",{label},x'
    assert df["l"][0] == [1, 2]  # the caller's frame is left alone


def test_csv_round_trip_of_data_objects():
    df = pd.DataFrame({"obj": OBJECTS})
    back = csv_round_trip(df)
    for got, expected in zip(back["obj"], OBJECTS):
        assert type(got) is type(expected) and got == expected
    assert back["obj"][2].metadata == {"k": 1}


def test_csv_round_trip_of_nested_annotations():
    boxes = [ScoredLabeledBoundingBox((0, 0), (1, 1), "a", 0.5), LabeledBoundingBox((1, 1), (2, 3), "b")]
    df = pd.DataFrame({"boxes": [boxes, []], "extra": [BoundingBox((0, 0), (2, 2), note="x"), None]})
    back = csv_round_trip(df)
    first, second = back["boxes"][0]
    # untyped cells load as the base class of the data_type, declared fields of subclasses as attributes
    assert isinstance(first, BoundingBox) and isinstance(second, BoundingBox)
    assert (first.top_left, first.bottom_right, first.label, first.score) == ((0.0, 0.0), (1.0, 1.0), "a", 0.5)
    assert (second.label, second.area) == ("b", 2.0)
    assert back["boxes"][1] == []
    assert back["extra"][0].note == "x" and back["extra"][1] is None


def test_csv_round_trip_of_lists_dicts_and_scalars():
    df = pd.DataFrame({
        "i": [1, -2, 3],
        "f": [1.5, -0.25, 1e-7],
        "b": [True, False, True],
        "s": ["text", "with, comma", 'with "quotes"'],
        "l": [[1, "a", None, True], [], [[1.5]]],
        "d": [{"a": 1, "b": [1, 2]}, {}, {"nested": {"x": None}}],
        "n": [None, "x", None],
    })
    back = csv_round_trip(df)
    assert back["i"].tolist() == [1, -2, 3] and back["i"].dtype == np.int64
    assert back["f"].tolist() == [1.5, -0.25, 1e-7] and back["f"].dtype == np.float64
    assert back["b"].tolist() == [True, False, True] and back["b"].dtype == bool
    assert back["s"].tolist() == ["text", "with, comma", 'with "quotes"']
    assert back["l"].tolist() == [[1, "a", None, True], [], [[1.5]]]
    assert back["d"].tolist() == [{"a": 1, "b": [1, 2]}, {}, {"nested": {"x": None}}]
    assert back["n"].tolist() == [None, "x", None]


def test_csv_float_columns_written_in_exponent_form_come_back_as_floats():
    values = [1e-5, 2.5e-07, 1e20, -3e100, math.inf, -math.inf, 0.1]
    back = csv_round_trip(pd.DataFrame({"f": values}))
    assert back["f"].dtype == np.float64
    assert back["f"].tolist() == values


def test_csv_parses_cells_by_their_text():
    cells = ["", "NaN", "true", "false", "True", "12", "-7", "007", "1.5", ".5", "-2.", "1e5", "1E10", "2e-3", "1e+5",
             "12ab", "null", '"[1, 2]"', '"{""a"": 1}"', "[not json"]
    parsed = read_csv_text("v,k\n" + "".join(f"{cell},0\n" for cell in cells))["v"].tolist()
    assert parsed == [
        None, None, True, False, True, 12, -7, 7, 1.5, 0.5, -2.0,
        "1e5", "1E10", "2e-3", "1e+5", "12ab", "null", [1, 2], {"a": 1}, "[not json",
    ]
    assert [type(c) for c in parsed[5:11]] == [int, int, int, float, float, float]


def test_csv_scientific_looking_identifiers_stay_text_in_a_column():
    df = pd.DataFrame({"id": ["1e5", "1E10", "2e3"], "n": [1, 2, 3]})
    back = csv_round_trip(df)
    assert back["id"].tolist() == ["1e5", "1E10", "2e3"]


def test_csv_empty_and_nan_text_become_none():
    back = read_csv_text('a,b\n,NaN\n"",x\n')
    assert back["a"].tolist() == [None, None]
    assert back["b"].tolist() == [None, "x"]


def test_csv_to_a_path(tmp_path: Path):
    path = tmp_path / "out.csv"
    df = pd.DataFrame({"box": [BoundingBox((0, 0), (3, 4))], "score": [0.5]})
    assert dataframe_to_csv(df, path, index=False) is None
    back = dataframe_from_csv(path)
    assert back["box"][0] == BoundingBox((0, 0), (3, 4)) and back["score"][0] == 0.5


# --- parquet ----------------------------------------------------------------------------------------------------------


def test_parquet_round_trip(tmp_path: Path):
    path = tmp_path / "out.parquet"
    df = pd.DataFrame({
        "i": [1, 2, 3],
        "f": [1.5, math.nan, 1e-5],
        "b": [True, False, True],
        "s": ["a", "1e5", "b"],
        "l": [[1, 2], None, []],
        "d": [{"a": [1, None]}, {}, None],
        "obj": [BoundingBox((0, 0), (1, 1), foo="x"), [ScoredLabel("a", 0.5)], Image("x.png", metadata={"k": [1]})],
    })
    dataframe_to_parquet(df, path)
    back = dataframe_from_parquet(path)
    assert list(back.columns) == list(df.columns)
    assert back["i"].tolist() == [1, 2, 3]
    assert back["f"][0] == 1.5 and math.isnan(back["f"][1]) and back["f"][2] == 1e-5
    assert back["b"].tolist() == [True, False, True]
    assert back["s"].tolist() == ["a", "1e5", "b"]
    assert back["l"].tolist() == [[1, 2], None, []]
    assert back["d"].tolist() == [{"a": [1, None]}, {}, None]
    box, labels, image = back["obj"]
    assert box == BoundingBox((0, 0), (1, 1)) and box.foo == "x"
    assert labels[0].label == "a" and labels[0].score == 0.5
    assert image == Image("x.png", metadata={"k": [1]})


def test_parquet_json_column_with_plain_values(tmp_path: Path):
    path = tmp_path / "mixed.parquet"
    df = pd.DataFrame({"mixed": [1, "plain", "1", [1], Label("dog"), None]})
    dataframe_to_parquet(df, path)
    assert dataframe_from_parquet(path)["mixed"].tolist() == [1, "plain", "1", [1], Label("dog"), None]


def test_parquet_keeps_a_named_index(tmp_path: Path):
    path = tmp_path / "indexed.parquet"
    df = pd.DataFrame({"id": [10, 20], "box": [BoundingBox((0, 0), (1, 1)), BoundingBox((1, 1), (2, 2))]})
    dataframe_to_parquet(df.set_index("id"), path)
    back = dataframe_from_parquet(path)
    assert back.index.name == "id" and back.index.tolist() == [10, 20]
    assert back["box"].tolist() == [BoundingBox((0, 0), (1, 1)), BoundingBox((1, 1), (2, 2))]


def test_parquet_without_object_columns(tmp_path: Path):
    path = tmp_path / "plain.parquet"
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    dataframe_to_parquet(df, path)
    pd.testing.assert_frame_equal(dataframe_from_parquet(path), pd.read_parquet(path))
    assert dataframe_from_parquet(path)["a"].tolist() == [1, 2]


@pytest.mark.parametrize("writer", ["csv", "parquet"])
def test_io_does_not_modify_the_input_frame(tmp_path: Path, writer: str):
    df = pd.DataFrame({"obj": [Label("a")], "l": [[1]]})
    if writer == "csv":
        dataframe_to_csv(df, tmp_path / "x.csv")
    else:
        dataframe_to_parquet(df, tmp_path / "x.parquet")
    assert df["obj"][0] == Label("a") and df["l"][0] == [1]
