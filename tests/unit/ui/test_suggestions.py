"""Suggested test cases in SampleBrowser and ResultsDashboard: found on demand (in the background too), one click
shows the slice, a second creates it as a versioned test case; errors show next to the action."""
import pytest

from kolena_lab.ui import ResultsDashboard, SampleBrowser
from tests.unit.slices._store import TestCase, TestSuite, build


@pytest.fixture
def tested(sqlite_store, tmp_path, monkeypatch):
    monkeypatch.setenv("KOLENA_LAB_CACHE", str(tmp_path / "cache"))
    return build()


def _browser(model, case):
    browser = SampleBrowser(case, model=model, show_thumbnails=False)
    browser.suggestions.background = False
    return browser


def test_the_browser_suggests_shows_and_creates_a_slice(tested):
    model, case = tested
    browser = _browser(model, case)
    suggestions = browser.suggestions
    assert suggestions.metric_box.value == "is_correct"  # the headline per-sample metric with a direction
    suggestions.suggest_button.click()
    assert suggestions.slices["slice"].iloc[0] == "weather = fog"
    assert "where classifier does worse on is_correct" in suggestions.status.value
    first = suggestions.rows.children[0]
    show, name, create, feedback = first.children[1].children
    assert "weather = fog" in first.children[0].value
    show.click()
    assert browser.view.query == suggestions.slices["query"].iloc[0]
    assert browser.matching == suggestions.slices["size"].iloc[0]
    assert "Showing" in feedback.value
    name.value = "foggy"
    create.click()
    assert "Created test case &#x27;foggy&#x27; version 1" in feedback.value
    created = TestCase.load("foggy")
    assert set(created.to_dataframe()["weather"]) == {"fog"} and len(suggestions.created) == 1
    create.click()  # the name is taken now: the error shows next to the button, nothing is raised
    assert "NameConflictError" in feedback.value or "exists" in feedback.value
    assert TestCase.load("foggy").version == 1
    assert "weather = fog" in browser.snapshot_html()


def test_the_search_runs_in_the_background(tested):
    model, case = tested
    browser = SampleBrowser(case, model=model, show_thumbnails=False)
    suggestions = browser.suggestions
    suggestions.start()
    suggestions.wait(30)
    assert not suggestions.suggest_button.disabled
    assert suggestions.slices is not None and suggestions.slices["slice"].iloc[0] == "weather = fog"
    assert "weather = fog" in browser.snapshot_html()


def test_errors_show_in_the_status(tested):
    model, case = tested
    browser = _browser(model, case)
    browser.suggestions.start("accuracy")
    assert "no per-sample metric &#x27;accuracy&#x27;" in browser.suggestions.status.value
    with pytest.raises(IndexError, match="suggest first"):
        browser.suggestions.show(0)
    assert SampleBrowser(case, show_thumbnails=False).suggestions is None  # no model, no results to search


def test_the_dashboard_suggests_for_the_chosen_model_and_test_case(tested):
    model, case = tested
    dashboard = ResultsDashboard(TestSuite.load("images"), [model], static_images=False, background=False)
    suggestions = dashboard.suggestions
    assert suggestions.metric_box.value == "is_correct"
    suggestions.suggest_button.click()
    top = suggestions.slices.iloc[0]
    assert top["slice"] == "weather = fog"
    widget = suggestions.show(0)
    assert widget.view.query == top["query"] and widget.matching == top["size"]
    result = suggestions.create(0, "dashboard fog")
    assert result.test_case.name == "dashboard fog" and len(result.test_case.to_dataframe()) == top["size"]
    assert "Suggested test cases" in dashboard.snapshot_html()
