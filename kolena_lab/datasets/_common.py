"""What every import shares: the record it returns, the check that its names are free, and the writing of its test
cases and suite from DataFrames (the bulk path)."""
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union

import pandas as pd

from kolena_lab._utils.progress import ProgressBar
from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError, WorkflowMismatchError, shown
from kolena_lab.workflow import catalog
from kolena_lab.workflow.definition import bound_classes, define_workflow
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_sample import TestSample
from kolena_lab.workflow.test_suite import TestSuite
from kolena_lab.workflow.workflow import Workflow, check_name, trial_definitions

SPLIT_SEPARATOR = " :: "


@dataclass(frozen=True)
class ImportedDataset:
    """What an import wrote: the workflow, its test suite and test cases, how many samples, and the bound classes
    (``TestCase``, ``TestSuite``, ``Model``) with the workflow's types (``TestSample``, ``GroundTruth``,
    ``Inference``)."""

    workflow: Workflow
    test_suite: TestSuite
    test_cases: List[TestCase]
    samples: int
    TestSample: Type[TestSample]
    GroundTruth: Type[GroundTruth]
    Inference: Type[Inference]
    TestCase: Type[TestCase]
    TestSuite: Type[TestSuite]
    Model: Type[Model]

    def __repr__(self) -> str:
        cases = ", ".join(repr(tc.name) for tc in self.test_cases)
        return (f"ImportedDataset(workflow={self.workflow.name!r}, test_suite={self.test_suite.name!r}, "
                f"test_cases=[{cases}], samples={self.samples})")


def workflow_of(name: str, types: Tuple[type, type, type]) -> Workflow:
    """The workflow ``name`` with an importer's types; a stored workflow of that name with other types is refused
    (``WorkflowMismatchError``) before it is defined here."""
    with trial_definitions():
        schema = Workflow(name, *types).schema()
    try:
        stored = catalog.workflow_info(name)
    except NotFoundError:
        stored = None
    if stored is not None and stored.schema != schema:
        raise WorkflowMismatchError(f"workflow '{name}' holds other types (ground truth {stored.ground_truth}, "
                                    f"inference {stored.inference}), not {types[1].__name__} and "
                                    f"{types[2].__name__}: choose another name")
    return define_workflow(name, *types)[0]


def suites_of(workflow: Workflow) -> List[TestSuite]:
    """The stored test suites of an imported workflow, the one named like it first."""
    suite_type = bound_classes(workflow)[1]
    names = sorted((s.name for s in catalog.list_test_suites(workflow=workflow.name)),
                   key=lambda n: (n != workflow.name, n))
    if not names:
        raise NotFoundError(f"workflow '{workflow.name}' has no test suite: import its dataset first")
    return [suite_type.load(n) for n in names]


def members_of(sources: Iterable[Union[TestSuite, TestCase]]) -> List[Tuple[Any, Any]]:
    """The (sample, ground truth) pairs of test suites or cases, each sample once, in order of first appearance."""
    seen, out = set(), []
    for source in sources:
        for test_case in source.test_cases if isinstance(source, TestSuite) else [source]:
            for sample, ground_truth in test_case.iter_test_samples():
                if sample.locator not in seen:
                    seen.add(sample.locator)
                    out.append((sample, ground_truth))
    return out


def check_names_free(test_cases: Sequence[str], test_suite: str, workflow: str, reset: bool = False) -> None:
    """Refuse, before anything is written, names of test cases or of the suite that are invalid, repeated or taken;
    with ``reset``, taken names are replaced, but only those of the same ``workflow``."""
    names = [check_name(name, "test case name") for name in test_cases]
    repeated = first_duplicate(names)
    if repeated is not None:
        raise InputValidationError(f"two test cases of the import would be named {shown(repeated[1])}")
    test_suite = check_name(test_suite, "test suite name")
    taken = [("test case", name, catalog.test_case_info) for name in names] + [
        ("test suite", test_suite, catalog.test_suite_info)]
    for kind, name, info in taken:
        try:
            stored = info(name).workflow
        except NotFoundError:
            continue
        if not reset:
            raise NameConflictError(f"{kind} '{name}' exists; pass reset=True to replace them with the import, or "
                                    "choose another name")
        if stored != workflow:
            raise WorkflowMismatchError(f"{kind} '{name}' belongs to workflow '{stored}', not '{workflow}': choose "
                                        "another name")


def split_frames(frame: pd.DataFrame, name: str, groups: Optional[Dict[str, Sequence[int]]]) -> Dict[str, pd.DataFrame]:
    """The test cases' frames by name: the whole frame as ``name``, or one ``"<name> :: <group>"`` per group (the rows
    it holds, in order)."""
    if groups is None:
        return {name: frame}
    return {f"{name}{SPLIT_SEPARATOR}{group}": frame.iloc[list(rows)] for group, rows in groups.items()}


