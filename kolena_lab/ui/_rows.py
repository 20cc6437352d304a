"""What a sample browser shows: the rows of a test case, a suite, a workflow, a DataFrame or a model's results.

Every source becomes a DataFrame with one row per sample: its ``sample_id`` (when it comes from the store), the
sample's fields, its metadata, ``ground_truth.*``, ``inference.*`` and ``metrics.*`` columns, and a ``locator``
column naming what to preview. Rows of a table whose workflow is known turn back into test samples and ground truths
(``kolena_lab.workflow.samples``) for curation.
"""
import dataclasses
from typing import Any, Optional, Sequence, Tuple

import pandas as pd

from kolena_lab.workflow import SAMPLE_ID, Model, TestCase, TestSuite, Workflow, bound_classes
from kolena_lab.workflow.results import load_test_sample_metrics
from kolena_lab.workflow.samples import sample_fields

GROUND_TRUTH = "ground_truth."
INFERENCE = "inference."
METRICS = "metrics."
TEST_CASE_COLUMN = "test_case"
LOCATOR = "locator"
_RESULT_COLUMNS = ("evaluator", "configuration")


@dataclasses.dataclass
class SampleRows:
    """The browser's rows, where they came from, and the workflow that makes them samples again (if known)."""

    frame: pd.DataFrame
    title: str
    workflow: Optional[Workflow] = None
    locator_column: str = LOCATOR


def added_column(name: Any) -> bool:
    """Whether a column is one the table adds to the core's per-sample frames (``test_case``, ``metrics.*``)."""
    return str(name) == TEST_CASE_COLUMN or str(name).startswith(METRICS)


def sample_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows without the columns the table adds: a per-sample frame as the core gives it."""
    return frame.drop(columns=[c for c in frame.columns if added_column(c)])


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
    fields = [k for k in sample_fields(workflow) if k in metrics.columns]
    values = metrics.drop(columns=[*_RESULT_COLUMNS, *fields]).drop_duplicates(subset=[SAMPLE_ID], keep="first")
    values = values.rename(columns={c: METRICS + c for c in values.columns if c != SAMPLE_ID})
    return frame.merge(values, on=SAMPLE_ID, how="left", sort=False)


def _case_frame(test_case: TestCase, model: Optional[Model], evaluator: Optional[str],
                configuration: Optional[str]) -> pd.DataFrame:
    if model is None:
        return test_case.to_dataframe()
    frame = model.load_inferences_dataframe(test_case)
    return _with_metrics(frame, model, test_case, test_case.workflow, evaluator, configuration)


def _union(frames: Sequence[Tuple[str, pd.DataFrame]], workflow: Workflow) -> pd.DataFrame:
    """The samples of several test cases, once each, with the names of the cases that hold them."""
    if not frames:
        return pd.DataFrame(columns=[SAMPLE_ID, *sample_fields(workflow), TEST_CASE_COLUMN])
    tagged = [frame.assign(**{TEST_CASE_COLUMN: name}) for name, frame in frames]
    both = pd.concat(tagged, ignore_index=True, sort=False)
    names = both.groupby(SAMPLE_ID, sort=False)[TEST_CASE_COLUMN].agg(", ".join)
    first = ~both[SAMPLE_ID].duplicated(keep="first").to_numpy()
    out = both[first].reset_index(drop=True)
    out[TEST_CASE_COLUMN] = names.reindex(out[SAMPLE_ID]).to_numpy()
    return out


def _locator_column(frame: pd.DataFrame, workflow: Optional[Workflow]) -> str:
    if LOCATOR in frame.columns:
        return LOCATOR
    candidates = sample_fields(workflow) if workflow is not None else []
    for name in [*candidates, *map(str, frame.columns)]:
        if name in frame.columns and pd.api.types.infer_dtype(frame[name], skipna=True) == "string":
            return name
    return ""


def sample_rows_of(source: Any, *, workflow: Optional[Workflow] = None, model: Optional[Model] = None,
                evaluator: Optional[str] = None, configuration: Optional[str] = None) -> SampleRows:
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
        case_cls = bound_classes(source)[0]
        frame = _union([(tc.name, _case_frame(tc, model, evaluator, configuration)) for tc in case_cls.list()],
                       source)
        title = f"workflow '{source.name}'"
    else:
        raise TypeError("SampleBrowser opens a TestCase, TestSuite, Workflow or pandas DataFrame, "
                        f"not {type(source).__name__}")
    if model is not None:
        if isinstance(source, pd.DataFrame):
            raise ValueError("model= needs a test case, test suite or workflow to load the model's results of")
        title += f", model '{model.name}'"
    return SampleRows(frame.reset_index(drop=True), title, workflow, _locator_column(frame, workflow))


def head_rows_of(source: Any, rows: int, min_samples: int, *, model: Optional[Model] = None,
               **_: Any) -> Optional[Tuple[SampleRows, int]]:
    """``(table of the first rows, number of samples)`` of a test case of at least ``min_samples`` samples whose
    full table must be read from the store; None when ``sample_rows_of`` is quick or the source is something else."""
    if not isinstance(source, TestCase) or model is not None:
        return None
    head = source._head(rows, min_samples)
    if head is None:
        return None
    frame, n_samples = head
    return SampleRows(frame, _case_title(source), source.workflow, _locator_column(frame, source.workflow)), n_samples


def _case_title(test_case: TestCase) -> str:
    return f"test case '{test_case.name}' (version {test_case.version})"
