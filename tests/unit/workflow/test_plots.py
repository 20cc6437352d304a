"""Plots: axis configs, curves, histograms, bar plots and confusion matrices, with numpy inputs."""
import json

import numpy as np
import pytest

from kolena_lab.workflow.plot import AxisConfig, BarPlot, ConfusionMatrix, Curve, CurvePlot, Histogram


def round_trip(obj):
    return type(obj)._from_dict(json.loads(json.dumps(obj._to_dict())))


def test_axis_config_types():
    assert AxisConfig().type == "linear"
    assert AxisConfig("log")._to_dict() == {"type": "log"}
    with pytest.raises(ValueError, match="linear"):
        AxisConfig("sqrt")


def test_curve_lengths():
    curve = Curve([0, 1, 2], [1.0, 0.5, 0.0], label="a", extra={"threshold": [0.9, 0.5, 0.1]})
    assert curve._to_dict() == {
        "x": [0, 1, 2], "y": [1.0, 0.5, 0.0], "label": "a", "extra": {"threshold": [0.9, 0.5, 0.1]},
    }
    with pytest.raises(ValueError, match="equal lengths"):
        Curve([0, 1], [1])
    with pytest.raises(ValueError, match="threshold"):
        Curve([0, 1], [1, 0], extra={"threshold": [0.5]})
    with pytest.raises(ValueError, match="'x'"):
        Curve(["a"], [1])


def test_curve_accepts_numpy_and_serialises_python_values():
    curve = Curve(np.arange(3, dtype=np.int32), np.linspace(0, 1, 3, dtype=np.float32),
                  extra={"t": np.array([0.25, 0.5, 0.75])})
    data = curve._to_dict()
    assert data["x"] == [0, 1, 2] and type(data["x"][0]) is int
    assert data["y"] == [0.0, 0.5, 1.0] and type(data["y"][0]) is float
    assert data["extra"] == {"t": [0.25, 0.5, 0.75]}
    json.dumps(data)


def test_curve_plot():
    plot = CurvePlot("PR", "recall", "precision", [Curve([0, 1], [1, 0], label="a"), Curve([0.5], [0.5])],
                     x_config=AxisConfig("log"))
    data = plot._to_dict()
    assert data["data_type"] == "PLOT/CURVE" and data["x_config"] == {"type": "log"} and data["y_config"] is None
    back = round_trip(plot)
    assert back == plot and type(back.curves[0]) is Curve and type(back.x_config) is AxisConfig
    with pytest.raises(ValueError, match="curve"):
        CurvePlot("t", "x", "y", [])


def test_histogram_1d():
    hist = Histogram("scores", "score", "count", [0, 0.5, 1], [3, 4], y_config=AxisConfig("log"))
    data = hist._to_dict()
    assert data["data_type"] == "PLOT/HISTOGRAM"
    assert data["buckets"] == [0, 0.5, 1] and data["frequency"] == [3, 4]
    assert round_trip(hist) == hist


@pytest.mark.parametrize("buckets", [[], [0], [0, 1, 1], [2, 1, 0], [0, 2, 1]])
def test_histogram_buckets_must_be_two_or_more_strictly_increasing(buckets):
    with pytest.raises(ValueError, match="bucket"):
        Histogram("t", "x", "y", buckets, [1] * max(len(buckets) - 1, 0))


@pytest.mark.parametrize("frequency", [[], [1], [1, 2, 3]])
def test_histogram_frequency_length_is_buckets_minus_one(frequency):
    with pytest.raises(ValueError, match="buckets - 1"):
        Histogram("t", "x", "y", [0, 1, 2], frequency)


def test_histogram_2d_with_labels():
    hist = Histogram("t", "x", "y", [0, 1, 2], [[1, 2], [3, 4]], labels=["a", "b"])
    assert hist.frequency == [[1, 2], [3, 4]]
    back = round_trip(hist)
    assert back == hist and back.labels == ["a", "b"]


