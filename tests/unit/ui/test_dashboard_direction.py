"""The dashboard's colours follow declared metric directions; it opens on headline metrics, titles tabs by what they
compute and opens per-class bars on a metric that differs between models."""
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.ui import ResultsDashboard
from tests.unit.ui import _truth as T


def _dashboard(suite, models, **kwargs):
    return ResultsDashboard(suite, models, static_images=False, background=False, **kwargs)


def _cells(tab, test_case):
    row = next(r for r in tab.table.rows if r["test_case"] == test_case)
    return {column["key"]: cell for column, cell in zip(tab.table.columns, row["cells"])}


def test_a_lower_nme_is_better_and_counts_are_neutral(sqlite_store, tmp_path):
    suite, models = T.keypoints(tmp_path)
    dashboard = _dashboard(suite, models)
    tab = dashboard._tab(None)
    assert tab.result.metrics[:2] == ["mean_nme", "failure_rate"] and tab.result.metrics[-1] == "n_samples"
    assert tab.table.columns[0]["group"] == "mean_nme"
    assert tab.table.groups[0]["title"] == "mean_nme: lower is better"
    cells = _cells(tab, "faces :: all")
    assert cells["mean_nme\x1fprecise"]["change"] == "better" and cells["mean_nme\x1fprecise"]["tone"] == "up"
    assert cells["mean_nme\x1fprecise"]["text"].endswith("▲")
    assert cells["failure_rate\x1fprecise"]["change"] == "better"
    assert cells["n_samples\x1fprecise"]["tone"] == ""
    c = dashboard.comparison().set_index(["test_case", "metric", "model"])
    assert c.loc[("faces :: all", "mean_nme", "precise"), "direction"] == "better"
    assert c.loc[("faces :: all", "auc", "precise"), "direction"] == "better"
    dashboard.set_baseline("precise")
    assert _cells(dashboard._tab(None), "faces :: all")["mean_nme\x1fnoisy"]["change"] == "worse"


def test_detection_tabs_say_what_they_compute_and_open_on_the_headline(sqlite_store, tmp_path):
    suite, models = T.detection(tmp_path)
    dashboard = _dashboard(suite, models)
    assert dashboard.configurations() == ["Pascal VOC AP@0.5 · F1-optimal threshold",
                                          "COCO AP@0.5 · F1-optimal threshold"]
    assert dashboard.tab.titles == tuple(dashboard.configurations())
    tab = dashboard._tab("COCO AP@0.5 · F1-optimal threshold")
    assert tab.key[1] == "F1-optimal threshold, IoU=0.5, COCO matching"
    assert dashboard._tab(tab.key[1]) is tab  # the stored configuration name still finds the tab
    assert tab.result.metrics[:2] == ["mean_ap", "macro_f1"]
    assert tab.result.metrics[-4:] == ["n_images", "objects", "inferences", "ignored"]
    cells = _cells(tab, "scenes :: all")
    assert cells["mean_ap\x1fsharp"]["change"] == "better"
    assert cells["fp\x1fsharp"]["change"] == "better"  # fewer false positives
    assert cells["inferences\x1fsharp"]["tone"] == ""  # fewer detections is neither better nor worse
    assert dashboard.per_class_select.value == "per_class.ap"
    assert [v for _, v in dashboard.per_class_select.options if v][-1] == "per_class.inferences"


def test_per_class_bars_open_on_a_metric_that_differs(sqlite_store, tmp_path):
    suite, models = T.classification(tmp_path)
    dashboard = _dashboard(suite, models)
    options = [v for _, v in dashboard.per_class_select.options if v]
    assert options[0] == "per_class.recall" and options[-2:] == ["per_class.n_samples", "per_class.n_predicted"]
    assert dashboard.per_class_select.value == "per_class.recall"
    tab = dashboard._tab(None)
    assert dashboard._differing(tab, "animals :: all", ["per_class.n_samples", "per_class.precision"]) == \
        "per_class.precision"  # n_samples is the same for both models
    assert tab.result.metrics[:2] == ["accuracy", "macro_f1"]


def test_directions_given_to_the_dashboard_override_declarations(sqlite_store, tmp_path):
    suite, models = T.keypoints(tmp_path)
    dashboard = _dashboard(suite, models, directions={"KeypointsEvaluator": {"mean_nme": None}},
                           higher_is_better=["n_samples"])
    cells = _cells(dashboard._tab(None), "faces :: all")
    assert cells["mean_nme\x1fprecise"]["tone"] == ""
    assert cells["failure_rate\x1fprecise"]["change"] == "better"
    with pytest.raises(InputValidationError, match="direction of 'mean_nme'"):
        _dashboard(suite, models, directions={"mean_nme": "lower"})
