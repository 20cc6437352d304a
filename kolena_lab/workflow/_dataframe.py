"""Test samples and ground truths to and from DataFrames, column-wise where the types allow it."""
import dataclasses
import io
import json
import re
import typing
from json.encoder import encode_basestring_ascii as _json_str  # type: ignore[attr-defined]
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import json as pa_json

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.media.locators import MAX_LOCATOR_LENGTH, locator_problem
from kolena_lab.workflow import _codec
from kolena_lab.workflow._datatypes import DataObject, _as_float, _deserialize, _info, _serialize
from kolena_lab.workflow._values import reading_stored
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.test_sample import METADATA_FIELD, TestSample

GROUND_TRUTH_PREFIX = "ground_truth."
INFERENCE_PREFIX = "inference."
SAMPLE_ID = "sample_id"  # the store's id of each row's sample, in every per-sample frame
_SCALARS = (str, int, float, bool)
_SUSPECT_LOCATOR = re.compile(r"[\x00-\x1f\x7f\[]")  # a control character, or a bracket of a URL
_BOX_FIELDS = ('{"top_left":[%s,%s],"bottom_right":[%s,%s],"width":%s,"height":%s,"area":%s,"aspect_ratio":%s,'
               '"label":%s')  # a LabeledBoundingBox's declared fields, in the order _to_dict writes them


class Encoded(str):
    """JSON text the codec's column encoders wrote (``encode_labeled_boxes`` joined into a list, say), stored as it
    is, not checked again: a ground truth cell ``from_dataframe`` takes for a field (every field of the ground truth
    is then given, pre-encoded or as a plain scalar column), or a whole inference ``store_inferences`` takes
    (``encoded_objects``)."""


def float_texts(values: np.ndarray) -> List[str]:
    """The JSON text of each finite float (its ``repr``, as ``json`` writes it), each distinct value formatted once."""
    if not len(values):
        return []
    unique, inverse = np.unique(values, return_inverse=True)
    texts = np.array(list(map(float.__repr__, unique.tolist())), dtype=object)
    out = texts[inverse.reshape(-1)]
    zero = values == 0
    if zero.any():  # np.unique takes 0.0 and -0.0 for one value
        out[zero] = np.where(np.signbit(values[zero]), "-0.0", "0.0").astype(object)
    return out.tolist()


def json_texts(values: Sequence[Any]) -> List[str]:
    """Each value's JSON text, exactly as the codec writes it inside an object; column-wise when the values share a
    plain type (integers, finite floats, strings)."""
    kinds = set(map(type, values))
    if kinds == {int}:
        return list(map(int.__repr__, values))
    if kinds == {float}:
        array = np.asarray(values, dtype=float)
        if np.isfinite(array).all():
            return float_texts(array)
    if kinds == {str}:
        return list(map(_json_str, values))
    return [_codec.dumps(_serialize(v)) for v in values]


def encode_labeled_boxes(corners: np.ndarray, labels: Sequence[str], attributes: Dict[str, Sequence[str]],
                         scores: Optional[np.ndarray] = None) -> List[str]:
    """The JSON text of each ``LabeledBoundingBox`` (a ``ScoredLabeledBoundingBox`` with ``scores``, finite floats)
    from ``corners`` (rows ``x1, y1, x2, y2`` of finite floats), ``labels`` and extra ``attributes`` (name: each
    box's value as JSON text, from ``json_texts``), exactly as ``_codec.encode`` writes the objects, without building
    them."""
    x1, y1, x2, y2 = (np.ascontiguousarray(corners[:, k], dtype=float) for k in range(4))
    width, height = np.abs(x2 - x1), np.abs(y2 - y1)
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.where(height != 0, width / np.where(height != 0, height, 1.0), 0.0)
    tag = _codec.dumps((LabeledBoundingBox if scores is None else ScoredLabeledBoundingBox)._data_type().tag())
    template = _BOX_FIELDS + ("" if scores is None else ',"score":%s')
    template += "".join(f",{_json_str(name).replace('%', '%%')}:%s" for name in attributes) + f',"data_type":{tag}}}'
    columns = [float_texts(c) for c in (x1, y1, x2, y2, width, height, width * height, aspect)]
    columns.append(list(map(_json_str, labels)))
    if scores is not None:
        columns.append(float_texts(np.asarray(scores, dtype=float)))
    return [template % row for row in zip(*columns, *attributes.values())]


