"""Checking what a package's predict function returns: a list with one dict per datapoint holding ``classes`` and
``scores``, and optionally ``boxes`` (N×4), ``masks`` (N×H×W) and ``keypoints`` (N×K×2 or N×K×3), all finite."""
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np

from kolena_lab.errors import ModelPackageError, shown

REQUIRED = ("classes", "scores")


def check_predictions(output: Any, datapoints: Sequence[Mapping[str, Any]], entrypoint: str,
                      keys: Sequence[str] = (), labels: Optional[Mapping[Any, str]] = None) -> List[Dict[str, Any]]:
    """The predictions of a batch, checked and normalised: ``classes`` a list of labels (class ids mapped through
    ``labels`` when given), ``scores`` a float array, ``boxes`` / ``keypoints`` float arrays, ``masks`` a bool array;
    other keys are kept as they are. Errors name the datapoint (index and locator)."""
    if isinstance(output, (str, bytes, Mapping)) or not isinstance(output, (list, tuple)):
        raise ModelPackageError(f"predict ({entrypoint}) must return a list with one dict per datapoint, got "
                                f"{type(output).__name__}")
    if len(output) != len(datapoints):
        raise ModelPackageError(f"predict ({entrypoint}) returned {len(output)} predictions for a batch of "
                                f"{len(datapoints)} datapoints (starting at {_name(datapoints[0])})")
    return [_prediction(p, dp, entrypoint, keys, labels) for p, dp in zip(output, datapoints)]


def _name(datapoint: Mapping[str, Any]) -> str:
    return f"datapoint {datapoint.get('index', '?')} ({shown(datapoint.get('locator'))})"


def _prediction(value: Any, datapoint: Mapping[str, Any], entrypoint: str, keys: Sequence[str],
                labels: Optional[Mapping[Any, str]]) -> Dict[str, Any]:
    def fail(message: str) -> ModelPackageError:
        return ModelPackageError(f"predict ({entrypoint}), {_name(datapoint)}: {message}")

    if not isinstance(value, Mapping):
        raise fail(f"a prediction must be a dict with 'classes' and 'scores', got {type(value).__name__}")
    for key in (*REQUIRED, *keys):
        if key not in value:
            raise fail(f"the prediction has no '{key}' (it has {sorted(map(str, value))})")
    out = dict(value)
    classes = _array(value["classes"], "classes", fail, None)
    if classes.ndim != 1:
        raise fail(f"'classes' must be a flat list, got shape {classes.shape}")
    n = len(classes)
    out["classes"] = [_label(c, labels, fail) for c in classes.tolist()]
    out["scores"] = _numbers(value["scores"], "scores", fail, (n,))
    if value.get("boxes") is not None:
        out["boxes"] = _numbers(value["boxes"], "boxes", fail, (n, 4))
    if value.get("keypoints") is not None:
        points = _numbers(value["keypoints"], "keypoints", fail, None)
        if points.ndim != 3 or points.shape[0] != n or points.shape[2] not in (2, 3):
            raise fail(f"'keypoints' must have shape ({n}, K, 2) or ({n}, K, 3) (one row per class), got "
                       f"{points.shape}")
        out["keypoints"] = points
    if value.get("masks") is not None:
        masks = _array(value["masks"], "masks", fail, None)
        if masks.ndim != 3 or masks.shape[0] != n:
            raise fail(f"'masks' must have shape ({n}, H, W), got {masks.shape}")
        if masks.dtype != bool:
            if not np.issubdtype(masks.dtype, np.number) or not np.isfinite(masks).all():
                raise fail("'masks' must hold booleans (or finite numbers, nonzero meaning inside)")
            masks = masks != 0
        out["masks"] = masks
    return out


def _array(value: Any, key: str, fail: Callable[[str], ModelPackageError], shape: Optional[tuple]) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as e:  # ragged lists
        raise fail(f"'{key}' is not an array: {e}") from None
    if array.dtype == object:
        raise fail(f"'{key}' is not a regular array (ragged or mixed values)")
    if shape is not None and array.shape != shape and not (array.size == 0 and shape[0] == 0):
        raise fail(f"'{key}' must have shape {shape} (one row per class), got {array.shape}")
    return array


def _numbers(value: Any, key: str, fail: Callable[[str], ModelPackageError], shape: Optional[tuple]) -> np.ndarray:
    array = _array(value, key, fail, shape)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise fail(f"'{key}' must hold numbers, got {array.dtype}")
    array = array.astype(float).reshape(shape) if shape is not None and array.size == 0 else array.astype(float)
    if not np.isfinite(array).all():
        raise fail(f"'{key}' holds NaN or infinite values")
    return array


def _label(value: Any, labels: Optional[Mapping[Any, str]], fail: Callable[[str], ModelPackageError]) -> str:
    """A class as its label: an id looked up in ``labels`` (when given) or the text of the class."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if labels is None:
        return str(value)
    if value in labels:
        return labels[value]
    if isinstance(value, str) and value in labels.values():
        return value
    raise fail(f"class {shown(value)} is not one of the package's labels ({len(labels)} classes: "
               f"{shown(list(labels.items()))})")


__all__ = ["check_predictions"]
