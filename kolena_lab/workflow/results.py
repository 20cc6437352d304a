"""Reading stored results back: metrics per test case, per sample and per suite as DataFrames, plots, and the
identity that pairs a sample's rows across models."""
import json
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd

from kolena_lab import store
from kolena_lab.workflow import _codec, _dataframe
from kolena_lab.workflow._datatypes import DataObject, _deserialize, _info
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.plot import Plot
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_suite import TestSuite


def _metrics_record(text: str) -> Dict[str, Any]:
    data = json.loads(text)
    data.pop("data_type", None)
    return {key: _deserialize(value, Any) for key, value in data.items()}


def _check(model: Model, other: Any) -> None:
    if other.workflow.name != model.workflow.name:
        raise TypeError(f"{other!r} belongs to workflow '{other.workflow.name}', model '{model.name}' to "
                        f"'{model.workflow.name}'")


def load_test_case_metrics(model: Model, test_suite: TestSuite, evaluator: Optional[str] = None,
                           expand: Optional[str] = None) -> pd.DataFrame:
    """One row per (test case, evaluator, configuration) of the suite version, one column per metric.

    Nested per-class rows (lists of metrics objects) stay in their column as lists of objects; with
    ``expand="per_class"`` (a nested column's name) the frame has one row per nested object instead: the test case,
    version, evaluator and configuration, then the nested object's fields.
    """
    frame = _test_case_metrics(model, test_suite, evaluator)
    return frame if expand is None else _expand(frame, expand)


def _expand(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    keys = ["test_case", "version", "evaluator", "configuration"]
    if column not in frame.columns or column in keys:
        nested = [c for c in frame.columns if c not in keys and frame[c].map(lambda v: isinstance(v, list)).any()]
        raise ValueError(f"no nested metrics column '{column}'; nested columns: {nested}")
    records = []
    for row in frame[keys + [column]].itertuples(index=False):
        for obj in getattr(row, column) or []:
            if not isinstance(obj, DataObject):
                raise ValueError(f"column '{column}' holds {type(obj).__name__}, not nested metrics objects")
            fields = {k: v for k, v in obj._to_dict().items() if k != "data_type"}
            records.append({**dict(zip(keys, row[:4])), **fields})
    return pd.DataFrame.from_records(records, columns=None if records else keys)


def _test_case_metrics(model: Model, test_suite: TestSuite, evaluator: Optional[str]) -> pd.DataFrame:
    _check(model, test_suite)
    by_version = {tc._version_id: tc for tc in test_suite.test_cases}
    with store.get_store().read() as conn:
        rows = store.results.case_metrics(conn, model._id, list(by_version), evaluator)
    order = {vid: i for i, vid in enumerate(by_version)}
    rows.sort(key=lambda r: (r[1], r[2], order[r[0]]))
    records = [
        {"test_case": by_version[vid].name, "version": by_version[vid].version, "evaluator": ev,
         "configuration": conf, **_metrics_record(data)}
        for vid, ev, conf, data, _ in rows
    ]
    return pd.DataFrame.from_records(records, columns=None if records else
                                     ["test_case", "version", "evaluator", "configuration"])


def load_test_case_plots(model: Model, test_suite: TestSuite,
                         evaluator: Optional[str] = None) -> List[Tuple[TestCase, str, str, Plot]]:
    """``(test case, evaluator, configuration, plot)`` for every stored plot of the suite version."""
    _check(model, test_suite)
    by_version = {tc._version_id: tc for tc in test_suite.test_cases}
    with store.get_store().read() as conn:
        rows = store.results.case_metrics(conn, model._id, list(by_version), evaluator)
    return [
        (by_version[vid], ev, conf, _deserialize(plot, Plot))
        for vid, ev, conf, _, plots in rows
        for plot in json.loads(plots)
    ]


def load_test_sample_metrics(model: Model, test_case: TestCase, evaluator: Optional[str] = None) -> pd.DataFrame:
    """One row per (sample, evaluator, configuration) of the test case version: the sample's ``sample_id`` and fields,
    then metrics."""
    _check(model, test_case)
    with store.get_store().read() as conn:
        rows = store.results.sample_metrics(conn, model._id, test_case._version_id, evaluator)
        samples = store.samples.load(conn, {r[0] for r in rows})
    sample_type = model.workflow.test_sample_type
    fields = [f.name for f in _info(sample_type).fields if f.init and f.name != "metadata"]
    decoded = {sid: _codec.decode_sample(sample_type, *samples[sid]) for sid in samples}
    records = [
        {_dataframe.SAMPLE_ID: sid, **{f: getattr(decoded[sid], f) for f in fields}, "evaluator": ev,
         "configuration": conf, **_metrics_record(data)}
        for sid, ev, conf, data in rows
    ]
    empty = [_dataframe.SAMPLE_ID, *fields, "evaluator", "configuration"]
    return pd.DataFrame.from_records(records, columns=None if records else empty)


def load_test_suite_metrics(model: Model, test_suite: TestSuite, evaluator: Optional[str] = None) -> pd.DataFrame:
    """One row per (evaluator, configuration) of the suite version."""
    _check(model, test_suite)
    with store.get_store().read() as conn:
        rows = store.results.suite_metrics(conn, model._id, test_suite._version_id, evaluator)
    records = [{"evaluator": ev, "configuration": conf, **_metrics_record(data)} for ev, conf, data in rows]
    return pd.DataFrame.from_records(records, columns=None if records else ["evaluator", "configuration"])


__all__ = [
    "load_test_case_metrics",
    "load_test_case_plots",
    "load_test_sample_metrics",
    "load_test_suite_metrics",
]
