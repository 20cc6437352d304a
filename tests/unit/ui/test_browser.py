"""SampleBrowser without a browser: opening sources, pages, filters, selection, curation and the HTML snapshot."""
import html
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import QueryError
from kolena_lab.media import FetchOptions
from kolena_lab.ui import SampleBrowser
from kolena_lab.workflow import LabeledBoundingBox

from tests.unit.ui._browser_data import BrowserGT, BrowserInf, bad_files, workflow_classes, write_images


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOLENA_LAB_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def case(sqlite_store, tmp_path):
    wf, TestCase, TestSuite_, Model = workflow_classes()
    paths = write_images(tmp_path / "images", 12)
    frame = pd.DataFrame({
        "locator": paths,
        "ground_truth.label": ["cat", "dog", "bird"] * 4,
        "brightness": np.linspace(0.0, 1.1, 12),
        "weather": ["sun", "rain"] * 6,
    })
    return TestCase.from_dataframe("all images", frame, description="every image")


def test_opens_on_a_test_case_with_pages_and_captions(case):
    browser = SampleBrowser(case, page_size=5, thumbnail_size=48)
    assert (browser.total, browser.matching, browser.page_count) == (12, 12, 3)
    items = browser.gallery.items
    assert [i["index"] for i in items] == [0, 1, 2, 3, 4]
    assert items[0]["locator"].endswith("img_000.jpg") and items[0]["caption"] == "img_000.jpg"
    assert items[0]["src"].startswith("data:image/jpeg;base64,") and items[0]["error"] == ""
    assert items[0]["detail"] == "label: cat"
    assert browser.previous_button.disabled and not browser.next_button.disabled  # on the first page
    browser.next_page().next_page()
    assert [i["index"] for i in browser.gallery.items] == [10, 11]
    assert not browser.previous_button.disabled and browser.next_button.disabled  # on the last page
    assert browser.next_page().page == 2  # clamped
    assert "11–12" in browser.status_text()


def test_filter_sort_and_bad_query_keep_state(case):
    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)
    browser.filter("ground_truth.label != 'bird' and brightness > 0.35").sort_by("brightness", ascending=False)
    assert browser.matching == 5
    assert browser.page_rows().index.tolist() == [10, 9, 7, 6]
    assert browser.gallery.items[0]["detail"].startswith("brightness: 1 · label: dog")
    browser._guard(browser.filter, "brightness >")  # what the query box does with a bad query
    assert browser.matching == 5 and "invalid query" in browser.status_text()
    with pytest.raises(QueryError):
        browser.filter("nonsense == 1")
    browser.add_filter("weather", "==", "rain")
    assert browser.matching_rows().index.tolist() == [9, 7]
    chip = browser.filter_controls.chips.children[-1]
    assert "weather == &#x27;rain&#x27;" in chip.children[0].value
    assert chip.children[1].tooltip == "Remove filter weather == 'rain'"
    browser.clear_filters()
    assert browser.matching == 12 and browser.query_box.value == ""


