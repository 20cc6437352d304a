"""Evaluators the automation tests register as entrypoints; they run in job processes, importing the workflow."""
import os
import sys
import time
from dataclasses import dataclass

from kolena_lab.workflow import EvaluatorConfiguration

from . import _classification as c  # noqa: F401  (defines the workflow the jobs load)


@dataclass(frozen=True)
class Sleep(EvaluatorConfiguration):
    seconds: float

    def display_name(self) -> str:
        return f"sleep {self.seconds:g}s"


def sleeping(test_samples, ground_truths, inferences, test_cases, configuration: Sleep):
    print(f"sleeping {configuration.seconds:g} s", flush=True)
    time.sleep(configuration.seconds)
    return c.function_evaluator(test_samples, ground_truths, inferences, test_cases)


def failing(test_samples, ground_truths, inferences, test_cases):
    print("evaluating, then failing", flush=True)
    raise RuntimeError("the evaluator broke")


def leaky(test_samples, ground_truths, inferences, test_cases):
    secret = os.environ["KOLENA_EVALUATOR_SECRET"]
    print(f"token is {secret}", flush=True)
    print(f"warning: token {secret} looks odd", file=sys.stderr, flush=True)
    raise PermissionError(f"the service refused token {secret}")
