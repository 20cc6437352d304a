"""The catalog's paged listings and details, the public core the REST API answers with (no server here)."""
import pytest

import kolena_lab
from kolena_lab import automation
from kolena_lab.errors import InputValidationError, NotFoundError, QueryError, StoreError
from kolena_lab.workflow import listing, test

from ..integration import _automation as a
from ..integration import _classification as c


def test_unfiltered_and_filtered_pages_agree(lab):
    for i in range(12):
        c.TestCase(f"case {i:02d}", description="odd" if i % 2 else "even", test_samples=c.members(i % 4))
    every = [t.name for t in listing.page_test_cases(limit=1000).items]
    assert every == [f"case {i:02d}" for i in range(12)]
    for offset, limit in ((0, 5), (5, 5), (10, 5), (12, 5), (3, 0)):
        unfiltered = listing.page_test_cases(offset=offset, limit=limit)
        matching_all = listing.page_test_cases(where="n_samples >= 0", offset=offset, limit=limit)
        assert unfiltered == matching_all and unfiltered.total == 12
        assert [t.name for t in unfiltered.items] == every[offset:offset + limit]
    assert listing.page_test_cases(workflow="another").to_dict() == {"items": [], "total": 0, "offset": 0,
                                                                     "limit": 100}
    odd = listing.page_test_cases(q="CASE 0", where="description == 'odd' and n_samples > 1")
    assert [t.name for t in odd.items] == ["case 03", "case 07"] and odd.total == 2
    assert listing.page_test_cases(where="n_samples > 100").total == 0
    with pytest.raises(QueryError):
        listing.page_test_cases(where="nope > 1")


def test_suites_models_and_workflows_pages(lab):
    cats = c.TestCase("cats", test_samples=c.members(3))
    c.TestSuite("pets", test_cases=[cats], tags={"nightly", "pets"})
    c.TestSuite("empty")
    c.Model("m1", metadata={"rank": 1, "nested": {"x": 1}}, tags={"prod"})
    c.Model("m2", metadata={"rank": 2})
    [pets] = listing.page_test_suites(where="n_test_cases == 1 and tags.str.contains('nightly')").items
    assert pets.to_dict() == {"name": "pets", "workflow": c.workflow.name, "latest_version": 1, "n_test_cases": 1,
                              "tags": ["nightly", "pets"], "description": ""}
    assert [s.name for s in listing.page_test_suites(q="EMP").items] == ["empty"]
    assert [m.name for m in listing.page_models(where="`metadata.rank` >= 2").items] == ["m2"]
    assert [m.name for m in listing.page_models(tag="prod", q="m").items] == ["m1"]
    assert listing.page_models(tag="none").total == 0
    [workflow] = listing.page_workflows(where="n_models == 2").items
    assert (workflow.name, workflow.n_test_cases, workflow.n_test_suites) == (c.workflow.name, 1, 2)
    assert listing.page_workflows(q="zzz").total == 0
    detail = listing.test_suite_detail("pets")
    assert [(v.version, [r.name for r in v.test_cases]) for v in detail.versions] == [(0, []), (1, ["cats"])]
    with pytest.raises(NotFoundError):
        listing.test_suite_detail("nope")


def test_test_case_detail_summarises_its_fields(lab):
    c.TestCase("cats", test_samples=[(c.sample(i, night=i % 2 == 0, brightness=i / 10, weather="sun" if i < 4
                                               else "rain"), c.gt("cat")) for i in range(8)])
    detail = listing.test_case_detail("cats")
    assert (detail.n_samples, [v.version for v in detail.versions]) == (8, [0, 1])
    fields = {f.field: f for f in detail.metadata_summary}
    assert (fields["brightness"].kind, fields["brightness"].low, fields["brightness"].high) == ("number", 0.0, 0.7)
    assert fields["night"].kind == "boolean" and fields["weather"].values == (("rain", 4), ("sun", 4))
    assert fields["locator"].kind == "text"


