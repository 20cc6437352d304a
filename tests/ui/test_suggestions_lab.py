"""Suggested test cases in a real JupyterLab: the search runs from the button (in a background thread), Show filters
the browser to the slice, Create test case makes it a test case and says so next to the button."""
import pytest
from playwright.sync_api import expect

from tests.ui.test_browser_lab import _status, _write

pytestmark = pytest.mark.ui

SETUP = """
import kolena_lab, numpy as np
from pathlib import Path
from dataclasses import dataclass
from typing import List
from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow, test
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel
from kolena_lab.ui import SampleBrowser
kolena_lab.initialize(url="sqlite:///" + str(Path("suggest.db").resolve()))

@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel

@dataclass(frozen=True)
class Inf(Inference):
    scores: List[ScoredClassificationLabel]

wf, TestCase, TestSuite, Model = define_workflow("Lab Suggestions", Image, GT, Inf)
rng = np.random.default_rng(0)
weather = rng.choice(["sun", "rain", "fog"], 300)
members = [(Image(locator=f"/data/img{i:04d}.png", metadata={"weather": str(weather[i]), "camera": i % 4}),
            GT(label=ClassificationLabel(["cat", "dog"][i % 2]))) for i in range(300)]

def infer(sample):
    i = int(sample.locator[-8:-4])
    wrong = (i * 7919) % 100 < (70 if sample.metadata["weather"] == "fog" else 5)
    top = (i + int(wrong)) % 2
    return Inf(scores=[ScoredClassificationLabel(c, 0.8 if k == top else 0.2) for k, c in enumerate(["cat", "dog"])])

tc = TestCase("images", test_samples=members)
model = Model("classifier", infer=infer)
test(model, TestSuite("images", test_cases=[tc]), ClassificationEvaluator())
fogs = int((weather == "fog").sum())
"""


def test_suggest_show_and_create(lab_page, jupyter_lab):
    _write(jupyter_lab.root_dir / "suggest.ipynb", SETUP,
           "browser = SampleBrowser(tc, model=model, show_thumbnails=False, page_size=20)\nbrowser")
    lab_page.open_notebook("suggest.ipynb")
    assert lab_page.run_all_cells() is True
    page = lab_page.page
    expect(_status(page)).to_contain_text("300 of 300 samples match", timeout=60_000)
    page.get_by_role("button", name="Suggest test cases").click()
    expect(page.get_by_text("weather = fog", exact=False).first).to_be_visible(timeout=60_000)
    fogs = int(page.evaluate("""async () => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const future = kernel.requestExecute({code: 'print(fogs)', store_history: false});
        let out = '';
        future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
        await future.done;
        return out;
    }"""))
    page.get_by_role("button", name="Show").first.click()
    expect(_status(page)).to_contain_text(f"{fogs} of 300 samples match")
    expect(page.get_by_role("textbox", name="Query")).to_have_value("weather == 'fog'")
    page.get_by_role("button", name="Create test case").last.scroll_into_view_if_needed()
    lab_page.screenshot("suggestions-shown")
    rows = page.locator(".widget-hbox", has=page.get_by_role("button", name="Show"))
    rows.first.get_by_role("button", name="Create test case").click()
    expect(page.get_by_text("Created test case 'images :: weather = fog' version 1").first).to_be_visible()
    lab_page.screenshot("suggestions-created")
