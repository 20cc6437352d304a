"""Shared setup of the automation tests: a suite a model has inferred, and evaluators registered by import path."""
from pathlib import Path

from click.testing import CliRunner

from kolena_lab import automation
from kolena_lab.cli import main
from kolena_lab.workflow import no_op_evaluator, test

from . import _classification as c

ROOT = str(Path(__file__).resolve().parents[2])  # jobs run here, so `tests.integration...` imports
ACCURACY = "tests.integration._classification:AccuracyEvaluator"
THRESHOLD = "tests.integration._classification:Threshold"
EVALUATORS = "tests.integration._automation_evaluators"


def inferred_suite(n: int = 6):
    """Suite 'suite' of test case 'a' (n samples, metadata ``night`` on odd ones) and model 'm' that has inferred
    them (with no_op_evaluator, so no metrics of the evaluators under test exist yet)."""
    a = c.TestCase("a", test_samples=[(c.sample(i, index=i, night=i % 2 == 1), c.gt("cat" if i % 2 else "dog"))
                                      for i in range(n)])
    suite = c.TestSuite("suite", test_cases=[a])
    model = c.Model("m", infer=c.predict)
    test(model, suite, no_op_evaluator)
    return suite, model


def register(name: str, entrypoint: str, **definition):
    """Register an entrypoint evaluator of the classification workflow, run from the repository root."""
    return automation.register_evaluator(c.workflow, name, entrypoint=entrypoint, working_dir=ROOT, **definition)


def invoke(*args: str, input: str = None):
    return CliRunner().invoke(main, list(args), input=input)


def expected_accuracy(test_case, threshold: float) -> float:
    """What AccuracyEvaluator computes in this process for a test case with c.predict's inferences."""
    evaluator, configuration = c.AccuracyEvaluator(), c.Threshold(threshold)
    triples = [(s, g, c.predict(s)) for s, g in test_case.load_test_samples()]
    per_sample = [m for _, m in evaluator.compute_test_sample_metrics(test_case, triples, configuration)]
    return evaluator.compute_test_case_metrics(test_case, triples, per_sample, configuration).accuracy
