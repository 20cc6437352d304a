"""Automatic evaluation through the Python API: triggers, jobs, runners, the worker, and secrets."""
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from kolena_lab import automation, store
from kolena_lab.automation.registry import docker_engine_problem
from kolena_lab.errors import IncorrectUsageError, InputValidationError, NotFoundError
from kolena_lab.workflow import test
from kolena_lab.workflow.results import load_test_case_metrics, load_test_sample_metrics

from . import _automation as a
from . import _classification as c

THRESHOLD = {"threshold": 0.5, "class": a.THRESHOLD}
WAIT = 60  # seconds: a generous bound on a few ~1 s jobs on a busy machine


@pytest.fixture
def background_worker():
    """The kernel's background worker, polling fast; stopped (and checked gone) after the test."""
    worker = automation.start_worker(poll_interval=0.1)
    yield worker
    automation.stop_worker(timeout=15)
    assert not [t for t in threading.enumerate() if t.name.startswith("kolena-lab-worker")]


def _case_metrics(model, suite) -> dict:
    rows = load_test_case_metrics(model, suite, evaluator="AccuracyEvaluator")
    return {(r.test_case, r.version): r.accuracy for r in rows.itertuples()}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_curating_through_api_and_cli_evaluates_inferred_models_without_calling_test(lab, background_worker):
    suite, model = a.inferred_suite()
    a.register("accuracy", a.ACCURACY, configurations=[THRESHOLD])
    inferences = lab.counts()["inferences"]

    run = test(model, suite)  # no evaluator: the registered ones run as jobs
    assert len(run.jobs) == 1
    [job] = automation.wait_for_jobs(run.jobs, timeout=WAIT, poll_interval=0.1)
    assert job.status == "succeeded", job.stderr
    [case_a] = suite.test_cases
    assert _case_metrics(model, suite) == {("a", 1): pytest.approx(a.expected_accuracy(case_a, 0.5))}

    night = c.TestCase("night", test_samples=[(s, g) for s, g in case_a.load_test_samples() if s.metadata["night"]])
    with suite.edit() as editor:
        editor.add(night)
    [job] = _wait_for_newest()
    assert (job.status, job.test_cases, job.test_suite_version) == ("succeeded", [("night", 1)], 2), job.stderr
    assert "'night' version 1" in job.stdout and "'a'" not in job.stdout  # only the new test case is evaluated

    created = a.invoke("test-case", "create", "day", "--from", "a", "--where", "night=false")
    assert created.exit_code == 0, created.output
    edited = a.invoke("test-suite", "edit", "suite", "--add", "day")
    assert edited.exit_code == 0 and "queued evaluation jobs" in edited.output, edited.output
    [job] = _wait_for_newest()
    assert (job.status, job.test_cases) == ("succeeded", [("day", 1)]), job.stderr

    latest = c.TestSuite.load("suite")
    day = c.TestCase.load("day")
    assert _case_metrics(model, latest) == {
        ("a", 1): pytest.approx(a.expected_accuracy(case_a, 0.5)),
        ("night", 1): pytest.approx(a.expected_accuracy(night, 0.5)),
        ("day", 1): pytest.approx(a.expected_accuracy(day, 0.5)),
    }
    assert lab.counts()["inferences"] == inferences  # nothing re-inferred, nothing reset
    assert [j.status for j in automation.jobs(model="m")] == ["succeeded"] * 3


def _wait_for_newest(n: int = 1) -> list:
    """The ``n`` newest jobs, once finished (a fast worker may have finished them already)."""
    return automation.wait_for_jobs(automation.jobs(limit=n), timeout=WAIT, poll_interval=0.1)


