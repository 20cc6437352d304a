"""Notebook rendering: charts that stay visible when an executed notebook is shared."""
from kolena_lab.ui.charts import Chart, charts, figure

__all__ = ["Chart", "charts", "figure"]
