"""A test sample's identity, and per-sample DataFrames back to test samples and ground truths.

Every per-sample frame of the core (``TestCase.to_dataframe()``, ``Model.load_inferences_dataframe()``,
``load_test_sample_metrics()``) carries a ``sample_id`` column: the store's 64-bit id of each row's sample, the same
for the same sample (its fields without metadata) in every test case of a workflow. Match rows of such frames by it.
"""
import dataclasses
import math
from typing import Any, Iterable, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

from kolena_lab.workflow import _codec, _dataframe
from kolena_lab.workflow._dataframe import GROUND_TRUTH_PREFIX, INFERENCE_PREFIX, SAMPLE_ID
from kolena_lab.workflow._datatypes import DataObject
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.test_sample import METADATA_FIELD, TestSample
from kolena_lab.workflow.workflow import Workflow

Member = Tuple[TestSample, Optional[GroundTruth]]
_METADATA_PREFIX = METADATA_FIELD + "."


def sample_id(sample: TestSample, workflow: Workflow) -> int:
    """The store's id of ``sample`` in ``workflow`` (what the ``sample_id`` column holds); metadata plays no part."""
    return _codec.sample_id(workflow.name, _codec.sample_key(sample))


def frame_sample_ids(frame: pd.DataFrame, workflow: Optional[Workflow] = None) -> np.ndarray:
    """The id of each row's sample: the frame's ``sample_id`` column, else computed from its sample field columns
    (which needs ``workflow``)."""
    if SAMPLE_ID in frame.columns and (workflow is None or SAMPLE_ID not in sample_fields(workflow)):
        return frame[SAMPLE_ID].to_numpy(dtype=np.int64)
    if workflow is None:
        raise ValueError(f"a frame without a '{SAMPLE_ID}' column needs its workflow to identify its samples")
    fields = [f for f in sample_fields(workflow) if f in frame.columns]
    keys, _, _ = _dataframe.encode_members(frame[fields], workflow.test_sample_type, workflow.ground_truth_type)
    return np.asarray(_codec.sample_ids(workflow.name, keys), dtype=np.int64)


def sample_fields(workflow: Workflow) -> List[str]:
    """The test sample's init fields but ``metadata``: the columns that name a sample in a frame."""
    return [f.name for f in dataclasses.fields(workflow.test_sample_type) if f.init and f.name != METADATA_FIELD]


def metadata_columns(columns: Iterable[Any], workflow: Workflow) -> List[str]:
    """Which of a per-sample frame's ``columns`` hold sample metadata: all but ``sample_id``, the sample fields,
    ``ground_truth.*`` and ``inference.*``."""
    taken = set(sample_fields(workflow)) | {SAMPLE_ID}
    return [str(c) for c in columns
            if str(c) not in taken and not str(c).startswith((GROUND_TRUTH_PREFIX, INFERENCE_PREFIX))]


def members_frame(frame: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """The columns of a per-sample frame that ``TestCase.from_dataframe`` reads: sample fields, ``ground_truth.*``
    (left out when all empty) and metadata (a ``metadata.`` prefix removed)."""
    fields = set(sample_fields(workflow))
    keep = [c for c in frame.columns if str(c) in fields or str(c).startswith(GROUND_TRUTH_PREFIX)]
    keep += metadata_columns(frame.columns, workflow)
    out = frame[keep]
    ground_truths = [c for c in out.columns if str(c).startswith(GROUND_TRUTH_PREFIX)]
    if ground_truths and out[ground_truths].isna().all(axis=None):
        out = out.drop(columns=ground_truths)
    renamed = {c: _metadata_key(c) for c in keep if str(c).startswith(_METADATA_PREFIX)}
    return out.rename(columns=renamed).reset_index(drop=True)


def row_member(row: Mapping[str, Any], workflow: Workflow) -> Member:
    """The ``(test sample, ground truth)`` a row of a per-sample frame stands for, metadata attached (empty cells
    left out); the ground truth is None when all its cells are empty. ``ValueError`` when the row is no sample."""
    fields = {name: _plain(row[name]) for name in sample_fields(workflow) if name in row}
    metadata = {_metadata_key(c): _plain(row[c]) for c in metadata_columns(row, workflow) if _present(row[c])}
    try:
        sample = workflow.test_sample_type(**fields, metadata=metadata)
        ground_truth = {f.name: _plain(row.get(GROUND_TRUTH_PREFIX + f.name))
                        for f in dataclasses.fields(workflow.ground_truth_type) if f.init}
        if not any(_present(v) for v in ground_truth.values()):
            return sample, None
        return sample, workflow.ground_truth_type(**ground_truth)
    except TypeError as e:
        raise ValueError(f"row {dict(row)!r} is not a sample of workflow '{workflow.name}': {e}") from e


def frame_members(frame: pd.DataFrame, workflow: Workflow) -> List[Member]:
    """``row_member`` of each row of a per-sample frame, in order."""
    return [row_member(row, workflow) for row in frame.to_dict("records")]


def _metadata_key(column: str) -> str:
    return column[len(_METADATA_PREFIX):] if column.startswith(_METADATA_PREFIX) else column


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as Python values."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (list, dict, DataObject)) else value


__all__ = [
    "SAMPLE_ID",
    "frame_members",
    "frame_sample_ids",
    "members_frame",
    "metadata_columns",
    "row_member",
    "sample_fields",
    "sample_id",
]
