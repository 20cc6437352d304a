"""test() on one test case of N samples with a trivial model and no metrics: the cost of inferring and storing.

Measures what kolena_lab adds around a model's ``infer`` (loading the suite, finding what needs inferring, storing
inferences in batches), so it should grow linearly with N. Usage: python benchmarks/bench_inference.py [--samples N]
"""
import argparse
import tempfile
import time
from dataclasses import dataclass

import kolena_lab
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow, no_op_evaluator, test


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str


@dataclass(frozen=True)
class Prediction(Inference):
    label: str
    score: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[5_000, 20_000])
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    print(f"test() with a trivial model, batch size {args.batch_size}, SQLite")
    for n in args.samples:
        with tempfile.TemporaryDirectory() as tmp:
            kolena_lab.initialize(url=f"sqlite:///{tmp}/lab.db")
            _, TestCase, TestSuite, Model = define_workflow(f"Inference Benchmark {n}", Image, Label, Prediction)
            members = [(Image(locator=f"/data/{i:08d}.png"), Label("cat" if i % 2 else "dog")) for i in range(n)]
            suite = TestSuite("suite", test_cases=[TestCase("all", test_samples=members)])
            model = Model("trivial", infer=lambda s: Prediction("cat", 0.5))
            started = time.perf_counter()
            test(model, suite, no_op_evaluator, batch_size=args.batch_size)
            seconds = time.perf_counter() - started
        print(f"{n:>9,} samples {seconds:8.2f} s  {n / seconds:10,.0f} samples/s")


if __name__ == "__main__":
    main()
