"""ResultsDashboard logic on a real store: tables per configuration, baseline comparison, bootstrap, plots, clicks."""
import numpy as np
import pytest

from kolena_lab.ui import ResultsDashboard
from kolena_lab.workflow import test
from tests.unit.ui import _results as R


@pytest.fixture
def results(sqlite_store):
    return R.build()


def _dashboard(suite, models, **kwargs):
    kwargs.setdefault("static_images", False)
    kwargs.setdefault("background", False)
    return ResultsDashboard(suite, models, significance={"accuracy": "correct", "error_rate": "correct"}, **kwargs)


def test_one_tab_per_configuration_with_test_cases_by_metric_and_model(results):
    suite, models = results
    dashboard = _dashboard(suite, models)
    assert dashboard.configurations() == ["threshold=0.0", "threshold=0.7"]
    table = dashboard.table("threshold=0.0")
    assert list(table.index) == ["half", "all"]
    assert list(table.columns.get_level_values(0).unique()) == ["n", "accuracy", "error_rate"]
    # model-k is right on sample i when i % 10 < k, so accuracy is k / 10 at threshold 0
    assert table[("accuracy", "model-9")].tolist() == pytest.approx([0.9, 0.9])
    assert table[("accuracy", "model-3")].tolist() == pytest.approx([0.3, 0.3])
    assert table[("n", "model-5")].tolist() == [30, 60]
    strict = dashboard.table("threshold=0.7")
    assert strict[("accuracy", "model-9")]["all"] < table[("accuracy", "model-9")]["all"]


def test_comparison_colours_direction_and_significance(results):
    suite, models = results
    dashboard = _dashboard(suite, models, baseline="model-5")
    c = dashboard.comparison("threshold=0.0").set_index(["test_case", "metric", "model"])
    assert c.loc[("all", "accuracy", "model-9"), "change"] == 1
    assert c.loc[("all", "accuracy", "model-3"), "change"] == -1
    # error_rate is lower-is-better: model-9's lower error is an improvement
    assert c.loc[("all", "error_rate", "model-9"), "change"] == 1
    assert c.loc[("all", "n", "model-9"), "change"] == 0
    assert c.loc[("all", "accuracy", "model-5"), "change"] == 0  # the baseline itself
    row = c.loc[("all", "accuracy", "model-9")]
    assert row["ci_low"] <= row["delta"] <= row["ci_high"] and row["significant"]
    assert np.isnan(c.loc[("all", "n", "model-9"), "ci_low"])  # no per-sample counterpart of n
    cells = {r["test_case"]: r["cells"] for r in dashboard._tab("threshold=0.0").table.rows}
    columns = [col["key"] for col in dashboard._tab("threshold=0.0").table.columns]
    cell = cells["all"][columns.index("accuracy\x1fmodel-9")]
    assert cell["tone"] == "up-sig" and cell["text"].endswith("▲*")
    assert cells["all"][columns.index("accuracy\x1fmodel-3")]["tone"] == "down-sig"


def test_changing_the_baseline_recolours(results):
    suite, models = results
    dashboard = _dashboard(suite, models, baseline="model-5")
    dashboard.set_baseline("model-9")
    c = dashboard.comparison("threshold=0.0").set_index(["test_case", "metric", "model"])
    assert c.loc[("all", "accuracy", "model-5"), "change"] == -1
    dashboard.compute_significance()
    tab = dashboard._tab("threshold=0.0")
    columns = [col["key"] for col in tab.table.columns]
    assert tab.table.rows[0]["cells"][columns.index("accuracy\x1fmodel-5")]["tone"] == "down-sig"


def test_no_significance_when_samples_do_not_differ(sqlite_store):
    suite, models = R.build(skills=(5,))
    twin = R.Model("twin", infer=R.predictor(5))
    test(twin, suite, R.AccuracyEvaluator(configurations=[R.Threshold(0.0), R.Threshold(0.7)]))
    models.append(twin)
    dashboard = ResultsDashboard(suite, models, significance={"accuracy": "correct"}, static_images=False,
                                 background=False)
    c = dashboard.comparison("threshold=0.0")
    assert not c["significant"].any() and (c["change"] == 0).all()


def test_sorting_by_a_column(results):
    suite, models = results
    dashboard = _dashboard(suite, models)
    dashboard.sort("n", "model-5", descending=True, configuration="threshold=0.0")
    assert list(dashboard.table("threshold=0.0").index) == ["all", "half"]
    dashboard.sort("n", "model-5", descending=False, configuration="threshold=0.0")
    assert list(dashboard.table("threshold=0.0").index) == ["half", "all"]
    table = dashboard._tab("threshold=0.0").table
    table.descending, table.sort_key = True, "n\x1fmodel-9"  # what a header click sends
    assert [r["test_case"] for r in table.rows] == ["all", "half"]
    with pytest.raises(KeyError):
        dashboard.sort("nope")


