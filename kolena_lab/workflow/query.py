"""Selecting and ordering the samples of a table: typed filters, a pandas-style query string, sort orders.

A table is a DataFrame with one row per sample and scalar columns (``brightness``, ``ground_truth.label``,
``metrics.iou``). :func:`select` returns its matching rows in order; :class:`SampleView` keeps filters, a query and a
sort over one table and answers with row positions, so a page of a million-row table costs a boolean mask and a
gather (masks and sort orders are cached). The sample browser, the command line's ``--where`` and the REST API all
filter through this module.

Queries (``where``) are pandas expressions (:meth:`pandas.DataFrame.eval`, python engine) that give true or false
per row:

- **fields**: a column name; a dotted name is written as is (``ground_truth.label == "cat"``) or in backticks
  (```ground_truth.label` == "cat"``), and any other name in backticks (```camera id` == "a"``). Once a query has a
  backtick, no name is quoted for it: put every dotted name in backticks.
- **values**: numbers, quoted strings, ``True`` / ``False``, lists (``["sun", "rain"]``).
- **comparisons**: ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, chained (``0.2 < brightness <= 0.8``), and
  ``in`` / ``not in`` a list; a boolean field alone is a condition (``is_night``).
- **logic**: ``and``, ``or``, ``not`` (or ``&``, ``|``, ``~``) and parentheses.
- **missing values** (``None``, ``NaN``) fail ``==``, ``<``, ``<=``, ``>``, ``>=`` and ``in``, and pass ``!=`` and
  ``not in``; test them with ``field.isna()`` / ``field.notna()``. A row whose result is missing does not match.
- **inside objects**: a column of annotations (``ground_truth.label`` holding ``ClassificationLabel``) offers its
  scalar attributes as fields (``ground_truth.label.label``, ``inference.prediction.score``); a column of lists
  (``ground_truth.bboxes``) offers ``.count``, ``.labels`` (the distinct labels, comma-separated) and ``.max_score``.
  Comparing the object column itself is an error that names these fields.
- An empty query matches every row. An unknown field, bad syntax, a comparison the column's type refuses, or an
  expression that is a value rather than a condition (``brightness + 1``) raise :class:`~kolena_lab.errors.QueryError`.

Typed filters (:class:`Filter`, ``Filter(field, op, value)``) are what controls build; all filters and the query must
hold. Operators (:data:`OPERATORS`) and their values:

- ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``: one value; text is turned into the column's type (``"0.5"`` for a
  number, ``"true"`` / ``"false"`` / ``"yes"`` / ``"no"`` / ``"1"`` / ``"0"`` for a boolean).
- ``between``: ``(low, high)``, inclusive, or the text ``"low, high"``; ``None`` or an empty side leaves it open.
- ``in``: a sequence of values, or comma-separated text (``"1, 9"``).
- ``contains``: text found in the value, ignoring case.
- ``is missing`` / ``is not missing``: no value.

A missing value matches no typed filter except ``is missing`` (``!=`` included). Sorting is stable, missing values
last, in either direction.
"""
import dataclasses
import io
import math
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from kolena_lab.errors import QueryError

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "between", "contains", "in", "is missing", "is not missing")
_UNARY = ("is missing", "is not missing")
_COMPARE = {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}
_SHOWN_VALUES = 5
CATEGORY_LIMIT = 20
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BACKTICKED = re.compile(r"`([^`]*)`")
_PROBE_ROWS = 200
_SCALAR_TYPES = (str, bool, int, float, np.integer, np.floating, np.bool_)


