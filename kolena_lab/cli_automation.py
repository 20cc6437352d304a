"""``kolena-lab`` commands for automatic evaluation: evaluator, run, jobs and worker (added to ``cli.main``)."""
import json
import signal
import sys
import warnings
from typing import Any, Dict, Optional, Sequence

import click

from kolena_lab import automation
from kolena_lab._cli_common import emit, errors, json_option, workflow_option
from kolena_lab.automation import DEFAULT_TIMEOUT, format_timeout
from kolena_lab.workflow import catalog

JOB_FAILED = 1  # `run`: a job did not succeed
_JOB_COLUMNS = ["id", "status", "evaluator", "model", "test_suite", "version", "test_cases", "queued_at", "error"]


@click.group("evaluator")
def evaluator_group() -> None:
    """Evaluators that run automatically when a workflow's test cases or suites change."""


@evaluator_group.command("register")
@click.option("--workflow", "-w", required=True, help="The workflow (as stored).")
@click.option("--evaluator-name", "name", required=True, help="The evaluator's name; registering it again replaces it.")
@click.option("--entrypoint", default=None, metavar="MODULE:ATTR",
              help="An evaluator function or Evaluator class by import path, run with the configurations.")
@click.option("--command", default=None, metavar="'CMD ...'", help="Any executable, e.g. 'python main.py'.")
@click.option("--image", default=None, help="A Docker image, run with `docker run` (needs a Docker engine).")
@click.option("--configuration", "configurations", multiple=True, metavar="JSON",
              help='A configuration as a JSON object, e.g. \'{"iou_threshold": 0.5}\'; "class": "module:Class" '
                   "names its type when the entrypoint's signature does not. Repeatable.")
@click.option("--secret", default=None, help="Given to jobs as KOLENA_EVALUATOR_SECRET and never shown; '-' reads "
                                             "it from standard input.")
@click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True, help="Time limit per job: 30s, 10m, 6h, 1d.")
@click.option("--working-dir", default=None, type=click.Path(file_okay=False),
              help="Where jobs run and entrypoints import from (default: the current directory).")
