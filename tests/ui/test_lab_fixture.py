"""The shared UI fixture opens a notebook, waits for its kernel and runs all cells."""

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.ui


def _write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_run_all_cells_reports_success_and_failure(lab_page, jupyter_lab):
    _write_notebook(jupyter_lab.root_dir / "ok.ipynb", "print('kolena' + '-lab')")
    lab_page.open_notebook("ok.ipynb")
    assert lab_page.run_all_cells() is True
    expect(lab_page.page.locator(".jp-OutputArea-output")).to_have_text("kolena-lab")

    _write_notebook(jupyter_lab.root_dir / "fails.ipynb", "raise ValueError('boom')")
    lab_page.open_notebook("fails.ipynb")
    assert lab_page.run_all_cells() is False
