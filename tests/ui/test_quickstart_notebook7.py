"""The quickstart notebook in Jupyter Notebook 7: every cell runs, no widget fails to display, and the dashboard,
the sample browser and the model registry answer clicks as they do in JupyterLab."""
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.ui

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"


def test_the_quickstarts_widgets_work_in_notebook7(notebook_page, jupyter_notebook):
    shutil.copy(QUICKSTART, jupyter_notebook.root_dir / "quickstart.ipynb")  # its store and images go beside it
    notebook_page.open_notebook("quickstart.ipynb")
    assert notebook_page.run_all_cells() is True
    page = notebook_page.page
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)

    table = page.get_by_role("table", name="Test-case metrics, confidence >= 0.5")
    expect(table).to_be_visible(timeout=60_000)
    table.get_by_role("button", name="digits :: faint strokes", exact=True).click()
    expect(page.get_by_text("failing samples of")).to_be_visible(timeout=30_000)
    opened = page.locator(".kl-reveal")
    expect(opened.get_by_text("samples match").first).to_be_visible(timeout=30_000)
    notebook_page.screenshot("quickstart-notebook7-dashboard", opened)

    browser = page.locator(".kl-status", has_text="selected").nth(1)  # the quickstart's own browser
    expect(browser).to_contain_text("selected")
    page.get_by_role("button", name="Create test case").last.scroll_into_view_if_needed()
    notebook_page.screenshot("quickstart-notebook7-browser")

    registry = page.get_by_label("Model", exact=True)
    registry.scroll_into_view_if_needed()
    registry.select_option(index=1)
    expect(page.get_by_label("Key 1")).to_be_visible()
    notebook_page.screenshot("quickstart-notebook7-registry", registry)