def test_typed_controls_combine_with_each_other_and_the_query(case):
    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)
    frame, controls = browser.view.frame, browser.filter_controls
    assert (controls.field_box.value, controls.field_box.label) == ("", "(choose a field)")
    assert all(c.layout.display == "none" for c in (controls.min_box, controls.values_box, controls.contains_box))
    controls.field_box.value = "brightness"
    assert (controls.min_box.value, controls.max_box.value) == (0.0, 1.1) and controls.min_box.layout.display == ""
    controls.min_box.value, controls.max_box.value = 0.2, 0.9
    controls.add_button.click()
    controls.field_box.value = "weather"
    assert [c.description for c in controls.values_box.children] == ["rain (6)", "sun (6)"]
    controls.values_box.children[0].value = True
    controls.add_button.click()
    expected = frame[frame["brightness"].between(0.2, 0.9) & (frame["weather"] == "rain")].index.tolist()
    assert browser.matching_rows().index.tolist() == expected == [3, 5, 7, 9]
    browser.filter("`ground_truth.label` != 'cat'")
    assert browser.matching_rows().index.tolist() == [5, 7]
    assert [c.children[0].value for c in controls.chips.children[1:]] == [
        '<span class="kl-chip-text" title="brightness between 0.2 and 0.9">brightness between 0.2 and 0.9</span>',
        '<span class="kl-chip-text" title="weather in [&#x27;rain&#x27;]">weather in [&#x27;rain&#x27;]</span>']

    controls.field_box.value = "brightness"  # shows the filter's range; adding again replaces it
    assert (controls.min_box.value, controls.max_box.value) == (0.2, 0.9)
    controls.max_box.value = 0.5
    controls.add_button.click()
    assert [str(f) for f in browser.view.filters] == ["brightness between 0.2 and 0.5", "weather in ['rain']"]
    controls.min_box.value = 0.6
    controls.add_button.click()
    assert "minimum of 'brightness' (0.6) is above its maximum (0.5)" in browser.status_text()
    old_chips = controls.chips.children
    old_chips[1].children[1].click()  # remove the range
    assert [str(f) for f in browser.view.filters] == ["weather in ['rain']"] and browser.matching == 4
    assert old_chips[1].comm is None and old_chips[1].children[1].comm is None  # closed
    assert controls.chips.children == (old_chips[0], old_chips[2])  # the other chip is kept
    controls.field_box.value = "locator"
    controls.contains_box.value = "img_00"
    controls.add_button.click()
    assert browser.matching_rows().index.tolist() == [1, 5, 7]  # with the query still on
    browser.reload()
    assert controls.field_box.value == "locator" and controls.contains_box.value == "img_00"
    assert browser.matching_rows().index.tolist() == [1, 5, 7] and len(controls.chips.children) == 3
    browser.clear_filters()
    assert browser.matching == 12 and controls.chips.children == ()


def test_click_shift_range_box_invert_clear(case):
    browser = SampleBrowser(case, page_size=5, show_thumbnails=False)
    browser.sort_by("brightness", ascending=False)  # display order 11, 10, ..., 0
    browser.click(11).click(9)
    browser.click(6, shift=True)  # range 9..6 in display order
    assert browser.selected.index.tolist() == [6, 7, 8, 9, 11]
    assert sorted(browser.gallery.selected) == [7, 8, 9, 11]  # what the page shows selected
    browser.click(11)  # toggles off
    assert browser.selected_count == 4
    browser._on_gallery_event({"event": "box", "indices": [1, 2], "additive": True})
    assert browser.selected_count == 6
    browser._on_gallery_event({"event": "box", "indices": [10], "additive": False})  # replaces this page's
    assert browser.selected.index.tolist() == [1, 2, 6, 10]
    browser.filter("weather == 'sun'")
    browser.invert_selection()  # only matching rows flip
    assert browser.selected.index.tolist() == [0, 1, 4, 8]
    browser.select_all_matching()
    assert browser.selected.index.tolist() == [0, 1, 2, 4, 6, 8, 10]
    browser.clear_selection()
    assert browser.selected_count == 0
    with pytest.raises(IndexError):
        browser.select(99)


