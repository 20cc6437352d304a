"""Every executed notebook, exported to HTML, shows each chart as an image and each table offline."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kolena_lab.ui import export_html

pytestmark = pytest.mark.ui

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


def _expected(nb: nbformat.NotebookNode) -> tuple:
    """Charts (a PNG each), plus the images and tables of static HTML outputs (DataFrames, widget snapshots)."""
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if "data" in o]
    static = [o["data"].get("text/html", "") for o in outputs if "image/png" not in o["data"]]
    images = sum("image/png" in o["data"] for o in outputs) + sum(h.count("<img") for h in static)
    tables = sum(h.count("<table") for h in static)
    return images, tables


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_exported_notebook_shows_charts_and_tables_offline(notebook, tmp_path, page):
    nb = nbformat.read(notebook, as_version=4)
    workdir = tmp_path / "run"
    workdir.mkdir()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    images, tables = _expected(nb)
    assert images >= 1 and tables >= 1, "the notebook should show at least one chart and one table"
    html = export_html(nb, tmp_path / "export.html")

    requested = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (requested.append(route.request.url), route.abort()))
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    shown_images = page.evaluate(
        "() => [...document.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0).length")
    shown_tables = page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output table').length")
    page.screenshot(path=str(tmp_path / "export.png"), full_page=True)
    assert shown_images == images
    assert shown_tables >= tables
