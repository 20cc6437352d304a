"""Slice finding with SliceLine (Sagadeeva & Boehm, "SliceLine: Fast, Linear-Algebra-based Slice Finding for ML Model
Debugging", SIGMOD 2021): the conjunctions of feature predicates (slices) where a model's errors concentrate.

Features are encoded first (:func:`encode_features`): a category (text, boolean, a whole number with few values) is
one code per value, a number is cut into quantile bins (edges rounded to the fewest significant digits that keep
them apart, so a bin reads as ``0.31 <= brightness < 0.52`` and that text selects exactly its rows), and a missing
value is a code of its own. Each code is one column of the paper's one-hot matrix.

:func:`sliceline` then enumerates the lattice of slices level by level (level = number of predicates). A slice
``S`` of size ``|S|`` and error sum ``se`` scores ``alpha * ((se / |S|) / mean_error - 1) - (1 - alpha) *
(n / |S| - 1)``: positive when its mean error is above the overall mean by more than its smallness costs. A level's
candidates join two slices of the level below that share all but one predicate (on different features); a candidate
is dropped when a parent is missing, when it cannot reach ``min_support`` samples, or when the paper's upper bound of
its score (from its parents' sizes, error sums and largest errors) cannot beat the current top ``k``. The top ``k``
slices by score are kept, each of size >= ``min_support`` with a positive score. With ``skip_refinements`` (the
default, our addition) a slice that adds predicates to a kept slice without scoring higher is not kept: the list
then names distinct failure regions rather than one region's sub-slices.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from kolena_lab.metrics._validation import InputValidationError

NUMBER_BINS = 5
MAX_CATEGORIES = 50  # a text feature with more distinct values is an identifier, not a category
MAX_DISCRETE = 10  # a whole-number feature with at most this many values is a category
_SCALARS = (str, bool, int, float, np.integer, np.floating, np.bool_)

Slice = Tuple[Tuple[int, int], ...]  # (feature index, code) pairs, by feature index


@dataclass(frozen=True)
class Predicate:
    """One condition on one feature: ``==`` a value, ``<`` or ``>=`` a number, ``between`` ``(low, high)`` meaning
    ``low <= x < high``, or ``missing``."""

    feature: str
    op: str
    value: Any = None

    def __str__(self) -> str:
        if self.op == "missing":
            return f"{self.feature} is missing"
        if self.op == "between":
            return f"{self.value[0]!r} <= {self.feature} < {self.value[1]!r}"
        value = self.value if isinstance(self.value, str) else repr(self.value)
        return f"{self.feature} {'=' if self.op == '==' else self.op} {value}"

    def mask(self, values: pd.Series) -> np.ndarray:
        """Which ``values`` satisfy the predicate (a missing value only satisfies ``missing``)."""
        missing = values.isna().to_numpy()
        if self.op == "missing":
            return missing
        present = values.to_numpy()
        with np.errstate(invalid="ignore"):
            if self.op == "==":
                hit = present == self.value
            elif self.op == "<":
                hit = present.astype(float) < self.value
            elif self.op == ">=":
                hit = present.astype(float) >= self.value
            else:
                number = present.astype(float)
                hit = (number >= self.value[0]) & (number < self.value[1])
        return np.asarray(hit, dtype=bool) & ~missing


@dataclass(frozen=True)
class EncodedFeatures:
    """Features as codes: ``codes[i, j]`` is sample i's code of feature j, ``predicates[j][c]`` what code c means."""

    names: Tuple[str, ...]
    codes: np.ndarray
    predicates: Tuple[Tuple[Predicate, ...], ...]

    @property
    def cardinalities(self) -> np.ndarray:
        return np.array([len(p) for p in self.predicates], dtype=np.int64)

    def describe(self, found: Slice) -> List[Predicate]:
        return [self.predicates[j][c] for j, c in found]


def unusable(values: pd.Series, max_categories: int = MAX_CATEGORIES) -> Optional[str]:
    """Why a column cannot be a slice feature (constant, holds objects, an identifier-like text), or None."""
    present = values.dropna()
    if len(present) and values.dtype.kind not in "biuf" and not all(isinstance(v, _SCALARS) for v in present):
        bad = next(v for v in present if not isinstance(v, _SCALARS))
        return f"holds {type(bad).__name__} values, not numbers, booleans or text"
    distinct = present.nunique()
    if distinct + int(len(present) < len(values)) < 2:
        return "is constant"
    if not _numeric(values) and distinct > max_categories:
        return f"has {distinct:,} distinct values (more than {max_categories}: an identifier, not a category)"
    return None


