"""SampleBrowser on a 1,000,000-sample test case: open time, filter + sort + one page of 100, memory added.

Ingests N image samples (a label and 5 metadata fields) with ``TestCase.from_dataframe`` into a fresh SQLite store,
then in the same process: opens ``SampleBrowser(test_case)`` cold (the first page shown at once, the table read from
the store in the background, which also writes the version's snapshot file) and warm (a second open, read from that
snapshot), and ``SampleBrowser(dataframe)`` (a table already in memory), runs filter + sort + page fetches with
distinct queries on the warm browser, and reports
the resident memory each open browser adds. Thumbnails are left out here (``show_thumbnails=False``):
``bench_thumbnails.py`` measures them.
Usage: python benchmarks/bench_browser.py [--samples 1000000] [--rounds 60]
"""
import argparse
import gc
import glob
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPEN_TARGET_S = 1.0
PAGE_P95_TARGET_MS = 100.0
MEMORY_TARGET_MIB = 300.0


def rss_mib() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    raise RuntimeError("cannot read the resident memory of this process")


def frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "locator": [f"/data/images/{i:08d}.jpg" for i in range(n)],
        "ground_truth.label": rng.choice(["cat", "dog", "bird", "car"], n),
        "width": rng.integers(320, 1920, n),
        "height": rng.integers(240, 1080, n),
        "brightness": rng.random(n),
        "weather": rng.choice(["sun", "rain", "snow", "fog"], n),
        "is_night": rng.random(n) < 0.3,
    })


def operations(rng: np.random.Generator, rounds: int):
    """Distinct (query, typed filters, sort field, ascending) operations, so no mask is reused from a cache."""
    from kolena_lab.workflow.query import Filter

    weathers = ["sun", "rain", "snow", "fog"]
    sorts = [None, "brightness", "width", "ground_truth.label", "locator"]
    for i in range(rounds):
        low = float(rng.uniform(0.0, 0.9))
        query = f"brightness > {low:.6f} and width < {int(rng.integers(400, 1900))}"
        if i % 3 == 1:
            query += f" and weather == '{weathers[i % 4]}'"
        filters = [Filter("ground_truth.label", "!=", ["cat", "dog", "bird", "car"][i % 4])] if i % 2 else []
        yield query, filters, sorts[i % len(sorts)], bool(i % 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()

    import kolena_lab
    from kolena_lab.ui import SampleBrowser
    from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow

    @dataclass(frozen=True)
    class GT(GroundTruth):
        label: str

    @dataclass(frozen=True)
    class Inf(Inference):
        label: str

    with tempfile.TemporaryDirectory() as tmp:
        kolena_lab.initialize(url=f"sqlite:///{tmp}/lab.db")
        _, TestCase, _, _ = define_workflow("Browser Benchmark", Image, GT, Inf)
        started = time.perf_counter()
        TestCase.from_dataframe("all", frame(args.samples))
        ingest_s = time.perf_counter() - started
        test_case = TestCase.load("all")
        gc.collect()
        before = rss_mib()

        started = time.perf_counter()
        browser = SampleBrowser(test_case, show_thumbnails=False)
        open_cold_s = time.perf_counter() - started
        browser.total  # waits for the rest of the table, read in the background
        ready_cold_s = time.perf_counter() - started
        gc.collect()
        added_cold_mib = rss_mib() - before
        del browser
        gc.collect()
        before = rss_mib()

        started = time.perf_counter()
        browser = SampleBrowser(TestCase.load("all"), show_thumbnails=False)
        open_warm_s = time.perf_counter() - started
        gc.collect()
        added_mib = rss_mib() - before
        snapshot_mib = sum(os.path.getsize(p) for p in glob.glob(f"{tmp}/lab.db-frames/*.arrow")) / 2**20

        table = browser.table.frame
        started = time.perf_counter()
        from_frame = SampleBrowser(table, show_thumbnails=False)
        open_frame_s = time.perf_counter() - started
        del from_frame

        first_sorts = {}
        for field in ("brightness", "width", "ground_truth.label", "locator"):
            for ascending in (True, False):
                started = time.perf_counter()
                browser.sort_by(field, ascending)
                first_sorts[(field, ascending)] = time.perf_counter() - started
        browser.sort_by(None)

        times = []
        for query, filters, sort_field, ascending in operations(np.random.default_rng(1), args.rounds):
            started = time.perf_counter()
            browser.filter(query, filters=filters)
            browser.sort_by(sort_field, ascending)
            rows = browser.page_rows()
            times.append((time.perf_counter() - started) * 1000)
            assert len(rows) <= 100 and browser.gallery.items is not None
        p50, p95 = statistics.median(times), float(np.percentile(times, 95))
        gc.collect()
        added_after_mib = rss_mib() - before

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"SampleBrowser on a test case of {args.samples:,} samples (SQLite, {cores} cores, Python "
          f"{sys.version.split()[0]}, pandas {pd.__version__})")
    print(f"  ingest (TestCase.from_dataframe)               {ingest_s:8.2f} s")
    print(f"  open SampleBrowser(test_case), cold (store)    {open_cold_s:8.3f} s   first page shown; target <= "
          f"{OPEN_TARGET_S:g} s: {'met' if open_cold_s <= OPEN_TARGET_S else 'NOT met'}")
    print(f"    the whole table loaded in the background     {ready_cold_s:8.2f} s   (writes a {snapshot_mib:.0f} MiB "
          f"snapshot; memory added {added_cold_mib:.0f} MiB)")
    print(f"  open SampleBrowser(test_case), warm (snapshot) {open_warm_s:8.3f} s   target <= {OPEN_TARGET_S:g} s: "
          f"{'met' if open_warm_s <= OPEN_TARGET_S else 'NOT met'}")
    print(f"  open SampleBrowser(dataframe in memory)        {open_frame_s:8.3f} s   target <= {OPEN_TARGET_S:g} s: "
          f"{'met' if open_frame_s <= OPEN_TARGET_S else 'NOT met'}")
    print(f"  first sort by a field (computed once, cached)  {1000 * max(first_sorts.values()):8.0f} ms max "
          f"({', '.join(f'{f} {1000 * t:.0f}' for (f, a), t in first_sorts.items() if a)} ms ascending)")
    print(f"  filter + sort + page of 100, {len(times)} distinct   p50 {p50:6.1f} ms, p95 {p95:6.1f} ms, "
          f"max {max(times):6.1f} ms   target p95 <= {PAGE_P95_TARGET_MS:g} ms: "
          f"{'met' if p95 <= PAGE_P95_TARGET_MS else 'NOT met'}")
    print(f"  memory added by the open warm browser          {added_mib:8.0f} MiB after opening, "
          f"{added_after_mib:.0f} MiB after the queries   target <= {MEMORY_TARGET_MIB:g} MiB: "
          f"{'met' if max(added_mib, added_after_mib) <= MEMORY_TARGET_MIB else 'NOT met'}")


if __name__ == "__main__":
    main()
