"""test(..., executor=client) on a 2-process LocalCluster: the stored inferences and results of a single process,
progress, re-runs, failures, cancel, a model that cannot be pickled, a killed worker."""
import os
import signal
import threading

import pytest

from kolena_lab import store as store_api
from kolena_lab.errors import CancelledError, ClusterError
from kolena_lab.workflow import TestRun, executor, test

from . import _workflow as w


def stored(model, suite) -> dict:
    """Everything stored for ``model`` on ``suite``, as the raw stored text."""
    ids = sorted({sid for tc in suite.test_cases for sid in _member_ids(tc)})
    versions = [tc._version_id for tc in suite.test_cases]
    with store_api.get_store().read() as conn:
        return {
            "inferences": store_api.models.inferences(conn, model._id, ids),
            "samples": [store_api.results.sample_metrics(conn, model._id, v) for v in versions],
            "cases": store_api.results.case_metrics(conn, model._id, versions),
            "suite": store_api.results.suite_metrics(conn, model._id, suite._version_id),
        }


def _member_ids(test_case) -> list:
    with store_api.get_store().read() as conn:
        return [row[0] for row in store_api.test_cases.members(conn, test_case._version_id)]


def test_cluster_run_stores_what_one_process_stores(lab, client):
    suite = w.suite("bits", 200)
    local = test(w.Model("local", infer=w.predict), suite, w.evaluate)
    calls = []
    run = TestRun(w.Model("dask", infer_batch=w.predict_batch), suite, w.evaluate, batch_size=8, executor=client)
    assert run.plan().to_infer == 200
    run.run(progress=lambda done, total: calls.append((done, total)))
    assert run.inferred == local.inferred == 200
    assert calls[0] == (0, 200) and calls[-1] == (200, 200) and len(calls) > 3
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    mine, theirs = stored(local.model, suite), stored(run.model, suite)
    assert len(mine["inferences"]) == 200 and mine["suite"]
    assert mine == theirs
    again = test(run.model, suite, w.evaluate, executor=client)
    assert again.inferred == 0 and stored(run.model, suite) == theirs


def test_a_rerun_infers_only_what_is_missing(sqlite_store, client):
    suite = w.suite("rerun", 100)
    model = w.Model("half", infer=w.predict)
    first_case = suite.test_cases[0]
    TestRun(model, suite, w.evaluate).upload_inferences([(s, w.predict(s)) for s, _ in w.samples(40)])
    run = test(model, suite, w.evaluate, executor=client)
    assert run.inferred == 100 - 40
    assert len(model.load_inferences(first_case)) == len(first_case.load_test_samples())


def test_a_failing_sample_is_named_and_the_rest_is_kept(sqlite_store, client):
    suite = w.suite("failing", 100)
    bad = w.samples(1, offset=37)[0][0].locator
    model = w.Model("failing", infer=w.Failing(bad))
    with pytest.raises(RuntimeError, match="model exploded") as raised:
        test(model, suite, w.evaluate, batch_size=4, executor=client)
    notes = "\n".join(raised.value.__notes__)
    assert bad in notes and "partition" in notes and "retries" in notes
    plan = TestRun(model, suite, w.evaluate).plan()
    assert 0 < plan.reused < 100 and plan.to_infer >= 1


def test_skip_lists_the_failures_a_single_process_lists(lab, client):
    suite = w.suite("skip", 100)
    bad = w.samples(1, offset=90)[0][0].locator
    local = test(w.Model("skip local", infer=w.Failing(bad)), suite, w.evaluate, on_error="skip")
    remote = test(w.Model("skip dask", infer=w.Failing(bad)), suite, w.evaluate, on_error="skip", executor=client)
    assert [(f.sample, f.error) for f in remote.failures] == [(f.sample, f.error) for f in local.failures]
    assert len(remote.failures) == 1 and bad in remote.failures[0].sample
    assert [tc.name for tc in remote.skipped_test_cases] == ["skip b"]
    assert remote.inferred == local.inferred == 99
    ours, theirs = stored(local.model, suite), stored(remote.model, suite)
    assert ours == theirs


def test_cancel_keeps_what_was_stored(sqlite_store, client):
    suite = w.suite("cancel", 200)
    model = w.Model("cancelled", infer=w.Slow(0.01))
    cancel = threading.Event()
    run = TestRun(model, suite, w.evaluate, batch_size=4, executor=client)

    def progress(done: int, total: int) -> None:
        if done >= 20:
            cancel.set()

    with pytest.raises(CancelledError, match="they are kept"):
        run.run(progress=progress, cancel=cancel)
    plan = TestRun(model, suite, w.evaluate).plan()
    assert plan.reused == run.inferred and 20 <= run.inferred < 200
    finished = test(model, suite, w.evaluate, executor=client)
    assert finished.inferred == 200 - run.inferred


def test_a_model_that_cannot_be_pickled_is_refused_before_any_work(sqlite_store, client):
    suite = w.suite("pickle", 20)
    model = w.Model("holds a lock", infer=w.Unpicklable())
    with pytest.raises(ClusterError, match=r"model 'holds a lock'.*infer Unpicklable cannot be pickled.*lock"):
        test(model, suite, w.evaluate, executor=client)
    assert TestRun(model, suite, w.evaluate).plan().reused == 0


def test_a_killed_worker_loses_nothing_and_the_run_completes(sqlite_store, client):
    suite = w.suite("killed", 200)
    local = test(w.Model("survivor local", infer=w.predict), suite, w.evaluate)
    model = w.Model("survivor", infer=w.Slow(0.005))
    victim = sorted(client.run(os.getpid).values())[0]
    killed = []

    def progress(done: int, total: int) -> None:
        if done >= 30 and not killed:
            killed.append(victim)
            os.kill(victim, signal.SIGKILL)

    run = TestRun(model, suite, w.evaluate, batch_size=4, executor=client)
    run.run(progress=progress)
    assert killed and run.inferred == 200
    assert stored(model, suite) == stored(local.model, suite)


def test_a_partition_that_fails_once_is_retried(sqlite_store, client, tmp_path):
    suite = w.suite("flaky", 60)
    model = w.Model("flaky", infer=w.Flaky(w.samples(1, offset=33)[0][0].locator, str(tmp_path / "failed once")))
    run = test(model, suite, w.evaluate, batch_size=4, executor=client)
    assert (tmp_path / "failed once").exists() and run.inferred == 60 and not run.failures


def test_skip_records_every_sample_of_a_partition_that_fails_for_good(sqlite_store, client):
    suite = w.suite("doomed", 60)
    bad = w.samples(1, offset=5)[0][0].locator
    run = test(w.Model("doomed", infer=w.Doomed(bad)), suite, w.evaluate, batch_size=4, on_error="skip",
               executor=client)
    assert bad in {f.sample for f in run.failures} and len(run.failures) == 60 - run.inferred > 1
    assert all("ClusterError" in f.error and "partition 1 of" in f.error and "Fatal" in f.error for f in run.failures)
    assert [tc.name for tc in run.skipped_test_cases] == ["doomed a"]


def test_the_evaluation_runs_with_the_client_current(sqlite_store, client):
    seen = []

    def recording(test_samples, ground_truths, inferences, test_cases):
        seen.append(executor.current_client())
        return w.evaluate(test_samples, ground_truths, inferences, test_cases)

    test(w.Model("recorded", infer=w.predict), w.suite("recorded", 20), recording, executor=client)
    assert seen == [client] and executor.current_client() is None