def test_jobs_are_queued_per_inferred_model_and_evaluator_and_widened_while_queued(sqlite_store):
    suite, model = a.inferred_suite()
    other = c.TestSuite("other", test_cases=[c.TestCase("elsewhere", test_samples=c.members(2, offset=50))])
    test(c.Model("m2", infer=c.predict), suite, c.function_evaluator)
    c.Model("m3", infer=c.predict)  # no inference: nothing to evaluate
    case_a = suite.test_cases[0]
    with case_a.edit() as editor:
        editor.remove(c.sample(0))
    assert automation.jobs() == []  # no evaluator registered: curating queues nothing

    a.register("accuracy", a.ACCURACY, configurations=[THRESHOLD])
    a.register("function", "tests.integration._classification:function_evaluator")
    with case_a.edit() as editor:
        editor.remove(c.sample(1))
    queued = automation.jobs()
    assert sorted((j.model, j.evaluator, j.test_suite, j.test_suite_version) for j in queued) == [
        ("m", "accuracy", "suite", 1), ("m", "function", "suite", 1),
        ("m2", "accuracy", "suite", 1), ("m2", "function", "suite", 1)]
    assert {j.status for j in queued} == {"queued"} and {tuple(j.test_cases) for j in queued} == {(("a", 3),)}
    assert all(j.reason == "test case 'a' version 3" for j in queued)

    with c.TestCase.load("a").edit() as editor:  # a queued job widens instead of a second job
        editor.remove(c.sample(2))
    widened = automation.jobs()
    assert [j.id for j in widened] == [j.id for j in queued]
    assert {tuple(j.test_cases) for j in widened} == {(("a", 3), ("a", 4))}
    assert "other" not in {j.test_suite for j in widened} and other.version == 1

    with pytest.raises(ValueError, match="unknown job status"):
        automation.jobs(status="done")
    assert len(automation.jobs(model="m2", evaluator="function", status=["queued"])) == 1
    assert automation.cancel_job(queued[0].id).status == "cancelled"
    with pytest.raises(NotFoundError):
        automation.get_job(10_000)


def test_an_edited_test_case_is_evaluated_and_uninferred_samples_are_reported(sqlite_store):
    suite, model = a.inferred_suite()
    a.register("accuracy", a.ACCURACY, configurations=[THRESHOLD])
    case_a = suite.test_cases[0]
    with case_a.edit() as editor:  # a new version of a test case of the suite: its metrics are computed
        editor.remove(c.sample(0))
    [edited] = automation.jobs()
    assert (edited.test_suite_version, edited.test_cases) == (1, [("a", 2)])
    new = c.TestCase("new", test_samples=[(c.sample(99), c.gt("cat"))])
    with suite.edit() as editor:  # model 'm' has no inference for the new sample: a job cannot infer, it says so
        editor.add(new)
    c.TestSuite("fresh", test_cases=[new])  # no model has inferences on it: nothing to queue
    assert [j.test_suite for j in automation.jobs()] == ["suite", "suite"]

    automation.Worker(poll_interval=0.1).run(until_idle=True)
    edited, whole = (automation.get_job(j.id) for j in automation.jobs()[::-1])
    assert edited.status == "succeeded", edited.stderr
    assert len(load_test_sample_metrics(model, c.TestCase.load("a"), evaluator="AccuracyEvaluator")) == 5
    assert (whole.status, whole.test_cases) == ("succeeded", None), whole.stderr
    assert "skipped test case 'new' version 1: model 'm' has no inference" in whole.stdout

    rerun = test(c.Model("m", infer=c.predict), c.TestSuite.load("suite"))  # infers the missing sample, then queues
    automation.Worker(poll_interval=0.1).run(until_idle=True)
    [job] = automation.wait_for_jobs(rerun.jobs, timeout=1)
    assert job.status == "succeeded" and "skipped" not in job.stdout, job.stderr
    assert _case_metrics(model, c.TestSuite.load("suite"))[("new", 1)] == a.expected_accuracy(new, 0.5)


def test_test_without_evaluator_needs_a_registered_one(sqlite_store):
    suite, model = a.inferred_suite()
    with pytest.raises(IncorrectUsageError, match="none is registered"):
        test(model, suite)
    a.register("accuracy", a.ACCURACY, configurations=[THRESHOLD])
    with pytest.raises(IncorrectUsageError, match="configurations need an evaluator"):
        test(model, suite, configurations=[c.Threshold(0.1)])


