"""SampleBrowser on a model's results: open time of a classification test case with per-sample metrics, a query on
a label inside an annotation, and the per-sample metrics read with the join order pinned vs left to SQLite's planner.

Builds N samples (ground truth a ClassificationLabel, inference a ScoredClassificationLabel), infers and evaluates
one model, then opens ``SampleBrowser(test_case, model=...)``.
Usage: python benchmarks/bench_browser_results.py [--samples 20000]
"""
import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import kolena_lab
    from kolena_lab.store import get_store
    from kolena_lab.ui import SampleBrowser
    from kolena_lab.workflow import test
    from tests.unit.ui import _results as R

    with tempfile.TemporaryDirectory() as tmp:
        kolena_lab.initialize(url=f"sqlite:///{tmp}/lab.db")
        suite, (model,) = R.build(n_samples=args.samples, skills=(5,), evaluate=False)
        test(model, suite, R.AccuracyEvaluator(configurations=[R.Threshold(0.0)]))
        test_case = suite.test_cases[1]

        started = time.perf_counter()
        browser = SampleBrowser(test_case, model=model, show_thumbnails=False)
        open_s = time.perf_counter() - started
        started = time.perf_counter()
        browser.filter("ground_truth.label.label == 'cat' and inference.prediction.score > 0.5")
        query_s = time.perf_counter() - started

        pinned = ("SELECT m.position, x.data FROM kl_test_case_members m CROSS JOIN kl_sample_metrics x "
                  "WHERE m.version_id = ? AND x.model_id = ? AND x.evaluator = ? AND x.configuration = ? "
                  "AND x.test_case_version_id IN (?, -1) AND x.sample_id = m.sample_id")
        planner = ("SELECT m.position, x.data FROM kl_test_case_members m JOIN kl_sample_metrics x "
                   "ON x.model_id = ? AND x.evaluator = ? AND x.configuration = ? "
                   "AND x.test_case_version_id IN (?, -1) AND x.sample_id = m.sample_id WHERE m.version_id = ?")
        version, model_id, key = test_case._version_id, model._id, ("AccuracyEvaluator", "threshold=0.0")
        with get_store().engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            started = time.perf_counter()
            n_pinned = len(raw.execute(pinned, (version, model_id, *key, version)).fetchall())
            pinned_s = time.perf_counter() - started
            started = time.perf_counter()
            n_planner = len(raw.execute(planner, (model_id, *key, version, version)).fetchall())
            planner_s = time.perf_counter() - started
        assert n_pinned == n_planner == args.samples

    print(f"samples                                   {args.samples:>10,}")
    print(f"SampleBrowser(test case, model=...) open  {open_s:>10.2f} s")
    print(f"query on a label inside an annotation     {query_s * 1000:>10.0f} ms")
    print(f"per-sample metrics, join order pinned     {pinned_s * 1000:>10.0f} ms")
    print(f"per-sample metrics, planner's order       {planner_s * 1000:>10.0f} ms ({planner_s / pinned_s:,.0f}x)")


if __name__ == "__main__":
    main()
