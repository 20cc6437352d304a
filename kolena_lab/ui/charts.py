"""Plots as plotly figures: one description (a ``Plot``), several renderings (interactive, PNG, static HTML)."""
import html
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import plotly.graph_objects as go

from kolena_lab.ui import png
from kolena_lab.workflow.plot import AxisConfig, BarPlot, ConfusionMatrix, CurvePlot, Histogram, Plot

WIDTH, HEIGHT = 640, 420  # the static copy's size; the interactive chart takes its cell's width
LAYOUT = dict(  # every chart's height, margins and template
    template="plotly_white", height=HEIGHT, margin=dict(l=60, r=20, t=50, b=50))


def _axis_type(config: Optional[AxisConfig]) -> str:
    return config.type if config is not None else "linear"


def _curve_figure(plot: CurvePlot) -> go.Figure:
    fig = go.Figure()
    for i, curve in enumerate(plot.curves):
        custom = None
        hover = None
        if curve.extra:
            names = list(curve.extra)
            custom = np.column_stack([curve.extra[n] for n in names])
            hover = "<br>".join(f"{html.escape(n)}: %{{customdata[{j}]}}" for j, n in enumerate(names))
        fig.add_trace(go.Scatter(
            x=curve.x, y=curve.y, mode="lines", name=curve.label or f"curve {i + 1}", customdata=custom,
            hovertemplate=None if hover is None else f"x: %{{x}}<br>y: %{{y}}<br>{hover}<extra></extra>",
        ))
    fig.update_xaxes(type=_axis_type(plot.x_config), title=plot.x_label)
    fig.update_yaxes(type=_axis_type(plot.y_config), title=plot.y_label)
    fig.update_layout(showlegend=len(plot.curves) > 1)
    return fig


def _histogram_figure(plot: Histogram) -> go.Figure:
    edges = np.asarray(plot.buckets, dtype=float)
    centers, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    rows = plot.frequency if plot.labels is not None and np.ndim(plot.frequency) == 2 else [plot.frequency]
    labels = plot.labels if plot.labels is not None and np.ndim(plot.frequency) == 2 else [None]
    fig = go.Figure([
        go.Bar(x=centers, y=row, width=widths, name=label or "", opacity=0.75 if len(rows) > 1 else 1.0)
        for row, label in zip(rows, labels)
    ])
    fig.update_layout(barmode="overlay", bargap=0, showlegend=len(rows) > 1)
    fig.update_xaxes(type=_axis_type(plot.x_config), title=plot.x_label)
    fig.update_yaxes(type=_axis_type(plot.y_config), title=plot.y_label)
    return fig


def _bar_figure(plot: BarPlot) -> go.Figure:
    fig = go.Figure(go.Bar(x=[str(label) for label in plot.labels], y=plot.values))
    fig.update_xaxes(title=plot.x_label, type="category")
    fig.update_yaxes(title=plot.y_label, type=_axis_type(plot.config))
    return fig


def _confusion_figure(plot: ConfusionMatrix) -> go.Figure:
    matrix = np.asarray(plot.matrix, dtype=float)
    text = [[f"{v:g}" for v in row] for row in matrix]
    fig = go.Figure(go.Heatmap(z=matrix, x=plot.labels, y=plot.labels, text=text, texttemplate="%{text}",
                               colorscale="Blues",
                               hovertemplate="actual %{y}<br>predicted %{x}<br>%{z}<extra></extra>"))
    fig.update_xaxes(title=plot.x_label, type="category", side="bottom")
    fig.update_yaxes(title=plot.y_label, type="category", autorange="reversed")
    return fig


_BUILDERS = {CurvePlot: _curve_figure, Histogram: _histogram_figure, BarPlot: _bar_figure,
             ConfusionMatrix: _confusion_figure}


def figure(plot: Plot, title: Optional[str] = None) -> go.Figure:
    """The plotly figure of a kolena_lab ``Plot`` (curves, histogram, bars or confusion matrix)."""
    for plot_type, build in _BUILDERS.items():
        if isinstance(plot, plot_type):
            fig = build(plot)  # type: ignore[operator]
            fig.update_layout(title=title or plot.title, **LAYOUT)
            return fig
    raise TypeError(f"cannot draw a {type(plot).__name__}: expected one of {[t.__name__ for t in _BUILDERS]}")


class Chart:
    """A figure that shows interactively in JupyterLab and as a PNG (with script-free HTML) everywhere else.

    Its output bundle holds ``application/vnd.plotly.v1+json``, ``image/png`` (when a browser for export exists)
    and ``text/html``, so an executed notebook still shows the chart on GitHub, nbviewer and in HTML exports.
    """

    def __init__(self, fig: Any, static: bool = True):
        self.figure = figure(fig) if isinstance(fig, Plot) else fig
        self.static = static  # False: no PNG copy (faster; the chart then shows only where plotly runs)

    def __repr__(self) -> str:
        return f"Chart({self.figure.layout.title.text!r})"

    def size(self) -> Tuple[int, int]:
        """The static copy's width and height: the figure's own when its layout sets them, else the charts' size."""
        layout = self.figure.layout
        return int(layout.width or WIDTH), int(layout.height or HEIGHT)

    def png(self) -> Optional[bytes]:
        """The chart as PNG bytes, or None when no browser is available for export."""
        return png.render(self.figure, *self.size())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Dict[str, Any]:
        spec = self.figure.to_plotly_json()
        bundle: Dict[str, Any] = {
            "application/vnd.plotly.v1+json": {"data": spec["data"], "layout": spec["layout"],
                                               "config": {"displaylogo": False, "responsive": True}},
            "text/plain": repr(self),
        }
        title = html.escape(str(self.figure.layout.title.text or "chart"))
        image = self.png() if self.static else None
        if image is not None:
            encoded = png.b64(image)
            bundle["image/png"] = encoded
            width = self.size()[0]
            bundle["text/html"] = (f'<img alt="{title}" src="data:image/png;base64,{encoded}" width="{width}" '
                                   'style="max-width:100%;height:auto"/>')
        elif not self.static:
            bundle["text/html"] = f"<p><b>{title}</b> (interactive chart; static copy not rendered)</p>"
        else:
            reason = html.escape(png.notice())
            bundle["text/html"] = f"<p><b>{title}</b> (interactive chart; no static image: {reason})</p>"
        return bundle


def charts(plots: List[Plot]) -> List[Chart]:
    """One chart per plot."""
    return [Chart(p) for p in plots]


__all__ = ["Chart", "charts", "figure"]