def evaluator_register(workflow: str, name: str, entrypoint: Optional[str], command: Optional[str],
                       image: Optional[str], configurations: Sequence[str], secret: Optional[str], timeout: str,
                       working_dir: Optional[str]) -> None:
    """Register (or replace) an evaluator of a workflow."""
    if secret == "-":
        secret = sys.stdin.readline().rstrip("\n")
    with errors(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registered = automation.register_evaluator(
            workflow, name, entrypoint=entrypoint, command=command, image=image, configurations=list(configurations),
            secret=secret, timeout=timeout, working_dir=working_dir)
    for warning in caught:
        click.echo(f"warning: {warning.message}", err=True)
    click.echo(f"registered evaluator '{registered.name}' of workflow '{registered.workflow}': {registered.kind} "
               f"{registered.target!r}, timeout {format_timeout(registered.timeout)}"
               + (", with a secret" if registered.has_secret else ""))


@evaluator_group.command("list")
@click.option("--workflow", "-w", required=True, help="The workflow (as stored).")
@json_option
def evaluator_list(workflow: str, as_json: bool) -> None:
    """List a workflow's registered evaluators."""
    with errors():
        rows = [e.as_dict() for e in automation.list_evaluators(workflow)]
    emit(rows, as_json, ["name", "kind", "target", "timeout", "has_secret"])


@evaluator_group.command("get")
@click.option("--workflow", "-w", required=True, help="The workflow (as stored).")
@click.option("--evaluator-name", "name", required=True, help="The evaluator's name.")
@click.option("--include-secret", is_flag=True, help="Also print the secret.")
@json_option
def evaluator_get(workflow: str, name: str, include_secret: bool, as_json: bool) -> None:
    """One evaluator's definition (the secret only with --include-secret)."""
    with errors():
        registered = automation.get_evaluator(workflow, name, include_secret=include_secret)
    detail: Dict[str, Any] = registered.as_dict()
    if include_secret:
        detail["secret"] = registered.secret
    if as_json:
        click.echo(json.dumps(detail, indent=2))
        return
    _echo_fields(detail)


@click.command("run")
@click.option("--model", "-m", required=True, help="A stored model.")
@click.option("--test-suite", "-s", required=True, help="A stored test suite.")
@click.option("--version", type=int, default=None, help="The suite version (default: the latest).")
@click.option("--evaluator", "-e", default=None, help="One registered evaluator (default: all of the workflow's).")
@click.option("--detach", is_flag=True, help="Only queue the jobs (a worker runs them); do not wait.")
@json_option
def run_command(model: str, test_suite: str, version: Optional[int], evaluator: Optional[str], detach: bool,
                as_json: bool) -> None:
    """Evaluate a model on a suite with registered evaluators, on its stored inferences.

    Without --detach the jobs run here (unless a worker takes them first) and the exit code is 1 when one of them
    does not succeed.
    """
    with errors():
        queued = automation.queue_evaluation(model, test_suite, version, evaluator)
    ids = [job.id for job in queued]
    if not detach:
        automation.Worker().run(until_idle=True, job_ids=ids)
        queued = automation.wait_for_jobs(ids)
    emit([_job_row(job) for job in queued], as_json, _JOB_COLUMNS)
    if not detach and any(job.status != "succeeded" for job in queued):
        sys.exit(JOB_FAILED)


@click.group("jobs")
def jobs_group() -> None:
    """Evaluation jobs: queued when test cases or suites change, run by a worker."""


@jobs_group.command("list")
@workflow_option
@click.option("--model", "-m", default=None, help="Only this model's jobs.")
@click.option("--test-suite", "-s", default=None, help="Only this suite's jobs.")
@click.option("--evaluator", "-e", default=None, help="Only this evaluator's jobs.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(automation.STATUSES),
              help="Only jobs with this status. Repeatable.")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many, newest first.")
@json_option
def jobs_list(workflow: Optional[str], model: Optional[str], test_suite: Optional[str], evaluator: Optional[str],
              statuses: Sequence[str], limit: int, as_json: bool) -> None:
    """List jobs, newest first."""
    found = automation.jobs(workflow, model, test_suite, evaluator, list(statuses) or None, limit)
    emit([_job_row(job) for job in found], as_json, _JOB_COLUMNS)


@jobs_group.command("show")
@click.argument("job_id", type=int)
@json_option
def jobs_show(job_id: int, as_json: bool) -> None:
    """A job's details and captured output."""
    with errors():
        detail = automation.get_job(job_id).as_dict()
    if as_json:
        click.echo(json.dumps(detail, indent=2))
        return
    stdout, stderr = detail.pop("stdout"), detail.pop("stderr")
    _echo_fields(detail)
    click.echo(f"--- stdout ---\n{stdout}--- stderr ---\n{stderr}", nl=False)


@jobs_group.command("cancel")
@click.argument("job_id", type=int)
def jobs_cancel(job_id: int) -> None:
    """Cancel a queued job, or have its worker stop a running one."""
    with errors():
        job = automation.cancel_job(job_id)
    click.echo(f"job {job.id}: {'cancelling' if job.status == 'running' else job.status}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Exit when no job is queued, instead of waiting for more.")
@click.option("--poll-interval", type=float, default=1.0, show_default=True, help="Seconds between queue checks.")
@click.option("--dask", default=None, metavar="ADDRESS",
              help="Run the jobs as tasks on this Dask scheduler (e.g. tcp://scheduler:8786), one job a task.")
def worker_command(once: bool, poll_interval: float, dask: Optional[str]) -> None:
    """Run queued evaluation jobs, one at a time (with --dask: as many as the cluster has worker threads), until
    interrupted (Ctrl-C or SIGTERM: a running job is stopped and marked cancelled)."""
    with errors():
        worker = (automation.Worker(poll_interval=poll_interval) if dask is None
                  else automation.ClusterWorker(dask, poll_interval=poll_interval))
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    where = "" if dask is None else f" via Dask scheduler {dask}"
    click.echo(f"worker {worker.id} on {catalog.store_info()['store']}{where}: running queued jobs", err=True)
    try:
        worker.run(until_idle=once, on_job=lambda job: click.echo(_job_line(job)))
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _echo_fields(detail: Dict[str, Any]) -> None:
    """One ``key: value`` line per field; lists and objects as JSON."""
    for key, value in detail.items():
        click.echo(f"{key}: {json.dumps(value) if isinstance(value, (list, dict)) else value}")


def _job_row(job: automation.Job) -> Dict[str, Any]:
    scope = "(all)" if job.test_cases is None else ", ".join(f"{n} v{v}" for n, v in job.test_cases)
    return {"id": job.id, "status": job.status, "evaluator": job.evaluator, "model": job.model,
            "test_suite": job.test_suite, "version": job.test_suite_version, "test_cases": scope,
            "queued_at": job.queued_at.isoformat(timespec="seconds"), "error": job.error or ""}


def _job_line(job: automation.Job) -> str:
    return (f"job {job.id} {job.status}: {job.evaluator} on model '{job.model}', test suite '{job.test_suite}' "
            f"version {job.test_suite_version}" + (f" ({job.error})" if job.error else ""))
