"""What a sample browser shows, as one table: a test case, a suite, a workflow, a DataFrame or a model's results.

Every source becomes a DataFrame with one row per sample: the sample's fields, its metadata, ``ground_truth.*``,
``inference.*`` and ``metrics.*`` columns, and a ``locator`` column naming what to preview. Rows of a table whose
workflow is known turn back into test samples and ground truths for curation.
"""
import dataclasses
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type

import pandas as pd

from kolena_lab import store
from kolena_lab.workflow import DataObject, GroundTruth, Model, TestCase, TestSample, TestSuite, Workflow
from kolena_lab.workflow.results import load_test_sample_metrics
from kolena_lab.workflow._bound import bind

GROUND_TRUTH = "ground_truth."
INFERENCE = "inference."
METRICS = "metrics."
METADATA = "metadata."
TEST_CASE_COLUMN = "test_case"
LOCATOR = "locator"
_RESULT_COLUMNS = ("evaluator", "configuration")


@dataclasses.dataclass
class Table:
    """The browser's rows, where they came from, and the workflow that makes them samples again (if known)."""

    frame: pd.DataFrame
    title: str
    workflow: Optional[Workflow] = None
    locator_column: str = LOCATOR


def sample_fields(workflow: Workflow) -> List[str]:
    """The test sample's init fields but ``metadata``."""
    return [f.name for f in dataclasses.fields(workflow.test_sample_type) if f.init and f.name != "metadata"]


def ground_truth_fields(workflow: Workflow) -> List[str]:
    return [f.name for f in dataclasses.fields(workflow.ground_truth_type) if f.init]


def bound_classes(workflow: Workflow) -> Tuple[Type[TestCase], Type[TestSuite]]:
    """TestCase and TestSuite classes bound to ``workflow`` (Kolena's ``workflow = ...`` binding)."""
    return bind(TestCase, workflow), bind(TestSuite, workflow)


def test_case_names(workflow: Workflow) -> List[str]:
    """Names of the workflow's stored test cases."""
    with store.get_store().read() as conn:
        return [row.name for row in store.test_cases.list_all(conn, workflow.name)]


def test_suite_names(workflow: Workflow) -> List[str]:
    """Names of the workflow's stored test suites."""
    with store.get_store().read() as conn:
        return sorted(row.name for row in store.test_suites.list_all(conn, workflow.name))


def _with_metrics(frame: pd.DataFrame, model: Model, test_case: TestCase, workflow: Workflow,
                  evaluator: Optional[str], configuration: Optional[str]) -> pd.DataFrame:
    metrics = load_test_sample_metrics(model, test_case, evaluator)
    if metrics.empty:
        return frame
    if configuration is None:
        first = metrics[list(_RESULT_COLUMNS)].astype(str).iloc[0]
        metrics = metrics[(metrics["evaluator"].astype(str) == first["evaluator"])
                          & (metrics["configuration"].astype(str) == first["configuration"])]
    else:
        metrics = metrics[metrics["configuration"].astype(str) == configuration]
    keys = [k for k in sample_fields(workflow) if k in frame.columns and k in metrics.columns]
    values = metrics.drop(columns=list(_RESULT_COLUMNS)).drop_duplicates(subset=keys, keep="first")
    values = values.rename(columns={c: METRICS + c for c in values.columns if c not in keys})
    return frame.merge(values, on=keys, how="left", sort=False)


def _case_frame(test_case: TestCase, model: Optional[Model], evaluator: Optional[str],
                configuration: Optional[str]) -> pd.DataFrame:
    if model is None:
        return test_case.to_dataframe()
    frame = model.load_inferences_dataframe(test_case)
    return _with_metrics(frame, model, test_case, test_case.workflow, evaluator, configuration)


def _union(frames: Sequence[Tuple[str, pd.DataFrame]], workflow: Workflow) -> pd.DataFrame:
    """The samples of several test cases, once each, with the names of the cases that hold them."""
    if not frames:
        return pd.DataFrame(columns=[*sample_fields(workflow), TEST_CASE_COLUMN])
    keys = sample_fields(workflow)
    tagged = [frame.assign(**{TEST_CASE_COLUMN: name}) for name, frame in frames]
    both = pd.concat(tagged, ignore_index=True, sort=False)
    key_text = _key_text(both, keys)
    names = both.groupby(key_text, sort=False)[TEST_CASE_COLUMN].agg(", ".join)
    first = ~key_text.duplicated(keep="first")
    out = both[first.to_numpy()].reset_index(drop=True)
    out[TEST_CASE_COLUMN] = names.reindex(key_text[first.to_numpy()]).to_numpy()
    return out


def _locator_column(frame: pd.DataFrame, workflow: Optional[Workflow]) -> str:
    if LOCATOR in frame.columns:
        return LOCATOR
    candidates = sample_fields(workflow) if workflow is not None else []
    for name in [*candidates, *map(str, frame.columns)]:
        if name in frame.columns and pd.api.types.infer_dtype(frame[name], skipna=True) == "string":
            return name
    return ""