def _json_value(value: Any, as_float: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _json_str(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return json.dumps(_as_float(int(value))) if as_float else str(int(value))
    if isinstance(value, (float, np.floating)):
        return json.dumps(float(value))
    return _codec.dumps(_serialize(value))


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=False) == "string"


def _column_parts(values: pd.Series, as_float: bool = False, null_missing: bool = False) -> Tuple[str, list]:
    """A %-format and the values that format each cell as JSON: finite floats and integers stay native numbers
    (formatted in C by the row template); text becomes JSON strings; anything else is serialised per cell.
    With ``as_float`` (a ``float`` field), integers are written as floats, as the object path writes them; with
    ``null_missing`` (a ``str``, ``int`` or ``bool`` field), empty cells (NaN, None) are written as null."""
    if null_missing and values.dtype.kind in "fO" and values.isna().any():
        values = values.astype(object).where(values.notna(), None)
    kind = values.dtype.kind
    if kind == "b":
        return "%s", np.where(values.to_numpy(), "true", "false").tolist()
    if kind in "iu" and not as_float:
        return "%d", values.to_numpy().tolist()
    if kind in "iuf":
        array = values.to_numpy(dtype=float)
        if np.isfinite(array).all():
            return "%r", array.tolist()
        return "%s", list(map(json.dumps, array.tolist()))
    if _is_text(values) and not values.isna().any():
        return "%s", list(map(_json_str, values.tolist()))
    return "%s", [_json_value(v, as_float) for v in values.tolist()]


def _column_json(values: pd.Series, as_float: bool = False, null_missing: bool = False) -> List[str]:
    """Each cell as JSON text."""
    spec, cells = _column_parts(values, as_float, null_missing)
    return cells if spec == "%s" else [spec % v for v in cells]


def _scalar_type(hint: Any) -> Optional[type]:
    """The scalar type of a ``scalar`` or ``Optional[scalar]`` field, else None."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is typing.Union and len(args) == 1:
        hint = args[0]
    return hint if hint in _SCALARS else None


def _fast_fields(cls: Type[DataObject], exclude: Tuple[str, ...] = ()) -> Optional[List[str]]:
    """The init fields when ``cls`` can be serialised column-wise (plain scalars, no post-init logic), else None."""
    info = _info(cls)
    # pydantic marks a stdlib dataclass it merely validates as a field type (a composite's member) as not validating
    if getattr(cls, "__pydantic_run_validation__", False) or hasattr(cls, "__post_init__"):
        return None
    names = [f.name for f in info.fields if f.name not in exclude]
    if any(not f.init for f in info.fields) or any(_scalar_type(info.hints.get(n)) is None for n in names):
        return None
    return names


def _describe_cell(value: Any) -> str:
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return f"an empty cell ({shown(value)})"
    if isinstance(value, np.generic):  # numpy's scalars as the Python values they stand for
        value = value.item()
    return f"{type(value).__name__} {shown(value)}"


def _optional(hint: Any, default: Any) -> bool:
    """Whether a field takes None: an ``Optional`` hint or a None default (as pydantic makes it Optional)."""
    return default is None or (typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint))


def _is_bool(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_))


def _is_int(v: Any) -> bool:
    if _is_bool(v):  # a boolean in a number column is a wrong column, not a number
        return False
    return isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating)) and float(v).is_integer())


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.number)) and not _is_bool(v)


_EXPECTED = {str: ("strings", lambda v: isinstance(v, str)), bool: ("booleans", _is_bool),
             int: ("integers", _is_int), float: ("numbers", _is_number)}


def _bad_rows(values: pd.Series, scalar: type, optional: bool) -> np.ndarray:
    """A boolean mask of the cells a field of type ``scalar`` refuses, vectorised by dtype (cells of object columns
    are looked at one by one only when the column is not plainly typed)."""
    kind = values.dtype.kind
    missing = values.isna().to_numpy() if kind in "fOUSmM" else np.zeros(len(values), dtype=bool)
    if scalar is float and kind in "iuf":
        return np.zeros(len(values), dtype=bool)
    if scalar is int and kind in "iu" or scalar is bool and kind == "b":
        return np.zeros(len(values), dtype=bool)
    if scalar is int and kind == "f":
        array = values.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return ~(np.isfinite(array) & (array == np.round(array))) & ~(missing & optional)
    if scalar is str and _is_text(values):
        return missing & ~optional
    if kind != "O":
        return ~(missing & optional)
    accept = _EXPECTED[scalar][1]
    ok = np.fromiter((accept(v) for v in values.tolist()), dtype=bool, count=len(values))
    return ~(ok | (missing & optional))


def _check_column(values: pd.Series, column: str, hint: Any, default: Any = dataclasses.MISSING) -> None:
    """Refuse a column whose cells a scalar field of type ``hint`` does not take, naming the first bad row."""
    scalar = _scalar_type(hint)
    if scalar is None or not len(values):
        return
    optional = _optional(hint, default)
    bad = _bad_rows(values, scalar, optional)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = values.iloc[row]
        what = _EXPECTED[scalar][0] + (" (or empty cells)" if optional else "")
        raise InputValidationError(f"column '{column}' must hold {what}; row {values.index[row]} holds "
                                   f"{_describe_cell(value)}")


def _check_locators(values: pd.Series, column: str) -> None:
    """Refuse a column of locators (strings, as its type check found) holding one that cannot be a locator (see
    ``locator_problem``), naming its row. One scan of all the text finds whether any cell needs a closer look."""
    texts = values.tolist()
    if values.hasnans:  # empty cells of an Optional field: the type check's to judge
        texts = [c if isinstance(c, str) else "x" for c in texts]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if (len(texts) == 0 or (lengths.min() > 0 and lengths.max() <= MAX_LOCATOR_LENGTH
                            and _SUSPECT_LOCATOR.search("".join(texts)) is None)):
        return
    for row, text in enumerate(texts):
        problem = locator_problem(text)
        if problem is not None:
            raise InputValidationError(f"column '{column}' holds no locator in row {values.index[row]} "
                                       f"({shown(text)}): {problem}")


def _fast_json(columns: Dict[str, pd.Series], n: int, suffix: str = "", skip_missing: bool = False,
               hints: Optional[Dict[str, Any]] = None) -> List[str]:
    """Each row's ``{"column": value, ...}`` JSON; with ``skip_missing``, empty cells (None/NaN) are left out.
    Columns whose ``hints`` entry is ``float`` or ``Optional[float]`` hold floats, as the object path writes them."""
    if not columns:
        return ["{" + suffix.lstrip(",") + "}"] * n
    names = [_json_str(str(name)) for name in columns]
    scalars = [_scalar_type((hints or {}).get(name)) for name in columns]
    as_float = [scalar is float for scalar in scalars]
    null_missing = [scalar in (str, int, bool) for scalar in scalars]
    missing = [col.isna().to_numpy() for col in columns.values()] if skip_missing else []
    if not any(m.any() for m in missing):
        specs, values = zip(*(_column_parts(col, f, m) for col, f, m in zip(columns.values(), as_float, null_missing)))
        template = "{" + ",".join(f"{name.replace('%', '%%')}:{spec}" for name, spec in zip(names, specs))
        template += suffix.replace("%", "%%") + "}"
        return [template % row for row in zip(*values)]
    values = [_column_json(col, f, m) for col, f, m in zip(columns.values(), as_float, null_missing)]
    parts = [
        [None if m else f"{name}:{v}" for v, m in zip(column, flags.tolist())]
        for name, column, flags in zip(names, values, missing)
    ]
    return ["{" + ",".join(p for p in row if p is not None) + suffix + "}" for row in zip(*parts)]


def encode_members(
    df: pd.DataFrame,
    sample_type: Type[TestSample],
    ground_truth_type: Type[GroundTruth],
) -> Tuple[List[str], List[str], List[Optional[str]]]:
    """Identity keys, metadata JSON and ground truth JSON, a list each, exactly as the object path would store them."""
    if not isinstance(df, pd.DataFrame):
        raise InputValidationError(f"expected a pandas DataFrame, got {type(df).__name__}")
    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        raise InputValidationError(f"DataFrame column names must be unique: {shown(duplicated)} repeat")
    df = df.set_axis(columns, axis=1)
    n = len(df)
    sample_info, gt_info = _info(sample_type), _info(ground_truth_type)
    sample_fields = [f.name for f in sample_info.fields if f.init and f.name != METADATA_FIELD]
    missing = [f.name for f in sample_info.fields if f.name in sample_fields and f.name not in df
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise InputValidationError(f"DataFrame lacks the test sample column(s) {missing} of {sample_type.__name__}")
    gt_columns: Dict[str, str] = {}
    for f in gt_info.fields:
        if f.init and GROUND_TRUTH_PREFIX + f.name in df:
            gt_columns[f.name] = GROUND_TRUTH_PREFIX + f.name
        elif f.init and f.name in df and f.name not in sample_fields:
            gt_columns[f.name] = f.name
    used = set(sample_fields) | set(gt_columns.values())
    meta_columns = [c for c in columns if c not in used and c not in (METADATA_FIELD, SAMPLE_ID)]
    if METADATA_FIELD in df and meta_columns:
        raise InputValidationError(f"give metadata either as a '{METADATA_FIELD}' column or as extra columns, "
                                   f"not both: {meta_columns}")

    present = {name: df[name] for name in sample_fields if name in df}
    defaults = {f.name: f.default for f in sample_info.fields}
    for name, values in present.items():
        _check_column(values, name, sample_info.hints.get(name), defaults.get(name, dataclasses.MISSING))
        if name in getattr(sample_type, "_locator_fields", ()):
            _check_locators(values, name)
    fast = _fast_fields(sample_type, exclude=(METADATA_FIELD,))
    tag = _codec.dumps(sample_type._data_type().tag())
    if fast is not None and set(fast) == set(present):
        keys = _fast_json({name: present[name] for name in fast}, n, suffix=f',"data_type":{tag}',
                          hints=sample_info.hints)
    else:
        keys = [_codec.sample_key(s) for s in _objects(sample_type, present, n)]
    if METADATA_FIELD in df:
        metadata = [_metadata_json(m, i) for m, i in zip(df[METADATA_FIELD].tolist(), df.index)]
    else:
        metadata = _fast_json({c: df[c] for c in meta_columns}, n, skip_missing=True)
    return keys, metadata, _encode_ground_truths(df, ground_truth_type, gt_columns, n)


def _metadata_json(value: Any, row: Any) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        value = {}
    if not isinstance(value, dict):
        raise InputValidationError(f"column '{METADATA_FIELD}' must hold dicts; row {row} holds "
                                   f"{type(value).__name__} {shown(value)}")
    return _codec.dumps(_serialize(value))


def _cell(value: Any, hint: Any) -> Any:
    """A cell as the field's value: an empty cell (NaN, None) is None unless the field is a plain float. A data
    object, or a list of them, is kept as it is (built and checked already): ``_from_dict`` takes it unchanged."""
    if _scalar_type(hint) is not float and pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, DataObject) or isinstance(value, list) and value and isinstance(value[0], DataObject):
        return value
    return _serialize(value)


def _cell_error(hint: Any, value: Any) -> Optional[str]:
    """What is structurally wrong with a cell of a list or data-object field, or None."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    optional = typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint)
    if optional and len(args) == 1:
        hint = args[0]
    if value is None:
        return None if optional else "a value in every row"
    if typing.get_origin(hint) in (list, List) and not isinstance(value, list):
        return "a list"
    if isinstance(hint, type) and issubclass(hint, DataObject) and not isinstance(value, (dict, DataObject)):
        return f"a {hint.__name__} (or its dict)"
    return None


def _objects(cls: Type[DataObject], columns: Dict[str, pd.Series], n: int,
             column_names: Optional[Dict[str, str]] = None) -> List[Any]:
    names = list(columns)
    hints = _info(cls).hints
    index = next(iter(columns.values())).index if columns else range(n)
    value_lists = [columns[c].tolist() for c in names]
    out = []
    for i in range(n):
        row = {name: _cell(values[i], hints.get(name, Any)) for name, values in zip(names, value_lists)}
        for name, value in row.items():
            expected = _cell_error(hints.get(name, Any), value)
            if expected is not None:
                column = (column_names or {}).get(name, name)
                cell = value_lists[names.index(name)][i]
                raise InputValidationError(f"row {index[i]}: column '{column}' expected {expected}, got "
                                           f"{_describe_cell(cell)}")
        try:
            out.append(cls._from_dict(row))
        except (TypeError, ValueError) as e:
            raise InputValidationError(f"row {index[i]}: cannot build {cls.__name__}: {e}") from e
    return out


def _encode_ground_truths(df: pd.DataFrame, cls: Type[GroundTruth], columns: Dict[str, str], n: int) -> List[Any]:
    if not columns:
        return [None] * n
    required = [f.name for f in _info(cls).fields if f.init and f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputValidationError(f"DataFrame lacks the ground truth column(s) {missing} of {cls.__name__}")
    series = {name: df[column] for name, column in columns.items()}
    fast, hints = _fast_fields(cls), _info(cls).hints
    defaults = {f.name: f.default for f in _info(cls).fields}
    for name, column in columns.items():
        _check_column(series[name], column, hints.get(name), defaults.get(name, dataclasses.MISSING))
    encoded = [name for name, values in series.items() if len(values) and isinstance(values.iloc[0], Encoded)]
    if encoded:
        return _encoded_json(cls, series, columns, encoded, n)
    if fast is not None and set(fast) == set(series):
        return _fast_json({name: series[name] for name in fast}, n, hints=hints)
    return [_codec.encode(obj) for obj in _objects(cls, series, n, columns)]


def _encoded_json(cls: Type[GroundTruth], series: Dict[str, pd.Series], columns: Dict[str, str], encoded: List[str],
                  n: int) -> List[str]:
    """Each row's ground truth JSON from columns of ``Encoded`` texts (and plain scalar columns), in field order."""
    info = _info(cls)
    names = [f.name for f in info.fields]
    if any(not f.init for f in info.fields) or set(names) != set(series):
        raise InputValidationError(f"pre-encoded ground truth columns {shown(encoded)} need every field of "
                                   f"{cls.__name__} as a column: {shown(names)}")
    texts = []
    for name in names:
        values = series[name]
        if name in encoded:
            cells = values.tolist()
            if not all(type(cell) is Encoded for cell in cells):
                raise InputValidationError(f"column '{columns[name]}' mixes pre-encoded and other cells")
            texts.append(cells)
        elif _scalar_type(info.hints.get(name)) is not None:
            scalar = _scalar_type(info.hints.get(name))
            texts.append(_column_json(values, scalar is float, scalar in (str, int, bool)))
        else:
            raise InputValidationError(f"column '{columns[name]}' must be pre-encoded, as the other ground truth "
                                       "columns are")
    return encoded_objects(names, texts)


def encoded_objects(names: Sequence[str], texts: Sequence[Sequence[str]], kind: Type[str] = str) -> List[str]:
    """Each row's JSON object of fields ``names`` (in this order: a data object's fields, as ``_to_dict`` writes
    them) from each field's JSON texts, as ``kind`` (``Encoded`` for ``store_inferences``)."""
    template = "{" + ",".join(f"{_json_str(name).replace('%', '%%')}:%s" for name in names) + "}"
    return [kind(template % row) for row in zip(*texts)]


def decode_members(
    rows: Sequence[Tuple[int, str, str, Optional[str]]],
    sample_type: Type[TestSample],
    ground_truth_type: Type[GroundTruth],
) -> pd.DataFrame:
    """A DataFrame of stored members: ``sample_id`` (unless the sample has a field of that name), sample fields,
    metadata keys, and ``ground_truth.<field>`` columns."""
    n = len(rows)
    sample_info = _info(sample_type)
    keys = _JsonColumns([r[1] for r in rows])
    columns: Dict[str, Any] = {}
    if SAMPLE_ID not in {f.name for f in sample_info.fields}:
        columns[SAMPLE_ID] = pd.Series([r[0] for r in rows], dtype="int64")
    for f in sample_info.fields:
        if f.init and f.name != METADATA_FIELD:
            columns[f.name] = keys.field(f.name, sample_info.hints.get(f.name, Any))
    metadata = _JsonColumns([r[2] for r in rows])
    for key, values in metadata.items():
        name = key if key not in columns else f"{METADATA_FIELD}.{key}"  # a metadata key named like a column
        columns[name] = values if isinstance(values, pd.Series) else pd.Series(
            values, dtype=object if None in values else None)
    frame = pd.DataFrame(columns, index=range(n))
    ground_truths = decode_objects([r[3] for r in rows], ground_truth_type, GROUND_TRUTH_PREFIX)
    return pd.concat([frame, ground_truths], axis=1)


def decode_objects(texts: Sequence[Optional[str]], cls: Type[DataObject], prefix: str) -> pd.DataFrame:
    """One ``<prefix><field>`` column per init field of ``cls``; missing objects give empty cells."""
    info = _info(cls)
    objects = _JsonColumns(["{}" if t is None else t for t in texts])
    return pd.DataFrame(
        {prefix + f.name: objects.field(f.name, info.hints.get(f.name, Any)) for f in info.fields if f.init},
        index=range(len(texts)),
    )


class _JsonColumns:
    """The columns of many JSON objects (one per row): parsed column-wise by Arrow when that is exact, else by
    ``json`` row by row.

    Arrow is used only when every value is a plain scalar (string, integer, float, bool) and each key holds one
    type; a column with empty cells is handed back as a list, so it is built exactly as the row-wise path builds it.
    """

    def __init__(self, texts: List[str]):
        self._texts = texts
        self._arrow = _arrow_columns(texts)
        self._dicts: Optional[List[Dict[str, Any]]] = None

    def dicts(self) -> List[Dict[str, Any]]:
        if self._dicts is None:
            self._dicts = [json.loads(t) for t in self._texts]
        return self._dicts

    def items(self) -> List[Tuple[str, Any]]:
        """``(key, values)`` in order of first appearance; values a Series or, with empty cells, a list."""
        if self._arrow is not None:
            return list(self._arrow.items())
        dicts = self.dicts()
        return [(key, [d.get(key) for d in dicts]) for key in dict.fromkeys(k for d in dicts for k in d)]

    def field(self, name: str, hint: Any) -> Any:
        """The values of a data-object field, deserialised to ``hint``."""
        if _scalar_type(hint) is not None:
            if self._arrow is not None:
                return self._arrow.get(name, [None] * len(self._texts))
            return [d.get(name) for d in self.dicts()]
        with reading_stored():  # what the store holds stays readable
            return [_deserialize(d.get(name), hint) for d in self.dicts()]


def _arrow_columns(texts: List[str]) -> Optional[Dict[str, Any]]:
    """Arrow's column-wise parse of one JSON object per text, or None where it would not equal ``json``'s."""
    if not texts:
        return None
    try:
        table = pa_json.read_json(io.BytesIO("\n".join(texts).encode()),
                                  read_options=pa_json.ReadOptions(block_size=1 << 26))
    except (pa.ArrowException, UnicodeEncodeError):  # mixed types, NaN tokens, huge integers, lone surrogates
        return None
    if table.num_rows != len(texts):
        return None
    out: Dict[str, Any] = {}
    for name, column in zip(table.column_names, table.columns):
        kind = column.type
        if not (pa.types.is_string(kind) or pa.types.is_int64(kind) or pa.types.is_float64(kind)
                or pa.types.is_boolean(kind)):
            return None  # nested values, timestamps inferred from text, all-null columns
        values = column.to_pylist() if column.null_count else column.to_pandas()
        if pa.types.is_float64(kind) and _may_be_big_integer(values):
            return None  # Arrow reads an integer beyond 64 bits as a float; json keeps it exact
        out[name] = values
    return out


def _may_be_big_integer(values: Any) -> bool:
    array = np.asarray([v for v in values if v is not None] if isinstance(values, list) else values, dtype=float)
    return bool(np.any((np.abs(array) >= 2.0 ** 63) & (array == np.round(array))))

