"""Starting a job's process for each kind of evaluator, and supervising it: time limit, cancellation, output.

Every job's process gets the environment Kolena's evaluators expect (``KOLENA_MODEL_NAME``,
``KOLENA_TEST_SUITE_NAME``, ``KOLENA_TEST_SUITE_VERSION``, ``KOLENA_WORKFLOW``, ``KOLENA_EVALUATOR_SECRET`` when
a secret is set) and ``KOLENA_LAB_URL`` for the same store, plus ``KOLENA_LAB_JOB_ID``,
``KOLENA_LAB_CONFIGURATIONS`` (JSON) and ``KOLENA_LAB_TEST_CASES`` (JSON; unset when the whole suite is evaluated).
Secrets reach processes through the environment only, never the command line.
"""
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Callable, Dict, List, Optional, Tuple

from sqlalchemy.engine import make_url

from kolena_lab import store
from kolena_lab.automation.registry import COMMAND, ENTRYPOINT, RegisteredEvaluator, docker_engine_problem
from kolena_lab.errors import RunnerError
from kolena_lab.store.jobs import JobRow
from kolena_lab.workflow._secrets import REDACTED, SECRET_VARIABLE

MAX_OUTPUT_BYTES = 1_000_000  # of each stream kept in the store: the end of it, after redaction
_READ_BYTES = 1 << 16
_STOP_GRACE_SECONDS = 3.0
_MANAGED = ("KOLENA_WORKFLOW", "KOLENA_MODEL_NAME", "KOLENA_TEST_SUITE_NAME", "KOLENA_TEST_SUITE_VERSION",
            SECRET_VARIABLE, "KOLENA_LAB_URL", "KOLENA_LAB_JOB_ID", "KOLENA_LAB_CONFIGURATIONS",
            "KOLENA_LAB_TEST_CASES")


@dataclass
class Launch:
    """How to start a job's process; ``after_stop`` is run (best effort) when it is stopped early."""

    argv: List[str]
    env: Dict[str, str]
    cwd: str
    after_stop: Optional[List[str]] = None


@dataclass
class Outcome:
    """How a job's process ended."""

    status: str
    exit_code: Optional[int] = None
    stdout: str = ""
    stderr: str = ""
    error: Optional[str] = None


def job_environment(job: JobRow, evaluator: RegisteredEvaluator, store_url: str) -> Dict[str, str]:
    """The variables a job's process gets on top of the worker's environment."""
    env = {
        "KOLENA_WORKFLOW": job.workflow,
        "KOLENA_MODEL_NAME": job.model,
        "KOLENA_TEST_SUITE_NAME": job.test_suite,
        "KOLENA_TEST_SUITE_VERSION": str(job.test_suite_version),
        "KOLENA_LAB_URL": store_url,
        "KOLENA_LAB_JOB_ID": str(job.id),
        "KOLENA_LAB_CONFIGURATIONS": json.dumps(evaluator.configurations),
    }
    if job.test_cases is not None:
        env["KOLENA_LAB_TEST_CASES"] = json.dumps([{"name": n, "version": v} for n, v in job.test_cases])
    if evaluator.secret is not None:
        env[SECRET_VARIABLE] = evaluator.secret
    return env


def launch(job: JobRow, evaluator: RegisteredEvaluator, store_url: str) -> Launch:
    """The process that runs ``job`` with ``evaluator`` (loaded with its secret)."""
    variables = job_environment(job, evaluator, store_url)
    env = {k: v for k, v in os.environ.items() if k not in _MANAGED}
    env.update(variables)
    if evaluator.kind == ENTRYPOINT:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [evaluator.working_dir, env.get("PYTHONPATH")]))
        argv = [sys.executable, "-m", "kolena_lab.automation.entrypoint", evaluator.target]
        return Launch(argv, env, evaluator.working_dir)
    if evaluator.kind == COMMAND:
        return Launch(shlex.split(evaluator.target), env, evaluator.working_dir)
    problem = docker_engine_problem()
    if problem:
        raise RunnerError(f"cannot run image '{evaluator.target}': {problem}")
    name = f"kolena-lab-job-{job.id}"
    argv = ["docker", "run", "--rm", "--name", name, "--network", "host"]
    for variable in variables:  # by name only: docker copies the values from its own environment
        argv += ["-e", variable]
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite" and url.database:
        directory = os.path.dirname(os.path.abspath(url.database))
        argv += ["-v", f"{directory}:{directory}"]
    return Launch([*argv, evaluator.target], env, evaluator.working_dir, after_stop=["docker", "rm", "-f", name])


