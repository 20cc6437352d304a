"""The REST API of the Jupyter server extension over a large SQLite store: latency of every listing endpoint.

Builds (once, or reuses with ``--store``) a store of ``--cases`` test cases (default 10,000, in suites of 1,000),
``--models`` models (default 1,000) and ``--jobs`` evaluation jobs (default 100,000): the workflow, a first test case
and the evaluators through the public API, the bulk of the rows with the store layer's bulk inserts. Then starts a
Jupyter server with the kolena_lab extension on it and times, over one keep-alive connection, each listing's first
page, a ``q`` search and a ``where`` filter. Prints the median, p95 and max per request; target p95 ≤ 50 ms.

Usage: python benchmarks/bench_api.py [--cases 10000] [--models 1000] [--jobs 100000] [--rounds 40] [--store DIR]
"""
import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kolena_lab  # noqa: E402
from kolena_lab import automation, store  # noqa: E402
from kolena_lab.store._sql import bulk_insert  # noqa: E402
from tests.integration import _classification as c  # noqa: E402

P95_TARGET_MS = 50.0
SUITE_SIZE = 1000
STATUSES = ["succeeded"] * 8 + ["failed", "cancelled"]


def build_store(url: str, n_cases: int, n_models: int, n_jobs: int) -> None:
    """The store's contents; skipped when it holds them already."""
    current = kolena_lab.initialize(url=url)
    with current.read() as conn:
        if store.jobs.count(conn) >= n_jobs and current.counts()["test_cases"] >= n_cases:
            return
    started = time.perf_counter()
    first = c.TestCase("case 00000", description="the first", test_samples=c.members(3))
    c.TestSuite("suite 00", test_cases=[first])
    for i in range(3):
        automation.register_evaluator(c.workflow, f"evaluator {i}", command="true", secret=f"secret-{i}")
    rng = random.Random(0)
    with current.transaction() as conn:
        workflow_id = store.workflows.get(conn, c.workflow.name)[0]  # type: ignore[index]
        bulk_insert(conn, "kl_test_cases", ("workflow_id", "name", "description", "latest_version"),
                    [(workflow_id, f"case {i:05d}", f"test case number {i}", 1) for i in range(1, n_cases)])
        ids = dict(store._sql.run(conn, "SELECT name, id FROM kl_test_cases").all())
        bulk_insert(conn, "kl_test_case_versions", ("test_case_id", "version", "n_samples"),
                    [(ids[f"case {i:05d}"], v, 0 if v == 0 else rng.randint(1, 200))
                     for i in range(1, n_cases) for v in (0, 1)])
        versions = dict(store._sql.run(conn, "SELECT test_case_id, id FROM kl_test_case_versions "
                                             "WHERE version = 1").all())
        for k in range(1, n_cases // SUITE_SIZE):
            suite_id = store.test_suites.create(conn, workflow_id, f"suite {k:02d}", "", '["bench"]')
            store.test_suites.add_version(conn, suite_id, 1, [versions[ids[f"case {i:05d}"]]
                                                              for i in range(k * SUITE_SIZE, (k + 1) * SUITE_SIZE)])
        bulk_insert(conn, "kl_models", ("workflow_id", "name", "metadata", "tags"),
                    [(workflow_id, f"model {i:04d}", json.dumps({"rank": i, "arch": f"arch {i % 7}"}),
                      '["bench"]' if i % 2 else '[]') for i in range(n_models)])
        model_ids = [r[0] for r in store._sql.run(conn, "SELECT id FROM kl_models")]
        suites = store._sql.run(conn, "SELECT s.id, v.id FROM kl_test_suites s JOIN kl_test_suite_versions v "
                                      "ON v.suite_id = s.id AND v.version = s.latest_version").all()
        evaluator_ids = [r[0] for r in store._sql.run(conn, "SELECT id FROM kl_evaluators")]
        now = time.time()
        rows = []
        for i in range(n_jobs):
            suite_id, suite_version_id = suites[i % len(suites)]
            status = STATUSES[i % len(STATUSES)] if i < n_jobs - 20 else "queued"
            at = now - (n_jobs - i)
            rows.append((evaluator_ids[i % len(evaluator_ids)], model_ids[i % len(model_ids)], suite_id,
                         suite_version_id, "bench", status, 0, at, at + 1, at + 2, "bench output\n" * 4, "",
                         "boom" if status == "failed" else None))
        bulk_insert(conn, "kl_jobs", ("evaluator_id", "model_id", "suite_id", "suite_version_id", "reason", "status",
                                      "cancel_requested", "queued_at", "started_at", "finished_at", "stdout",
                                      "stderr", "error"), rows)
    print(f"store built in {time.perf_counter() - started:.0f} s: {n_cases:,} test cases, {n_models:,} models, "
          f"{n_jobs:,} jobs")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(base: Path, url: str) -> Tuple[subprocess.Popen, int, str]:
    """A Jupyter server with only the kolena_lab extension, on the store of ``url``."""
    (base / "root").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={base / 'root'}",
           "--ServerApp.jpserver_extensions={'kolena_lab.jupyter': True}", f"--KolenaLabApp.store_url={url}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(base / "server.log", "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=base / "root")
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", f"/api/status?token={token}")
            if conn.getresponse().status == 200:
                return proc, port, token
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the Jupyter server did not start:\n{(base / 'server.log').read_text()[-3000:]}")


