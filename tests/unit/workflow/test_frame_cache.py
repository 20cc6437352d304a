"""Snapshots of test case frames: written only when Arrow gives back an identical frame, then read back identical."""
import json
import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pandas as pd
import pytest

from kolena_lab.workflow import GroundTruth, Image
from kolena_lab.workflow import _dataframe, _frame_cache
from kolena_lab.workflow.annotation import BoundingBox


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str
    weight: Optional[float] = None


@dataclass(frozen=True)
class Boxes(GroundTruth):
    boxes: List[BoundingBox]


def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames, dtypes, index and column types, and the same Python type in every object cell."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_index_type=True, check_column_type=True)
    assert list(a.dtypes) == list(b.dtypes) and type(a.index) is type(b.index)
    for name in a.columns[a.dtypes == object]:
        assert list(map(type, a[name])) == list(map(type, b[name])), name


def decoded(metadata: list, gts: Optional[list] = None, gt_type=Label) -> pd.DataFrame:
    gts = gts if gts is not None else [{"label": "cat", "weight": 0.5}] + [None] * (len(metadata) - 1)
    rows = [(i, json.dumps({"locator": f"/data/{i}.png"}), json.dumps(m), None if g is None else json.dumps(g))
            for i, (m, g) in enumerate(zip(metadata, gts))]
    return _dataframe.decode_members(rows, Image, gt_type)


def round_trip(frame: pd.DataFrame, tmp_path) -> Optional[pd.DataFrame]:
    """The frame read back from its snapshot file, or None when no snapshot is written."""
    path = tmp_path / "frames" / "snapshot.arrow"
    _frame_cache._write(path, frame)
    return _frame_cache._read(path) if path.exists() else None


CACHED = {
    "scalars": [{"width": 640, "ratio": 0.1 + 0.2, "night": True, "place": "Zürich ✓ 😀"},
                {"width": 480, "ratio": 1e-300, "night": False, "place": "line\nbreak \"quoted\" \x00"}],
    "missing keys and nulls": [{"a": 1, "b": "x", "c": True}, {"b": None}, {"c": False, "d": 2.5}],
    "integers with a missing value stay integers": [{"n": 1}, {}, {"n": 2 ** 62}],
    "all missing": [{"a": None}, {"a": None}],
    "ints and floats in one key": [{"x": 1}, {"x": 2.5}],
    "empty metadata": [{}, {}],
}
NOT_CACHED = {
    "mixed types in one key": [{"a": 1}, {"a": "one"}],
    "nested dicts": [{"extra": {"k": 1}}, {"extra": {"k": 2.5}}],
    "lists": [{"tags": ["a", "b"]}, {"tags": []}],
    "integers beyond int64": [{"id": 2 ** 70}, {"id": 1}],
}


@pytest.mark.parametrize("name", list(CACHED))
def test_scalar_frames_come_back_identical(name, tmp_path):
    frame = decoded(CACHED[name])
    back = round_trip(frame, tmp_path)
    assert back is not None
    assert_identical(back, frame)


@pytest.mark.parametrize("name", list(NOT_CACHED))
def test_frames_arrow_would_change_are_not_written(name, tmp_path):
    assert round_trip(decoded(NOT_CACHED[name]), tmp_path) is None
    assert not (tmp_path / "frames" / "snapshot.arrow").exists()


def test_data_objects_are_not_written(tmp_path):
    box = {"top_left": [0, 0], "bottom_right": [1, 1], "data_type": "ANNOTATION/BOUNDING_BOX"}
    frame = decoded([{}, {}], gts=[{"boxes": [box]}, {"boxes": []}], gt_type=Boxes)
    assert isinstance(frame["ground_truth.boxes"][0][0], BoundingBox)
    assert round_trip(frame, tmp_path) is None


@pytest.mark.parametrize("values, cached", [
    (pd.Series([1, None, 3], dtype=object), True),
    (pd.Series([True, None], dtype=object), True),
    (pd.Series(["a", None], dtype=object), True),
    (pd.Series([None, None], dtype=object), True),
    (pd.Series([1.5, None], dtype=object), True),
    (pd.Series(["a", np.nan], dtype=object), False),  # NaN would come back as None
    (pd.Series([1.0, np.nan], dtype=object), False),
    (pd.Series([np.int64(1), 2], dtype=object), False),  # numpy scalars would come back as int
    (pd.Series([1, True], dtype=object), False),
    (pd.Series([1, 2], dtype="Int64"), True),
    (pd.Series([1.0, np.nan]), True),
    (pd.Series([-0.0, np.inf]), True),
])
def test_object_cells_keep_their_python_types(values, cached, tmp_path):
    frame = pd.DataFrame({"locator": ["a", "b", "c"][:len(values)], "value": values})
    back = round_trip(frame, tmp_path)
    assert (back is not None) == cached
    if cached:
        assert_identical(back, frame)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": [1, 2]}, index=[1, 2]),
    pd.DataFrame({0: [1, 2]}),
    pd.DataFrame([[1, 2]], columns=["a", "a"]),
], ids=["index", "column name", "duplicate columns"])
def test_other_frame_shapes_are_not_written(frame, tmp_path):
    assert round_trip(frame, tmp_path) is None


