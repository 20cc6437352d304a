"""Register N image samples with 5 metadata fields into one test case: DataFrame bulk path vs list of objects.

Each path runs in a fresh process on a fresh SQLite store (or, with --url, on an empty database you name, e.g. a
PostgreSQL one), and prints samples per second, the process's memory when the timed call starts (the input the
caller holds: a DataFrame, or a million objects) and its peak memory during the call (the kernel's high-water mark of
resident memory, reset just before the call, so building the input does not count).
Usage: python benchmarks/bench_ingest.py [--samples 1000000] [--url postgresql+psycopg://user@host/empty_db]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "locator": [f"s3://bucket/images/{i:08d}.jpg" for i in range(n)],
        "label": rng.choice(["cat", "dog", "bird", "car"], n),
        "width": rng.integers(320, 1920, n),
        "height": rng.integers(240, 1080, n),
        "brightness": rng.random(n),
        "weather": rng.choice(["sun", "rain", "snow", "fog"], n),
        "is_night": rng.random(n) < 0.3,
    })


def _run(mode: str, n: int, url: str) -> dict:
    import kolena_lab
    from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow

    @dataclass(frozen=True)
    class GT(GroundTruth):
        label: str

    @dataclass(frozen=True)
    class Inf(Inference):
        label: str

    kolena_lab.initialize(url=url)
    _, TestCase, _, _ = define_workflow(f"Ingest Benchmark {mode}", Image, GT, Inf)
    frame = _frame(n)
    if mode == "bulk":
        frame = frame.rename(columns={"label": "ground_truth.label"})
        rss_before = _reset_peak()
        started = time.perf_counter()
        test_case = TestCase.from_dataframe(f"all {mode}", frame)
    else:
        meta = frame[["width", "height", "brightness", "weather", "is_night"]].to_dict("records")
        members = [(Image(locator=loc, metadata=m), GT(label=lab))
                   for loc, m, lab in zip(frame["locator"].tolist(), meta, frame["label"].tolist())]
        del meta, frame
        rss_before = _reset_peak()
        started = time.perf_counter()
        test_case = TestCase(f"all {mode}", test_samples=members)
    seconds = time.perf_counter() - started
    assert test_case.version == 1
    peak_mib = _status_mib("VmHWM")
    return {"mode": mode, "samples": n, "seconds": seconds, "samples_per_s": n / seconds, "rss_before_mib": rss_before,
            "peak_rss_mib": peak_mib}


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:")) / 1024


def _reset_peak() -> float:
    """Reset the process's peak resident memory (Linux: ``clear_refs``) and return the current one, in MiB."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_mib("VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--child", choices=["bulk", "objects"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help="store URL of an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run(args.child, args.samples, args.url)))
        return
    print(f"ingest of {args.samples:,} image samples (5 metadata fields + a label) into one test case, "
          f"on {'the given store' if args.url else 'SQLite'}")
    print(f"{'path':<10}{'seconds':>10}{'samples/s':>14}{'RSS at start MiB':>19}{'peak RSS in call MiB':>23}")
    for mode in ("bulk", "objects"):
        with tempfile.TemporaryDirectory() as store:
            url = args.url or f"sqlite:///{store}/lab.db"
            out = subprocess.run([sys.executable, __file__, "--child", mode, "--samples", str(args.samples),
                                  "--url", url], check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{r['mode']:<10}{r['seconds']:>10.2f}{r['samples_per_s']:>14,.0f}{r['rss_before_mib']:>19,.0f}"
              f"{r['peak_rss_mib']:>23,.0f}")


if __name__ == "__main__":
    main()
