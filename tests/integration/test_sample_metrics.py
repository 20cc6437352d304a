"""Per-sample metrics of a test case read back in member order, suite-scoped ones included, on SQLite and PostgreSQL
(the query pins the join order for SQLite's planner and must stay valid SQL for PostgreSQL)."""
from kolena_lab.workflow import load_test_sample_metrics
from tests.unit.ui import _results as R


def test_sample_metrics_follow_the_members(lab):
    suite, models = R.build(n_samples=12)
    half = load_test_sample_metrics(models[0], suite.test_cases[0])
    everything = load_test_sample_metrics(models[0], suite.test_cases[1])
    assert len(half) == 12 and len(everything) == 24  # 6 and 12 samples, two configurations each
    assert half["locator"].tolist()[:2] == ["/data/img0000.png", "/data/img0000.png"]
    assert set(half["configuration"]) == {"threshold=0.0", "threshold=0.7"}