def _numeric(values: pd.Series) -> bool:
    return values.dtype.kind in "iuf"


def _number_edges(present: np.ndarray, bins: int, integer: bool) -> np.ndarray:
    quantiles = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    edges = np.unique(np.quantile(present, quantiles, method="nearest" if integer else "linear"))
    low = present.min()
    if not integer:
        for digits in range(2, 18):
            rounded = np.unique([float(f"{e:.{digits}g}") for e in edges])
            if len(rounded) == len(edges):
                edges = rounded
                break
    edges = edges[edges > low]
    if not len(edges):  # most values equal the minimum: split it from the rest
        edges = np.array([present[present > low].min()])
    return edges.astype(np.int64) if integer else edges


def _encode_number(name: str, values: pd.Series, bins: int) -> Tuple[np.ndarray, List[Predicate]]:
    missing = values.isna().to_numpy()
    number = values.to_numpy(dtype=float, na_value=np.nan)
    integer = values.dtype.kind in "iu" or bool(np.all(np.mod(number[~missing], 1) == 0))
    edges = _number_edges(number[~missing], bins, integer)
    plain = [int(e) if integer else float(e) for e in edges]
    codes = np.searchsorted(edges, np.where(missing, 0, number), side="right")
    predicates = [Predicate(name, "<", plain[0]),
                  *(Predicate(name, "between", (a, b)) for a, b in zip(plain, plain[1:])),
                  Predicate(name, ">=", plain[-1])]
    return _with_missing(name, codes, missing, predicates)


def _encode_category(name: str, values: pd.Series) -> Tuple[np.ndarray, List[Predicate]]:
    missing = values.isna().to_numpy()
    present = values[~missing]
    distinct = sorted(present.unique().tolist(), key=lambda v: (str(type(v)), v))
    lookup = {v: i for i, v in enumerate(distinct)}
    codes = np.zeros(len(values), dtype=np.int64)
    codes[~missing] = present.map(lookup).to_numpy(dtype=np.int64)
    predicates = [Predicate(name, "==", v.item() if hasattr(v, "item") else v) for v in distinct]
    return _with_missing(name, codes, missing, predicates)


def _with_missing(name: str, codes: np.ndarray, missing: np.ndarray,
                  predicates: List[Predicate]) -> Tuple[np.ndarray, List[Predicate]]:
    if missing.any():
        codes = np.where(missing, len(predicates), codes)
        predicates = [*predicates, Predicate(name, "missing")]
    return codes, predicates


def encode_features(frame: pd.DataFrame, features: Sequence[str], bins: int = NUMBER_BINS,
                    max_categories: int = MAX_CATEGORIES) -> EncodedFeatures:
    """Codes of ``features`` (columns of ``frame``): numbers with more than ``MAX_DISCRETE`` values in ``bins``
    quantile bins, everything else one code per value, missing values one code."""
    if bins < 2:
        raise InputValidationError(f"bins must be at least 2, got {bins}")
    columns, predicates = [], []
    for name in features:
        if name not in frame.columns:
            raise InputValidationError(f"no feature column '{name}'; columns: {list(map(str, frame.columns))}")
        values = frame[name]
        reason = unusable(values, max_categories)
        if reason is not None:
            raise InputValidationError(f"feature '{name}' {reason}")
        numeric = _numeric(values) and values.dropna().nunique() > MAX_DISCRETE
        codes, meaning = _encode_number(name, values, bins) if numeric else _encode_category(name, values)
        columns.append(codes)
        predicates.append(tuple(meaning))
    codes = np.stack(columns, axis=1) if columns else np.zeros((len(frame), 0), dtype=np.int64)
    return EncodedFeatures(tuple(features), codes, tuple(predicates))


