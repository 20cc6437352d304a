"""DataFrames holding data objects, to and from CSV and Parquet files."""
import json
import re
from typing import Any, List

import numpy as np
import pandas as pd

from kolena_lab.workflow._datatypes import DataObject, _deserialize, _serialize

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


__all__ = ["dataframe_to_csv", "dataframe_from_csv", "dataframe_to_parquet", "dataframe_from_parquet"]
