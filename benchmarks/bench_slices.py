"""Slice discovery on synthetic data with planted failing slices: time of ``find_slices`` on a DataFrame of
``--samples`` samples (default 100,000) × 20 features (10 categorical, 10 numeric), precision@10 and whether every
planted slice is found. Targets: ≤ 10 s, precision@10 ≥ 0.8, every planted slice found.

Two per-sample metrics: ``correct`` (0/1) is right with probability 0.92, and 0.3 inside the planted slices;
``loss`` is exponential with mean 1, and 3 inside them (searched with SliceLine's default ``score_alpha`` 0.95, then
0.98, which weighs the error more against the size). The three planted slices, of levels 1 to 3:
``weather == 'fog'`` (1/6 of the samples), ``camera == 'c3' and daytime == 'night'`` (1/15) and ``vendor == 'v1'
and daytime == 'day' and brightness < 0.2`` (1/30; brightness is uniform in [0, 1], cut in 5 quantile bins).
A returned slice is relevant when at least 80% of its samples lie in planted slices; a planted slice is found when a
returned slice covers the same samples (Jaccard ≥ 0.8).

Usage: python benchmarks/bench_slices.py [--samples 100000] [--seed 0] [--repeat 3]
"""
import argparse
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kolena_lab.workflow import find_slices  # noqa: E402
from kolena_lab.workflow.query import query_mask  # noqa: E402

CATEGORIES = {"weather": 6, "camera": 5, "daytime": 3, "region": 3, "sensor": 3, "lens": 4, "site": 8, "season": 4,
              "vendor": 2, "shift": 3}
NUMBERS = ["brightness", "contrast", "blur", "noise", "distance", "speed", "altitude", "humidity", "temperature",
           "exposure"]
BASE_ACCURACY, PLANTED_ACCURACY = 0.92, 0.3
BASE_LOSS, PLANTED_LOSS = 1.0, 3.0  # mean of an exponential per-sample loss
RUNS = [("correct", True, 0.95), ("loss", False, 0.95), ("loss", False, 0.98)]  # metric, higher is better, alpha


def synthetic(n: int, seed: int) -> Tuple[pd.DataFrame, Dict[str, np.ndarray]]:
    """The samples (features and a 0/1 ``correct``) and the mask of each planted slice."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: [f"{name[0]}{i}" for i in rng.integers(0, size, n)]
                          for name, size in CATEGORIES.items()})
    frame["weather"] = np.array(["sun", "rain", "snow", "fog", "haze", "dust"])[rng.integers(0, 6, n)]
    frame["daytime"] = np.array(["day", "dusk", "night"])[rng.integers(0, 3, n)]
    for name in NUMBERS:
        frame[name] = rng.random(n) if name == "brightness" else rng.normal(10.0, 3.0, n)
    planted = {
        "weather == 'fog'": frame["weather"].to_numpy() == "fog",
        "camera == 'c3' and daytime == 'night'": (frame["camera"] == "c3").to_numpy()
        & (frame["daytime"] == "night").to_numpy(),
        "vendor == 'v1' and daytime == 'day' and brightness < 0.2": (frame["vendor"] == "v1").to_numpy()
        & (frame["daytime"] == "day").to_numpy() & (frame["brightness"] < 0.2).to_numpy(),
    }
    failing = np.any(list(planted.values()), axis=0)
    frame["correct"] = rng.random(n) < np.where(failing, PLANTED_ACCURACY, BASE_ACCURACY)
    frame["loss"] = rng.exponential(np.where(failing, PLANTED_LOSS, BASE_LOSS))
    return frame, planted


def judge(frame: pd.DataFrame, slices: pd.DataFrame, planted: Dict[str, np.ndarray]) -> Tuple[float, List[str]]:
    """Precision of the top 10 (share of relevant slices) and the planted slices not found."""
    failing = np.any(list(planted.values()), axis=0)
    masks = [query_mask(frame, q) for q in slices["query"].head(10)]
    relevant = [failing[m].mean() >= 0.8 for m in masks]
    missed = [name for name, p in planted.items()
              if not any((m & p).sum() / (m | p).sum() >= 0.8 for m in masks)]
    return float(np.mean(relevant)) if relevant else 0.0, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame, planted = synthetic(args.samples, args.seed)
    features = [*CATEGORIES, *NUMBERS]
    for metric, higher_is_better, score_alpha in RUNS:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            slices = find_slices(frame, metric=metric, features=features, higher_is_better=higher_is_better,
                                 score_alpha=score_alpha)
            times.append(time.perf_counter() - start)
        precision, missed = judge(frame, slices, planted)
        print(f"\n{metric} (score_alpha {score_alpha}), {args.samples:,} samples × {len(features)} features: "
              f"find_slices {min(times):.2f} s best of {args.repeat} (median {np.median(times):.2f} s; "
              "target ≤ 10 s)")
        print(f"precision@10 {precision:.2f} over the {min(len(slices), 10)} slices returned (target ≥ 0.8); "
              f"planted slices found {len(planted) - len(missed)} of {len(planted)}"
              + (f"; missed: {', '.join(missed)}" if missed else ""))
        shown = slices[["slice", "size", "metric", "rest", "p_adjusted", "significant", "score"]]
        with pd.option_context("display.width", 160, "display.max_colwidth", 70):
            print(shown.head(10).to_string(float_format=lambda v: f"{v:.3g}"))

if __name__ == "__main__":
    main()