@dataclass(frozen=True)
class Filter:
    """``field operator value``, e.g. ``Filter("brightness", ">", 0.5)``; ``value`` is ignored by the missing tests,
    is a sequence for ``in`` and a ``(low, high)`` pair for ``between`` (inclusive; ``None`` leaves a side open).
    Sequence values are kept as tuples, so equal filters share one cached mask."""

    field: str
    op: str
    value: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.value, (str, bytes)) and isinstance(self.value, Iterable):
            object.__setattr__(self, "value", tuple(self.value))

    def __str__(self) -> str:
        if self.op in _UNARY:
            return f"{self.field} {self.op}"
        if self.op == "between" and isinstance(self.value, tuple) and len(self.value) == 2:
            low, high = self.value
            if low is None or high is None:
                return f"{self.field} {'<=' if low is None else '>='} {high if low is None else low!r}"
            return f"{self.field} between {low!r} and {high!r}"
        if self.op == "in" and isinstance(self.value, tuple) and len(self.value) > _SHOWN_VALUES:
            return f"{self.field} in {len(self.value):,} values"
        if isinstance(self.value, tuple):
            return f"{self.field} {self.op} {list(self.value)!r}"
        return f"{self.field} {self.op} {self.value!r}"


@dataclass(frozen=True)
class FieldSummary:
    """What a typed control needs to know of a field: its ``kind`` (``number``, ``boolean``, ``category`` or
    ``text``), the range of a number (``integer`` when it holds whole numbers only), the values of a category with
    their counts."""

    kind: str
    low: float = 0.0
    high: float = 0.0
    integer: bool = False
    values: Tuple[Tuple[Any, int], ...] = ()


def is_scalar_column(values: pd.Series) -> bool:
    """Whether a column holds numbers, booleans or text (the columns that can be filtered and sorted)."""
    kind = values.dtype.kind
    if kind in "biuf":
        return True
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    return inferred in ("string", "empty", "boolean", "integer", "floating", "mixed-integer-float")


def _present(values: pd.Series) -> List[Any]:
    return [v for v in values.iloc[:_PROBE_ROWS] if v is not None and not (isinstance(v, float) and math.isnan(v))]


def _scalar_attributes(obj: Any) -> List[str]:
    """The public attributes of a data object (declared fields, then extras) that hold a number, bool or text."""
    names = [f.name for f in dataclasses.fields(obj)] + [k for k in vars(obj) if k not in obj.__dataclass_fields__]
    return [n for n in dict.fromkeys(names) if not n.startswith("_") and isinstance(getattr(obj, n, None),
                                                                                   _SCALAR_TYPES)]


def _count(value: Any) -> Any:
    return len(value) if isinstance(value, (list, tuple)) else None


def _labels(value: Any) -> Any:
    if not isinstance(value, (list, tuple)):
        return None
    return ", ".join(sorted({str(x.label) for x in value if getattr(x, "label", None) is not None}))


def _max_score(value: Any) -> Any:
    scores = [x.score for x in value if isinstance(getattr(x, "score", None), _SCALAR_TYPES)] \
        if isinstance(value, (list, tuple)) else []
    return max(scores) if scores else None


def _attribute(name: str) -> Callable[[Any], Any]:
    def get(value: Any) -> Any:
        return getattr(value, name, None)
    return get


def derived_fields(frame: pd.DataFrame) -> Dict[str, Tuple[str, Callable[[Any], Any]]]:
    """The scalar fields inside the object columns of ``frame``: ``{name: (column, getter)}``, e.g.
    ``"ground_truth.label.label": ("ground_truth.label", <label of>)``; found from the first rows' values."""
    out: Dict[str, Tuple[str, Callable[[Any], Any]]] = {}
    for column in map(str, frame.columns):
        values = frame[column]
        if values.dtype.kind != "O" or is_scalar_column(values):
            continue
        present = _present(values)
        if present and all(isinstance(v, (list, tuple)) for v in present):
            items = [x for v in present for x in v][:_PROBE_ROWS]
            out[f"{column}.count"] = (column, _count)
            if any(getattr(x, "label", None) is not None for x in items):
                out[f"{column}.labels"] = (column, _labels)
            if any(isinstance(getattr(x, "score", None), _SCALAR_TYPES) for x in items):
                out[f"{column}.max_score"] = (column, _max_score)
        elif present and dataclasses.is_dataclass(present[0]) and not isinstance(present[0], type):
            for name in _scalar_attributes(present[0]):
                if f"{column}.{name}" not in frame.columns:
                    out[f"{column}.{name}"] = (column, _attribute(name))
    return out


