"""``TestCase.from_dataframe`` with faulty frames: each is refused with an error naming the column, the row and the
value, before anything is written."""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import DuplicateDatapointIdError, InputValidationError
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.workflow.annotation import BoundingBox, ClassificationLabel


@dataclass(frozen=True)
class Photo(Image):
    width: int = 0
    caption: Optional[str] = None


@dataclass(frozen=True)
class Truth(GroundTruth):
    label: str
    score: float
    night: bool = False
    count: int = 0
    note: Optional[str] = None


@dataclass(frozen=True)
class Boxes(GroundTruth):
    boxes: List[BoundingBox]
    main: Optional[BoundingBox] = None
    tag: Optional[ClassificationLabel] = None


_, ScalarCase, _, _ = define_workflow("Bad Input Frames", Photo, Truth, Inference)
_, BoxCase, _, _ = define_workflow("Bad Input Box Frames", Image, Boxes, Inference)


def _frame(**columns) -> pd.DataFrame:
    df = pd.DataFrame({"locator": ["s3://b/0.png", "s3://b/1.png", "s3://b/2.png"], "label": ["a", "b", "c"],
                       "score": [0.5, 0.25, 1.0]})
    for name, values in columns.items():
        if values is None:
            df = df.drop(columns=[name])
        else:
            df[name] = values
    return df


def _boxes(**columns) -> pd.DataFrame:
    box = {"top_left": [0, 0], "bottom_right": [1, 1]}
    df = pd.DataFrame({"locator": ["a.png", "b.png"], "boxes": [[box], []]})
    for name, values in columns.items():
        df[name] = values
    return df


OBJ = dict(dtype=object)
SCALAR_CASES = {
    "locator NaN": (_frame(locator=["a.png", np.nan, "c.png"]), "column 'locator' must hold strings; row 1 .*nan"),
    "locator None": (_frame(locator=pd.Series(["a.png", None, "c.png"], **OBJ)), "'locator'.*row 1 .*empty"),
    "locator all NaN": (_frame(locator=[np.nan] * 3), "'locator'.*row 0"),
    "locator an int": (_frame(locator=["a.png", 5, "c.png"]), "'locator'.*row 1 holds int 5"),
    "locator all ints": (_frame(locator=[1, 2, 3]), "'locator' must hold strings; row 0"),
    "locator floats": (_frame(locator=[1.5, 2.5, 3.5]), "'locator'.*row 0 holds float"),
    "locator booleans": (_frame(locator=[True, False, True]), "'locator'.*row 0 holds bool"),
    "locator bytes": (_frame(locator=[b"a.png", b"b.png", b"c.png"]), "'locator'.*row 0 holds bytes"),
    "locator lists": (_frame(locator=[["a"], ["b"], ["c"]]), "'locator'.*row 0 holds list"),
    "locator column missing": (_frame(locator=None), "lacks the test sample column.*locator"),
    "locator empty": (_frame(locator=["a.png", "", "c.png"]), "'locator' holds no locator in row 1 \\(''\\): empty"),
    "locator with a NUL": (_frame(locator=["a.png", "b.png", "c\x00.png"]), "row 2 .*control character"),
    "locator too long": (_frame(locator=["a" * 5000, "b.png", "c.png"]), "row 0 .*too long"),
    "locator a malformed URL": (_frame(locator=["a.png", "http://[::1", "c.png"]), "row 1 .*malformed URL"),
    "float ground truth holding strings": (_frame(score=[0.5, "high", 0.1]),
                                           "'score' must hold numbers; row 1.*'high'"),
    "float ground truth holding numeric strings": (_frame(score=["0.5", "0.1", "0.2"]), "'score'.*row 0.*'0.5'"),
    "float ground truth holding None": (_frame(score=pd.Series([0.5, None, 0.1], **OBJ)), "'score'.*row 1.*None"),
    "float ground truth holding dicts": (_frame(score=[{"v": 1}] * 3), "'score'.*row 0 holds dict"),
    "float ground truth holding booleans": (_frame(score=[True, False, True]), "'score' must hold numbers; row 0 "
                                                                               "holds bool True"),
    "float ground truth holding a stray boolean": (_frame(score=[0.5, True, 0.1]), "'score'.*row 1 holds bool True"),
    "int ground truth holding booleans": (_frame(count=[True, False, True]), "'count' must hold integers; row 0"),
    "str ground truth holding numbers": (_frame(label=[1, 2, 3]), "'label' must hold strings; row 0"),
    "str ground truth holding NaN": (_frame(label=["a", np.nan, "c"]), "'label'.*row 1.*empty cell"),
    "str ground truth holding booleans": (_frame(label=[True, False, True]), "'label'.*row 0 holds bool"),
    "bool ground truth holding integers": (_frame(night=[0, 1, 0]), "'night' must hold booleans; row 0"),
    "bool ground truth holding strings": (_frame(night=["yes", "no", "no"]), "'night'.*row 0.*'yes'"),
    "bool ground truth holding floats": (_frame(night=[1.0, 0.0, 1.0]), "'night'.*row 0"),
    "int ground truth holding fractions": (_frame(count=[1, 2.5, 3]), "'count' must hold integers; row 1.*2.5"),
    "int ground truth holding strings": (_frame(count=["1", "2", "3"]), "'count'.*row 0.*'1'"),
    "int ground truth holding NaN": (_frame(count=[1, np.nan, 3]), "'count'.*row 1"),
    "int ground truth holding infinity": (_frame(count=[1.0, np.inf, 3.0]), "'count' must hold integers; row 1.*inf"),
    "Optional str holding numbers": (_frame(note=[None, 3, None]), "'note' must hold strings \\(or empty cells\\)"),
    "int sample field holding strings": (_frame(width=["640", "480", "320"]), "'width'.*row 0.*'640'"),
    "Optional str sample field holding floats": (_frame(caption=[0.5, 0.5, 0.5]), "'caption'.*row 0"),
    "ground truth column missing": (_frame(score=None), "lacks the ground truth column.*score"),
    "prefixed ground truth with wrong values": (
        _frame(label=None).assign(**{"ground_truth.label": [1, 2, 3]}), "'ground_truth.label'.*row 0"),
    "metadata column holding strings": (_frame(metadata=["x", "y", "z"]), "'metadata' must hold dicts; row 0"),
    "metadata column and extra columns": (_frame(metadata=[{}] * 3, weather=["sun"] * 3), "either.*weather"),
    "a column twice": (pd.concat([_frame(), _frame()[["label"]]], axis=1), "unique.*label"),
    "a long bad value is cut": (_frame(label=["a", "b", 10 ** 200]), r"row 2 holds int \d{60,}\.\.\."),
}


