"""Detection overlays in a real JupyterLab: a test case whose model adds 30 boxes scored 0.05-0.15 per image opens at
the evaluator's operating point (only the 2 kept detections drawn per card, P/R/F1 as stored); the confidence slider
redraws the cards and recomputes precision / recall / F1; the detail view lists what it draws, and the operating-point
button brings the default back. Screenshots at 1440x900 and 1024x768 in test-artifacts/overlays-*.png."""
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from tests.ui.conftest import SCREEN_SIZES

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
SETUP = """
import sys, os, warnings
from pathlib import Path
sys.path.insert(0, {repo!r})
warnings.simplefilter("ignore")
os.environ["KOLENA_LAB_CACHE"] = str(Path("overlays-cache").resolve())
import kolena_lab
kolena_lab.initialize(url="sqlite:///" + str(Path("overlays.db").resolve()))
from kolena_lab.evaluators import DetectionConfiguration
from kolena_lab.ui import SampleBrowser
from tests.unit.ui.test_overlay_threshold import crowded
suite, case, model = crowded(Path("overlays-images").resolve(), n=12)
"""
BROWSER = ("browser = SampleBrowser(case, model=model, configuration=DetectionConfiguration(), page_size=12, "
           "thumbnail_size=160)\nbrowser")
TOTAL = 32  # detections per image: 2 found objects and 30 low-score boxes



def _set_slider(page, value: str) -> None:
    readout = page.locator(".widget-slider .widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def _shown_when(page, drawn, ready, timeout_ms: int = 15_000) -> list:
    """The number of detections each card draws, once `ready(counts)` holds or the timeout passes."""
    for _ in range(timeout_ms // 250):
        counts = [int(text.split(" of ")[0]) for text in drawn.all_text_contents()]
        if ready(counts):
            break
        page.wait_for_timeout(250)
    return counts


def test_low_scores_hidden_by_default_and_the_slider_recomputes(lab_page, jupyter_lab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (SETUP.format(repo=str(REPO)), BROWSER)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, jupyter_lab.root_dir / "overlays.ipynb")
    page = lab_page.page
    page.set_viewport_size(SCREEN_SIZES["1440x900"])
    lab_page.open_notebook("overlays.ipynb")
    assert lab_page.run_all_cells() is True

    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(12, timeout=90_000)
    drawn = page.locator(".kl-drawn")
    expect(drawn.first).to_have_text(f"2 of {TOTAL} detections")
    expect(drawn.first).to_have_attribute("title", f"2 of {TOTAL} detections shown ({TOTAL - 2} under the confidence "
                                                   "threshold) · 2 ground truths")
    assert all(text.split(" of ")[0] in ("1", "2") for text in drawn.all_text_contents())
    live = page.locator(".kl-live")
    expect(live).to_contain_text("Test case at the evaluator's operating point")
    expect(live).to_contain_text("precision 0.875 · recall 0.875")  # 21 found, 3 misplaced foxes, as stored
    default_text = live.text_content()
    expect(page.get_by_role("button", name="Evaluator's operating point")).to_be_disabled()
    lab_page.screenshot("overlays-default", page.get_by_role("listbox"))

    _set_slider(page, "0.1")
    expect(live).to_contain_text("confidence ≥ 0.10")
    assert live.text_content() != default_text
    # the status line and the cards are redrawn by separate messages: wait for the cards
    shown = _shown_when(page, drawn, lambda counts: all(2 < n < TOTAL for n in counts))
    assert all(2 < n < TOTAL for n in shown), shown
    _set_slider(page, "0")
    expect(drawn.first).to_have_text(f"{TOTAL} of {TOTAL} detections")
    expect(live).to_contain_text("precision 0.0")
    lab_page.screenshot("overlays-all-shown", page.get_by_role("listbox"))

    options.first.focus()
    page.keyboard.press("Enter")
    legend = page.get_by_role("group", name="What the image shows")
    expect(legend.locator(".kl-legend-count")).to_have_attribute("data-shown", str(TOTAL))
    page.get_by_role("button", name="Evaluator's operating point").click()
    expect(legend.locator(".kl-legend-count")).to_have_attribute("data-shown", "2")
    expect(legend.locator(".kl-legend-count")).to_contain_text(f"{TOTAL - 2} under the evaluator's operating point")
    expect(legend.locator("li")).to_have_count(4)  # 2 ground truths and 2 detections, each with a hover title
    assert legend.locator("li").first.get_attribute("title").startswith("ground truth, TP: cat (12, 14)–(62, 70)")
    expect(live).to_have_text(default_text)
    expect(drawn.first).to_have_text(f"2 of {TOTAL} detections")
    details = page.get_by_role("region", name="Details of")
    assert "23.299999" not in details.text_content() and "ScoredLabeledBoundingBox(" not in details.text_content()
    lab_page.screenshot("overlays-detail", legend)