def test_histogram_numpy_inputs():
    hist = Histogram("t", "x", "y", np.array([0.0, 1.0, 2.0]), np.array([[1, 2], [3, 4]]), labels=np.array(["a", "b"]))
    assert hist.buckets == [0.0, 1.0, 2.0] and hist.frequency == [[1, 2], [3, 4]]
    assert hist.labels == ["a", "b"] and all(type(label) is str for label in hist.labels)
    assert hist == Histogram("t", "x", "y", [0.0, 1.0, 2.0], [[1, 2], [3, 4]], labels=["a", "b"])
    json.dumps(hist._to_dict())


@pytest.mark.parametrize("frequency, labels, match", [
    ([[1, 2], [3, 4]], None, "label"),
    ([[1, 2], [3, 4]], ["a"], "label"),
    ([[1, 2], [3, 4, 5]], ["a", "b"], "buckets - 1"),
    ([[1, 2], [3]], ["a", "b"], "buckets - 1"),
])
def test_histogram_2d_validation(frequency, labels, match):
    with pytest.raises(ValueError, match=match):
        Histogram("t", "x", "y", [0, 1, 2], frequency, labels=labels)


def test_bar_plot():
    bar = BarPlot("counts", "class", "n", ["a", "b"], [1, 2.5], config=AxisConfig("log"))
    data = bar._to_dict()
    assert data["data_type"] == "PLOT/BAR" and data["labels"] == ["a", "b"] and data["values"] == [1, 2.5]
    back = round_trip(bar)
    assert back == bar and type(back.config) is AxisConfig


def test_bar_plot_numpy_and_mixed_labels():
    bar = BarPlot("t", "x", "y", np.array(["a", "b"]), np.array([1.5, 2.0], dtype=np.float32))
    assert bar.labels == ["a", "b"] and type(bar.labels[0]) is str and bar.values == [1.5, 2.0]
    numeric = BarPlot("t", "x", "y", np.array([1, 2]), [3, 4])
    assert numeric.labels == [1, 2] and type(numeric.labels[0]) is int
    mixed = BarPlot("t", "x", "y", ["a", 1, 2.5], [1, 2, 3])
    assert mixed.labels == ["a", 1, 2.5]


@pytest.mark.parametrize("labels, values", [([], []), (["a"], [1, 2]), (["a", "b"], [1])])
def test_bar_plot_needs_equal_non_empty_labels_and_values(labels, values):
    with pytest.raises(ValueError, match="BarPlot"):
        BarPlot("t", "x", "y", labels, values)


def test_confusion_matrix():
    matrix = ConfusionMatrix("cm", ["cat", "dog"], [[5, 1], [2, 7]])
    data = matrix._to_dict()
    assert data["data_type"] == "PLOT/CONFUSION_MATRIX"
    assert (data["x_label"], data["y_label"]) == ("Predicted", "Actual")
    assert round_trip(matrix) == matrix
    custom = ConfusionMatrix("cm", ["a", "b"], [[1, 0], [0, 1]], x_label="P", y_label="A")
    assert round_trip(custom).x_label == "P"


def test_confusion_matrix_numpy_inputs():
    matrix = ConfusionMatrix("cm", np.array(["a", "b", "c"]), np.eye(3, dtype=np.int64))
    assert matrix.labels == ["a", "b", "c"] and all(type(label) is str for label in matrix.labels)
    assert matrix.matrix == [[1, 0, 0], [0, 1, 0], [0, 0, 1]] and type(matrix.matrix[0][0]) is int


@pytest.mark.parametrize("labels, matrix, match", [
    (["a"], [[1]], "two labels"),
    ([], [], "two labels"),
    (["a", "b"], [[1, 2], [3, 4], [5, 6]], "2x2"),
    (["a", "b"], [[1, 2, 3], [4, 5, 6]], "2x2"),
    (["a", "b", "c"], [[1, 2], [3, 4]], "3x3"),
])
def test_confusion_matrix_needs_two_labels_and_a_square_matrix(labels, matrix, match):
    with pytest.raises(ValueError, match=match):
        ConfusionMatrix("cm", labels, matrix)
