"""The issue-5 widgets in a real JupyterLab: build a workflow, edit a model's metadata, run an evaluation to the end
of its progress bar, see a chart in the dashboard."""
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
SETUP = """
import sys, warnings
sys.path.insert(0, {repo!r})
warnings.simplefilter("ignore")
import kolena_lab
kolena_lab.initialize(url="sqlite:///{db}")
from tests.unit.ui import _results as R
"""


def _notebook(root: Path, name: str, *cells: str) -> str:
    setup = SETUP.format(repo=str(REPO), db=f"{name}.db")  # a store per notebook: kernels of earlier tests stay open
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (setup, *cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)
    return name


def _run(lab_page, path: str) -> None:
    lab_page.open_notebook(path)
    assert lab_page.run_all_cells() is True


def test_build_a_workflow_with_three_fields(lab_page, jupyter_lab):
    _run(lab_page, _notebook(jupyter_lab.root_dir, "builder.ipynb",
                             "from kolena_lab.ui import WorkflowBuilder\nbuilder = WorkflowBuilder()\nbuilder"))
    page = lab_page.page
    page.get_by_label("Workflow name").fill("Street Detection")
    page.get_by_role("button", name="Add sample field").click()
    page.get_by_label("Sample field 1").fill("camera")
    page.get_by_role("button", name="Add gt field").click()
    page.get_by_label("GT field 1").fill("boxes")
    page.locator(".kl-field-ground-truth-1").get_by_label("type").select_option("LabeledBoundingBox")
    page.locator(".kl-field-ground-truth-1").get_by_label("List").check()
    page.get_by_role("button", name="Add inference field").click()
    page.get_by_label("Inference field 1").fill("boxes")
    page.locator(".kl-field-inference-1").get_by_label("type").select_option("ScoredLabeledBoundingBox")
    page.locator(".kl-field-inference-1").get_by_label("List").check()
    expect(page.get_by_text("valid: define_workflow accepts these types")).to_be_visible()
    expect(page.get_by_text("boxes: List[ScoredLabeledBoundingBox]")).to_be_visible()
    page.get_by_role("button", name="Register workflow").click()
    expect(page.get_by_text("Registered workflow")).to_be_visible()
    lab_page.screenshot("widgets-workflow-builder")


def test_edit_a_models_metadata(lab_page, jupyter_lab):
    _run(lab_page, _notebook(jupyter_lab.root_dir, "registry.ipynb",
                             "suite, models = R.build(n_samples=10, evaluate=False)",
                             "from kolena_lab.ui import ModelRegistry\nModelRegistry(R.workflow)"))
    page = lab_page.page
    page.get_by_label("Model", exact=True).select_option("model-9")
    expect(page.get_by_label("Key 1")).to_have_value("skill")
    page.get_by_role("button", name="Add row").click()
    page.get_by_label("Key 2").fill("framework")
    page.get_by_label("Value 2").fill("onnx")
    page.get_by_label("Tags").fill("candidate")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved model-9")).to_be_visible()
    expect(page.get_by_role("cell", name="framework: onnx · skill: 9")).to_be_visible()
    page.get_by_label("New model").fill("model-9")
    expect(page.get_by_text("already exists; names are unique")).to_be_visible()
    lab_page.screenshot("widgets-model-registry")


def test_run_an_evaluation_until_the_progress_bar_completes(lab_page, jupyter_lab):
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, "evaluation.ipynb",
        "import time\nsuite, models = R.build(n_samples=40, evaluate=False)\n"
        "slow = R.Model.load('model-9', infer=lambda s: (time.sleep(0.02), R.predictor(9)(s))[1])",
        "from kolena_lab.ui import EvaluationPanel\n"
        "EvaluationPanel(R.workflow, [R.AccuracyEvaluator(configurations=[R.Threshold(0.0), R.Threshold(0.7)])],"
        " models=[slow, models[0]])"))
    page = lab_page.page
    expect(page.get_by_text("model-9: 40 samples to infer, 0 reused")).to_be_visible()
    page.get_by_role("button", name="Compute metrics").click()
    expect(page.get_by_text("41 / 41")).to_be_visible(timeout=60_000)
    expect(page.locator(".progress-bar-success")).to_be_visible()
    expect(page.get_by_text("Done: 40 samples inferred; evaluated model-9; 0 failures.")).to_be_visible()
    expect(page.get_by_text("model-9: 0 samples to infer, 40 reused")).to_be_visible()
    lab_page.screenshot("widgets-evaluation-panel")


def test_see_a_chart_in_the_dashboard(lab_page, jupyter_lab):
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, "dashboard.ipynb", "suite, models = R.build(n_samples=40)",
        "from kolena_lab.ui import ResultsDashboard\n"
        "dashboard = ResultsDashboard(suite, models, significance={'accuracy': 'correct'})\ndashboard"))
    page = lab_page.page
    expect(page.get_by_role("table", name="Test-case metrics, threshold=0.0")).to_be_visible()
    # plotly's renderer shows the PNG copy until the chart scrolls into view, then draws it interactively
    page.get_by_label("Per class").scroll_into_view_if_needed()
    page.mouse.move(700, 500)
    page.mouse.wheel(0, 500)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("comparisons bootstrapped")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("cell", name="0.9 ▲*").first).to_be_visible()
    page.get_by_role("button", name="Sort by accuracy, model-3").click()
    expect(page.get_by_role("columnheader", name="Sort by accuracy, model-3")).to_have_attribute("aria-sort",
                                                                                                 "descending")
    page.get_by_label("Plot", exact=True).select_option("Confusion")
    page.mouse.wheel(0, 300)
    expect(page.locator(".js-plotly-plot .heatmaplayer").first).to_be_attached(timeout=20_000)
    lab_page.screenshot("widgets-dashboard")
    page.get_by_role("button", name="half", exact=True).click()
    expect(page.get_by_text("failing samples of model-3")).to_be_visible()
    # the opened browser is scrolled into view: its top in the upper half of the window
    page.wait_for_function("() => { const node = document.querySelector('.kl-reveal');"
                           " if (!node) return false; const top = node.getBoundingClientRect().top;"
                           " return top >= 0 && top < window.innerHeight / 2; }", timeout=10_000)
    lab_page.screenshot("widgets-dashboard-click-through")
