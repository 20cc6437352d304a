"""ResultsDashboard on 5 models x 50 test cases x 20 metrics: time until it is ready in the kernel, and PNG export.

Targets: the dashboard built (metrics loaded, every configuration tab's table and baseline comparison computed, the
bootstrap significance of the mapped metrics included, the first chart's plotly spec made) in <= 1 s, without
rendering PNGs; and <= 0.3 s per chart PNG once the export browser is running (after the first chart).

The store is a fresh SQLite file filled by ``test()`` with a classification-like evaluator: every test case has
``--samples`` samples, 20 scalar metrics, a nested per-class list, and a curve plot; per-sample metrics hold the
``correct`` flag the bootstrap pairs across models. Filling it is not timed. Each timing is the median of
``--repeat`` runs, with imports and a first warm-up build done before timing.

Usage: python benchmarks/bench_dashboard.py [--models 5] [--test-cases 50] [--metrics 20] [--samples 100]
       [--repeat 5] [--pngs 5]
"""
import argparse
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass, make_dataclass
from typing import List

import numpy as np

import kolena_lab
from kolena_lab.ui.charts import Chart
from kolena_lab.ui.dashboard import ResultsDashboard
from kolena_lab.workflow import (
    Curve,
    CurvePlot,
    Evaluator,
    GroundTruth,
    Image,
    Inference,
    MetricsTestCase,
    MetricsTestSample,
    define_workflow,
    test,
)
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel

BUILD_TARGET_S = 1.0
PNG_TARGET_S = 0.3
CLASSES = ["a", "b", "c", "d"]


@dataclass(frozen=True)
class Sample(Image):
    pass


@dataclass(frozen=True)
class Truth(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Guess(Inference):
    prediction: ScoredClassificationLabel


@dataclass(frozen=True)
class SampleMetrics(MetricsTestSample):
    correct: bool
    score: float


@dataclass(frozen=True)
class PerClass(MetricsTestCase):
    label: str
    recall: float
    precision: float


def _case_metrics_type(n_metrics: int) -> type:
    fields = [("accuracy", float)] + [(f"metric_{i:02d}", float) for i in range(1, n_metrics)]
    return make_dataclass("CaseMetrics", fields + [("per_class", List[PerClass])], bases=(MetricsTestCase,),
                          frozen=True)


class BenchEvaluator(Evaluator):
    def __init__(self, case_type: type, n_metrics: int):
        super().__init__()
        self.case_type, self.n_metrics = case_type, n_metrics

    def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
        return [(ts, SampleMetrics(correct=inf.prediction.label == gt.label.label, score=inf.prediction.score))
                for ts, gt, inf in inferences]

    def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
        correct = np.array([m.correct for m in metrics], dtype=float)
        scores = np.array([m.score for m in metrics])
        accuracy = float(correct.mean())
        others = {f"metric_{i:02d}": float(np.mean(scores ** (i / 4)) * accuracy) for i in range(1, self.n_metrics)}
        per_class = []
        for label in CLASSES:
            rows = [m.correct for (_, gt, _), m in zip(inferences, metrics) if gt.label.label == label]
            recall = float(np.mean(rows)) if rows else 0.0
            per_class.append(PerClass(label=label, recall=recall, precision=recall * 0.9))
        return self.case_type(accuracy=accuracy, per_class=per_class, **others)

    def compute_test_case_plots(self, test_case, inferences, metrics, configuration=None):
        scores = np.sort([m.score for m in metrics])
        thresholds = np.linspace(0, 1, 21)
        return [CurvePlot(title="Score CDF", x_label="threshold", y_label="fraction",
                          curves=[Curve(x=thresholds, y=np.searchsorted(scores, thresholds) / len(scores))])]


def _fill(n_models: int, n_cases: int, n_metrics: int, n_samples: int):
    workflow, TestCase, TestSuite, Model = define_workflow("Dashboard Benchmark", Sample, Truth, Guess)
    rng = np.random.default_rng(0)
    cases = []
    for c in range(n_cases):
        members = [(Sample(locator=f"/bench/c{c:02d}/img{i:04d}.png"), Truth(ClassificationLabel(CLASSES[i % 4])))
                   for i in range(n_samples)]
        cases.append(TestCase(f"case {c:02d}", test_samples=members))
    suite = TestSuite("dashboard benchmark", test_cases=cases)
    evaluator = BenchEvaluator(_case_metrics_type(n_metrics), n_metrics)
    models = []
    for m in range(n_models):
        skill = 0.5 + 0.08 * m

        def infer(sample: Sample, skill: float = skill) -> Guess:
            truth = CLASSES[int(sample.locator[-8:-4]) % 4]
            right = rng.random() < skill
            label = truth if right else CLASSES[(CLASSES.index(truth) + 1) % 4]
            return Guess(ScoredClassificationLabel(label, float(rng.random())))

        model = Model(f"model {m}", infer=infer)
        test(model, suite, evaluator)
        models.append(model)
    return suite, models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=5)
    parser.add_argument("--test-cases", type=int, default=50)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pngs", type=int, default=5)
    args = parser.parse_args()
    kolena_lab.initialize(url=f"sqlite:///{tempfile.mkdtemp(prefix='kolena-lab-bench-')}/lab.db")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suite, models = _fill(args.models, args.test_cases, args.metrics, args.samples)
    print(f"store: {args.models} models x {args.test_cases} test cases x {args.metrics} metrics, "
          f"{args.samples} samples per test case (filled in {time.perf_counter() - started:.1f} s, not timed)")

    def build() -> ResultsDashboard:
        return ResultsDashboard(suite, models, significance={"accuracy": "correct"}, static_images=False)

    build().wait()  # warm-up: imports, plotly's first figure
    timings, significance = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        dashboard = build()
        timings.append(time.perf_counter() - start)
        dashboard.wait()
        significance.append(time.perf_counter() - start)
    build_s = statistics.median(timings)
    cells = len(dashboard.table().index) * dashboard.table().shape[1]
    print(f"dashboard ready in the kernel: median {build_s:.3f} s over {args.repeat} runs "
          f"({cells} table cells, min {min(timings):.3f} s, max {max(timings):.3f} s) — target <= {BUILD_TARGET_S} s")

    print(f"significance marks (background bootstrap over per-sample metrics) complete after: median "
          f"{statistics.median(significance):.2f} s")

    figures = [dashboard.plot_figures(tc, "Score CDF")[0] for tc in list(dashboard.table().index)[:args.pngs + 1]]
    start = time.perf_counter()
    first = Chart(figures[0]).png()
    first_s = time.perf_counter() - start
    if first is None:
        print("PNG export unavailable here (no Chromium for kaleido); skipped")
        return
    png_timings = []
    for fig in figures[1:]:
        start = time.perf_counter()
        Chart(fig).png()
        png_timings.append(time.perf_counter() - start)
    print(f"chart PNG: first {first_s:.2f} s (starts the export browser), then median "
          f"{statistics.median(png_timings):.3f} s per chart over {len(png_timings)} — target <= {PNG_TARGET_S} s")
    ok = build_s <= BUILD_TARGET_S and statistics.median(png_timings) <= PNG_TARGET_S
    print("targets met" if ok else "targets NOT met")


if __name__ == "__main__":
    main()
