"""The ``kolena-lab`` command line: inspect and curate the store's workflows, test cases, suites and models, and run
scripts written for Kolena unchanged (``run-kolena``).

Exit codes: 0 ok, 1 not found (or a job that failed), 2 bad input or usage, 3 the store cannot be used, 4 another
error; an error is one line (``--debug`` shows its traceback). Every read command takes ``--json``. The
automatic-evaluation commands (evaluator, run, jobs, worker) are in ``cli_automation``.
"""
import ast
import json
import os
import re
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import click

import kolena_lab
from kolena_lab import automation, cli_automation, cli_import, cli_stress, packaging
from kolena_lab._cli_common import NOT_FOUND, Main, emit, errors, json_option, workflow_option
from kolena_lab.errors import InputValidationError, NotFoundError
from kolena_lab.kolena_alias import run_kolena
from kolena_lab.ui.export import export_html
from kolena_lab.workflow import catalog, query


def _value(text: str) -> Any:
    """A ``KEY=VALUE`` option's VALUE: JSON (``3``, ``true``, ``null``) or a Python literal (``True``, ``None``,
    ``'a b'``) typed as a Python user types it, else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return json.loads(json.dumps(ast.literal_eval(text.strip())))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def _pairs(values: Sequence[str], option: str) -> Dict[str, Any]:
    """``KEY=VALUE`` options as a dict, each VALUE decoded by ``_value``."""
    out: Dict[str, Any] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=option)
        out[key] = _value(text)
    return out


_EQUALITY = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=(?!=)(.*)$")


def _where(values: Sequence[str]) -> Tuple[Optional[str], List[query.Filter]]:
    """``--where`` options: ``KEY=VALUE`` (VALUE as JSON or a Python literal, else text) becomes an equality filter
    (``None``/``null``: the value is missing); anything else is a query (``kolena_lab.workflow.query``). All must
    hold."""
    queries, filters = [], []
    for value in values:
        match = _EQUALITY.match(value)
        if match:
            decoded = _value(match.group(2))
            filters.append(query.Filter(match.group(1), "==" if decoded is not None else "is missing", decoded))
        else:
            queries.append(f"({value})")
    return " and ".join(queries) or None, filters


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(kolena_lab.__version__, prog_name="kolena-lab")
@click.option("--url", envvar=kolena_lab.ENV_URL, default=None,
              help="Store URL (default: $KOLENA_LAB_URL, else .kolena_lab/lab.db under the working directory).")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def main(url: Optional[str], debug: bool) -> None:
    """kolena_lab: test ML models on versioned test cases, locally."""
    if not url:
        return
    try:
        kolena_lab.initialize(url=url)
    except InputValidationError as e:
        source = click.get_current_context().get_parameter_source("url")
        if source == click.core.ParameterSource.ENVIRONMENT:
            raise InputValidationError(f"{kolena_lab.ENV_URL}: {e}") from None
        raise


@main.command()
@json_option
def info(as_json: bool) -> None:
    """The store in use and how many objects it holds."""
    described = catalog.store_info()
    if as_json:
        click.echo(json.dumps(described, indent=2))
        return
    for name, value in described.items():
        click.echo(f"{name}: {value}")


@main.group("workflow")
def workflow_group() -> None:
    """Workflows."""


@workflow_group.command("list")
@json_option
def workflow_list(as_json: bool) -> None:
    """List workflows and their types."""
    rows = [{k: v for k, v in w.to_dict().items() if k != "schema"} for w in catalog.list_workflows()]
    emit(rows, as_json, ["name", "test_sample", "ground_truth", "inference"])


@main.group("test-case")
def test_case_group() -> None:
    """Test cases."""


@test_case_group.command("list")
@workflow_option
@json_option
def test_case_list(workflow: Optional[str], as_json: bool) -> None:
    """List test cases with their latest version."""
    rows = [{"name": r.name, "workflow": r.workflow, "version": r.latest_version, "description": r.description}
            for r in catalog.list_test_cases(workflow)]
    emit(rows, as_json, ["name", "workflow", "version", "description"])


@test_case_group.command("show")
@click.argument("name")
@json_option
def test_case_show(name: str, as_json: bool) -> None:
    """A test case's description and versions."""
    with errors():
        row, versions = catalog.test_case_info(name), catalog.test_case_versions(name)
    detail = {"name": row.name, "workflow": row.workflow, "description": row.description,
              "latest_version": row.latest_version,
              "versions": [{"version": v.version, "samples": v.n_samples, "created_at": str(v.created_at)}
                           for v in versions]}
    if as_json:
        click.echo(json.dumps(detail, indent=2))
        return
    click.echo(f"{row.name}  (workflow '{row.workflow}', latest version {row.latest_version})")
    if row.description:
        click.echo(row.description)
    emit(detail["versions"], False, ["version", "samples", "created_at"])