def _derive(frame: pd.DataFrame, derived: Dict[str, Tuple[str, Callable[[Any], Any]]], name: str) -> pd.Series:
    column, getter = derived[name]
    values = frame[column].map(getter)
    return values if values.dtype.kind != "O" else values.infer_objects()


def _mentioned(expr: str, names: Sequence[str]) -> List[str]:
    """The dotted names among ``names`` that ``expr`` mentions, each as the longest chain that is a name, bare or in
    backticks (``ground_truth.label.label`` mentions it, not ``ground_truth.label``)."""
    try:
        rewritten = _rewrite(expr, names)
    except QueryError:
        return []
    wanted = set(names)
    return [n for n in dict.fromkeys(_BACKTICKED.findall(rewritten)) if n in wanted]


def with_fields(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """``frame`` with the derived fields among ``names`` (see :func:`derived_fields`) added as columns."""
    missing = [n for n in dict.fromkeys(names) if n and n not in frame.columns]
    if not missing:
        return frame
    derived = derived_fields(frame)
    extra = {n: _derive(frame, derived, n) for n in missing if n in derived}
    return frame.assign(**extra) if extra else frame


def _check_names(frame: pd.DataFrame, rewritten: str, text: str) -> None:
    """Raise a :class:`QueryError` naming a backticked field that does not exist, or an object column compared as a
    whole (with the fields inside it that can be compared)."""
    columns = [str(c) for c in frame.columns]
    mentioned = _BACKTICKED.findall(rewritten)
    for name in mentioned:
        if name not in columns:
            raise QueryError(f"unknown field '{name}' in query {text!r}; fields: {', '.join(columns)}")
    try:
        bare = [t.string for t in tokenize.generate_tokens(io.StringIO(_BACKTICKED.sub(" ", rewritten)).readline)
                if t.type == tokenize.NAME]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        bare = []
    for name in dict.fromkeys([*mentioned, *bare]):
        if name in columns and frame[name].dtype.kind == "O" and not is_scalar_column(frame[name]):
            present = _present(frame[name])
            kind = type(present[0]).__name__ if present else "object"
            inner = [n for n, (column, _) in derived_fields(frame).items() if column == name]
            hint = f"; compare a field inside it: {', '.join(inner)}" if inner else ""
            raise QueryError(f"field '{name}' holds {kind} values, which a query cannot compare{hint}")


def _numeric(values: pd.Series) -> bool:
    return values.dtype.kind in "iuf" or pd.api.types.infer_dtype(values, skipna=True) in (
        "integer", "floating", "mixed-integer-float")


def _boolean(values: pd.Series) -> bool:
    return values.dtype.kind == "b" or pd.api.types.infer_dtype(values, skipna=True) == "boolean"


def coerce_value(values: pd.Series, field: str, text: Any) -> Any:
    """``text`` (as typed in a control) turned into the column's type: a number, a bool or a string."""
    if not isinstance(text, str):
        return text
    raw = text.strip()
    if _boolean(values):
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise QueryError(f"field '{field}' holds true/false; cannot compare it with {text!r}")
    if _numeric(values):
        try:
            number = float(raw)
        except ValueError:
            raise QueryError(f"field '{field}' holds numbers; {text!r} is not a number") from None
        return int(number) if number.is_integer() and values.dtype.kind in "iu" else number
    return text


def _rewrite(expr: str, columns: Sequence[str]) -> str:
    """``expr`` with field names that are not Python identifiers (``ground_truth.label``) put in backticks."""
    dotted = {c for c in columns if not _IDENTIFIER.match(c)}
    if not dotted or "`" in expr:
        return expr
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(expr).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise QueryError(f"invalid query {expr!r}: {exc}") from None
    out: List[str] = []
    last = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == tokenize.NAME:
            j, name = i, tok.string  # the longest chain NAME(.NAME)* that names a column
            best: Optional[Tuple[int, str]] = None
            while True:
                if name in dotted:
                    best = (j, name)
                if j + 2 < len(tokens) and tokens[j + 1].string == "." and tokens[j + 2].type == tokenize.NAME \
                        and tokens[j + 1].start == tokens[j].end and tokens[j + 2].start == tokens[j + 1].end:
                    j += 2
                    name = f"{name}.{tokens[j].string}"
                    continue
                break
            if best is not None:
                start, end = tok.start[1], tokens[best[0]].end[1]
                out.append(expr[last:start] + f"`{best[1]}`")
                last = end
                i = best[0] + 1
                continue
        i += 1
    out.append(expr[last:])
    return "".join(out)


def query_mask(frame: pd.DataFrame, expr: str) -> np.ndarray:
    """Rows of ``frame`` for which the pandas-style boolean expression is true, as a boolean array.

    Fields are named as they are in the table, dotted names included (``ground_truth.label == "cat"``).
    """
    text = " ".join(expr.split())
    if not text:
        return np.ones(len(frame), dtype=bool)
    frame = with_fields(frame, _mentioned(text, [*map(str, frame.columns), *derived_fields(frame)]))
    rewritten = _rewrite(text, list(frame.columns))
    _check_names(frame, rewritten, text)
    try:
        result = frame.eval(rewritten, engine="python")
    except pd.errors.UndefinedVariableError as exc:
        name = re.search(r"'([^']+)'", str(exc))
        unknown = name.group(1) if name else str(exc)
        raise QueryError(f"unknown field '{unknown}' in query {text!r}; fields: {', '.join(map(str, frame.columns))}"
                         ) from None
    except SyntaxError as exc:
        raise QueryError(f"invalid query {text!r}: {exc.msg}") from None
    except Exception as exc:  # pandas reports type mismatches and unsupported operations in many ways
        raise QueryError(f"cannot evaluate query {text!r}: {type(exc).__name__}: {exc}") from None
    if isinstance(result, pd.Series) and len(result) == len(frame) and (
            result.dtype.kind == "b" or pd.api.types.is_bool_dtype(result.dtype)):
        return result.fillna(False).to_numpy(dtype=bool)
    if isinstance(result, (bool, np.bool_)):
        return np.full(len(frame), bool(result))
    raise QueryError(f"query {text!r} must give true or false per sample (a comparison), not a value")


def filter_mask(frame: pd.DataFrame, flt: Filter) -> np.ndarray:
    """Rows of ``frame`` matching one typed filter."""
    frame = with_fields(frame, [flt.field])
    if flt.field not in frame.columns:
        raise QueryError(f"unknown field '{flt.field}'; fields: {', '.join(map(str, frame.columns))}")
    if flt.op not in OPERATORS:
        raise QueryError(f"unknown operator {flt.op!r}; operators: {', '.join(OPERATORS)}")
    values = frame[flt.field]
    missing = values.isna().to_numpy(dtype=bool)
    if flt.op == "is missing":
        return missing
    if flt.op == "is not missing":
        return ~missing
    if flt.op == "contains":
        return values.astype("string").str.contains(str(flt.value), case=False, regex=False).fillna(False) \
            .to_numpy(dtype=bool)
    if flt.op == "in":
        items = flt.value.split(",") if isinstance(flt.value, str) else list(flt.value)
        wanted = [coerce_value(values, flt.field, v.strip() if isinstance(v, str) else v) for v in items]
        return values.isin(wanted).to_numpy(dtype=bool)
    if flt.op == "between":
        mask = ~missing
        for op, bound in zip((">=", "<="), _bounds(flt)):
            if bound is not None:
                mask &= _compare(values, flt.field, op, bound)
        return mask
    return _compare(values, flt.field, flt.op, flt.value) & ~missing


def _bounds(flt: Filter) -> Tuple[Any, Any]:
    bounds = tuple(flt.value.split(",")) if isinstance(flt.value, str) else flt.value
    if not isinstance(bounds, tuple) or len(bounds) != 2:
        raise QueryError(f"'between' needs (low, high) for field '{flt.field}', not {flt.value!r}")
    low, high = (None if b is None or (isinstance(b, str) and not b.strip()) else b for b in bounds)
    return low, high


def _compare(values: pd.Series, field: str, op: str, text: Any) -> np.ndarray:
    value = coerce_value(values, field, text)
    try:
        compared = getattr(values, _COMPARE[op])(value)
    except TypeError as exc:
        raise QueryError(f"cannot compare field '{field}' with {value!r}: {exc}") from None
    return pd.Series(compared).fillna(False).to_numpy(dtype=bool)


def summarize(values: pd.Series) -> FieldSummary:
    """The kind of a column and what its typed control offers: a number's range, a category's values (at most
    ``CATEGORY_LIMIT``, each on two rows or more on average; other text is ``text``)."""
    if _boolean(values):
        return FieldSummary("boolean")
    if _numeric(values):
        present = pd.to_numeric(values, errors="coerce").dropna()
        if present.empty:
            return FieldSummary("number")
        integer = values.dtype.kind in "iu" or bool((present % 1 == 0).all())
        return FieldSummary("number", float(present.min()), float(present.max()), integer)
    if values.iloc[:10_000].nunique(dropna=True) <= CATEGORY_LIMIT:
        counts = values.value_counts(dropna=True, sort=False)
        if 0 < len(counts) <= min(CATEGORY_LIMIT, counts.sum() // 2):
            ordered = sorted(zip(counts.index.tolist(), counts.tolist()), key=lambda pair: str(pair[0]))
            return FieldSummary("category", values=tuple(ordered))
    return FieldSummary("text")


def _sort_order(values: pd.Series, ascending: bool) -> np.ndarray:
    """Row positions of ``values`` in sorted order (stable, missing values last); other than scalars sort as text."""
    if not is_scalar_column(values):
        values = values.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    ordered = values.reset_index(drop=True).sort_values(ascending=ascending, kind="stable", na_position="last")
    return ordered.index.to_numpy(dtype=np.int64)


def select(frame: pd.DataFrame, where: Optional[str] = None, filters: Sequence[Filter] = (),
           sort: Optional[str] = None, descending: bool = False) -> pd.DataFrame:
    """The rows of ``frame`` that match the query ``where`` and every filter, sorted by the field ``sort`` (stable,
    missing values last) or else in table order; rows keep their index. Raises :class:`QueryError` when they can't,
    e.g. ``select(samples, "ground_truth.label == 'cat' and brightness < 0.3", sort="brightness")``.
    """
    table = with_fields(frame, [sort] if sort is not None else [])
    if sort is not None and sort not in table.columns:
        raise QueryError(f"cannot sort by unknown field '{sort}'; fields: {', '.join(map(str, frame.columns))}")
    mask = np.ones(len(frame), dtype=bool)
    for flt in filters:
        mask &= filter_mask(frame, flt)
    if where is not None:
        mask &= query_mask(frame, where)
    if sort is None:
        return frame.iloc[np.flatnonzero(mask)]
    order = _sort_order(table[sort], ascending=not descending)
    return frame.iloc[order[mask[order]]]


class SampleView:
    """Filters, a query and a sort over one table, with the matching row positions in display order."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)
        self.filters: List[Filter] = []
        self.query = ""
        self.sort_field: Optional[str] = None
        self.ascending = True
        self._orders: Dict[Tuple[str, bool], np.ndarray] = {}
        self._mask_cache: Dict[Any, np.ndarray] = {}
        self._summaries: Dict[str, FieldSummary] = {}
        self._derived = derived_fields(self.frame)
        self._derived_values: Dict[str, pd.Series] = {}
        self.positions = np.arange(len(self.frame), dtype=np.int64)

    @property
    def fields(self) -> List[str]:
        """The fields that can be filtered and sorted: scalar columns, then the fields inside object columns."""
        return [str(c) for c in self.frame.columns if is_scalar_column(self.frame[c])] + list(self._derived)

    def column(self, field: str) -> pd.Series:
        """The values of a column or of a field inside an object column (computed once)."""
        if field in self.frame.columns:
            return self.frame[field]
        if field not in self._derived:
            raise QueryError(f"unknown field '{field}'; fields: {', '.join(self.fields)}")
        if field not in self._derived_values:
            self._derived_values[field] = _derive(self.frame, self._derived, field)
        return self._derived_values[field]

    def rows(self, positions: Sequence[int]) -> pd.DataFrame:
        """The rows at ``positions`` with every field, those inside object columns included."""
        rows = self.frame.iloc[positions]
        if not self._derived:
            return rows
        return rows.assign(**{name: _derive(rows, self._derived, name) for name in self._derived})

    def _with(self, names: Sequence[str]) -> pd.DataFrame:
        derived = [n for n in names if n in self._derived]
        return self.frame.assign(**{n: self.column(n) for n in derived}) if derived else self.frame

    def summary(self, field: str) -> FieldSummary:
        """The field's :class:`FieldSummary`, computed once."""
        if field not in self._summaries:
            self._summaries[field] = summarize(self.column(field))
        return self._summaries[field]

    def set(self, *, filters: Optional[Sequence[Filter]] = None, query: Optional[str] = None,
            sort_field: Any = ..., ascending: Optional[bool] = None) -> np.ndarray:
        """Change any of the filters, query and sort, and return the matching positions in display order.

        Nothing changes when a filter or the query is wrong: the :class:`QueryError` says why.
        """
        new_filters = list(self.filters if filters is None else filters)
        new_query = self.query if query is None else query
        new_sort = self.sort_field if sort_field is ... else sort_field
        new_ascending = self.ascending if ascending is None else ascending
        if new_sort is not None and new_sort not in self.frame.columns and new_sort not in self._derived:
            raise QueryError(f"cannot sort by unknown field '{new_sort}'")
        mask = self._mask(new_filters, new_query)
        order = self._order(new_sort, new_ascending)
        positions = order[mask[order]] if order is not None else np.flatnonzero(mask)
        self.filters, self.query, self.sort_field, self.ascending = new_filters, new_query, new_sort, new_ascending
        self.positions = positions
        return positions

    def _mask(self, filters: Sequence[Filter], query: str) -> np.ndarray:
        mask = np.ones(len(self.frame), dtype=bool)
        for flt in filters:
            mask &= self._cached(("filter", flt), lambda f=flt: filter_mask(self._with([f.field]), f))
        if query.strip():
            mask &= self._cached(("query", " ".join(query.split())),
                                 lambda: query_mask(self._with(_mentioned(query, [*self.fields, *self._derived])), query))
        return mask

    def _cached(self, key: Any, compute: Any) -> np.ndarray:
        """The mask of ``key``, kept for the 16 most recently used keys."""
        try:
            hit = self._mask_cache.pop(key, None)
        except TypeError:  # an unhashable filter value
            return compute()
        if hit is None:
            hit = compute()
            if len(self._mask_cache) >= 16:
                self._mask_cache.pop(next(iter(self._mask_cache)))
        self._mask_cache[key] = hit
        return hit

    def _order(self, field: Optional[str], ascending: bool) -> Optional[np.ndarray]:
        """Row positions sorted by ``field`` (stable, missing values last), computed once per field and direction."""
        if field is None:
            return None
        key = (field, ascending)
        if key not in self._orders:
            self._orders[key] = _sort_order(self.column(field), ascending)
        return self._orders[key]

    def page(self, number: int, size: int) -> np.ndarray:
        """Row positions of page ``number`` (from 0)."""
        return self.positions[number * size:(number + 1) * size]

    def page_count(self, size: int) -> int:
        return max(1, -(-len(self.positions) // size))