def test_a_failing_and_a_timed_out_evaluator_end_so_with_their_logs(sqlite_store):
    suite, model = a.inferred_suite()
    a.register("failing", f"{a.EVALUATORS}:failing")
    a.register("slow", f"{a.EVALUATORS}:sleeping", configurations=[{"seconds": 60}], timeout="3s")
    ids = [j.id for j in automation.queue_evaluation("m", "suite")]

    automation.Worker(poll_interval=0.1).run(until_idle=True)
    failing, slow = (automation.get_job(i) for i in ids)
    assert failing.status == "failed" and failing.exit_code == 1
    assert "evaluating, then failing" in failing.stdout and "RuntimeError: the evaluator broke" in failing.stderr
    assert failing.error == "exited with code 1: RuntimeError: the evaluator broke"
    with store.get_store().read() as conn:
        assert store.results.get_run(conn, model._id, suite._id, "failing")[1] == "failed"

    assert slow.status == "timed_out" and slow.error == "timed out after 3 s"
    assert "sleeping 60 s" in slow.stdout
    assert (slow.finished_at - slow.started_at).total_seconds() < 20


def test_two_jobs_of_one_model_suite_and_evaluator_never_run_at_once(sqlite_store):
    suite, model = a.inferred_suite()
    with suite.edit() as editor:
        editor.add(c.TestCase("b", test_samples=c.members(2)))
    automation.register_evaluator(c.workflow, "pause", command="sleep 0.6")
    first = automation.queue_evaluation("m", "suite", version=1)
    second = automation.queue_evaluation("m", "suite", version=2)
    assert len({first[0].id, second[0].id}) == 2

    with store.get_store().transaction() as conn:  # while one runs, the other cannot be claimed ...
        assert store.jobs.claim(conn, "w1") == first[0].id
        assert store.jobs.claim(conn, "w2") is None
    with pytest.raises(InputValidationError, match="integrity") as refused:  # ... nor forced to run
        with store.get_store().transaction() as conn:
            store._sql.run(conn, "UPDATE kl_jobs SET status = 'running' WHERE id = ?", (second[0].id,))
    assert isinstance(refused.value.__cause__, IntegrityError)
    with store.get_store().transaction() as conn:
        store._sql.run(conn, "UPDATE kl_jobs SET status = 'queued', worker = NULL WHERE id = ?", (first[0].id,))

    workers = [threading.Thread(target=automation.Worker(poll_interval=0.05).run, kwargs={"until_idle": True})
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(WAIT)
    done = sorted(automation.wait_for_jobs([first[0], second[0]], timeout=1), key=lambda j: j.started_at)
    assert [j.status for j in done] == ["succeeded", "succeeded"]
    assert done[0].finished_at <= done[1].started_at


def test_a_worker_crash_mid_job_leaves_the_job_failed_and_the_store_consistent(sqlite_store):
    a.inferred_suite()
    automation.register_evaluator(c.workflow, "slow", command="sleep 30")
    [job] = automation.queue_evaluation("m", "suite")
    cli = Path(sys.executable).with_name("kolena-lab")
    process = subprocess.Popen([str(cli), "--url", sqlite_store.url, "worker", "--poll-interval", "0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + WAIT
        while (row := _job_row(job.id)).pid is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert row.status == "running" and row.pid is not None and _alive(row.pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    assert automation.Worker().recover() == [job.id]
    crashed = automation.get_job(job.id)
    assert crashed.status == "failed" and "is no longer running" in crashed.error
    deadline = time.monotonic() + 10
    while _alive(row.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(row.pid)  # the orphaned job process was stopped too
    with store.get_store().read() as conn:
        assert store._sql.run(conn, "PRAGMA integrity_check").scalar() == "ok"
    [again] = automation.queue_evaluation("m", "suite")
    with store.get_store().transaction() as conn:
        assert store.jobs.claim(conn, "next") == again.id


def _job_row(job_id: int) -> store.jobs.JobRow:
    with store.get_store().read() as conn:
        return store.jobs.get(conn, job_id)


def test_cancelling_and_stopping_the_background_worker_stop_the_running_job(sqlite_store):
    a.inferred_suite()
    automation.register_evaluator(c.workflow, "slow", command="sleep 30")
    [queued] = automation.queue_evaluation("m", "suite", evaluator="slow")
    assert automation.cancel_job(queued.id).status == "cancelled"

    automation.start_worker(poll_interval=0.1)
    try:
        [running] = automation.queue_evaluation("m", "suite")
        _wait_for_status(running.id, "running")
        assert automation.cancel_job(running.id).status == "running"  # its worker stops it at the next heartbeat
        [cancelled] = automation.wait_for_jobs([running], timeout=WAIT)
        assert (cancelled.status, cancelled.error) == ("cancelled", "cancelled")

        [stopped] = automation.queue_evaluation("m", "suite")
        _wait_for_status(stopped.id, "running")
    finally:
        automation.stop_worker(timeout=15)
    assert (automation.get_job(stopped.id).status, automation.get_job(stopped.id).error) == (
        "cancelled", "the worker was stopped")
    with pytest.raises(TimeoutError, match="still queued or running"):
        automation.wait_for_jobs(automation.queue_evaluation("m", "suite"), timeout=0.2, poll_interval=0.05)


def _wait_for_status(job_id: int, status: str) -> None:
    deadline = time.monotonic() + WAIT
    while automation.get_job(job_id).status != status:
        assert time.monotonic() < deadline, f"job {job_id} never became {status}"
        time.sleep(0.05)


def test_jobs_get_kolenas_environment_and_a_main_py_works_unchanged(sqlite_store, tmp_path):
    suite, model = a.inferred_suite()
    dump = "sh -c 'env | grep ^KOLENA | sort'"
    automation.register_evaluator(c.workflow, "plain", command=dump)
    automation.register_evaluator(c.workflow, "with-secret", command=dump, secret="tok-123-secret")
    (tmp_path / "main.py").write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {a.ROOT!r})\n"
        "from kolena_lab.workflow import test\n"
        "from tests.integration._classification import Model, TestSuite, Threshold, configured_evaluator\n"
        "model = Model(os.environ['KOLENA_MODEL_NAME'])\n"
        "suite = TestSuite.load(os.environ['KOLENA_TEST_SUITE_NAME'], int(os.environ['KOLENA_TEST_SUITE_VERSION']))\n"
        "test(model, suite, configured_evaluator, configurations=[Threshold(0.3)])\n")
    automation.register_evaluator(c.workflow, "main", command=f"{sys.executable} main.py",
                                  working_dir=str(tmp_path))

    jobs = {j.evaluator: j for j in automation.queue_evaluation("m", "suite")}
    automation.Worker(poll_interval=0.1).run(until_idle=True)
    plain, secret, main = (automation.get_job(jobs[name].id) for name in ("plain", "with-secret", "main"))
    expected = {"KOLENA_WORKFLOW": c.workflow.name, "KOLENA_MODEL_NAME": "m", "KOLENA_TEST_SUITE_NAME": "suite",
                "KOLENA_TEST_SUITE_VERSION": "1", "KOLENA_LAB_URL": sqlite_store.url}
    variables = dict(line.split("=", 1) for line in plain.stdout.splitlines())
    assert expected.items() <= variables.items() and "KOLENA_EVALUATOR_SECRET" not in variables
    variables = dict(line.split("=", 1) for line in secret.stdout.splitlines())
    assert variables["KOLENA_EVALUATOR_SECRET"] == automation.REDACTED and "tok-123-secret" not in secret.stdout
    assert main.status == "succeeded", main.stderr
    rows = load_test_case_metrics(model, suite, evaluator="configured_evaluator")
    assert list(rows.configuration) == ["threshold=0.3"]


def test_an_image_evaluator_says_clearly_when_no_docker_engine_is_reachable(sqlite_store):
    problem = docker_engine_problem()
    if problem is None:
        pytest.skip("a Docker engine is reachable here")
    a.inferred_suite()
    with pytest.warns(UserWarning, match="its jobs fail until a Docker engine is reachable"):
        automation.register_evaluator(c.workflow, "boxed", image="example/evaluator:1")
    [job] = automation.queue_evaluation("m", "suite")
    automation.Worker().run(until_idle=True)
    done = automation.get_job(job.id)
    assert done.status == "failed" and done.error == f"cannot run image 'example/evaluator:1': {problem}"


def test_registering_checks_the_definition(sqlite_store, tmp_path):
    a.inferred_suite()
    register = functools.partial(automation.register_evaluator, c.workflow)
    with pytest.raises(InputValidationError, match="does not import: ModuleNotFoundError"):
        register("x", entrypoint="no_such_module:evaluate")
    with pytest.raises(InputValidationError, match="has no 'nothing'"):
        a.register("x", "tests.integration._classification:nothing")
    with pytest.raises(InputValidationError, match="'no-such-program' does not exist"):
        register("x", command="no-such-program --flag")
    with pytest.raises(InputValidationError, match="configuration 1 is not valid JSON"):
        a.register("x", a.ACCURACY, configurations=["{threshold: 0.5}"])
    with pytest.raises(InputValidationError, match="does not fit Threshold"):
        a.register("x", a.ACCURACY, configurations=[{"class": a.THRESHOLD, "limit": 1}])
    with pytest.raises(InputValidationError, match="takes a configuration: give configurations"):
        a.register("x", f"{a.EVALUATORS}:sleeping")
    with pytest.raises(InputValidationError, match="exactly one of entrypoint, command or image"):
        register("x", entrypoint=a.ACCURACY, command="true")
    with pytest.raises(InputValidationError, match="timeout must be a positive duration"):
        register("x", command="true", timeout="soon")
    with pytest.raises(NotFoundError, match="workflow 'nope' does not exist"):
        automation.register_evaluator("nope", "x", command="true")
    with pytest.raises(NotFoundError, match="evaluator 'x' of workflow"):
        automation.get_evaluator(c.workflow, "x")
    assert automation.list_evaluators(c.workflow) == []

    registered = a.register("slow", f"{a.EVALUATORS}:sleeping", configurations=[{"seconds": 1}], timeout="90m")
    assert (registered.kind, registered.timeout, registered.configurations) == ("entrypoint", 5400.0, [{"seconds": 1}])
    replaced = register("slow", command="true")
    assert [e.as_dict() for e in automation.list_evaluators(c.workflow)] == [replaced.as_dict()]
    assert replaced.as_dict()["timeout"] == "6h" and replaced.working_dir == os.getcwd()


def test_secrets_never_show_in_job_output_errors_reprs_or_test_runs(sqlite_store):
    secret = "s3cr3t-Token-9f2b"
    suite, model = a.inferred_suite()
    a.register("leaky", f"{a.EVALUATORS}:leaky", secret=secret)
    [job] = automation.queue_evaluation("m", "suite")
    automation.Worker(poll_interval=0.1).run(until_idle=True)

    done = automation.get_job(job.id)
    assert done.status == "failed"
    shown = [done.stdout, done.stderr, done.error, repr(done), str(done.as_dict()), repr(automation.jobs())]
    assert all(secret not in text for text in shown)
    assert "token is ***" in done.stdout and "token *** looks odd" in done.stderr
    assert done.error.endswith("PermissionError: the service refused token ***")

    with store.get_store().read() as conn:
        run_error = store.results.get_run(conn, model._id, suite._id, "leaky")[2]
        assert run_error == "PermissionError: the service refused token ***"
        assert secret not in str(store._sql.run(conn, "SELECT * FROM kl_jobs").all())

    hidden = automation.get_evaluator(c.workflow, "leaky")
    revealed = automation.get_evaluator(c.workflow, "leaky", include_secret=True)
    assert hidden.secret is None and hidden.has_secret and revealed.secret == secret
    for evaluator in (hidden, revealed):
        assert secret not in repr(evaluator) and secret not in str(evaluator)
        assert secret not in str(evaluator.as_dict())
    assert secret not in repr(automation.list_evaluators(c.workflow))
    with pytest.raises(InputValidationError, match="secret must not be empty"):
        a.register("leaky", f"{a.EVALUATORS}:leaky", secret="")


def test_the_store_file_is_private(tmp_path):
    import kolena_lab

    created = kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'new' / 'lab.db'}")
    try:
        c.TestCase("private", test_samples=c.members(1))
        for path in (tmp_path / "new").iterdir():
            assert path.stat().st_mode & 0o777 == 0o600, path
    finally:
        created.dispose()
