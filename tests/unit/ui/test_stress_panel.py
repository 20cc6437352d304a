"""StressPanel on a real SQLite store with real images: the run from the controls writes what ``stress_test`` writes,
the report shows the numbers of the results, the background run ends in a final state, cancel keeps what was
stored, a bad choice is shown in the panel, and the snapshot carries the report."""
import html
import re
import threading

import pytest

from kolena_lab.errors import IncorrectUsageError
from kolena_lab.stress import stress_test
from kolena_lab.ui import StressPanel
from kolena_lab.workflow.io import stored_inferences

from tests.unit.stress import _models as m

pytest.importorskip("albumentations")

LIGHT = m.light_domain(0.4)


@pytest.fixture
def case(sqlite_store, tmp_path):
    return m.classification_case(tmp_path / "images")


def _model(name="clf"):
    return m.CLS[3](name, infer_batch=m.BrightnessClassifier())


def test_the_panel_runs_what_stress_test_runs_and_reports_it(case):
    model = _model()
    panel = StressPanel(model, case, domains=[LIGHT, "outdoor"], budget=3, seed=1)
    assert panel.domain_select.options == ("light", "outdoor")
    assert "2 axes: brightness, noise" in panel.axes_text.value
    results = panel.run()
    direct = stress_test(model, case, LIGHT, budget=3, seed=1)
    assert results.to_dataframe().drop(columns="step").equals(direct.to_dataframe().drop(columns="step"))
    failures = int(results.to_dataframe()["failure"].sum())
    assert failures > 0
    report = panel.report.value
    assert f"<b>{failures:,} failures</b>" in report
    assert f"clean {results.clean:.4g}" in report
    worst_axis = results.vulnerability()["axis"].iloc[0]
    assert report.index("Vulnerability per axis") < report.index(f">{worst_axis}<")
    assert report.count("<figure") == min(8, int((results.to_dataframe()["drop"] > 0).sum()))
    assert "original · perturbed" in report and "data:image/" in report
    for test_case in results.test_cases:
        assert test_case.name in report
        cells = re.findall(r">([^<]*)</td>", report[report.index(f">{html.escape(test_case.name)}</td>"):])
        assert cells[1:3] == [str(test_case.version), str(len(test_case.load_test_samples()))]
    assert panel.test_case_links.options == tuple(tc.name for tc in results.test_cases)
    assert "Done: stress test" in panel.status.value and panel.progress.bar_style == "success"
    assert panel.progress.value == panel.progress.max
    assert not panel.run_button.disabled and panel.cancel_button.disabled
    snapshot = panel.snapshot_html()
    assert "Vulnerability per axis" in snapshot and "<script" not in snapshot


def test_browse_opens_a_written_test_case_with_the_model(case):
    panel = StressPanel(_model(), case, domains=[LIGHT], budget=2)
    with pytest.raises(IncorrectUsageError, match="run a stress test first"):
        panel.browse()
    results = panel.run()
    panel.test_case_links.value = results.test_cases[-1].name
    browser = panel.browse()
    assert browser.total == len(results.test_cases[-1].load_test_samples())
    assert browser.table.frame["locator"].tolist()[0].endswith(".png")


def test_background_run_and_cancel_keep_what_was_inferred(case):
    started, release = threading.Event(), threading.Event()
    inner = m.BrightnessClassifier()

    def slow(samples):
        started.set()
        release.wait(10)
        return inner(samples)

    model = m.CLS[3]("slow", infer_batch=slow)
    panel = StressPanel(model, case, domains=[LIGHT], budget=4)
    panel.run(background=True)
    assert started.wait(10)
    assert panel.run_button.disabled and not panel.cancel_button.disabled
    with pytest.raises(IncorrectUsageError, match="already running"):
        panel.run()
    panel.cancel()
    release.set()
    assert panel.wait(10) is None
    assert panel.progress.bar_style == "warning" and "Cancelled" in panel.status.value
    assert not panel.run_button.disabled
    samples = [s for s, _ in case.load_test_samples()]
    assert all(inference is not None for inference in stored_inferences(model, samples))  # the first batch is kept


def test_an_error_is_shown_in_the_panel_and_the_controls_come_back(case, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\naxes:\n  - name: a\n    transform: no_such_transform\n    parameters: {}\n")
    panel = StressPanel(_model(), case, domains=[LIGHT, bad])
    panel.domain_select.value = str(bad)
    assert "line 4" in panel.axes_text.value and panel.run_button.disabled
    panel.domain_select.value = "light"
    assert not panel.run_button.disabled

    def broken(samples):
        raise RuntimeError("the model broke")

    model = m.CLS[3]("broken", infer_batch=broken)
    panel = StressPanel(model, case, domains=[LIGHT], budget=2)
    panel.run_button.click()
    panel.wait(10)
    assert "the model broke" in panel.status.value and panel.progress.bar_style == "danger"
    assert panel.results is None and not panel.run_button.disabled


def test_nothing_to_choose_from_is_refused(case):
    with pytest.raises(IncorrectUsageError, match="at least one model"):
        StressPanel([], case)


def test_a_corruption_run_reports_mpc_and_rpc(case):
    from kolena_lab.ui.stress_panel import summary_html

    results = stress_test(_model(), case, "corruptions", search="grid", budget=75, batch_size=128)
    html = summary_html(results)
    assert f"mPC {results.mpc():.4g} · rPC {results.rpc():.1%}" in html
    assert "mPC" not in summary_html(stress_test(_model(), case, LIGHT, budget=2, name="light run"))