def slice_scores(error_sums: np.ndarray, sizes: np.ndarray, n: int, mean_error: float, alpha: float) -> np.ndarray:
    """SliceLine's score of slices with these error sums and sizes (``-inf`` for an empty slice)."""
    sizes = np.asarray(sizes, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = alpha * ((np.asarray(error_sums) / sizes) / mean_error - 1.0) - (1.0 - alpha) * (n / sizes - 1.0)
    return np.where(sizes > 0, score, -np.inf)


def _score_bounds(sizes: np.ndarray, error_sums: np.ndarray, max_errors: np.ndarray, n: int, mean_error: float,
                  alpha: float, min_support: int) -> np.ndarray:
    """The paper's upper bound of the score of any slice within sizes, error sums and largest errors: the best of
    the sizes ``min_support``, ``error_sum / max_error`` and ``size`` (the score is monotone between them)."""
    best = np.full(len(sizes), -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        turn = np.where(max_errors > 0, error_sums / max_errors, sizes)
    for size in (np.full(len(sizes), float(min_support)), turn, sizes.astype(float)):
        size = np.clip(size, min_support, np.maximum(sizes, min_support)).astype(float)
        bounded = np.minimum(error_sums, size * max_errors)
        best = np.maximum(best, slice_scores(bounded, size, n, mean_error, alpha))
    return np.where(sizes >= min_support, best, -np.inf)


@dataclass
class SliceSearch:
    """The top slices (best first) with their sizes, error sums and scores, and how many candidates each level
    evaluated."""

    slices: List[Slice]
    sizes: np.ndarray
    error_sums: np.ndarray
    scores: np.ndarray
    evaluated: List[int] = field(default_factory=list)


@dataclass
class _Level:
    slices: List[Slice]
    sizes: np.ndarray
    error_sums: np.ndarray
    max_errors: np.ndarray


def _evaluate(codes: np.ndarray, cardinalities: np.ndarray, errors: np.ndarray, slices: List[Slice]) -> _Level:
    """Sizes, error sums and largest errors of ``slices``: one pass of ``bincount`` per distinct feature tuple."""
    sizes = np.zeros(len(slices), dtype=np.int64)
    sums = np.zeros(len(slices))
    maxima = np.zeros(len(slices))
    groups: Dict[Tuple[int, ...], List[int]] = {}
    for i, found in enumerate(slices):
        groups.setdefault(tuple(j for j, _ in found), []).append(i)
    for features, members in groups.items():
        key = np.zeros(len(errors), dtype=np.int64)
        for j in features:
            key = key * cardinalities[j] + codes[:, j]
        cells = int(np.prod(cardinalities[list(features)]))
        count = np.bincount(key, minlength=cells)
        total = np.bincount(key, weights=errors, minlength=cells)
        largest = np.zeros(cells)
        np.maximum.at(largest, key, errors)
        cell = np.zeros(len(members), dtype=np.int64)
        for at, i in enumerate(members):
            for j, c in slices[i]:
                cell[at] = cell[at] * cardinalities[j] + c
        sizes[members], sums[members], maxima[members] = count[cell], total[cell], largest[cell]
    return _Level(slices, sizes, sums, maxima)


def _first_level(codes: np.ndarray, cardinalities: np.ndarray, errors: np.ndarray) -> _Level:
    return _evaluate(codes, cardinalities, errors,
                     [((j, c),) for j in range(codes.shape[1]) for c in range(int(cardinalities[j]))])


def _candidates(parents: _Level, min_support: int, bound: Any) -> List[Slice]:
    """Slices one predicate longer: pairs of parents sharing all but their last predicate (on distinct features),
    kept when every parent exists and the bound of the parents' smallest size, error sum and largest error can
    beat the threshold."""
    index = {s: i for i, s in enumerate(parents.slices)}
    by_prefix: Dict[Slice, List[Slice]] = {}
    for s in parents.slices:
        by_prefix.setdefault(s[:-1], []).append(s)
    found: List[Slice] = []
    stats: List[Tuple[int, float, float]] = []
    for group in by_prefix.values():
        group.sort()
        for a_at, a in enumerate(group):
            for b in group[a_at + 1:]:
                if b[-1][0] == a[-1][0]:
                    continue
                candidate = a + (b[-1],)
                at = [index.get(candidate[:i] + candidate[i + 1:]) for i in range(len(candidate))]
                if any(i is None for i in at):
                    continue
                size = int(parents.sizes[at].min())
                if size < min_support:
                    continue
                found.append(candidate)
                stats.append((size, float(parents.error_sums[at].min()), float(parents.max_errors[at].min())))
    if not found:
        return []
    sizes, sums, maxima = (np.array(column) for column in zip(*stats))
    keep = bound(sizes, sums, maxima)
    return [s for s, k in zip(found, keep) if k]


def _refines(child: Slice, parent: Slice) -> bool:
    return len(child) > len(parent) and set(parent) <= set(child)


class _TopK:
    def __init__(self, k: int, skip_refinements: bool):
        self.k, self.skip_refinements = k, skip_refinements
        self.entries: List[Tuple[float, Slice, int, float]] = []  # score, slice, size, error sum

    @property
    def threshold(self) -> float:
        """The score a slice must beat to enter: 0 until ``k`` slices are kept, then the k-th score."""
        return self.entries[-1][0] if len(self.entries) >= self.k else 0.0

    def offer(self, level: _Level, scores: np.ndarray, min_support: int) -> None:
        order = np.lexsort((np.arange(len(scores)), -scores))
        for i in order:
            score = float(scores[i])
            if score <= self.threshold:
                break
            if level.sizes[i] < min_support:
                continue
            found = level.slices[i]
            if self.skip_refinements and any(_refines(found, kept) and score <= s for s, kept, _, _ in self.entries):
                continue
            self.entries.append((score, found, int(level.sizes[i]), float(level.error_sums[i])))
            self.entries.sort(key=lambda e: (-e[0], len(e[1]), e[1]))
            del self.entries[self.k:]


def _check_search(codes: np.ndarray, errors: np.ndarray, k: int, max_level: int, alpha: float) -> None:
    if codes.ndim != 2 or codes.shape[0] != len(errors):
        raise InputValidationError(f"codes must be (samples, features) for {len(errors):,} errors, got shape "
                                   f"{codes.shape}")
    if not np.all(np.isfinite(errors)) or np.any(errors < 0):
        raise InputValidationError("errors must be finite and non-negative")
    if k < 1 or max_level < 1:
        raise InputValidationError(f"k and max_level must be at least 1, got k={k}, max_level={max_level}")
    if not 0.0 < alpha <= 1.0:
        raise InputValidationError(f"alpha must be in (0, 1], got {alpha}")


def sliceline(codes: np.ndarray, errors: np.ndarray, *, cardinalities: Optional[np.ndarray] = None, k: int = 10,
              max_level: int = 3, min_support: int = 1, alpha: float = 0.95,
              skip_refinements: bool = True) -> SliceSearch:
    """The top ``k`` slices of ``codes`` (``(samples, features)`` non-negative integer codes) by SliceLine's score of
    ``errors`` (non-negative, larger is worse), with at most ``max_level`` predicates and ``min_support`` samples."""
    codes = np.asarray(codes, dtype=np.int64)
    errors = np.asarray(errors, dtype=float)
    _check_search(codes, errors, k, max_level, alpha)
    cardinalities = codes.max(axis=0) + 1 if cardinalities is None else np.asarray(cardinalities, dtype=np.int64)
    n, mean_error = len(errors), float(errors.mean()) if len(errors) else 0.0
    top = _TopK(k, skip_refinements)
    evaluated: List[int] = []
    if mean_error > 0 and codes.shape[1]:
        level = _first_level(codes, cardinalities, errors)
        for depth in range(1, max_level + 1):
            if depth > 1:
                def bound(sizes: np.ndarray, sums: np.ndarray, maxima: np.ndarray) -> np.ndarray:
                    return _score_bounds(sizes, sums, maxima, n, mean_error, alpha, min_support) > top.threshold

                level = _evaluate(codes, cardinalities, errors, _candidates(level, min_support, bound))
            evaluated.append(len(level.slices))
            if not level.slices:
                break
            top.offer(level, slice_scores(level.error_sums, level.sizes, n, mean_error, alpha), min_support)
            keep = (level.sizes >= min_support) & (level.error_sums > 0)
            keep &= _score_bounds(level.sizes, level.error_sums, level.max_errors, n, mean_error, alpha,
                                  min_support) > top.threshold
            at = np.flatnonzero(keep)
            level = _Level([level.slices[i] for i in at], level.sizes[at], level.error_sums[at], level.max_errors[at])
    entries = top.entries
    return SliceSearch([e[1] for e in entries], np.array([e[2] for e in entries], dtype=np.int64),
                       np.array([e[3] for e in entries]), np.array([e[0] for e in entries]), evaluated)
