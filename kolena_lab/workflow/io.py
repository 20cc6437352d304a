"""DataFrames holding data objects, to and from CSV and Parquet files, and models made of an inference CSV."""
import dataclasses
import io
import json
import os
import re
import typing
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Type, Union

import numpy as np
import pandas as pd

from kolena_lab import store
from kolena_lab.errors import InputValidationError, shown
from kolena_lab.workflow import _codec
from kolena_lab.workflow._dataframe import Encoded
from kolena_lab.workflow._inference_checks import encode_inference
from kolena_lab.workflow._datatypes import DataObject, _deserialize, _serialize
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.evaluator_function import no_op_evaluator
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.test_run import TestRun
from kolena_lab.workflow.test_sample import TestSample
from kolena_lab.workflow.test_suite import TestSuite
from kolena_lab.workflow.workflow import Workflow

_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+)$")
_PARQUET_KEY = b"kolena_lab.json_columns"


def _is_structured(value: Any) -> bool:
    return isinstance(value, (list, dict, tuple, DataObject, np.ndarray))


def _to_json(value: Any) -> Any:
    return json.dumps(_serialize(value)) if _is_structured(value) else value


def _json_cell(value: Any) -> Any:
    return None if value is None else json.dumps(_serialize(value))


def _json_columns(df: pd.DataFrame) -> List[str]:
    return [c for c in df.columns if df[c].dtype == object and df[c].map(_is_structured).any()]


