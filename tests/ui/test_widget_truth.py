"""What a new user met in JupyterLab, checked in a real browser at 1440x900 and 1024x768: filters on labels inside
annotations, a bad query named, and messages that appear beside the control that caused them."""
import pytest
from playwright.sync_api import expect

from tests.ui.test_widgets import _notebook, _run

pytestmark = pytest.mark.ui

SIZES = [(1440, 900), (1024, 768)]


def _below(page, first, second, within=80):
    """Whether ``second`` starts at most ``within`` pixels below the bottom of ``first`` (on the same screen)."""
    a, b = first.bounding_box(), second.bounding_box()
    return a is not None and b is not None and 0 <= b["y"] - (a["y"] + a["height"]) <= within


@pytest.mark.parametrize("width, height", SIZES)
def test_filter_by_a_label_inside_an_annotation_and_a_bad_query_is_named(lab_page, jupyter_lab, width, height):
    lab_page.page.set_viewport_size({"width": width, "height": height})
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, f"labels-{width}.ipynb", "suite, models = R.build(n_samples=30)",
        "from kolena_lab.ui import SampleBrowser\n"
        "browser = SampleBrowser(suite.test_cases[1], model=models[0], show_thumbnails=False)\nbrowser"))
    page = lab_page.page
    status = page.get_by_role("status").first
    expect(status).to_contain_text("30 of 30 samples match", timeout=60_000)
    page.get_by_label("Filter by").select_option("ground_truth.label.label")
    expect(page.get_by_label("cat (10)")).to_be_visible()
    page.get_by_label("cat (10)").check()
    page.get_by_role("button", name="Add filter").click()
    expect(status).to_contain_text("10 of 30 samples match")
    if width == 1440:  # the shot itself covers both sizes
        lab_page.screenshot("truth-label-filter")

    query = page.get_by_label("Query")
    query.fill("`ground_truth.label` == 'cat'")
    query.press("Enter")
    expect(status).to_contain_text("holds ClassificationLabel values")
    expect(status).to_contain_text("ground_truth.label.label")
    query.fill("`inference.prediction.lable` == 'cat'")
    query.press("Enter")
    expect(status).to_contain_text("unknown field 'inference.prediction.lable'")
    expect(status).not_to_contain_text("BACKTICK")
    query.fill("`inference.prediction.label` == 'cat' and `inference.prediction.score` > 0.5")
    query.press("Enter")
    expect(status).not_to_contain_text("unknown field")  # the message goes once the query works
    expect(status).to_contain_text("of 30 samples match")
    if width == 1440:  # the shot itself covers both sizes
        lab_page.screenshot("truth-query")


@pytest.mark.parametrize("width, height", SIZES)
def test_messages_appear_beside_the_control_that_caused_them(lab_page, jupyter_lab, width, height):
    lab_page.page.set_viewport_size({"width": width, "height": height})
    _run(lab_page, _notebook(
        jupyter_lab.root_dir, f"messages-{width}.ipynb", "suite, models = R.build(n_samples=10, evaluate=False)",
        "from kolena_lab.ui import ModelRegistry\nModelRegistry(R.workflow)"))
    page = lab_page.page
    page.get_by_label("Model", exact=True).select_option("model-5")
    page.get_by_role("button", name="Raw JSON").click()
    page.get_by_label("Metadata").fill("{not json")
    save = page.get_by_role("button", name="Save", exact=True)
    save.click()
    message = page.get_by_text("not valid JSON")
    expect(message).to_be_visible()
    save_box, message_box = save.bounding_box(), message.bounding_box()
    # beside the button, or right under it where a narrow notebook wraps the row
    assert -30 < message_box["y"] - save_box["y"] < 60
    if width == 1440:  # the shot itself covers both sizes
        lab_page.screenshot("truth-registry-message")
    page.get_by_label("Metadata").fill("{}")
    expect(message).to_have_count(0)  # cleared once the situation changes
