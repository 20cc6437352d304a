"""StressPanel in a real JupyterLab: choosing a domain shows its axes, "Run stress test" runs in the background with a
moving progress bar, and the report (failures, the vulnerability table, the worst perturbations beside their
originals, the test cases written) appears with the curves; "Open in browser" shows a written test case.
Screenshots in test-artifacts/stress-panel-*.png."""
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
SETUP = """
import sys, os, warnings
from pathlib import Path
sys.path.insert(0, {repo!r})
warnings.simplefilter("ignore")
os.environ["KOLENA_LAB_CACHE"] = str(Path("stress-cache").resolve())
import kolena_lab
kolena_lab.initialize(url="sqlite:///" + str(Path("stress.db").resolve()))
from kolena_lab.stress import Domain
from kolena_lab.ui import StressPanel
from tests.unit.stress import _models as m
case = m.classification_case(Path("stress-images").resolve(), levels=[20, 60, 100, 118, 124, 132, 140, 160, 200, 240])
model = m.CLS[3]("brightness-clf", infer_batch=m.BrightnessClassifier())
light = Domain.from_yaml('''
name: light
axes:
  - name: brightness
    transform: brightness
    parameters:
      delta: {{low: -0.4, high: 0.4}}
  - name: noise
    transform: gaussian_noise
    parameters:
      std: {{low: 0, high: 20}}
''')
"""
PANEL = "panel = StressPanel(model, case, domains=[light, 'outdoor'], budget=6, batch_size=4)\npanel"


def test_the_panel_runs_a_stress_test_and_shows_its_report(lab_page, jupyter_lab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (SETUP.format(repo=str(REPO)), PANEL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, jupyter_lab.root_dir / "stress.ipynb")
    page = lab_page.page
    page.set_viewport_size({"width": 1440, "height": 900})
    lab_page.open_notebook("stress.ipynb")
    assert lab_page.run_all_cells() is True

    run = page.get_by_role("button", name="Run stress test")
    expect(run).to_be_enabled(timeout=60_000)
    expect(page.get_by_text("2 axes: brightness, noise")).to_be_visible()
    domain = page.get_by_label("Domain")
    domain.select_option("outdoor")
    expect(page.get_by_text("12 axes: brightness, contrast")).to_be_visible()
    domain.select_option("light")
    expect(page.get_by_text("2 axes: brightness, noise")).to_be_visible()
    lab_page.screenshot("stress-panel-ready")

    run.click()
    expect(page.get_by_text("Done: stress test")).to_be_visible(timeout=90_000)
    report = page.locator(".widget-html-content", has_text="Vulnerability per axis")
    expect(report).to_contain_text("failures")
    expect(report).to_contain_text("original · perturbed")
    expect(report).to_contain_text("gray · stress: worst 5%")
    assert report.locator("figure img").count() >= 2
    # plotly's renderer draws a chart once it scrolls into view
    page.locator(".widget-output").first.scroll_into_view_if_needed()
    page.mouse.move(700, 500)
    page.mouse.wheel(0, 200)
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
    expect(run).to_be_enabled()
    expect(page.get_by_role("button", name="Cancel")).to_be_disabled()
    report.scroll_into_view_if_needed()
    lab_page.screenshot("stress-panel-report")

    page.get_by_role("button", name="Open in browser").click()
    expect(page.get_by_role("listbox").get_by_role("option").first).to_be_visible(timeout=60_000)
    lab_page.screenshot("stress-panel-browser")
