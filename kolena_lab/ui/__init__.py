"""Notebook widgets (browse and curate samples, compare results, register models, evaluate, stress-test, build workflows) and
charts, all of which stay visible when an executed notebook is shared."""
from kolena_lab.ui.browser import SampleBrowser
from kolena_lab.ui.charts import Chart, charts, figure
from kolena_lab.ui.dashboard import ResultsDashboard
from kolena_lab.ui.evaluation_panel import EvaluationPanel
from kolena_lab.ui.export import export_html
from kolena_lab.ui.model_registry import ModelRegistry
from kolena_lab.ui.stress_panel import StressPanel
from kolena_lab.ui.workflow_builder import WorkflowBuilder

__all__ = [
    "Chart",
    "EvaluationPanel",
    "ModelRegistry",
    "ResultsDashboard",
    "SampleBrowser",
    "StressPanel",
    "WorkflowBuilder",
    "charts",
    "export_html",
    "figure",
]