def test_create_add_remove_and_suite_through_the_public_api(case):
    wf, TestCase, TestSuite_, _ = workflow_classes()
    browser = SampleBrowser(case, show_thumbnails=False)
    browser.filter("weather == 'rain'")
    browser.click(1).click(3).click(7, shift=True)  # rain rows are 1, 3, 5, 7, ...
    diff = browser.preview("create", "rainy", "rain only")
    assert (diff.before, len(diff.added), diff.after) == (0, 4, 4)
    result = browser.create_test_case("rainy", "rain only", test_suite="weather suite")
    created = TestCase.load("rainy")
    assert created.version == 1 and created.description == "rain only"
    samples = created.load_test_samples()
    assert [s.locator for s, _ in samples] == browser.selected["locator"].tolist()
    assert [g.label for _, g in samples] == ["dog", "cat", "bird", "dog"]
    assert samples[0][0].metadata == {"brightness": pytest.approx(0.1), "weather": "rain"}
    suite = TestSuite_.load("weather suite")
    assert [tc.name for tc in suite.test_cases] == ["rainy"] and result.test_suite.version == suite.version
    assert "Created test case &#x27;rainy&#x27; version 1" in result._repr_html_()
    with pytest.raises(ValueError, match="already exists"):
        browser.create_test_case("rainy")

    browser.clear_filters().clear_selection().select([0, 1])  # 1 is in already
    added = browser.add_to_test_case("rainy", test_suite="weather suite")
    assert (len(added.diff.added), added.test_case.version) == (1, 2)
    assert [s.locator for s, _ in TestCase.load("rainy").load_test_samples()][-1].endswith("img_000.jpg")
    assert TestSuite_.load("weather suite").test_cases[0].version == 2
    browser.clear_selection().select([3, 0, 11])  # 11 is not in it
    removed = browser.remove_from_test_case("rainy")
    assert (len(removed.diff.removed), removed.test_case.version, removed.diff.after) == (2, 3, 3)
    assert len(TestCase.load("rainy").load_test_samples()) == 3
    assert len(TestCase.load("rainy", version=1).load_test_samples()) == 4
    browser.clear_selection().select(11)
    unchanged = browser.remove_from_test_case("rainy")
    assert unchanged.test_case.version == 3 and not unchanged.diff.changes
    assert [r.diff.action for r in browser.history] == ["create", "add", "remove", "remove"]

    browser.clear_selection().select([0, 11])  # create again with reset: exactly these two, as a new version
    kept = {s.locator for s, _ in TestCase.load("rainy").load_test_samples()}
    diff = browser.preview("create", "rainy", reset=True)
    assert (diff.before, diff.after) == (3, 2)
    assert len(diff.removed) == len(kept - set(browser.selected["locator"]))
    replaced = browser.create_test_case("rainy", reset=True)
    assert replaced.test_case.version == 4
    assert [s.locator for s, _ in TestCase.load("rainy").load_test_samples()] == browser.selected["locator"].tolist()


def test_buttons_preview_then_confirm(case):
    wf, TestCase, _, _ = workflow_classes()
    browser = SampleBrowser(case, show_thumbnails=False)
    browser.name_box.value = "two"
    browser.create_button.click()
    assert "select at least one sample" in browser.status_text()
    browser.select([4, 5])
    browser.create_button.click()
    assert browser.confirm_button.layout.display == "" and "2 added" in browser.diff_view.value
    assert "two" not in [n for n in browser.target_box.options]
    browser.confirm_button.click()
    assert [s.locator for s, _ in TestCase.load("two").load_test_samples()] == browser.selected["locator"].tolist()
    assert browser.target_box.value == "two" and browser.confirm_button.layout.display == "none"
    assert "Created test case &#x27;two&#x27;" in browser.curation_log.value and "two" in browser.snapshot_html()


def test_old_version_suite_workflow_and_model_results(case, sqlite_store):
    wf, TestCase, TestSuite_, Model = workflow_classes()
    with case.edit() as editor:
        editor.remove(case.load_test_samples()[0][0])
    assert SampleBrowser(TestCase.load("all images", version=1), show_thumbnails=False).total == 12
    assert SampleBrowser(case, show_thumbnails=False).total == 11
    other = TestCase.from_dataframe("first three", TestCase.load("all images", version=1).to_dataframe().head(3))
    suite = TestSuite_("suite", test_cases=[case, other])
    browser = SampleBrowser(suite, show_thumbnails=False)
    assert browser.total == 12
    names = browser.view.frame["test_case"].tolist()
    assert names[:2] == ["all images, first three"] * 2 and names[2] == "all images" and names[-1] == "first three"
    assert SampleBrowser(wf, show_thumbnails=False).total == 12

    from kolena_lab.workflow import EvaluationResults, MetricsTestSample, test
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Correct(MetricsTestSample):
        correct: bool

    def evaluate(samples, gts, infs, test_cases):
        metrics = [Correct(correct=g.label == i.label) for g, i in zip(gts, infs)]
        return EvaluationResults(metrics_test_sample=list(zip(samples, metrics)), metrics_test_case=[])

    model = Model("guesser", infer=lambda s: BrowserInf(label="cat", score=0.5))
    test(model, suite, evaluate)
    results = SampleBrowser(case, model=model, show_thumbnails=False)
    assert {"inference.label", "inference.score", "metrics.correct"} <= set(results.view.fields)
    results.filter("metrics.correct == False")
    assert results.matching == 8 and set(results.matching_rows()["ground_truth.label"]) == {"dog", "bird"}


