"""test() inferring a CPU-bound, single-threaded numpy model: one process vs a 2-worker local Dask cluster.

Prints both times and the speed-up (target ≥ 1.7× on two cores), checks that both runs stored the same inferences,
then, from the cluster run's task stream, the mean cost of a partition, the scheduling overhead per partition and the
time spent in this process, and from those the expected time on 8 and 32 workers (on paper).
Usage: python benchmarks/bench_dask.py [--samples 100000] [--rounds 32] [--batch-size 64] [--url URL]
"""
import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy is imported
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the workers import the model's module (_dask_model) by name too
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")]))

import distributed  # noqa: E402

import _dask_model as m  # noqa: E402
import kolena_lab  # noqa: E402
from kolena_lab import store  # noqa: E402
from kolena_lab.workflow import no_op_evaluator, test  # noqa: E402
from kolena_lab.workflow._distributed_inference import partitions  # noqa: E402

WORKERS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=32, help="64×64 matrix products a sample (the model's cost)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--url", default=None, help="a store URL (default: a SQLite file in a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kolena_lab.initialize(url=args.url or f"sqlite:///{tmp}/lab.db")
        run(args)


def run(args: argparse.Namespace) -> None:
    n, tag = args.samples, f"{time.time():.0f}"
    members = [(m.Image(locator=f"/data/{i:08d}.png"), m.Label("cat" if i % 2 else "dog")) for i in range(n)]
    suite = m.TestSuite(f"bench {tag}", test_cases=[m.TestCase(f"bench {tag}", test_samples=members)])
    model = m.MatrixModel(args.rounds)
    print(f"test() of a numpy model ({args.rounds} 64×64 matrix products a sample, BLAS on one thread) over "
          f"{n:,} samples, batch size {args.batch_size}, store {store.get_store().display_url}")

    started = time.perf_counter()
    local = test(m.Model(f"one process {tag}", infer=model), suite, no_op_evaluator, batch_size=args.batch_size)
    one = time.perf_counter() - started
    print(f"  1 process        {one:8.2f} s  {n / one:9,.0f} samples/s")

    with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        client.wait_for_workers(WORKERS)
        client.run(lambda: None)  # the workers are up and connected
        with distributed.get_task_stream(client) as stream:
            started = time.perf_counter()
            remote = test(m.Model(f"dask {tag}", infer=model), suite, no_op_evaluator, batch_size=args.batch_size,
                          executor=client)
            two = time.perf_counter() - started
    print(f"  {WORKERS} Dask workers   {two:8.2f} s  {n / two:9,.0f} samples/s   speed-up {one / two:.2f}×")

    with store.get_store().read() as conn:
        ids = list(range(1, n + 1))
        same = (store.models.inferences(conn, local.model._id, ids) == store.models.inferences(conn, remote.model._id,
                                                                                                ids))
    print(f"  stored inferences identical: {same} ({remote.inferred:,} inferred on the cluster)")
    estimate(stream.data, two, n, args.batch_size)


def estimate(tasks: list, wall: float, n: int, batch_size: int) -> None:
    """Per-partition cost and overhead from the task stream, and the expected time on more workers."""
    computes = [[s for s in t["startstops"] if s["action"] == "compute"][0] for t in tasks
                if "kolena-lab-infer-" in str(t["key"])]
    count = len(computes)
    if not count:
        print("  no partition task in the task stream")
        return
    busy = sum(s["stop"] - s["start"] for s in computes)
    span = max(s["stop"] for s in computes) - min(s["start"] for s in computes)
    here = wall - span  # in this process: loading the suite, planning, pickling the model, the evaluation
    overhead = max(0.0, (WORKERS * span - busy) / count)  # a worker thread not computing, per partition
    per_sample = busy / n
    print(f"  {count} partitions: {busy / count * 1e3:.1f} ms of work each ({per_sample * 1e6:.0f} µs a sample, "
          f"storing included), scheduling overhead {overhead * 1e3:.1f} ms a partition, {here:.2f} s in this process")
    for workers in (8, 32):
        parts = len(partitions(list(range(n)), batch_size, workers))
        expected = here + (busy + parts * overhead) / workers
        print(f"  on paper, {workers:>2} workers: {parts} partitions, {expected:6.2f} s ({wall / expected:.1f}× the "
              f"{WORKERS}-worker run) — if the store takes {workers} concurrent writers")


if __name__ == "__main__":
    main()