def build_table(source: Any, *, workflow: Optional[Workflow] = None, model: Optional[Model] = None,
                evaluator: Optional[str] = None, configuration: Optional[str] = None) -> Table:
    """The table of a test case, test suite, workflow or DataFrame (with ``model``: its inferences and metrics)."""
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True)
        title = f"DataFrame of {len(frame):,} rows"
    elif isinstance(source, TestCase):
        workflow = source.workflow
        frame = _case_frame(source, model, evaluator, configuration)
        title = _case_title(source)
    elif isinstance(source, TestSuite):
        workflow = source.workflow
        frame = _union([(tc.name, _case_frame(tc, model, evaluator, configuration)) for tc in source.test_cases],
                       workflow)
        title = f"test suite '{source.name}' (version {source.version})"
    elif isinstance(source, Workflow):
        workflow = source
        case_cls, _ = bound_classes(source)
        frame = _union([(name, _case_frame(case_cls.load(name), model, evaluator, configuration))
                        for name in test_case_names(source)], source)
        title = f"workflow '{source.name}'"
    else:
        raise TypeError("SampleBrowser opens a TestCase, TestSuite, Workflow or pandas DataFrame, "
                        f"not {type(source).__name__}")
    if model is not None:
        if isinstance(source, pd.DataFrame):
            raise ValueError("model= needs a test case, test suite or workflow to load the model's results of")
        title += f", model '{model.name}'"
    return Table(frame.reset_index(drop=True), title, workflow, _locator_column(frame, workflow))


def head_table(source: Any, rows: int, min_samples: int, *, model: Optional[Model] = None,
               **_: Any) -> Optional[Tuple[Table, int]]:
    """``(table of the first rows, number of samples)`` of a test case of at least ``min_samples`` samples whose
    full table must be read from the store; None when ``build_table`` is quick or the source is something else."""
    if not isinstance(source, TestCase) or model is not None:
        return None
    head = source._head(rows, min_samples)
    if head is None:
        return None
    frame, n_samples = head
    return Table(frame, _case_title(source), source.workflow, _locator_column(frame, source.workflow)), n_samples


def _case_title(test_case: TestCase) -> str:
    return f"test case '{test_case.name}' (version {test_case.version})"


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as Python values."""
    return value.item() if hasattr(value, "item") and not isinstance(value, (list, dict, DataObject)) else value


def metadata_columns(frame: pd.DataFrame, workflow: Workflow) -> List[str]:
    """The columns of ``frame`` that are sample metadata."""
    taken = set(sample_fields(workflow)) | {TEST_CASE_COLUMN}
    return [str(c) for c in frame.columns if str(c) not in taken
            and not str(c).startswith((GROUND_TRUTH, INFERENCE, METRICS))]


def member_frame(frame: pd.DataFrame, workflow: Workflow) -> pd.DataFrame:
    """The columns ``TestCase.from_dataframe`` reads: sample fields, ground truth and metadata (names restored)."""
    keep = [c for c in frame.columns if str(c) in sample_fields(workflow) or str(c).startswith(GROUND_TRUTH)]
    keep += metadata_columns(frame, workflow)
    out = frame[keep]
    renamed = {c: c[len(METADATA):] for c in keep if str(c).startswith(METADATA)}
    gts = [c for c in out.columns if str(c).startswith(GROUND_TRUTH)]
    if gts and out[gts].isna().all(axis=None):
        out = out.drop(columns=gts)
    return out.rename(columns=renamed).reset_index(drop=True)


def row_member(row: Dict[str, Any], workflow: Workflow) -> Tuple[TestSample, Optional[GroundTruth]]:
    """The ``(test sample, ground truth)`` a table row stands for."""
    fields = {name: _plain(row[name]) for name in sample_fields(workflow) if name in row}
    metadata = {}
    for column in metadata_columns(pd.DataFrame(columns=list(row)), workflow):
        if _present(row[column]):
            metadata[column[len(METADATA):] if column.startswith(METADATA) else column] = _plain(row[column])
    sample = workflow.test_sample_type(**fields, metadata=metadata)
    gt_values = {name: _plain(row.get(GROUND_TRUTH + name)) for name in ground_truth_fields(workflow)}
    if not any(_present(v) for v in gt_values.values()):
        return sample, None
    return sample, workflow.ground_truth_type(**gt_values)


def sample_keys(frame: pd.DataFrame, workflow: Optional[Workflow], locator_column: str) -> pd.Series:
    """A text key per row naming the sample (its identity fields), for diffs between selections and test cases."""
    keys = [k for k in (sample_fields(workflow) if workflow is not None else [locator_column]) if k in frame.columns]
    if not keys:
        return pd.Series(frame.index.astype(str), index=frame.index)
    return _key_text(frame, keys)


def _key_text(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """The ``keys`` columns of each row as one text (missing values as a fixed marker), joined column-wise."""
    texts = [frame[k].map(_missing_or_text).astype(object) for k in keys]
    return texts[0].str.cat(texts[1:], sep="\x1f") if len(texts) > 1 else texts[0]


def _missing_or_text(value: Any) -> str:
    return "\x00" if value is None or (isinstance(value, float) and value != value) else str(value)