def test_dataframe_source_browses_and_curates_with_a_workflow(case, tmp_path):
    wf, TestCase, _, _ = workflow_classes()
    frame = case.to_dataframe()
    plain = SampleBrowser(frame, show_thumbnails=False)
    with pytest.raises(ValueError, match="curation needs a workflow"):
        plain.select(0).create_test_case("nope")
    curated = SampleBrowser(frame, workflow=wf, show_thumbnails=False)
    curated.select([2, 3]).create_test_case("from frame")
    assert len(TestCase.load("from frame").load_test_samples()) == 2
    with pytest.raises(TypeError, match="opens a TestCase"):
        SampleBrowser([1, 2, 3])


def test_details_show_overlays_and_every_field(sqlite_store, tmp_path):
    wf, TestCase, _, _ = workflow_classes("Boxes")
    path = write_images(tmp_path / "b", 1, size=(200, 100))[0]
    box = LabeledBoundingBox((10, 10), (100, 60), label="<b>car</b>")
    tc = TestCase("boxes", test_samples=[(wf.test_sample_type(locator=path, metadata={"note": "<i>x</i>"}),
                                          BrowserGT(label="car", boxes=[box]))])
    browser = SampleBrowser(tc)
    plain = SampleBrowser(tc, overlays=False)
    assert browser.gallery.items[0]["src"] != plain.gallery.items[0]["src"]  # boxes drawn
    browser.show_details(0)
    assert "&lt;i&gt;x&lt;/i&gt;" in browser.detail.value and "<i>x</i>" not in browser.detail.value
    assert "data:image/jpeg;base64," in browser.detail.value
    assert browser.close_detail_button.layout.display == ""
    browser._on_gallery_event({"event": "open", "index": 5})
    assert "Ignored a open event" in browser.status_text()


class _SlowOr404(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(3)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowOr404)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_bad_locators_show_escaped_reasons(tmp_path, http_server):
    bad = bad_files(tmp_path / "bad")
    locators = {**bad, "http_404": f"{http_server}/gone.jpg", "timeout": f"{http_server}/slow.jpg"}
    frame = pd.DataFrame({"locator": list(locators.values()), "kind": list(locators)})
    started = time.perf_counter()
    browser = SampleBrowser(frame, fetch=FetchOptions(timeout=(0.5, 0.5), deadline=1.0))
    assert time.perf_counter() - started < 10
    items = {row["kind"]: item for row, item in zip(frame.to_dict("records"), browser.gallery.items)}
    assert all(item["src"].startswith("data:image/png;base64,") for item in items.values())
    reasons = {kind: item["error"].lower() for kind, item in items.items()}
    assert "not found" in reasons["missing"] or "no such file" in reasons["missing"]
    assert "not an image" in reasons["not_image"]
    assert "truncated" in reasons["truncated"]
    assert "too large" in reasons["huge"]
    assert "404" in reasons["http_404"]
    assert "time" in reasons["timeout"]
    assert items["html"]["locator"] == bad["html"] and items["html"]["error"]
    snapshot = browser.snapshot_html()
    assert "<img src=x" not in snapshot and html.escape(Path(bad["html"]).name) in snapshot
    assert "<script" not in snapshot.lower()


