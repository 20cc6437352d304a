"""``python -m kolena_lab.automation.entrypoint module:attribute``: a job's process for an entrypoint evaluator.

It reads the job from the environment the worker sets (see ``runners``), imports the evaluator (whose module
imports the workflow's module, defining the workflow), loads the model and suite by name, and evaluates the job's
test cases on the stored inferences. A model whose metadata names a model package infers the missing samples with
it; any other model cannot infer here: test cases holding a sample without an inference are skipped (and listed),
and the job fails when none is left.
"""
import json
import os
import sys
from typing import List, Optional

from kolena_lab.automation.loading import load_entrypoint, make_evaluator
from kolena_lab.errors import KolenaError
from kolena_lab.packaging import attach_package, package_of
from kolena_lab.workflow import Model, TestCase, TestRun, TestSuite
from kolena_lab.workflow._bound import bind
from kolena_lab.workflow.workflow import find_workflow

USAGE_ERROR, FAILED = 2, 1


def main(argv: Optional[List[str]] = None) -> int:
    """Evaluate the job described by the environment with the entrypoint ``argv[0]``; the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kolena_lab.automation.entrypoint package.module:evaluator", file=sys.stderr)
        return USAGE_ERROR
    env = os.environ
    try:
        evaluator, configurations = make_evaluator(load_entrypoint(args[0], os.getcwd()),
                                                   json.loads(env.get("KOLENA_LAB_CONFIGURATIONS") or "[]"))
        workflow = find_workflow(env["KOLENA_WORKFLOW"])
        if workflow is None:
            raise KolenaError(f"importing '{args[0]}' did not define workflow '{env['KOLENA_WORKFLOW']}': the "
                              "evaluator's module must import the module that calls define_workflow(...)")
        model = bind(Model, workflow).load(env["KOLENA_MODEL_NAME"])
        if package_of(model) is not None:
            model = attach_package(model)
        suite = bind(TestSuite, workflow).load(env["KOLENA_TEST_SUITE_NAME"], int(env["KOLENA_TEST_SUITE_VERSION"]))
        scope = env.get("KOLENA_LAB_TEST_CASES")
        test_case_type = bind(TestCase, workflow)
        test_cases = [test_case_type.load(tc["name"], tc["version"]) for tc in json.loads(scope)] if scope else None
    except KeyError as e:
        print(f"error: the environment variable {e} is not set: run this through a kolena_lab worker", file=sys.stderr)
        return USAGE_ERROR
    except (KolenaError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return USAGE_ERROR
    run = TestRun(model, suite, evaluator, configurations, test_cases=test_cases)
    skipped = [] if model.infer_batch is not None else run.skip_uninferred_test_cases()
    for test_case in skipped:
        print(f"skipped test case '{test_case.name}' version {test_case.version}: model '{model.name}' has no "
              "inference for some of its samples (test() with the model's infer adds them)")
    evaluated = [tc for tc in (suite.test_cases if test_cases is None else test_cases) if tc not in skipped]
    if not evaluated:
        print("error: no test case could be evaluated: every one holds samples without an inference", file=sys.stderr)
        return FAILED
    print(f"evaluating model '{model.name}' on test suite '{suite.name}' version {suite.version} with "
          f"{run.evaluator_name}: " + ", ".join(f"'{tc.name}' version {tc.version}" for tc in evaluated), flush=True)
    run.run()
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
