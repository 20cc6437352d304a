"""CSV tables for classification: samples and their labels (``from_csv``), and a model's predictions
(``model_from_csv``, over ``kolena_lab.workflow.io.model_from_inference_csv``)."""
import os
from typing import Any, Dict, Optional, Union

import numpy as np
import pandas as pd

from kolena_lab._utils import log
from kolena_lab.datasets._common import (
    ImportedDataset,
    check_cells,
    csv_line,
    members_of,
    read_csv,
    split_frames,
    suites_of,
    workflow_of,
    write_dataset,
)
from kolena_lab.datasets._types import CLASSIFICATION_TYPES
from kolena_lab.errors import InputValidationError, shown
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.io import model_from_inference_csv
from kolena_lab.workflow.model import Model

CsvSource = Union[str, os.PathLike, pd.DataFrame]
_RESERVED = ("locator", "metadata", "sample_id")


def from_csv(path: CsvSource, name: str, *, locator: str = "locator", label: str = "label",
             split_by: Optional[str] = None, test_suite: Optional[str] = None, reset: bool = False,
             progress: bool = False) -> ImportedDataset:
    """Import a CSV table (or a DataFrame) as the classification workflow ``name``: a row per ``Image`` (its
    ``locator`` column, as written: relative paths resolve against ``kolena_lab.set_data_root``) labeled by the
    ``label`` column; every other column is metadata (numbers stay numbers, empty cells are left out). One test
    case ``name``, or with ``split_by`` (a column) one ``"<name> :: <value>"`` per value, in the suite
    ``test_suite`` (default ``name``). Missing columns, empty locator, label or split cells and repeated locators
    raise ``InputValidationError`` naming the line; nothing is written then. ``reset=True`` replaces test cases and
    a suite of these names (a new version of each) instead of raising ``NameConflictError``."""
    frame = read_csv(path, "CSV file")
    what = "CSV file"
    for column, argument in ((locator, "locator"), (label, "label")):
        check_cells(frame, column, argument, what)
    _check_locators(frame[locator], what)
    taken = [c for c in frame.columns if c in _RESERVED and c != locator or str(c).startswith("ground_truth.")]
    if taken:
        raise InputValidationError(f"the {what} has a column {shown(taken[0])}, a name kept for the sample; "
                                   "rename it")
    labels = _labels(frame[label], what)
    groups = None
    if split_by is not None:
        check_cells(frame, split_by, "split_by", what)
        groups = {}
        for row, value in enumerate((labels if split_by == label else frame[split_by]).tolist()):
            groups.setdefault(str(value), []).append(row)
    frame = frame.rename(columns={locator: "locator", label: "ground_truth.label"})
    frame["ground_truth.label"] = labels
    workflow = workflow_of(name, CLASSIFICATION_TYPES)
    description = f"Imported from {path if not isinstance(path, pd.DataFrame) else 'a DataFrame'}"
    return write_dataset(workflow, split_frames(frame, name, groups), test_suite or name, description, len(frame),
                         CLASSIFICATION_TYPES, progress, reset=reset)


def _check_locators(values: pd.Series, what: str) -> None:
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        bad = next(i for i, v in enumerate(values.tolist()) if not isinstance(v, str))
        raise InputValidationError(f"the {what}'s locators must be text; line {csv_line(bad)} holds "
                                   f"{shown(values.tolist()[bad])}")
    repeated = values.duplicated().to_numpy()
    if repeated.any():
        row = int(repeated.argmax())
        raise InputValidationError(f"the {what} repeats locator {shown(values.tolist()[row])} at line {csv_line(row)}")


def _labels(values: pd.Series, what: str) -> pd.Series:
    """Labels as text: integers (0, 1, ...) become their digits; other numbers are refused."""
    if values.dtype.kind in "iub":
        return values.astype(str)
    if values.dtype.kind == "f":
        array = values.to_numpy()
        if not np.all(array == np.round(array)):
            row = int(np.argmax(array != np.round(array)))
            raise InputValidationError(f"the {what}'s labels must be text or integers; line {csv_line(row)} holds "
                                       f"{shown(values.tolist()[row])}")
        return values.astype(np.int64).astype(str)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    return values.map(str)


def model_from_csv(path: CsvSource, dataset: Union[ImportedDataset, str], name: str, *, locator: str = "locator",
                   label: str = "label", score: str = "score", metadata: Optional[Dict[str, Any]] = None) -> Model:
    """Store a CSV table of predictions (a row per image: ``locator``, predicted ``label`` and its ``score``) as the
    inferences of the model ``name`` on ``dataset`` (an ``ImportedDataset`` of ``from_csv`` / ``from_image_folder``,
    or its workflow's name), through ``kolena_lab.workflow.io.model_from_inference_csv``. A row whose locator is no
    image of the dataset, an empty cell or a score outside [0, 1] raises ``InputValidationError`` naming the line,
    before anything is written; images without a row are named in a warning."""
    what = "predictions CSV file"
    frame = read_csv(path, what)
    for column, argument in ((locator, "locator"), (label, "label"), (score, "score")):
        check_cells(frame, column, argument, what)
    _check_locators(frame[locator], what)
    scores = pd.to_numeric(frame[score], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(scores) & (scores >= 0) & (scores <= 1))
    if bad.any():
        row = int(bad.argmax())
        raise InputValidationError(f"the {what}'s scores must be numbers in [0, 1]; line {csv_line(row)} holds "
                                   f"{shown(frame[score].tolist()[row])}")
    workflow = dataset.workflow if isinstance(dataset, ImportedDataset) else workflow_of(dataset,
                                                                                         CLASSIFICATION_TYPES)
    suite = dataset.test_suite if isinstance(dataset, ImportedDataset) else suites_of(workflow)[0]
    known = {sample.locator for sample, _ in members_of([suite])}
    unknown = [i for i, loc in enumerate(frame[locator].tolist()) if loc not in known]
    if unknown:
        raise InputValidationError(f"the {what} line {csv_line(unknown[0])}: locator "
                                   f"{shown(frame[locator].iloc[unknown[0]])} is no image of dataset "
                                   f"'{workflow.name}' ({len(unknown)} such rows)")
    table = pd.DataFrame({locator: frame[locator], "label": _labels(frame[label], what), "score": scores})
    result = model_from_inference_csv(bound_classes(workflow)[2], table, suite, name=name, key_column=locator,
                                      metadata=metadata)
    if result.missing:
        log.warn(f"model '{name}': {len(result.missing)} image(s) of '{workflow.name}' have no prediction, e.g. "
                 f"{result.missing[0].locator}")
    return result.model