def time_requests(port: int, token: str, path: str, params: Dict[str, object], rounds: int) -> List[float]:
    """Milliseconds of each of ``rounds`` requests (after one warm-up), each answered 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    target = f"/kolena-lab/api/{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
    headers = {"Authorization": f"token {token}"}
    times = []
    for i in range(rounds + 1):
        started = time.perf_counter()
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"{target}: {response.status} {body[:300]!r}")
        if i:
            times.append(elapsed)
    conn.close()
    return times


CASES = [
    ("store", {}),
    ("workflows", {}),
    ("test-suites", {}),
    ("test-suites", {"q": "suite 0"}),
    ("test-suites", {"where": "n_test_cases >= 1000"}),
    ("test-cases", {}),
    ("test-cases", {"q": "case 012"}),
    ("test-cases", {"where": "n_samples > 150"}),
    ("test-cases", {"workflow": c.workflow.name, "q": "9", "where": "latest_version == 1"}),
    ("test-cases", {"suite": "suite 03"}),
    ("test-cases", {"offset": 9000, "limit": 1000}),
    ("models", {}),
    ("models", {"q": "model 09"}),
    ("models", {"where": "`metadata.rank` > 900"}),
    ("models", {"tag": "bench"}),
    ("evaluators", {}),
    ("jobs", {}),
    ("jobs", {"status": "failed"}),
    ("jobs", {"status": "queued,running"}),
    ("jobs", {"model": "model 0500"}),
    ("jobs", {"offset": 50000}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=1_000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--store", help="a folder keeping the store between runs")
    args = parser.parse_args()
    base = Path(args.store or tempfile.mkdtemp(prefix="kolena-lab-bench-api-"))
    base.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{base / 'lab.db'}"
    build_store(url, args.cases, args.models, args.jobs)
    proc, port, token = start_server(base / "server", url)
    worst = 0.0
    try:
        print(f"{'request':<70} {'median':>8} {'p95':>8} {'max':>8}  (ms, {args.rounds} rounds)")
        for path, params in CASES:
            times = sorted(time_requests(port, token, path, params, args.rounds))
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            worst = max(worst, p95)
            shown = path + ("?" + urllib.parse.urlencode(params) if params else "")
            print(f"{shown[:70]:<70} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    verdict = "met" if worst <= P95_TARGET_MS else "MISSED"
    print(f"worst p95: {worst:.1f} ms (target ≤ {P95_TARGET_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