def write_dataset(workflow: Workflow, frames: Dict[str, pd.DataFrame], suite_name: str, description: str,
                  samples: int, types: Tuple[type, type, type], progress: bool,
                  case_description: Optional[str] = None, reset: bool = False) -> ImportedDataset:
    """Write each test case from its frame (``TestCase.from_dataframe``, the bulk path) and the suite holding them;
    the test cases' description is ``case_description`` (default: the suite's ``description``). With ``reset``,
    test cases and a suite of these names (of this workflow) get a new version holding the import instead.

    The caller checked every value and the names first, so these writes only fail on a store error."""
    test_case_type, test_suite_type, model_type = bound_classes(workflow)
    check_names_free(list(frames), suite_name, workflow.name, reset)
    bar = ProgressBar(total=sum(len(f) for f in frames.values()), desc="writing", unit=" samples",
                      disable=not progress)
    test_cases = []
    with bar:
        for case_name, frame in frames.items():
            test_cases.append(test_case_type.from_dataframe(case_name, frame, description=case_description
                                                            if case_description is not None else description,
                                                            reset=reset))
            bar.update(len(frame))
    suite = test_suite_type(suite_name, description=description, test_cases=test_cases, reset=reset)
    return ImportedDataset(workflow, suite, test_cases, samples, *types, test_case_type, test_suite_type, model_type)


def read_json(path: Union[str, os.PathLike, bytes, Any], what: str) -> Any:
    """A JSON file (a path, its bytes, or the parsed value itself) parsed; a clear error for a missing, empty or
    malformed file (its line and column), and for NaN or Infinity (which Python's reader would accept)."""
    if isinstance(path, (dict, list)):
        return path
    if isinstance(path, (bytes, bytearray)):
        text, where = bytes(path).decode("utf-8"), f"the {what}"
    else:
        file = Path(path)
        if not file.is_file():
            raise InputValidationError(f"{what} not found: {shown(str(path))}")
        text, where = file.read_text(encoding="utf-8"), f"{what} {shown(str(path))}"
    if not text.strip():
        raise InputValidationError(f"{where} is empty")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise InputValidationError(f"{where} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") \
            from None
    except _NonFinite as e:
        match = _NON_FINITE.search(text)
        line = text.count("\n", 0, match.start()) + 1 if match else "?"
        raise InputValidationError(f"{where} holds {e.args[0]} at line {line}: numbers must be finite") from None


class _NonFinite(ValueError):
    pass


_NON_FINITE = re.compile(r"(?<![\w\"])(NaN|-?Infinity)(?![\w\"])")


def _refuse_constant(token: str) -> Any:
    raise _NonFinite(token)


def is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def check_dir(path: Union[str, os.PathLike], what: str) -> str:
    """A local directory as an absolute path (a URL prefix is kept as given); a clear error when it is missing."""
    text = os.fspath(path)
    if is_url(text):
        return text.rstrip("/")
    if not os.path.isdir(text):
        raise InputValidationError(f"{what} not found: {shown(text)}")
    return os.path.abspath(text)


def join_locator(root: str, name: str) -> str:
    return f"{root}/{name}" if is_url(root) else os.path.join(root, name)


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def first_duplicate(values: List[Any]) -> Optional[Tuple[int, Any]]:
    """The index and value of the first value seen before, or None."""
    seen = set()
    for i, v in enumerate(values):
        if v in seen:
            return i, v
        seen.add(v)
    return None


def csv_line(row: int) -> int:
    """The line of a CSV file holding data row ``row`` (0-based), after its header line."""
    return row + 2


def check_cells(frame: pd.DataFrame, column: str, argument: str, what: str) -> None:
    """Refuse a missing column or an empty cell of it, naming the argument, the column and the line."""
    if column not in frame.columns:
        raise InputValidationError(f"the {what} has no column {shown(column)} ({argument}={column!r}); columns: "
                                   f"{shown(list(frame.columns))}")
    empty = frame[column].isna().to_numpy()
    if frame[column].dtype.kind not in "biufmM":
        empty = empty | (frame[column].astype(object) == "").to_numpy()
    if empty.any():
        row = int(empty.argmax())
        raise InputValidationError(f"the {what} has an empty {column!r} cell at line {csv_line(row)}")


def read_csv(path: Union[str, os.PathLike, pd.DataFrame], what: str) -> pd.DataFrame:
    """A CSV file as a DataFrame (pandas' C reader: numbers numeric, empty cells NaN); a DataFrame as given."""
    if isinstance(path, pd.DataFrame):
        if path.empty:
            raise InputValidationError(f"the {what}'s DataFrame has no rows")
        return path.reset_index(drop=True)
    if not os.path.isfile(path):
        raise InputValidationError(f"{what} not found: {shown(os.fspath(path))}")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputValidationError(f"{what} {shown(os.fspath(path))} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputValidationError(f"{what} {shown(os.fspath(path))} is not a valid CSV file: "
                                   f"{' '.join(str(e).split())}") from None
    if frame.empty:
        raise InputValidationError(f"{what} {shown(os.fspath(path))} has no rows")
    return frame
