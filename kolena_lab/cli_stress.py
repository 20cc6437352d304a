"""``kolena-lab stress`` commands: run a stress test of a stored model, and show a run's findings (added to
``cli.main``)."""
import json
from typing import Any, Optional

import click

from kolena_lab import packaging
from kolena_lab._cli_common import emit, errors, json_option
from kolena_lab.automation.loading import load_entrypoint
from kolena_lab.errors import IncorrectUsageError, InputValidationError
from kolena_lab.stress import SEARCHES, StressResults, load_stress_results, stress_runs, stress_test
from kolena_lab.workflow import catalog
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.workflow import find_workflow

_VULNERABILITY = ["axis", "n", "mean_score", "mean_drop", "failure_rate"]


@click.group("stress")
def stress_group() -> None:
    """Stress tests: perturb a test case's images along a domain's axes and find what breaks a model."""


def _infer_function(infer: str) -> Any:
    function = load_entrypoint(infer, ".")
    if not callable(function):
        raise InputValidationError(f"--infer {infer!r} is not a function")
    return function


def _model_with_code(model_name: str, infer: Optional[str], package: Optional[str],
                     workflow_module: Optional[str]) -> Any:
    """The stored model with code to infer: ``--infer``'s function, ``--package``'s package, or the package its
    metadata names."""
    if infer is not None and package is not None:
        raise IncorrectUsageError("give --infer or --package, not both")
    stored = catalog.model_info(model_name)
    function = _infer_function(infer) if infer is not None else None
    workflow = packaging.stored_workflow(stored.workflow, workflow_module) if workflow_module or package \
        else find_workflow(stored.workflow)
    if workflow is None:
        raise IncorrectUsageError(f"the types of workflow '{stored.workflow}' of model '{model_name}' are not defined "
                                  "here: give --workflow-module (or an --infer module that imports them)")
    model_type = bound_classes(workflow)[2]
    if function is not None:
        return model_type.load(model_name, infer=function)
    if package is not None:
        return packaging.model_from_package(package, workflow, name=model_name)
    model = model_type.load(model_name)
    if packaging.package_of(model) is None:
        raise IncorrectUsageError(f"model '{model_name}' has no code: give --package DIR or --infer MODULE:FUNCTION "
                                  "(infer(test_sample) -> Inference)")
    return packaging.attach_package(model)


@stress_group.command("run")
@click.option("--model", "model_name", required=True, help="The stored model.")
@click.option("--test-case", "test_case_name", required=True, help="The test case whose images are perturbed.")
@click.option("--domain", required=True, help="outdoor, corruptions, or a domain YAML file.")
@click.option("--search", type=click.Choice(SEARCHES), default="random", show_default=True)
@click.option("--budget", type=int, default=20, show_default=True, help="Perturbations (steps) per sample.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--name", default=None, help="The run's name (default: '<test case> · stress').")
@click.option("--infer", default=None, metavar="MODULE:FUNCTION",
              help="The model's inference function infer(test_sample) -> Inference; importing its module must "
                   "define the workflow.")
@click.option("--package", default=None, type=click.Path(exists=True), metavar="DIR",
              help="The model's package (model.yaml); by default the package its metadata names, if any.")
@click.option("--workflow-module", default=None, metavar="MODULE",
              help="A module (or .py file) defining the workflow's types.")
@json_option
def stress_run(model_name: str, test_case_name: str, domain: str, search: str, budget: int, seed: int,
               batch_size: int, name: Optional[str], infer: Optional[str], package: Optional[str],
               workflow_module: Optional[str], as_json: bool) -> None:
    """Stress-test a stored model on a test case's images; prints the vulnerability table."""
    with errors():
        model = _model_with_code(model_name, infer, package, workflow_module)
        test_case = bound_classes(model.workflow)[0].load(test_case_name)

        def progress(done: int, total: int, message: str) -> None:
            if not as_json:
                click.echo(f"\r{message}: {done}/{total}", nl=done >= total, err=True)

        results = stress_test(model, test_case, domain, search=search, budget=budget, seed=seed,
                              batch_size=batch_size, name=name, progress=progress)
    _show(results, as_json)


@stress_group.command("list")
@json_option
def stress_list(as_json: bool) -> None:
    """The stress test runs in the store, by name."""
    with errors():
        names = stress_runs()
    emit([{"name": name} for name in names], as_json, ["name"])


@stress_group.command("show")
@click.argument("name")
@json_option
def stress_show(name: str, as_json: bool) -> None:
    """Show a stress test run: its vulnerability table, and mPC / rPC for a corruption domain."""
    with errors():
        results = load_stress_results(name)
    _show(results, as_json)


def _show(results: StressResults, as_json: bool) -> None:
    summary = results.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    click.echo(f"stress test '{results.name}': model '{summary['model']}' on test case '{summary['test_case']}', "
               f"domain '{summary['domain']['name']}', {summary['search']} search, budget {summary['budget']}, "
               f"seed {summary['seed']}")
    click.echo(f"{summary['metric']} ({'higher' if summary['higher_is_better'] else 'lower'} is better): clean "
               f"{summary['clean']:.4f}; {summary['n_failures']} failures in {summary['n_perturbations']} "
               "perturbations")
    rows = [{k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in row.items()}
            for row in summary["vulnerability"]]
    emit(rows, False, _VULNERABILITY)
    if "mpc" in summary:
        click.echo(f"mPC {summary['mpc']:.4f}  rPC {summary['rpc']:.4f}")
    click.echo(f"test suite '{summary['suite']}'")

