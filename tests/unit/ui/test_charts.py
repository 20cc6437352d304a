"""Plots become plotly figures, and chart outputs carry a PNG and script-free HTML for shared notebooks."""
import base64
import os
import warnings

import pytest

from kolena_lab.ui import Chart, figure, png
from kolena_lab.workflow import AxisConfig, BarPlot, ConfusionMatrix, Curve, CurvePlot, Histogram

CURVES = CurvePlot(title="Failure rate", x_label="threshold", y_label="rate", x_config=AxisConfig("log"),
                   curves=[Curve([0.01, 0.1, 1], [0.9, 0.5, 0.1], label="a", extra={"n": [1, 2, 3]}),
                           Curve([0.01, 1], [0.8, 0.2], label="b")])


def test_curve_plot_keeps_axes_labels_and_extra_series():
    fig = figure(CURVES)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    assert [t.name for t in fig.data] == ["a", "b"] and list(fig.data[0].y) == [0.9, 0.5, 0.1]
    assert fig.data[0].customdata.tolist() == [[1], [2], [3]] and "n: " in fig.data[0].hovertemplate
    assert fig.layout.title.text == "Failure rate" and fig.layout.xaxis.title.text == "threshold"


def test_histogram_bars_span_their_buckets():
    fig = figure(Histogram(title="h", x_label="x", y_label="n", buckets=[0, 1, 3], frequency=[[2, 4], [1, 1]],
                           labels=["gt", "inf"]))
    assert [list(t.x) for t in fig.data] == [[0.5, 2.0], [0.5, 2.0]]
    assert list(fig.data[0].width) == [1.0, 2.0] and [t.name for t in fig.data] == ["gt", "inf"]


def test_bar_and_confusion_matrix():
    bars = figure(BarPlot(title="b", x_label="class", y_label="AP", labels=["cat", 3], values=[0.5, 0.7]))
    assert list(bars.data[0].x) == ["cat", "3"] and bars.layout.xaxis.type == "category"
    cm = figure(ConfusionMatrix(title="cm", labels=["a", "b"], matrix=[[5, 1], [2, 7]]))
    assert cm.data[0].z.tolist() == [[5, 1], [2, 7]] and cm.layout.yaxis.autorange == "reversed"
    assert cm.layout.xaxis.title.text == "Predicted" and cm.layout.yaxis.title.text == "Actual"
    with pytest.raises(TypeError, match="cannot draw"):
        figure("not a plot")  # type: ignore[arg-type]


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="PNG export needs Chromium")
def test_bundle_has_interactive_png_and_static_html():
    bundle = Chart(CURVES)._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"}
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert bundle["text/html"].startswith('<img alt="Failure rate" src="data:image/png;base64,')
    assert "<script" not in bundle["text/html"]


def test_without_a_browser_charts_keep_plotly_json_and_warn_once(monkeypatch):
    monkeypatch.setattr(png, "_state", {"started": False, "failure": "RuntimeError: no Chrome found", "warned": False})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = Chart(CURVES)._repr_mimebundle_()
        second = Chart(CURVES)._repr_mimebundle_()
    assert "image/png" not in first and "application/vnd.plotly.v1+json" in second
    assert "no static image" in first["text/html"] and "chromium" in first["text/html"]
    assert len([w for w in caught if "PNG" in str(w.message) or "static PNG" in str(w.message)]) == 1