def dataframe_to_csv(df: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
    """``DataFrame.to_csv`` after turning list, dict and data-object cells into JSON."""
    out = df.copy()
    for column in _json_columns(df):
        out[column] = out[column].map(_to_json)
    return out.to_csv(*args, **kwargs)


def _is_float_text(cell: str) -> bool:
    """Text exactly as Python (and so ``to_csv``) writes a float in exponent form or an infinity, e.g. ``1e-05``."""
    try:
        return repr(float(cell)) == cell
    except ValueError:
        return False


def _parse_cell(cell: Any) -> Any:
    if not isinstance(cell, str):
        return cell
    if cell in ("", "NaN", "nan"):
        return None
    if cell in ("true", "True"):
        return True
    if cell in ("false", "False"):
        return False
    if _INT.match(cell):
        return int(cell)
    if _FLOAT.match(cell) or _is_float_text(cell):
        return float(cell)
    if cell[:1] in "[{":
        try:
            return _deserialize(json.loads(cell), Any)
        except (ValueError, TypeError):
            return cell
    return cell


def dataframe_from_csv(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` that restores what ``dataframe_to_csv`` wrote.

    Empty and ``NaN`` cells become None, ``true``/``false`` booleans, numeric text numbers (text that looks like
    scientific notation, e.g. an identifier ``1E10``, stays text, but floats as Python writes them, e.g. ``1e-05``,
    are read back), JSON lists and dicts are parsed, and a dict with a ``data_type`` becomes its data object.
    Text columns keep the object dtype, so that their empty cells stay None.
    """
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    df = pd.read_csv(*args, **kwargs)
    for column in df.columns:
        parsed = pd.Series([_parse_cell(cell) for cell in df[column]], index=df.index, dtype=object)
        inferred = parsed.infer_objects()
        df[column] = parsed if isinstance(inferred.dtype, pd.StringDtype) else inferred
    return df


def dataframe_to_parquet(df: pd.DataFrame, path: Any, **kwargs: Any) -> None:
    """Write a Parquet file; list, dict and data-object cells are stored as JSON and restored on reading."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = _json_columns(df)
    out = df.copy()
    for column in columns:
        out[column] = out[column].map(_json_cell)
    table = pa.Table.from_pandas(out, preserve_index=kwargs.pop("index", None))
    metadata = {**(table.schema.metadata or {}), _PARQUET_KEY: json.dumps(columns).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path, **kwargs)


def dataframe_from_parquet(path: Any, **kwargs: Any) -> pd.DataFrame:
    """Read a Parquet file written by ``dataframe_to_parquet``, restoring JSON cells and data objects."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, **kwargs)
    columns = json.loads((table.schema.metadata or {}).get(_PARQUET_KEY, b"[]"))
    df = table.to_pandas()
    for column in columns:
        df[column] = df[column].map(lambda v: _deserialize(json.loads(v), Any) if isinstance(v, str) else None)
    return df


def _optional_inner(tp: Any) -> Tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else tp), True
    return tp, False


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _required_fields(tp: type) -> List[str]:
    return [f.name for f in dataclasses.fields(tp) if f.init and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING]  # type: ignore[misc]


class _InferenceTable:
    """Builds inferences from table rows: a column per inference field (``<field>`` or ``inference.<field>``; JSON
    cells for annotations), or the columns of a single annotation's own fields (e.g. ``label,score`` for a
    ``ScoredClassificationLabel`` field)."""

    def __init__(self, inference_type: Type[Inference], columns: Sequence[str]):
        self.inference_type = inference_type
        self.columns = list(columns)
        hints = typing.get_type_hints(inference_type)
        self._hints = hints
        self._sources: List[Tuple[str, str, Any]] = []  # (field, column|object|default, detail): where values come from
        required = _required_fields(inference_type)
        for field in dataclasses.fields(inference_type):
            if not field.init:
                continue
            tp, optional = _optional_inner(hints.get(field.name, field.type))
            column = next((c for c in (field.name, f"inference.{field.name}") if c in self.columns), None)
            if column is not None:
                self._sources.append((field.name, "column", column))
            elif dataclasses.is_dataclass(tp) and self._covers(tp):
                self._sources.append((field.name, "object", tp))
            elif optional or field.name not in required:
                self._sources.append((field.name, "default", None))
            else:
                raise ValueError(f"inference field '{field.name}' ({getattr(tp, '__name__', tp)}) has no column: "
                                 f"expected '{field.name}' or the columns of its own fields; got {self.columns}")

    def _covers(self, tp: type) -> bool:
        required = _required_fields(tp)
        return bool(required) and all(name in self.columns for name in required)

    def build(self, row: Dict[str, Any]) -> Inference:
        """The inference of one row."""
        values: Dict[str, Any] = {}
        for name, how, detail in self._sources:
            if how == "column":
                value = row[detail]  # a data object's cell holds its dict: decoded as the field's type
                values[name] = None if _missing(value) else _deserialize(value, self._hints.get(name, Any))
            elif how == "object":
                names = [f.name for f in dataclasses.fields(detail) if f.init and f.name in self.columns]
                cells = {n: row[n] for n in names if not _missing(row[n])}
                values[name] = detail(**cells)
        return self.inference_type(**values)


@dataclasses.dataclass
class InferenceCsvImport:
    """What an inference CSV import did: the model, how many inferences were stored, and what did not match."""

    model: Model
    stored: int
    missing: List[TestSample]  # samples of the suite without a row in the CSV
    unmatched: List[str]  # CSV keys that are no sample of the suite

    def summary(self) -> str:
        """One line: the model, how many inferences were stored, how many samples and rows did not match."""
        text = f"model '{self.model.name}': {self.stored} inferences stored"
        if self.missing:
            text += f"; {len(self.missing)} samples have no inference"
        if self.unmatched:
            text += f"; {len(self.unmatched)} CSV rows match no sample of the suite"
        return text


def csv_key(sample: TestSample, key_column: str = "locator") -> str:
    """The value an inference CSV's key column holds for a sample: the field ``key_column`` of the sample's identity
    (``a.locator`` for a member of a composite), else its ``locator``, else its ``text``."""
    identity = json.loads(_codec.sample_key(sample))
    value: Any = identity
    for part in key_column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or isinstance(value, (dict, list)):
        value = next((identity[f] for f in ("locator", "text") if isinstance(identity.get(f), str)), None)
    if value is None:
        raise ValueError(f"test sample {sample!s} has no '{key_column}', locator or text to look its inference up by")
    return str(value)


def model_from_inference_csv(
    model: Union[Workflow, Type[Model]],
    csv: Union[str, Path, bytes, pd.DataFrame],
    test_suite: TestSuite,
    *,
    name: str,
    key_column: str = "locator",
    metadata: Optional[Dict[str, Any]] = None,
    tags: Optional[Set[str]] = None,
) -> InferenceCsvImport:
    """Create (or load) the model ``name`` of a workflow (or bound Model class) whose inferences are the rows of a
    CSV of precomputed outputs, store them for the suite's samples, and report what did not match.

    The ``key_column`` holds, per row, that field of a sample's identity (see :func:`csv_key`); the other columns
    are the inference's fields (see ``dataframe_from_csv`` for cells). The model's ``infer`` looks samples up in the
    table, so ``test()`` runs on it in this kernel; it raises ``KeyError`` naming a sample the table lacks.
    """
    model_class = model if isinstance(model, type) and issubclass(model, Model) else _model_class(model)
    frame = _read_table(csv)
    if key_column not in frame.columns:
        raise ValueError(f"the CSV has no '{key_column}' column (columns: {list(frame.columns)})")
    keys = frame[key_column].astype(str)
    duplicated = sorted(set(keys[keys.duplicated()]))
    if duplicated:
        raise ValueError(f"the CSV has several rows for {len(duplicated)} keys, e.g. '{duplicated[0]}'")
    table = _InferenceTable(model_class.workflow.inference_type, [c for c in frame.columns if c != key_column])
    rows = dict(zip(keys, frame.drop(columns=[key_column]).to_dict("records")))
    inferences = {key: table.build(row) for key, row in rows.items()}

    def infer(sample: TestSample) -> Inference:
        key = csv_key(sample, key_column)
        if key not in inferences:
            raise KeyError(f"no inference in the CSV for test sample '{key}'")
        return inferences[key]

    model_class(name, metadata=metadata, tags=tags)
    loaded = model_class.load(name, infer=infer)
    run = TestRun(loaded, test_suite, no_op_evaluator, reset=True)
    samples = [(s, csv_key(s, key_column)) for s in run.load_test_samples()]
    found = [(s, inferences[key]) for s, key in samples if key in inferences]
    run.upload_inferences(found)
    known = {key for _, key in samples}
    return InferenceCsvImport(loaded, len(found), [s for s, key in samples if key not in inferences],
                              [k for k in inferences if k not in known])


def _model_class(workflow: Any) -> Type[Model]:
    if not isinstance(workflow, Workflow):
        raise TypeError(f"expected a Workflow or a bound Model class, got {workflow!r}")
    return bound_classes(workflow)[2]


def _read_table(csv: Union[str, Path, bytes, pd.DataFrame]) -> pd.DataFrame:
    if isinstance(csv, pd.DataFrame):
        return csv
    if isinstance(csv, (bytes, bytearray, memoryview)):
        return dataframe_from_csv(io.StringIO(bytes(csv).decode("utf-8")))
    return dataframe_from_csv(str(csv))


def _stored_samples(model: Model, samples: Sequence[TestSample], argument: str) -> List[TestSample]:
    samples = list(samples)
    sample_type = model.workflow.test_sample_type
    for i, sample in enumerate(samples):
        if not isinstance(sample, sample_type):
            raise InputValidationError(f"{argument}[{i}] must be a {sample_type.__name__} of workflow "
                                       f"'{model.workflow.name}', got {type(sample).__name__} {shown(sample)}")
    return samples


def store_inferences(model: Model, samples: Sequence[TestSample], inferences: Sequence[Inference]) -> None:
    """Store ``model``'s inferences of ``samples`` (one per sample, in order) in one transaction, registering the
    samples of the model's workflow not stored yet (their metadata merged into stored ones). Every inference is
    checked first (``InputValidationError`` naming the sample); nothing is written if one is wrong. An inference
    stored earlier for a sample is replaced; a sample given twice keeps its last inference. An inference may be given
    as the JSON text the codec's column encoders wrote for it (``_dataframe.Encoded``), stored as it is."""
    samples = _stored_samples(model, samples, "samples")
    inferences = list(inferences)
    if len(inferences) != len(samples):
        raise InputValidationError(f"store_inferences got {len(samples)} samples and {len(inferences)} inferences")
    workflow = model.workflow
    encoded: Dict[int, Tuple[str, str, str]] = {}
    for sample, inference in zip(samples, inferences):
        data = inference if type(inference) is Encoded else encode_inference(inference, workflow.inference_type,
                                                                              sample)
        key, metadata = _codec.encode_sample(sample)
        encoded[_codec.sample_id(workflow.name, key)] = (key, metadata, data)
    if not encoded:
        return
    with store.get_store().transaction() as conn:
        workflow_id = workflow._register(conn)
        store.samples.upsert(conn, workflow_id, [(sid, key, metadata) for sid, (key, metadata, _) in encoded.items()])
        store.models.put_inferences(conn, model._id, [(sid, data) for sid, (_, _, data) in encoded.items()])


def stored_inferences(model: Model, samples: Sequence[TestSample]) -> List[Optional[Inference]]:
    """``model``'s stored inference of each sample, in order; None for a sample without one."""
    samples = _stored_samples(model, samples, "samples")
    workflow = model.workflow
    ids = [_codec.sample_id(workflow.name, _codec.sample_key(s)) for s in samples]
    with store.get_store().read() as conn:
        found = store.models.inferences(conn, model._id, sorted(set(ids)))
    decoded = {sid: _codec.decode(workflow.inference_type, text) for sid, text in found.items()}
    return [decoded.get(sid) for sid in ids]


def relative_locators(locators: Iterable[str], root: Union[str, os.PathLike]) -> List[str]:
    """Local locators rewritten relative to ``root`` (with ``/``), e.g. ``frame["locator"] =
    relative_locators(frame["locator"], "data")``: samples stored so keep their identity when the folder moves
    (``kolena_lab.set_data_root`` says where it is now). A URL or a path outside ``root`` is refused."""
    base = os.path.abspath(os.path.expanduser(root))
    out = []
    for i, locator in enumerate(locators):
        if not isinstance(locator, str) or not locator or "://" in locator and not locator.startswith("file://"):
            raise InputValidationError(f"locator {i} is not a local path: {shown(locator)}")
        path = os.path.abspath(os.path.expanduser(locator.removeprefix("file://")))
        relative = os.path.relpath(path, base)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            raise InputValidationError(f"locator {i} is outside the data root {shown(base)}: {shown(locator)}")
        out.append(relative.replace(os.sep, "/"))
    return out


__all__ = [
    "InferenceCsvImport",
    "csv_key",
    "dataframe_from_csv",
    "dataframe_from_parquet",
    "dataframe_to_csv",
    "dataframe_to_parquet",
    "model_from_inference_csv",
    "relative_locators",
    "store_inferences",
    "stored_inferences",
]