def test_every_plot_type_and_per_class_bars(results):
    suite, models = results
    dashboard = _dashboard(suite, models)
    titles = [v for _, v in dashboard.plot_select.options if v]
    assert titles == ["Accuracy vs threshold", "Scores", "Samples per class", "Confusion"]
    curves = dashboard.plot_figures("all", "Accuracy vs threshold")
    assert len(curves) == 1 and [t.name for t in curves[0].data] == ["model-5", "model-9", "model-3"]
    kinds = {title: dashboard.plot_figures("all", title)[0].data[0].type for title in titles}
    assert kinds == {"Accuracy vs threshold": "scatter", "Scores": "bar", "Samples per class": "bar",
                     "Confusion": "heatmap"}
    assert len(dashboard.plot_figures("all", "Confusion")) == 3  # one per model
    assert [v for _, v in dashboard.per_class_select.options if v] == ["per_class.recall"]
    bars = dashboard.per_class_figure("all", "per_class.recall")
    assert bars.layout.barmode == "group" and [t.name for t in bars.data] == ["model-5", "model-9", "model-3"]
    assert list(bars.data[0].x) == R.LABELS
    assert len(dashboard.charts.outputs) == 2  # the selected plot and the per-class bars
    assert all("application/vnd.plotly.v1+json" in o["data"] for o in dashboard.charts.outputs)


def test_charts_carry_png_and_snapshot(results):
    pytest.importorskip("kaleido")
    suite, models = results
    dashboard = _dashboard(suite, models, static_images=True)
    data = dashboard.charts.outputs[0]["data"]
    if "image/png" not in data:
        pytest.skip("no browser for PNG export here")
    snapshot = dashboard._repr_mimebundle_()["text/html"]
    assert "data:image/png;base64," in snapshot and "<script" not in snapshot
    assert "accuracy · model-9" in snapshot and "0.9 ▲*" in snapshot


def test_click_opens_failures_of_the_model(results):
    suite, models = results
    opened = []
    dashboard = _dashboard(suite, models, on_open_test_case=lambda tc, m, s: opened.append((tc.name, m.name, s)))
    dashboard._on_table_message(None, {"type": "open", "test_case": "half", "model": "model-3"}, None)
    name, model, samples = opened[-1]
    assert (name, model) == ("half", "model-3")
    # model-3 is wrong when i % 10 >= 3: 21 of the 30 samples of "half"
    assert len(samples) == 21 and all(int(s.locator[-8:-4]) % 10 >= 3 for s in samples)
    dashboard.failures_of.value = "model-9"
    dashboard._on_table_message(None, {"type": "open", "test_case": "all"}, None)
    assert opened[-1][1] == "model-9" and len(opened[-1][2]) == 6
    custom = _dashboard(suite, models, failure="score < 0.6", on_open_test_case=lambda *a: opened.append(a))
    custom.open_test_case("half", "model-5")
    assert all(s.locator for s in opened[-1][2]) and len(opened[-1][2]) == 6  # i % 5 == 0 gives score 0.5


def test_default_click_through_opens_the_sample_browser_filtered(results):
    suite, models = results
    dashboard = _dashboard(suite, models)
    browser = dashboard.open_test_case("half", "model-3")
    assert browser.matching == 21 and browser.total == 30


def test_background_significance_fills_the_marks(results):
    suite, models = results
    dashboard = ResultsDashboard(suite, models, significance={"accuracy": "correct"}, static_images=False)
    dashboard.wait(60)
    tab = dashboard._tab("threshold=0.0")
    assert any(c["text"].endswith("*") for r in tab.table.rows for c in r["cells"])
    assert "bootstrapped" in dashboard.significance_status.value


def test_snapshot_escapes_names(sqlite_store):
    suite, models = R.build(skills=(5,))
    dashboard = ResultsDashboard(suite, models, static_images=False, background=False)
    assert "<script" not in dashboard.snapshot_html()
    with pytest.raises(ValueError, match="not one of"):
        ResultsDashboard(suite, models, baseline="<b>x</b>", static_images=False, background=False)


def test_a_clicked_test_case_opens_above_the_charts(results):
    suite, models = results
    dashboard = ResultsDashboard(suite, models, background=False)
    order = list(dashboard.children)
    assert order.index(dashboard.browser) == order.index(dashboard.tab) + 2
    assert order.index(dashboard.browser) < order.index(dashboard.charts)
