"""Widgets that tell the truth at a glance, in a real JupyterLab: the dashboard colours each metric in its declared
direction, opens on the headline metrics, titles tabs by what they compute; sample cards are readable (caption type
of at least 11 px, label and score apart, one score tag, a right/wrong badge, the metric that matters)."""
import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from tests.ui.conftest import SCREEN_SIZES

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]
SETUP = """
import sys, warnings
from pathlib import Path
sys.path.insert(0, {repo!r})
warnings.simplefilter("ignore")
import kolena_lab
kolena_lab.initialize(url="sqlite:///{db}")
from kolena_lab.ui import ResultsDashboard, SampleBrowser
from tests.unit.ui import _truth as T
images = Path("truth-images").resolve()
"""


def _run(lab_page, root: Path, name: str, *cells: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c)
                                         for c in (SETUP.format(repo=str(REPO), db=f"{name}.db"), *cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / f"{name}.ipynb")
    lab_page.page.set_viewport_size(SCREEN_SIZES["1440x900"])
    lab_page.open_notebook(f"{name}.ipynb")
    assert lab_page.run_all_cells() is True



def test_an_improved_lower_is_better_metric_is_green_and_the_headline_comes_first(lab_page, jupyter_lab):
    _run(lab_page, jupyter_lab.root_dir, "truth-keypoints",
         "suite, models = T.keypoints(images)\nResultsDashboard(suite, models)")
    page = lab_page.page
    table = page.get_by_role("table", name="Test-case metrics, NME threshold=0.1")
    expect(table).to_be_visible(timeout=60_000)
    table.scroll_into_view_if_needed()
    first = table.locator("th.kl-group").first
    expect(first).to_have_text("mean_nme")
    expect(first).to_have_attribute("title", "mean_nme: lower is better")
    box, view = first.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["x"] < view["width"] and box["y"] < view["height"]
    row = table.locator("tbody tr", has=page.get_by_role("button", name="faces :: all", exact=True))
    cells = row.locator("td")
    # columns: mean_nme noisy, mean_nme precise, failure_rate noisy, failure_rate precise, ...
    expect(cells.nth(1)).to_have_attribute("data-change", "better")
    expect(cells.nth(1)).to_have_class(re.compile(r"\bup\b"))
    expect(cells.nth(1)).to_contain_text("▲")
    expect(cells.nth(3)).to_have_attribute("data-change", "better")
    colour = cells.nth(1).evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(218, 251, 225)"  # the legend's green
    last = cells.last
    expect(table.locator("th.kl-group").last).to_have_text("n_samples")
    assert last.get_attribute("data-change") is None and "▲" not in last.inner_text()
    lab_page.screenshot("truth-keypoints-dashboard")


def test_detection_tabs_differ_and_per_class_opens_on_a_metric_that_differs(lab_page, jupyter_lab):
    _run(lab_page, jupyter_lab.root_dir, "truth-detection",
         "suite, models = T.detection(images)\ndashboard = ResultsDashboard(suite, models)\ndashboard")
    page = lab_page.page
    expect(page.get_by_role("table", name="Test-case metrics, Pascal VOC AP@0.5 · F1-optimal threshold")) \
        .to_be_visible(timeout=60_000)
    labels = page.locator(".jupyter-widget-tab .lm-TabBar-tabLabel")
    expect(labels).to_have_count(2)
    texts = labels.all_inner_texts()
    assert texts[0].startswith("Pascal VOC AP@0.5") and texts[1].startswith("COCO AP@0.5")
    # what a user sees of each title (the tab may cut it) must tell the two apart
    visible = [label.evaluate("e => { const r = e.getBoundingClientRect(); return r.width; }") for label in
               labels.all()]
    assert all(width > 60 for width in visible)
    table = page.get_by_role("table", name="Test-case metrics, Pascal VOC AP@0.5 · F1-optimal threshold")
    expect(table.locator("th.kl-group").first).to_have_text("mean_ap")
    row = table.locator("tbody tr").first
    inferences = table.locator("th.kl-group").all_inner_texts().index("inferences")
    assert row.locator("td").nth(2 * inferences + 1).get_attribute("data-change") is None  # detections counted
    expect(page.get_by_label("Per class")).to_have_value("per_class.ap")
    labels.nth(1).click()
    coco = page.get_by_role("table", name="Test-case metrics, COCO AP@0.5 · F1-optimal threshold")
    expect(coco).to_be_visible()
    coco.scroll_into_view_if_needed()
    lab_page.screenshot("truth-detection-dashboard")


def test_cards_are_readable_and_say_right_or_wrong(lab_page, jupyter_lab):
    _run(lab_page, jupyter_lab.root_dir, "truth-cards",
         "suite, models = T.classification(images)\n"
         "SampleBrowser(suite.test_cases[0], model=models[0], page_size=12)",
         "faces, face_models = T.keypoints(images)\n"
         "SampleBrowser(faces.test_cases[0], model=face_models[1], page_size=12)",
         "scenes, box_models = T.detection(images)\n"
         "SampleBrowser(scenes.test_cases[0], model=box_models[0], configuration=T.PASCAL, page_size=12)")
    page = lab_page.page
    grids = page.locator(".kl-gallery")
    expect(grids).to_have_count(3, timeout=60_000)
    animals = grids.first
    options = animals.locator(".kl-option")
    expect(options).to_have_count(12)
    for i in range(12):
        expect(options.nth(i).locator(".kl-tag-inference")).to_have_count(1)  # one score tag, the top prediction
    expect(options.first.locator(".kl-tag-inference")).to_have_text("cat · 0.66")
    expect(options.first.locator(".kl-tag-truth")).to_have_text("GT cat")
    expect(options.first.locator(".kl-badge.kl-right")).to_have_text("✓ right")
    expect(options.nth(1).locator(".kl-badge.kl-wrong")).to_have_text("✗ wrong")
    for selector in (".kl-caption", ".kl-tag", ".kl-badge"):
        size = animals.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 11, (selector, size)
    animals.scroll_into_view_if_needed()
    lab_page.screenshot("truth-classification-cards")
    details = grids.nth(1).locator(".kl-detail")
    expect(details.first).to_have_text(re.compile(r"^nme: 0\.\d+"))
    assert not any("normalization" in text for text in details.all_inner_texts())
    size = details.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 11
    expect(grids.nth(1).locator(".kl-badge.kl-right").first).to_have_text("✓ not failed")
    grids.nth(1).scroll_into_view_if_needed()
    lab_page.screenshot("truth-keypoint-cards")
    badges = grids.nth(2).locator(".kl-badge")
    expect(badges).to_have_count(12)
    texts = badges.all_inner_texts()
    assert all(re.fullmatch(r"✓ all matched \(\d+\)|TP \d+ · FP \d+ · FN \d+", t) for t in texts), texts
    assert any(t.startswith("TP") for t in texts)
    grids.nth(2).scroll_into_view_if_needed()
    lab_page.screenshot("truth-detection-cards")