def test_snapshot_is_script_free_and_carries_state(case):
    browser = SampleBrowser(case, page_size=30, thumbnail_size=40)
    browser.filter("weather == 'sun'").select([0, 2])
    bundle = browser._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    snapshot = data["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "<script" not in snapshot.lower() and snapshot.count("data:image/jpeg;base64,") == 6
    assert "weather == &#x27;sun&#x27;" in snapshot and "6 of 12 samples match" in snapshot
    assert "2 selected" in snapshot and snapshot.count("✓ ") == 2


def test_big_test_case_opens_on_its_first_page_and_loads_the_rest_in_the_background(case, monkeypatch):
    from kolena_lab.ui import _rows, browser as browser_module
    from kolena_lab.workflow import _frame_cache

    monkeypatch.setattr(browser_module, "BACKGROUND_MIN_SAMPLES", 10)
    monkeypatch.setattr(_frame_cache, "MIN_ROWS", 10)
    release, build = threading.Event(), _rows.sample_rows_of

    def slow_build(*args, **kwargs):
        release.wait(10)
        return build(*args, **kwargs)

    monkeypatch.setattr(browser_module, "sample_rows_of", slow_build)
    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)
    assert [i["index"] for i in browser.gallery.items] == [0, 1, 2, 3]
    assert browser.status_text().startswith("Loading 12 samples: showing the first 4")
    assert browser.query_box.disabled and browser.select_all_button.disabled
    assert browser.page_label.value == "Page 1 of 3"
    assert "Loading 12 samples" in browser.snapshot_html()
    release.set()
    browser.filter("weather == 'rain'")  # waits for the load, then filters every sample
    assert (browser.total, browser.matching) == (12, 6)
    assert not browser.query_box.disabled and "6 of 12 samples match" in browser.status_text()

    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)  # its snapshot is written now: no preview
    assert browser._loader is None and browser.total == 12


def test_a_failed_background_load_is_shown_and_raised(case, monkeypatch):
    from kolena_lab.ui import browser as browser_module

    monkeypatch.setattr(browser_module, "BACKGROUND_MIN_SAMPLES", 10)

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(browser_module, "sample_rows_of", broken)
    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)
    browser._loader.join(10)
    assert browser.status_text() == "showing the first 4 of 12 samples: could not load the rest: disk gone"
    with pytest.raises(RuntimeError, match="could not be loaded: disk gone"):
        browser.select_all_matching()


def test_reload_keeps_the_selected_samples_by_their_ids(case):
    browser = SampleBrowser(case, show_thumbnails=False).select([2, 3])
    ids = browser.selected["sample_id"].tolist()
    with case.edit() as editor:
        editor.remove(case.load_test_samples()[0][0])
    browser._source = (type(case).load(case.name), browser._source[1])
    assert browser.reload().selected["sample_id"].tolist() == ids and browser.total == 11


def test_curation_messages_appear_beside_the_buttons_and_clear_when_things_change(case):
    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)
    browser.select([0, 1])
    browser.name_box.value = "two"
    browser.create_button.click()
    assert "Review" in browser.curation_message.value
    browser.confirm_button.click()
    assert "Created test case" in browser.curation_message.value
    browser.name_box.value = "other"
    assert browser.curation_message.value == ""
    browser.name_box.value = "two"
    browser.create_button.click()  # the name is taken now
    assert "Cannot create" in browser.curation_message.value and "#a40e26" in browser.curation_message.value
    flat = []

    def walk(widget):
        flat.append(widget)
        for child in getattr(widget, "children", ()):
            walk(child)
    walk(browser)
    assert flat.index(browser.curation_message) < flat.index(browser.curation_log)
    assert flat.index(browser.create_button) < flat.index(browser.curation_message)


def test_clear_filters_resets_the_range_control_to_the_whole_range(case):
    browser = SampleBrowser(case, page_size=4, show_thumbnails=False)
    controls = browser.filter_controls
    controls.field_box.value = "brightness"
    controls.min_box.value, controls.max_box.value = 0.2, 0.9
    controls.add_button.click()
    assert len(browser.view.filters) == 1
    browser.clear_filters_button.click()
    assert browser.view.filters == [] and (controls.min_box.value, controls.max_box.value) == (0.0, 1.1)
