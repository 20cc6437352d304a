"""A sample's identity and per-sample frames back to samples, without a store."""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd
import pytest

from kolena_lab.workflow import GroundTruth, Image, Inference, Workflow
from kolena_lab.workflow.samples import (
    SAMPLE_ID,
    frame_members,
    frame_sample_ids,
    members_frame,
    metadata_columns,
    row_member,
    sample_id,
)


@dataclass(frozen=True)
class Cropped(Image):
    crop: Optional[str] = None
    scale: Optional[float] = None


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str


@dataclass(frozen=True)
class Guess(Inference):
    label: str


WORKFLOW = Workflow("Samples Unit", Cropped, Label, Guess)


def test_ids_from_columns_tell_missing_values_apart_and_match_the_samples_ids():
    frame = pd.DataFrame({"locator": ["a.png", "a.png", "b.png"], "crop": pd.Series(["left", None, None], dtype=object),
                          "scale": [1.0, float("nan"), 2.0], "weather": ["sun", "rain", None]})
    ids = frame_sample_ids(frame, WORKFLOW)
    assert len(set(ids.tolist())) == 3 and ids.dtype == np.int64
    assert ids[0] == sample_id(Cropped("a.png", crop="left", scale=1.0, metadata={"x": 1}), WORKFLOW)
    assert ids[1] == sample_id(Cropped("a.png", scale=float("nan")), WORKFLOW)
    assert frame_sample_ids(frame.assign(**{SAMPLE_ID: [7, 8, 9]}), WORKFLOW).tolist() == [7, 8, 9]
    assert frame_sample_ids(pd.DataFrame({SAMPLE_ID: [5]})).tolist() == [5]
    with pytest.raises(ValueError, match="needs its workflow"):
        frame_sample_ids(frame)
    assert sample_id(Cropped("a.png"), WORKFLOW) != sample_id(Cropped("a.png"), Workflow("Other", Cropped, Label,
                                                                                          Guess))


def test_rows_become_samples_with_metadata_and_ground_truths():
    frame = pd.DataFrame({SAMPLE_ID: [1, 2], "locator": ["a.png", "b.png"], "crop": ["left", "top"],
                          "ground_truth.label": ["cat", None], "inference.label": ["dog", "dog"],
                          "weather": ["sun", float("nan")], "metadata.locator": ["orig.png", None],
                          "count": np.array([3, 4], dtype=np.int64)})
    assert metadata_columns(frame.columns, WORKFLOW) == ["weather", "metadata.locator", "count"]
    (first, truth), (second, none) = frame_members(frame, WORKFLOW)
    assert first == Cropped("a.png", crop="left", metadata={"weather": "sun", "locator": "orig.png", "count": 3})
    assert truth == Label("cat") and none is None
    assert type(first.metadata["count"]) is int and second.metadata == {"count": 4} and second.crop == "top"
    with pytest.raises(ValueError, match="not a sample of workflow 'Samples Unit'"):
        row_member({"crop": "left"}, WORKFLOW)


def test_members_frame_keeps_what_from_dataframe_reads():
    frame = pd.DataFrame({SAMPLE_ID: [1], "locator": ["a.png"], "ground_truth.label": [None],
                          "inference.label": ["dog"], "metadata.crop": ["x"], "weather": ["sun"]})
    assert list(members_frame(frame, WORKFLOW).columns) == ["locator", "crop", "weather"]
    labelled = members_frame(frame.assign(**{"ground_truth.label": ["cat"]}), WORKFLOW)
    assert list(labelled.columns) == ["locator", "ground_truth.label", "crop", "weather"]