@pytest.mark.parametrize("frame, match", SCALAR_CASES.values(), ids=SCALAR_CASES.keys())
def test_scalar_columns(unchanged, frame, match):
    with unchanged(InputValidationError, match=match):
        ScalarCase.from_dataframe("frame", frame)


def test_bad_row_after_the_first_chunk_writes_nothing(unchanged, monkeypatch):
    from kolena_lab.workflow import test_case

    monkeypatch.setattr(test_case, "_CHUNK_ROWS", 2)
    frame = pd.DataFrame({"locator": [f"{i}.png" for i in range(5)], "label": ["a"] * 5,
                          "score": [0.1, 0.2, 0.3, 0.4, "x"]})
    with unchanged(InputValidationError, match="'score'.*row 4 holds str 'x'"):
        ScalarCase.from_dataframe("frame", frame)


def test_duplicate_locators(unchanged):
    with unchanged(DuplicateDatapointIdError, match="more than once"):
        ScalarCase.from_dataframe("frame", _frame(locator=["a.png", "a.png", "c.png"]))


BOX_CASES = {
    "list field holding a string": (_boxes(boxes=["box", "box"]), "row 0: column 'boxes' expected a list.*'box'"),
    "list field holding numbers": (_boxes(boxes=[1, 2]), "row 0: column 'boxes' expected a list, got int 1"),
    "list field holding NaN": (_boxes(boxes=[np.nan, []]), "row 0: column 'boxes' expected a value"),
    "list of strings": (_boxes(boxes=[["x"], []]), "row 0: .*expected a BoundingBox"),
    "box dict lacking a field": (_boxes(boxes=[[{"top_left": [0, 0]}], []]), "row 0: .*bottom_right"),
    "object field holding a number": (_boxes(main=[5, None]), "row 0: column 'main' expected a BoundingBox"),
    "object field holding a string": (_boxes(main=[None, "box"]), "row 1: column 'main' expected a BoundingBox"),
    "object field holding another annotation": (
        _boxes(main=[ClassificationLabel("cat"), None]), "row 0: .*BoundingBox"),
    "label field holding a string": (_boxes(tag=["cat", None]), "row 0: column 'tag' expected a ClassificationLabel"),
}


@pytest.mark.parametrize("frame, match", BOX_CASES.values(), ids=BOX_CASES.keys())
def test_annotation_columns(unchanged, frame, match):
    with unchanged(InputValidationError, match=match):
        BoxCase.from_dataframe("frame", frame)


def test_accepted_frames_still_load(sqlite_store):
    """What Kolena accepts stays accepted: integral floats for ints, ints for floats, empty Optional cells (NaN or
    None) as None, NaN in a float field."""
    frame = _frame(count=[1.0, 2.0, 3.0], score=[1, 2.5, np.nan], note=[None, np.nan, "x"],
                   caption=pd.Series([None, "c", np.nan], dtype=object))
    members = ScalarCase.from_dataframe("ok", frame).load_test_samples()
    assert [g.note for _, g in members] == [None, None, "x"]
    assert [s.caption for s, _ in members] == [None, "c", None]
    assert members[0][1].score == 1.0 and np.isnan(members[2][1].score)
    boxes = BoxCase.from_dataframe("ok boxes", _boxes(main=[np.nan, None])).load_test_samples()
    assert [g.main for _, g in boxes] == [None, None]
