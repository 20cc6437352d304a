"""Plots computed per test case: curves, histograms, bar plots and confusion matrices (numpy input accepted)."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union

import numpy as np

from kolena_lab.workflow._datatypes import DataObject, DataType, TypedDataObject

NumberSeries = List[Union[float, int]]


class _PlotType(DataType):
    CURVE = "CURVE"
    HISTOGRAM = "HISTOGRAM"
    BAR = "BAR"
    CONFUSION_MATRIX = "CONFUSION_MATRIX"

    @staticmethod
    def _data_category() -> str:
        return "PLOT"


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _numbers(value: Any, name: str, ndim: int = 1) -> list:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must hold numbers, got {value!r}") from None
    if array.ndim != ndim:
        raise ValueError(f"'{name}' must be {ndim}-dimensional, got shape {array.shape}")
    return np.asarray(value).tolist()


def _scalars(value: Any) -> list:
    """A list of Python values, numpy scalars unwrapped (labels may mix strings and numbers)."""
    return [v.item() if isinstance(v, np.generic) else v for v in value]


@dataclass(frozen=True)
class AxisConfig(DataObject):
    """An axis's scale: ``"linear"`` or ``"log"``."""

    type: str = "linear"

    def __post_init__(self) -> None:
        if self.type not in ("linear", "log"):
            raise ValueError(f"AxisConfig type must be 'linear' or 'log', got {self.type!r}")


@dataclass(frozen=True)
class Curve(DataObject):
    """One line of a curve plot: ``x`` and ``y`` of equal length, plus optional per-point ``extra`` series."""

    x: NumberSeries
    y: NumberSeries
    label: Optional[str] = None
    extra: Optional[Dict[str, NumberSeries]] = None

    def __post_init__(self) -> None:
        _set(self, "x", _numbers(self.x, "x"))
        _set(self, "y", _numbers(self.y, "y"))
        if len(self.x) != len(self.y):
            raise ValueError(f"Curve x and y must have equal lengths ({len(self.x)} != {len(self.y)})")
        if self.extra is not None:
            extra = {key: _numbers(series, f"extra[{key!r}]") for key, series in self.extra.items()}
            for key, series in extra.items():
                if len(series) != len(self.x):
                    raise ValueError(f"Curve extra[{key!r}] must have length {len(self.x)}, got {len(series)}")
            _set(self, "extra", extra)


@dataclass(frozen=True)
class Plot(TypedDataObject):
    """Base of every plot."""


@dataclass(frozen=True)
class CurvePlot(Plot):
    """One or more curves on shared axes, e.g. a precision-recall curve per class."""

    title: str
    x_label: str
    y_label: str
    curves: List[Curve]
    x_config: Optional[AxisConfig] = None
    y_config: Optional[AxisConfig] = None

    @classmethod
    def _data_type(cls) -> _PlotType:
        return _PlotType.CURVE

    def __post_init__(self) -> None:
        if len(self.curves) == 0:
            raise ValueError("CurvePlot needs at least one curve")
        _set(self, "curves", list(self.curves))


@dataclass(frozen=True)
class Histogram(Plot):
    """Frequencies over ``buckets`` (edges, >= 2, strictly increasing); ``frequency`` may hold a row per label."""

    title: str
    x_label: str
    y_label: str
    buckets: NumberSeries
    frequency: Union[NumberSeries, List[NumberSeries]]
    labels: Optional[List[str]] = None
    x_config: Optional[AxisConfig] = None
    y_config: Optional[AxisConfig] = None

    @classmethod
    def _data_type(cls) -> _PlotType:
        return _PlotType.HISTOGRAM

    def __post_init__(self) -> None:
        buckets = _numbers(self.buckets, "buckets")
        if len(buckets) < 2:
            raise ValueError(f"Histogram needs at least two buckets, got {len(buckets)}")
        if not all(a < b for a, b in zip(buckets, buckets[1:])):
            raise ValueError("Histogram buckets must be strictly increasing")
        n_bins = len(buckets) - 1
        two_d = len(self.frequency) > 0 and isinstance(self.frequency[0], (list, tuple, np.ndarray))
        if two_d:
            series = [_numbers(row, f"frequency[{i}]") for i, row in enumerate(self.frequency)]
        else:
            series = [_numbers(self.frequency, "frequency")]
        for row in series:
            if len(row) != n_bins:
                raise ValueError(f"Histogram frequency rows must have length {n_bins} (buckets - 1), got {len(row)}")
        labels = None if self.labels is None else _scalars(self.labels)
        if two_d and (labels is None or len(labels) != len(series)):
            raise ValueError("Histogram with 2-D frequency needs one label per row")
        _set(self, "buckets", buckets)
        _set(self, "frequency", series if two_d else series[0])
        _set(self, "labels", labels)


@dataclass(frozen=True)
class BarPlot(Plot):
    """One bar per label."""

    title: str
    x_label: str
    y_label: str
    labels: List[Union[str, int, float]]
    values: List[Union[int, float]]
    config: Optional[AxisConfig] = None

    @classmethod
    def _data_type(cls) -> _PlotType:
        return _PlotType.BAR

    def __post_init__(self) -> None:
        labels = _scalars(self.labels)
        values = _numbers(self.values, "values")
        if len(labels) == 0 or len(labels) != len(values):
            raise ValueError(f"BarPlot needs equal, non-zero numbers of labels and values ({len(labels)}, {len(values)})")
        _set(self, "labels", labels)
        _set(self, "values", values)


@dataclass(frozen=True)
class ConfusionMatrix(Plot):
    """A square matrix of counts, rows the actual class and columns the predicted one."""

    title: str
    labels: List[str]
    matrix: List[NumberSeries]
    x_label: str = "Predicted"
    y_label: str = "Actual"

    @classmethod
    def _data_type(cls) -> _PlotType:
        return _PlotType.CONFUSION_MATRIX

    def __post_init__(self) -> None:
        labels = _scalars(self.labels)
        if len(labels) < 2:
            raise ValueError(f"ConfusionMatrix needs at least two labels, got {len(labels)}")
        matrix = _numbers(self.matrix, "matrix", ndim=2)
        if len(matrix) != len(labels) or any(len(row) != len(labels) for row in matrix):
            raise ValueError(f"ConfusionMatrix matrix must be {len(labels)}x{len(labels)} to match its labels")
        _set(self, "labels", labels)
        _set(self, "matrix", matrix)


__all__ = ["AxisConfig", "Curve", "Plot", "CurvePlot", "Histogram", "BarPlot", "ConfusionMatrix", "NumberSeries"]
