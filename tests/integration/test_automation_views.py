"""Results views show the evaluation jobs of their models and reload when one finishes."""
import pytest

from kolena_lab import automation
from kolena_lab.ui import ResultsDashboard, SampleBrowser
from kolena_lab.workflow import test

from . import _automation as a
from . import _classification as c

THRESHOLD = {"threshold": 0.5, "class": a.THRESHOLD}


def test_dashboard_shows_job_status_and_reloads_when_a_job_finishes(sqlite_store):
    suite, model = a.inferred_suite()
    a.register("accuracy", a.ACCURACY, configurations=[THRESHOLD])
    [job_id] = test(model, suite).jobs
    [case_a] = suite.test_cases
    automation.Worker().run_next()
    assert automation.get_job(job_id).status == "succeeded"

    night = c.TestCase("night", test_samples=[(s, g) for s, g in case_a.load_test_samples() if s.metadata["night"]])
    with suite.edit() as editor:  # queues the evaluation of 'night'
        editor.add(night)
    suite = c.TestSuite.load("suite")
    dashboard = ResultsDashboard(suite, [model], background=False)
    dashboard.jobs.stop()  # both polled by hand below
    browser = SampleBrowser(night, model=model, show_thumbnails=False)
    browser.jobs.stop()
    browser.sort_by("locator", ascending=False).click(0)
    chosen = browser.selected["locator"].tolist()
    assert "queued" in browser.jobs.value and not any(f.startswith("metrics.") for f in browser.view.fields)
    assert list(dashboard.table().index) == ["a"]
    assert "accuracy" in dashboard.jobs.value and "queued" in dashboard.jobs.value
    assert dashboard.jobs.get_state()["value"] == dashboard.jobs.value

    automation.Worker().run_next()
    [finished] = dashboard.jobs.poll()
    assert finished.status == "succeeded" and not dashboard.jobs.active
    assert "succeeded" in dashboard.jobs.value
    accuracy = dashboard.table()[("accuracy", model.name)]
    assert list(accuracy.index) == ["a", "night"]
    assert accuracy["night"] == pytest.approx(a.expected_accuracy(night, 0.5))

    assert browser.jobs.poll()[0].id == finished.id
    assert "metrics.correct" in browser.view.fields  # the job's per-sample metrics, read on reload
    assert browser.selected["locator"].tolist() == chosen and browser.view.sort_field == "locator"
    assert browser.page_rows()["metrics.correct"].notna().all()


def test_job_status_stops_following_when_closed_and_stays_stopped(sqlite_store):
    suite, model = a.inferred_suite()
    a.register("accuracy", a.ACCURACY, configurations=[THRESHOLD])
    test(model, suite)  # a queued job, and no worker to run it
    browser = SampleBrowser(suite.test_cases[0], model=model, show_thumbnails=False)
    status = browser.jobs
    assert status.active and status._thread.is_alive()
    browser.close()
    status._thread.join(timeout=10)
    assert not status._thread.is_alive()
    status.poll()  # re-reads on demand, without following again
    assert status.active and not status._thread.is_alive()
