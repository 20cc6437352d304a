"""Input checks shared by the metrics modules: every failure is an ``InputValidationError`` naming the argument."""
from typing import Any, Optional, Sequence

import numpy as np

from kolena_lab.errors import InputValidationError  # one error class for bad input everywhere


def float_array(value: Any, name: str, *, ndim: Optional[int] = None, allow_nan: bool = False) -> np.ndarray:
    """``value`` as a float64 array; rejects non-numeric data, wrong dimensionality and (by default) NaN/inf."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        arr = value.astype(np.float64, copy=False)
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputValidationError(
                f"'{name}' must be a numeric array with equal-length rows, got {_describe(value)}") from None
    if ndim is not None and arr.ndim != ndim:
        if not (ndim == 2 and arr.ndim == 1 and arr.size == 0):
            raise InputValidationError(f"'{name}' must be {ndim}-dimensional, got shape {arr.shape}")
    if not allow_nan and arr.size and not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "infinite"
        raise InputValidationError(f"'{name}' contains {bad} values")
    return arr


def boxes_array(value: Any, name: str) -> np.ndarray:
    """An ``(N, 4)`` float array of finite box coordinates."""
    arr = float_array(value, name)
    if arr.size == 0:
        return np.zeros((0, 4))
    if arr.ndim == 1 and arr.shape[0] == 4:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InputValidationError(f"'{name}' must have shape (N, 4), got {arr.shape}")
    return arr


def check_xyxy(boxes: np.ndarray, name: str, *, single: bool = False) -> None:
    """Reject boxes whose bottom-right corner is left of or above the top-left corner."""
    bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f"'{name}'" if single else f"'{name}'[{i}]"
        raise InputValidationError(f"{where} has x2 < x1 or y2 < y1: {boxes[i].tolist()}")


def check_scores(scores: np.ndarray, name: str) -> None:
    """Detection confidences must be finite and in [0, 1]."""
    if scores.size and (np.isnan(scores).any() or (scores < 0).any() or (scores > 1).any()):
        if np.isnan(scores).any():
            raise InputValidationError(f"'{name}' contains NaN")
        raise InputValidationError(f"'{name}' must be in [0, 1], got values in [{scores.min()}, {scores.max()}]")


def same_length(**arrays: Sequence[Any]) -> int:
    """The common length of the named sequences, or an error naming the mismatch."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"'{k}' has {n}" for k, n in lengths.items())
        raise InputValidationError(f"length mismatch: {detail}")
    return next(iter(lengths.values()), 0)


def label_array(value: Any, name: str) -> np.ndarray:
    """A 1-D array of class labels, all numbers (or booleans) or all strings: mixed types, NaN and continuous values
    (floats with a fractional part, which scikit-learn calls "continuous" targets) are rejected."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuU":
        arr = value
    else:
        if isinstance(value, (str, bytes, dict, set, frozenset)) or not hasattr(value, "__iter__"):
            raise InputValidationError(f"'{name}' must be a sequence of labels, got {_describe(value)}")
        items = list(value) if not isinstance(value, np.ndarray) else value.tolist()
        kinds = {_label_kind(v, name) for v in items}
        if len(kinds) > 1:
            raise InputValidationError(f"'{name}' mixes label types: {sorted(kinds)}")
        arr = np.asarray(items) if items else np.asarray([], dtype=np.int64)
    if arr.ndim != 1:
        raise InputValidationError(f"'{name}' must be 1-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "f" and arr.size:
        if not np.isfinite(arr).all():
            raise InputValidationError(f"'{name}' contains {'NaN' if np.isnan(arr).any() else 'infinite'} values")
        fractional = arr != np.round(arr)
        if fractional.any():
            i = int(np.flatnonzero(fractional)[0])
            raise InputValidationError(
                f"classification metrics cannot handle continuous labels: '{name}'[{i}] is {arr[i].item()!r}")
    return arr


def _label_kind(v: Any, name: str) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "number"
    if isinstance(v, (int, np.integer)):
        return "number"
    if isinstance(v, (float, np.floating)):
        if v != v:
            raise InputValidationError(f"'{name}' contains NaN values")
        return "number"
    if isinstance(v, str):
        return "string"
    raise InputValidationError(f"'{name}' has an unsupported label {v!r} of type {type(v).__name__}")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
