"""Notebook rendering: charts that stay visible when an executed notebook is shared."""
from kolena_lab.ui.charts import Chart, charts, figure
from kolena_lab.ui.export import export_html

__all__ = ["Chart", "charts", "export_html", "figure"]
