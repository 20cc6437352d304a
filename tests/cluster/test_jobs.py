"""Evaluator jobs on a Dask cluster (ClusterWorker, `kolena-lab worker --dask`): one job a task, run on the Dask
workers with the local worker's logs, time limits and cancellation; the database still runs one job per model, suite
and evaluator at a time; a Dask worker killed mid-job is survived."""
import json
import os
import signal
import threading
import time

import pytest

from kolena_lab import automation, store
from kolena_lab.errors import ClusterError
from kolena_lab.workflow.results import load_test_case_metrics
from tests.integration import _automation as a
from tests.integration import _classification as c

WAIT = 60
PARENT = "python -c 'import os, time; print(\"parent\", os.getppid(), flush=True); time.sleep({seconds})'"


def _job_row(job_id: int) -> store.jobs.JobRow:
    with store.get_store().read() as conn:
        return store.jobs.get(conn, job_id)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)


def test_jobs_run_on_the_dask_workers_with_their_logs_and_results(sqlite_store, client):
    suite, model = a.inferred_suite()
    a.register("accuracy", a.ACCURACY, configurations=[{"threshold": 0.5, "class": a.THRESHOLD}])
    automation.register_evaluator(c.workflow, "where", command=PARENT.format(seconds=0))
    a.register("failing", f"{a.EVALUATORS}:failing")
    a.register("slow", f"{a.EVALUATORS}:sleeping", configurations=[{"seconds": 60}], timeout="3s")
    ids = [j.id for j in automation.queue_evaluation("m", "suite")]
    ended = []
    worker = automation.ClusterWorker(client, poll_interval=0.1)
    worker.run(until_idle=True, on_job=ended.append)
    by_name = {job.evaluator: job for job in (automation.get_job(i) for i in ids)}
    accuracy, where, failing, slow = (by_name[name] for name in ("accuracy", "where", "failing", "slow"))
    assert sorted(j.id for j in ended) == sorted(ids)

    assert accuracy.status == "succeeded" and "evaluating model 'm'" in accuracy.stdout
    [row] = load_test_case_metrics(model, suite, evaluator="AccuracyEvaluator").itertuples()
    assert row.accuracy == a.expected_accuracy(suite.test_cases[0], 0.5)
    dask_pids = set(client.run(os.getpid).values())
    assert where.status == "succeeded", (where.error, where.stderr)
    assert int(where.stdout.split()[1]) in dask_pids
    assert failing.status == "failed" and failing.error == "exited with code 1: RuntimeError: the evaluator broke"
    assert "evaluating, then failing" in failing.stdout
    assert slow.status == "timed_out" and slow.error == "timed out after 3 s"
    assert all(j.worker == worker.id for j in (accuracy, where, failing, slow))


def test_one_job_per_model_suite_and_evaluator_at_a_time(lab, client):
    suite, _ = a.inferred_suite()
    with suite.edit() as editor:
        editor.add(c.TestCase("b", test_samples=c.members(2)))
    automation.register_evaluator(c.workflow, "pause", command="sleep 0.6")
    first = automation.queue_evaluation("m", "suite", version=1)
    second = automation.queue_evaluation("m", "suite", version=2)
    automation.ClusterWorker(client, poll_interval=0.05).run(until_idle=True)
    done = sorted(automation.wait_for_jobs([first[0], second[0]], timeout=1), key=lambda j: j.started_at)
    assert [j.status for j in done] == ["succeeded", "succeeded"]
    assert done[0].finished_at <= done[1].started_at


def test_cancelling_and_stopping_end_the_running_job_cancelled(sqlite_store, client):
    a.inferred_suite()
    automation.register_evaluator(c.workflow, "slow", command="sleep 30")
    automation.start_worker(poll_interval=0.1, dask=client)
    try:
        [running] = automation.queue_evaluation("m", "suite")
        _wait_for(lambda: _job_row(running.id).pid is not None, "the job's start")
        automation.cancel_job(running.id)
        [cancelled] = automation.wait_for_jobs([running], timeout=WAIT)
        assert (cancelled.status, cancelled.error) == ("cancelled", "cancelled")
        [stopped] = automation.queue_evaluation("m", "suite")
        _wait_for(lambda: _job_row(stopped.id).pid is not None, "the second job's start")
        pid = _job_row(stopped.id).pid
    finally:
        automation.stop_worker(timeout=30)
    assert automation.get_job(stopped.id).status == "cancelled"
    _wait_for(lambda: not _alive(pid), "the stopped job's process ending")


def test_a_dask_worker_killed_mid_job_is_survived(sqlite_store, client, tmp_path):
    a.inferred_suite()
    marker = tmp_path / "first attempt"  # the first attempt sleeps long, the next one not
    path = json.dumps(str(marker))
    sleep = f'0 if os.path.exists({path}) else (open({path}, "w").close() or 30)'
    automation.register_evaluator(c.workflow, "where", command=PARENT.format(seconds=sleep))
    [job] = automation.queue_evaluation("m", "suite")
    worker = automation.ClusterWorker(client, poll_interval=0.1)
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True})
    thread.start()
    try:
        _wait_for(lambda: "parent" in (_job_row(job.id).stdout or ""), "the job's first output")
        first = _job_row(job.id)
        dask_worker = int(first.stdout.split()[1])
        os.kill(dask_worker, signal.SIGKILL)
    finally:
        thread.join(WAIT)
    assert not thread.is_alive()
    done = automation.get_job(job.id)
    assert done.status == "succeeded", done.error
    assert int(done.stdout.split()[1]) != dask_worker  # run again on another Dask worker
    assert not _alive(first.pid)  # the first attempt's process, left by the killed Dask worker, was stopped
    assert (done.finished_at - done.started_at).total_seconds() < 25


def test_the_cli_runs_jobs_on_the_cluster(sqlite_store, cluster):
    a.inferred_suite()
    automation.register_evaluator(c.workflow, "quick", command="true")
    [job] = automation.queue_evaluation("m", "suite")
    result = a.invoke("--url", sqlite_store.url, "worker", "--dask", cluster.scheduler_address, "--once",
                      "--poll-interval", "0.1")
    assert result.exit_code == 0, result.output
    assert f"job {job.id} succeeded" in result.output and "via Dask scheduler" in result.output
    refused = a.invoke("--url", sqlite_store.url, "worker", "--dask", "nonsense://scheduler", "--once")
    assert refused.exit_code == 4 and "cannot reach the Dask scheduler at 'nonsense://scheduler'" in refused.output


def test_a_cluster_worker_needs_a_cluster(sqlite_store):
    with pytest.raises(ClusterError, match="executor must be"):
        automation.ClusterWorker(object())