def test_snapshot_file_is_private_and_written_atomically(tmp_path):
    frame = decoded(CACHED["scalars"])
    assert round_trip(frame, tmp_path) is not None
    files = os.listdir(tmp_path / "frames")
    assert files == ["snapshot.arrow"]  # no temporary file left behind
    assert os.stat(tmp_path / "frames" / "snapshot.arrow").st_mode & 0o777 == 0o600


@pytest.mark.parametrize("content", [b"", b"not arrow at all" * 10, None], ids=["empty", "garbage", "truncated"])
def test_an_unreadable_snapshot_is_ignored_and_removed(content, tmp_path):
    path = tmp_path / "frames" / "snapshot.arrow"
    _frame_cache._write(path, decoded(CACHED["scalars"]))
    path.write_bytes(path.read_bytes()[:-100] if content is None else content)
    assert _frame_cache._read(path) is None
    assert not path.exists()
    assert _frame_cache._read(path) is None  # no file: nothing to read


def test_prune_keeps_the_newest_files_within_the_budget_and_one_file_per_version(tmp_path, monkeypatch):
    folder = tmp_path / "frames"
    folder.mkdir()
    s, t, r1, r2, f = "a" * 32, "b" * 32, "1" * 32, "2" * 32, "f" * 16
    for age, name in enumerate([f"{s}-1-{r1}-{f}.arrow", f"{s}-2-{r1}-{f}.arrow", f"{s}-3-{r1}-{f}.arrow",
                                f"{t}-1-{r1}-{f}.arrow"]):
        (folder / name).write_bytes(b"x" * 100)
        os.utime(folder / name, (1000 - age, 1000 - age))
    stale = folder / f".{s}-9-0-{f}.arrow.{'0' * 32}.tmp"
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    monkeypatch.setattr(_frame_cache, "MAX_BYTES", 300)
    written = folder / f"{s}-1-{r2}-{f}.arrow"
    written.write_bytes(b"x" * 100)
    _frame_cache._prune(written)
    # s-1-r1 is the same version's old revision; t-1 is another store's version 1, oldest beyond the budget
    assert sorted(os.listdir(folder)) == [f"{s}-1-{r2}-{f}.arrow", f"{s}-2-{r1}-{f}.arrow", f"{s}-3-{r1}-{f}.arrow"]


def test_prune_leaves_files_not_named_as_snapshots(tmp_path, monkeypatch):
    folder = tmp_path / "frames"
    folder.mkdir()
    foreign = ["s-1-r1-f.arrow", "notes.arrow", ".s-9-r-f.arrow.0.tmp", "data.tmp", f"{'a' * 32}-1-0-{'f' * 16}.txt"]
    for name in foreign:
        (folder / name).write_bytes(b"x" * 1000)
        os.utime(folder / name, (0, 0))
    monkeypatch.setattr(_frame_cache, "MAX_BYTES", 1)
    written = folder / f"{'a' * 32}-1-0-{'f' * 16}.arrow"
    written.write_bytes(b"x")
    _frame_cache._prune(written)
    assert sorted(os.listdir(folder)) == sorted([*foreign, written.name])


def test_directory_is_beside_a_sqlite_file_and_in_the_user_cache_otherwise(tmp_path, monkeypatch):
    class FakeStore:
        def __init__(self, url):
            self.url, self.is_sqlite = url, url.startswith("sqlite")

    assert _frame_cache.directory(FakeStore(f"sqlite:///{tmp_path}/lab.db")) == tmp_path / "lab.db-frames"
    uri = f"sqlite:///file:{tmp_path}/lab.db?mode=ro&uri=true"
    assert _frame_cache.directory(FakeStore(uri)) == tmp_path / "lab.db-frames"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert (_frame_cache.directory(FakeStore("postgresql+psycopg://u@h/db"))
            == tmp_path / "cache" / "kolena_lab" / "frames")