@main.group("test-suite")
def test_suite_group() -> None:
    """Test suites."""


@test_suite_group.command("list")
@workflow_option
@json_option
def test_suite_list(workflow: Optional[str], as_json: bool) -> None:
    """List test suites with their latest version and tags."""
    rows = [{"name": r.name, "workflow": r.workflow, "version": r.latest_version, "tags": ",".join(r.tags),
             "description": r.description} for r in catalog.list_test_suites(workflow)]
    emit(rows, as_json, ["name", "workflow", "version", "tags", "description"])


@test_suite_group.command("show")
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="A version (default: the latest).")
@json_option
def test_suite_show(name: str, version: Optional[int], as_json: bool) -> None:
    """A suite version's test cases."""
    with errors():
        suite = catalog.test_suite_info(name, version)
    rows = [{"test_case": tc, "version": v} for tc, v in suite.test_cases]
    if as_json:
        click.echo(json.dumps({"name": suite.name, "workflow": suite.workflow, "test_cases": rows}, indent=2))
        return
    click.echo(f"{suite.name}  (workflow '{suite.workflow}', version {suite.latest_version})")
    emit(rows, False, ["test_case", "version"])


@main.group("model")
def model_group() -> None:
    """Models."""


@model_group.command("list")
@workflow_option
@json_option
def model_list(workflow: Optional[str], as_json: bool) -> None:
    """List models with their tags."""
    rows = [{"name": r.name, "workflow": r.workflow, "tags": ",".join(r.tags)} for r in catalog.list_models(workflow)]
    emit(rows, as_json, ["name", "workflow", "tags"])


@model_group.command("show")
@click.argument("name")
@json_option
def model_show(name: str, as_json: bool) -> None:
    """A model's metadata, tags and test runs."""
    with errors():
        row, runs = catalog.model_info(name), catalog.list_test_runs(name)
    detail = {"name": row.name, "workflow": row.workflow, "metadata": row.metadata, "tags": list(row.tags),
              "test_runs": [{"test_suite": r.test_suite, "evaluator": r.evaluator, "status": r.status,
                             "updated_at": str(r.updated_at)} for r in runs]}
    if as_json:
        click.echo(json.dumps(detail, indent=2))
        return
    click.echo(f"{row.name}  (workflow '{row.workflow}')")
    for key, value in detail["metadata"].items():
        click.echo(f"  {key}: {value}")
    emit(detail["test_runs"], False, ["test_suite", "evaluator", "status", "updated_at"])


@model_group.command("edit-metadata")
@click.argument("name")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Set a metadata key (VALUE is decoded as JSON or a Python literal when it is one). Repeatable.")
@click.option("--unset", "removals", multiple=True, metavar="KEY", help="Remove a metadata key. Repeatable.")
def model_edit_metadata(name: str, assignments: Sequence[str], removals: Sequence[str]) -> None:
    """Change a model's stored metadata; prints the result as JSON."""
    if not assignments and not removals:
        raise click.UsageError("give --set KEY=VALUE or --unset KEY")
    changes = _pairs(assignments, "--set")
    try:
        model = catalog.edit_model_metadata(name, changes, removals)
    except NotFoundError:
        click.echo(f"error: model '{name}' not found", err=True)
        sys.exit(NOT_FOUND)
    click.echo(json.dumps(model.metadata, indent=2, sort_keys=True, default=str))


@model_group.command("register")
@click.option("--package", "package_path", required=True, metavar="DIR",
              help="The model package: a directory holding model.yaml (or the YAML file itself).")
@click.option("--workflow", required=True, help="The stored workflow the model belongs to.")
@click.option("--workflow-module", default=None, metavar="MODULE",
              help="Import this module first (a name importable from here, or a .py file): it defines the workflow.")
