"""EvaluationPanel cannot hang: a run that cannot succeed is refused, a run with a flood of failures reaches its
final state in the browser, and a finished run opens its results."""
import pytest
from playwright.sync_api import expect

from tests.ui.test_widgets import _notebook, _run

pytestmark = pytest.mark.ui


def test_a_stored_model_without_infer_is_refused_with_the_reason(lab_page, jupyter_lab):
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, "refused.ipynb", "suite, models = R.build(n_samples=30, evaluate=False)",
        "from kolena_lab.ui import EvaluationPanel\n"
        "EvaluationPanel(R.workflow, [R.AccuracyEvaluator(configurations=[R.Threshold(0.0)])])"))
    page = lab_page.page
    expect(page.get_by_text("was given without its infer function, and 30 samples have no stored inference")
           ).to_be_visible()
    for name in ("model-3", "model-5", "model-9"):  # every model is a row in view: none clipped
        expect(page.get_by_role("checkbox", name=f"{name} (stored inferences only)")).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Compute metrics")).to_be_disabled()
    lab_page.screenshot("widgets-evaluation-refused")


def test_cancel_in_the_middle_of_a_run_ends_cancelled_and_keeps_what_was_inferred(lab_page, jupyter_lab):
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, "stop-midway.ipynb",
        "import time\nsuite, models = R.build(n_samples=400, evaluate=False)\n"
        "slow = R.Model.load('model-9', infer=lambda s: (time.sleep(0.05), R.predictor(9)(s))[1])",
        "from kolena_lab.ui import EvaluationPanel\n"
        "EvaluationPanel(R.workflow, [R.AccuracyEvaluator(configurations=[R.Threshold(0.0)])], models=[slow])"))
    page = lab_page.page
    page.get_by_role("button", name="Compute metrics").click()
    expect(page.get_by_text("Inferring")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Cancelled after")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Cancel")).to_be_disabled()
    expect(page.get_by_role("button", name="Compute metrics")).to_be_enabled()
    expect(page.get_by_text("Cancelling")).to_have_count(0)
    kept = int(page.get_by_text("Cancelled after").inner_text().split()[2])
    expect(page.get_by_text(f"{kept} / 401")).to_be_visible()  # the bar shows what was kept
    lab_page.screenshot("widgets-evaluation-cancelled")


def test_a_flood_of_failures_ends_in_a_final_state_then_results_open(lab_page, jupyter_lab):
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, "flood.ipynb", "suite, models = R.build(n_samples=1800, evaluate=False)",
        "def broken(sample):\n    raise RuntimeError('cannot read ' + sample.locator)\n"
        "from kolena_lab.ui import EvaluationPanel\n"
        "panel = EvaluationPanel(R.workflow, [R.AccuracyEvaluator(configurations=[R.Threshold(0.0)])],\n"
        "    models=[R.Model.load('model-3', infer=broken), R.Model.load('model-9', infer=R.predictor(9))])\n"
        "panel"))
    page = lab_page.page
    page.get_by_role("button", name="Compute metrics").click()
    expect(page.get_by_text("Done: 0 samples inferred; evaluated none; 1,800 failures.")).to_be_visible(
        timeout=90_000)
    expect(page.get_by_text("1,801 / 1,801")).to_be_visible()
    expect(page.get_by_text("1,800 failures (the first 200 shown")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_be_disabled()
    expect(page.get_by_role("button", name="Compute metrics")).to_be_enabled()
    lab_page.screenshot("widgets-evaluation-failures")

    page.get_by_role("checkbox", name="model-3").uncheck()  # plain clicks, every model shown: no Ctrl-click
    page.get_by_role("checkbox", name="model-9").check()
    page.get_by_role("button", name="Compute metrics").click()
    expect(page.get_by_text("Done: 1,800 samples inferred; evaluated model-9; 0 failures.")).to_be_visible(
        timeout=90_000)
    page.get_by_role("button", name="Show results").click()
    expect(page.get_by_role("table", name="Test-case metrics, threshold=0.0")).to_be_visible(timeout=60_000)
    lab_page.screenshot("widgets-evaluation-results")