def supervise(
    spec: Launch,
    timeout: float,
    on_start: Callable[[int], None],
    tick: Callable[[str, str], Optional[Tuple[str, str]]],
    tick_interval: float,
    secret: Optional[str] = None,
) -> Outcome:
    """Run the process to its end, calling ``tick(stdout, stderr)`` every ``tick_interval`` seconds.

    Each stream is redacted as it is read (``secret`` becomes ``***``, also where it spans two reads), then cut to
    its last ``MAX_OUTPUT_BYTES``, so no part of the secret survives the cut.

    ``tick`` returns None to go on, or ``(status, reason)`` to stop the process and end the job so (e.g. cancelled).
    A process over ``timeout`` seconds is stopped and the job timed out. Stopping ends the whole process group.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        out_tail, err_tail = _RedactedTail(out, secret), _RedactedTail(err, secret)
        try:
            process = subprocess.Popen(spec.argv, env=spec.env, cwd=spec.cwd, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=err, start_new_session=True)
        except OSError as e:
            return Outcome(store.jobs.FAILED, error=f"cannot start {spec.argv[0]!r}: {e.strerror or e}")
        on_start(process.pid)
        deadline = time.monotonic() + timeout
        verdict: Optional[Tuple[str, str]] = None
        try:
            while True:
                try:
                    code = process.wait(timeout=max(0.0, min(tick_interval, deadline - time.monotonic())))
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() >= deadline:
                    verdict = store.jobs.TIMED_OUT, f"timed out after {timeout:g} s"
                else:
                    verdict = tick(out_tail.read(), err_tail.read())
                if verdict is not None:
                    code = _stop(process, spec.after_stop)
                    break
        except BaseException:  # the worker is interrupted: leave no process behind
            _stop(process, spec.after_stop)
            raise
        stdout, stderr = out_tail.read(final=True), err_tail.read(final=True)
    if verdict is not None:
        return Outcome(verdict[0], code, stdout, stderr, verdict[1])
    if code == 0:
        return Outcome(store.jobs.SUCCEEDED, code, stdout, stderr)
    return Outcome(store.jobs.FAILED, code, stdout, stderr, _failure(code, stderr))


def _failure(code: int, stderr: str) -> str:
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"exited with code {code}" + (f": {last}" if last else "")


def _stop(process: subprocess.Popen, after_stop: Optional[List[str]]) -> int:
    """Terminate the process group, killing it if it outlives a short grace period; the exit code."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            code = process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            code = process.wait()
    except ProcessLookupError:  # the group is gone already
        code = process.wait()
    if after_stop:
        subprocess.run(after_stop, capture_output=True, timeout=30, check=False)
    return code


class _RedactedTail:
    """The end of a growing output file, redacted as it is read: each ``read()`` takes only the new bytes, replaces
    ``secret`` (also across reads) and keeps the last ``limit`` bytes of the redacted stream."""

    def __init__(self, file: IO[bytes], secret: Optional[str], limit: int = MAX_OUTPUT_BYTES):
        self._file, self._limit = file, limit
        self._needle = secret.encode("utf-8") if secret else b""
        self._offset = 0
        self._pending = b""  # raw bytes that may begin the secret, held back until the next read
        self._kept = bytearray()
        self._total = 0  # redacted bytes produced so far

    def read(self, final: bool = False) -> str:
        """The redacted tail so far; ``final`` releases the bytes held back (the stream has ended)."""
        # pread leaves the file offset alone: the process writes through the same open file, at that offset
        while chunk := os.pread(self._file.fileno(), _READ_BYTES, self._offset):
            self._offset += len(chunk)
            self._feed(self._pending + chunk)
        if final and self._pending:
            self._emit(self._pending)
            self._pending = b""
        text = bytes(self._kept).decode("utf-8", errors="replace")
        left_out = self._total - len(self._kept)
        return f"[... {left_out} bytes left out ...]\n{text}" if left_out > 0 else text

    def _feed(self, data: bytes) -> None:
        if not self._needle:
            self._emit(data)
            return
        parts = data.split(self._needle)
        for part in parts[:-1]:
            self._emit(part + REDACTED.encode())
        last, hold = parts[-1], len(self._needle) - 1
        cut = max(0, len(last) - hold)
        self._emit(last[:cut])
        self._pending = last[cut:]

    def _emit(self, data: bytes) -> None:
        self._total += len(data)
        self._kept += data
        if len(self._kept) > self._limit:
            del self._kept[:len(self._kept) - self._limit]