@click.option("--name", default=None, help="The model's name (default: the package's model name).")
@click.option("--tag", "tags", multiple=True, help="A tag of the model. Repeatable.")
@json_option
def model_register(package_path: str, workflow: str, workflow_module: Optional[str], name: Optional[str],
                   tags: Sequence[str], as_json: bool) -> None:
    """Register a model declared by a package (model.yaml): `test()` and workers infer with it."""
    with errors():
        model = packaging.model_from_package(package_path, packaging.stored_workflow(workflow, workflow_module),
                                             name=name, tags=set(tags) or None)
    detail = {"name": model.name, "workflow": model.workflow.name, "metadata": model.metadata,
              "tags": sorted(model.tags)}
    if as_json:
        click.echo(json.dumps(detail, indent=2, sort_keys=True))
        return
    recorded = model.metadata[packaging.METADATA_KEY]
    click.echo(f"model '{model.name}' (workflow '{model.workflow.name}') runs package '{recorded['name']}' version "
               f"{recorded['version'] or '-'} from {recorded['path']}")


@test_case_group.command("create")
@click.argument("name")
@click.option("--from", "sources", multiple=True, required=True, metavar="TEST_CASE",
              help="Take the samples and ground truths of this test case's latest version. Repeatable.")
@click.option("--where", "filters", multiple=True, metavar="KEY=VALUE|QUERY",
              help="Keep only samples whose field or metadata KEY equals VALUE (JSON, a Python literal or text), or "
                   "that match a QUERY such as \"`brightness` < 0.3 and night == True\". Repeatable: all must hold.")
@click.option("--description", default="", help="The new test case's description.")
def test_case_create(name: str, sources: Sequence[str], filters: Sequence[str], description: str) -> None:
    """Curate a new test case from the samples of existing ones, filtered by metadata."""
    where, equal = _where(filters)
    with errors():
        created = catalog.create_test_case_from(name, sources, where, equal, description)
    click.echo(f"created test case '{created.name}' version 1 with {created.n_samples} samples "
               f"(workflow '{created.workflow}')")


@test_suite_group.command("edit")
@click.argument("name")
@click.option("--add", "added", multiple=True, metavar="TEST_CASE",
              help="Add a test case's latest version, replacing the test case of that name. Repeatable.")
@click.option("--remove", "removed", multiple=True, metavar="TEST_CASE", help="Remove a test case. Repeatable.")
@click.option("--description", default=None, help="A new description (no new version by itself).")
def test_suite_edit(name: str, added: Sequence[str], removed: Sequence[str], description: Optional[str]) -> None:
    """Change a suite's test cases (a new version when they change) and description."""
    with errors():
        before = catalog.test_suite_info(name).latest_version
        suite = catalog.edit_test_suite(name, added, removed, description)
    queued = [] if suite.latest_version == before else sorted(
        job.id for job in automation.jobs(test_suite=name) if job.test_suite_version == suite.latest_version)
    click.echo(f"test suite '{name}' is at version {suite.latest_version}"
               + (f"; queued evaluation jobs {queued}" if queued else ""))


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the HTML (default: next to the notebook).")
def export(notebook: str, output: Optional[str]) -> None:
    """Write an executed NOTEBOOK as HTML that shows every table and chart offline."""
    click.echo(str(export_html(notebook, output)))


@main.command("run-kolena", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-m", "module", is_flag=True, help="TARGET is a module name to run, as with `python -m`.")
@click.argument("target")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_kolena_command(module: bool, target: str, args: Tuple[str, ...]) -> None:
    """Run a script (or module) written for Kolena unchanged: `kolena` and `kolena.*` imports resolve to kolena_lab
    for this run, and `kolena.initialize(...)` is ignored. ARGS go to the script's sys.argv."""
    if not module and not os.path.isfile(target):
        raise click.BadParameter(f"no such file: {target}", param_hint="TARGET")
    run_kolena(target, args, module=module)


for _command in (cli_automation.evaluator_group, cli_automation.run_command, cli_automation.jobs_group,
                 cli_automation.worker_command, cli_stress.stress_group, cli_import.import_group,
                 cli_import.export_coco):
    main.add_command(_command)


def run() -> None:
    """Entry point: an error becomes a one-line message and the exit code of its kind (see ``_cli_common.Main``)."""
    main(standalone_mode=True)
