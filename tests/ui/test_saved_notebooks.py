"""A notebook saved from JupyterLab (no widget state) and reopened with a new kernel still reads: each kolena_lab
widget (registry, dashboard, browser) shows its last snapshot, current after the actions taken before saving, and
each progress bar its final count, in JupyterLab and in Jupyter Notebook 7."""
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
CELLS = [
    f"import sys, warnings\nsys.path.insert(0, {str(REPO)!r})\nwarnings.simplefilter('ignore')\n"
    "import kolena_lab\nkolena_lab.initialize(url='sqlite:///{db}')\nfrom tests.unit.ui import _results as R",
    "suite, models = R.build(n_samples=10)",
    "from kolena_lab.ui import ModelRegistry\nModelRegistry(R.workflow)",
    "from kolena_lab.ui import ResultsDashboard\nResultsDashboard(suite, models, significance=False)",
    "from kolena_lab.ui import SampleBrowser\nSampleBrowser(suite.test_cases[1], page_size=6, thumbnail_size=64)",
    "from kolena_lab._utils.log import progress_bar\nitems = list(progress_bar(range(37), desc='reading', total=37))",
]
NOTE = "Saved snapshot: run the cell again for the live widget."


def _write(root: Path, name: str) -> str:
    cells = [CELLS[0].replace("{db}", name.replace(".ipynb", ".db")), *CELLS[1:]]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)
    return name


def _run_save_and_reopen(ui_page, path: str) -> None:
    """Run every cell, act in two widgets, save from the UI, shut the kernel down, and open the notebook again (a new
    kernel starts)."""
    ui_page.open_notebook(path)
    assert ui_page.run_all_cells() is True
    page = ui_page.page
    expect(page.get_by_label("Model", exact=True)).to_be_visible()
    page.get_by_label("Model", exact=True).select_option("model-9")
    page.get_by_label("Tags").fill("shipped")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved model-9")).to_be_visible()
    page.get_by_label("Query").fill("index >= 7")
    page.get_by_label("Query").press("Enter")
    expect(page.get_by_text("3 of 10 samples match")).to_be_visible()
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    ui_page.open_notebook(path)


def _check_reopened(ui_page, root: Path, path: str, screenshot: str) -> None:
    saved = nbformat.read(root / path, as_version=4)
    assert "widgets" not in saved.metadata  # saved from the UI: no widget state, the live models are gone
    page = ui_page.page
    # the registry, the dashboard, the browser, the progress bar and build()'s three inference bars
    expect(page.get_by_text(NOTE)).to_have_count(7, timeout=60_000)
    expect(page.get_by_text("model not found")).to_have_count(0)
    registry = page.locator(".kolena-lab-snapshot", has_text="Models of")
    expect(registry).to_contain_text("shipped")  # the snapshot was kept current after the save
    expect(page.locator(".kolena-lab-snapshot", has_text="Baseline:")).to_be_visible()
    browser = page.locator(".kolena-lab-snapshot", has_text="index >= 7")  # ... and after the query
    expect(browser).to_contain_text("3 of 10 samples match")
    expect(page.get_by_text("37/37")).to_be_visible()
    ui_page.screenshot(screenshot)


def test_reopened_in_jupyterlab(lab_page, jupyter_lab):
    path = _write(jupyter_lab.root_dir, "saved.ipynb")
    _run_save_and_reopen(lab_page, path)
    _check_reopened(lab_page, jupyter_lab.root_dir, path, "saved-notebook-jupyterlab")


def test_reopened_in_notebook7(notebook_page, jupyter_notebook):
    path = _write(jupyter_notebook.root_dir, "saved.ipynb")
    _run_save_and_reopen(notebook_page, path)
    _check_reopened(notebook_page, jupyter_notebook.root_dir, path, "saved-notebook-notebook7")
