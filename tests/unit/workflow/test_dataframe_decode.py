"""Stored members decode to the same DataFrame whether Arrow parses them column-wise or ``json`` row by row."""
import json
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import pandas as pd
import pytest

from kolena_lab.workflow import GroundTruth, Image
from kolena_lab.workflow import _dataframe
from kolena_lab.workflow.annotation import BoundingBox


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str
    weight: Optional[float] = None


@dataclass(frozen=True)
class Boxes(GroundTruth):
    boxes: List[BoundingBox]


def _rows(keys, metadata, gts):
    return [(i, json.dumps(k), json.dumps(m), None if g is None else json.dumps(g))
            for i, (k, m, g) in enumerate(zip(keys, metadata, gts))]


def _decode_both(rows, gt_type, monkeypatch):
    fast = _dataframe.decode_members(rows, Image, gt_type)
    monkeypatch.setattr(_dataframe, "_arrow_columns", lambda texts: None)
    slow = _dataframe.decode_members(rows, Image, gt_type)
    return fast, slow


CASES = {
    "scalars": [
        {"width": 640, "ratio": 0.1 + 0.2, "night": True, "place": "Zürich ✓"},
        {"width": 480, "ratio": 1e-300, "night": False, "place": "line\nbreak \"quoted\""},
    ],
    "missing keys and nulls": [{"a": 1, "b": "x"}, {"b": None}, {"c": 2.5}],
    "mixed types in one key": [{"a": 1}, {"a": "one"}],
    "nested values": [{"tags": ["a", "b"], "extra": {"k": 1}}, {"tags": [], "extra": {}}],
    "ISO dates stay text": [{"taken": "2024-01-02"}, {"taken": "2024-03-04T05:06:07"}],
    "integers beyond int64": [{"id": 2 ** 70}, {"id": 1}],
    "ints and floats in one key": [{"x": 1}, {"x": 2.5}],
    "empty metadata": [{}, {}],
}


@pytest.mark.parametrize("name", list(CASES))
def test_metadata_decodes_identically(name, monkeypatch):
    metadata = CASES[name]
    keys = [{"locator": f"/data/{i}.png"} for i in range(len(metadata))]
    gts = [{"label": "cat", "weight": 0.5}] + [None] * (len(metadata) - 1)
    fast, slow = _decode_both(_rows(keys, metadata, gts), Label, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns)[:2] == ["sample_id", "locator"] and list(fast.columns)[-2:] == ["ground_truth.label",
                                                                                 "ground_truth.weight"]


def test_random_floats_parse_exactly(monkeypatch):
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.random(500), rng.normal(0, 1e12, 500), rng.random(500) * 1e-200])
    metadata = [{"v": float(v)} for v in values]
    keys = [{"locator": f"/d/{i}"} for i in range(len(values))]
    fast, slow = _decode_both(_rows(keys, metadata, [None] * len(values)), Label, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["v"].to_numpy().tolist() == values.tolist()


def test_annotation_fields_still_deserialise(monkeypatch):
    box = {"data_type": "ANNOTATION/BOUNDING_BOX", "top_left": [0, 0], "bottom_right": [2, 3]}
    rows = _rows([{"locator": "/a"}, {"locator": "/b"}], [{"k": 1}, {"k": 2}], [{"boxes": [box]}, {"boxes": []}])
    fast, slow = _decode_both(rows, Boxes, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["ground_truth.boxes"][0] == [BoundingBox((0, 0), (2, 3))]


def test_metadata_key_named_like_a_field_is_prefixed(monkeypatch):
    rows = _rows([{"locator": "/a"}], [{"locator": "elsewhere"}], [None])
    fast, slow = _decode_both(rows, Label, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["metadata.locator"][0] == "elsewhere"