def test_jobs_pages_newest_first_with_totals(lab):
    suite, model = a.inferred_suite()
    for name in ("first", "second", "third"):
        a.register(name, a.ACCURACY, configurations=[{"threshold": 0.5, "class": a.THRESHOLD}])
    ids = test(model, suite).jobs
    automation.cancel_job(ids[0])
    page = listing.page_jobs(limit=2)
    assert page.total == 3 and [j.id for j in page.items] == sorted(ids, reverse=True)[:2]
    assert [j.id for j in listing.page_jobs(offset=2, limit=5).items] == [min(ids)]
    assert listing.page_jobs(status=["cancelled"]).total == 1
    assert listing.page_jobs(status=["queued"], evaluator="second").total == 1
    assert listing.page_jobs(model="nope").total == 0 and listing.page_jobs(test_suite="suite").total == 3
    with pytest.raises(InputValidationError, match="unknown job status"):
        listing.page_jobs(status=["done"])
    assert [j.evaluator for j in listing.page_jobs(q="SEC").items] == ["second"]
    found = listing.page_jobs(where="status == 'queued' and evaluator != 'third'", limit=1)
    assert found.total == 1 and [j.evaluator for j in found.items] == ["second"]
    assert listing.page_jobs(q="irs", where="status == 'cancelled'").total == 1  # "first" was cancelled
    with pytest.raises(QueryError):
        listing.page_jobs(where="no_such_field > 1")
    detail = listing.job_detail(ids[0])
    assert detail.status == "cancelled" and detail.log_tail == "" and detail.finished is not None
    with pytest.raises(NotFoundError):
        listing.job_detail(10_000)


def test_results_follow_the_suite_order(lab):
    suite, model = a.inferred_suite()
    test(model, suite, c.AccuracyEvaluator([c.Threshold(0.1), c.Threshold(0.9)]))
    evaluator = next(r["evaluator"] for r in listing.test_case_results("m", "suite").items if r["configuration"])
    page = listing.test_case_results("m", "suite", evaluator=evaluator)  # no_op_evaluator's row left out
    assert [(r["test_case"], r["configuration"]) for r in page.items] == [("a", "threshold=0.1"),
                                                                          ("a", "threshold=0.9")]
    assert all(set(r) >= {"version", "evaluator", "n", "accuracy"} for r in page.items)
    assert listing.test_case_results("m", "suite").total == 3
    assert listing.test_case_results("m", "suite", evaluator="other").total == 0
    with pytest.raises(NotFoundError, match="no version 7"):
        listing.test_case_results("m", "suite", version=7)


def test_json_safe_and_store_summary(lab):
    assert listing.json_safe({"a": [float("nan"), 1.5, float("inf")], "b": (True, None)}) == {
        "a": [None, 1.5, None], "b": [True, None]}
    c.TestCase("cats", test_samples=c.members(2))
    summary = listing.store_summary()
    assert summary["counts"] == {"workflows": 1, "test_cases": 1, "test_suites": 0, "models": 0, "jobs": 0}
    assert summary["url"] == lab.display_url and summary["schema_version"] >= 2


def test_use_store_never_creates_a_store(tmp_path, sqlite_store):
    missing = tmp_path / "nowhere" / "lab.db"
    with pytest.raises(StoreError, match="there is no store at"):
        listing.use_store(f"sqlite:///{missing}")
    assert not missing.parent.exists()
    with pytest.raises(InputValidationError):
        listing.check_store_url("mysql://host/db")
    other = tmp_path / "other.db"
    kolena_lab.initialize(url=f"sqlite:///{other}").dispose()
    kolena_lab.initialize(url=sqlite_store.url)
    listing.use_store(f"sqlite:///{other}")
    assert listing.store_summary()["url"] == f"sqlite:///{other}"
    assert listing.shown_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
