"""The ``kolena-lab`` command line: inspect the store's workflows, test cases, suites and models.

Exit codes: 0 ok, 1 not found, 2 usage error. Every read command takes ``--json``.
"""
import json
import sys
from typing import Any, Callable, List, Optional, Sequence

import click

import kolena_lab
from kolena_lab import store
from kolena_lab.errors import KolenaError

NOT_FOUND = 1


def _emit(rows: List[dict], as_json: bool, columns: Sequence[str]) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("(none)")
        return
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        click.echo("  ".join(str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths)))


def _not_found(what: str) -> None:
    click.echo(f"error: {what} not found", err=True)
    sys.exit(NOT_FOUND)


def _read(fn: Callable[[Any], Any]) -> Any:
    with store.get_store().read() as conn:
        return fn(conn)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
workflow_option = click.option("--workflow", "-w", default=None, help="Only this workflow's objects.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(kolena_lab.__version__, prog_name="kolena-lab")
@click.option("--url", envvar=store.ENV_URL, default=None,
              help="Store URL (default: $KOLENA_LAB_URL, else .kolena_lab/lab.db under the working directory).")
def main(url: Optional[str]) -> None:
    """kolena_lab: test ML models on versioned test cases, locally."""
    if url:
        kolena_lab.initialize(url=url)


@main.command()
@json_option
def info(as_json: bool) -> None:
    """The store in use and how many objects it holds."""
    counts = store.get_store().counts()
    if as_json:
        click.echo(json.dumps({"store": store.get_store().url, **counts}, indent=2))
        return
    click.echo(f"store: {store.get_store().url}")
    for name, value in counts.items():
        click.echo(f"{name}: {value}")


@main.group("workflow")
def workflow_group() -> None:
    """Workflows."""


@workflow_group.command("list")
@json_option
def workflow_list(as_json: bool) -> None:
    """List workflows and their types."""
    rows = [{"name": name, **{role: spec["type"] for role, spec in json.loads(schema).items()}}
            for name, schema in _read(store.workflows.list_all)]
    _emit(rows, as_json, ["name", "test_sample", "ground_truth", "inference"])


@main.group("test-case")
def test_case_group() -> None:
    """Test cases."""


@test_case_group.command("list")
@workflow_option
@json_option
def test_case_list(workflow: Optional[str], as_json: bool) -> None:
    """List test cases with their latest version."""
    rows = [{"name": r.name, "workflow": r.workflow, "version": r.latest_version, "description": r.description}
            for r in _read(lambda conn: store.test_cases.list_names(conn, workflow))]
    _emit(rows, as_json, ["name", "workflow", "version", "description"])


@test_case_group.command("show")
@click.argument("name")
@json_option
def test_case_show(name: str, as_json: bool) -> None:
    """A test case's description and versions."""
    def load(conn: Any) -> Any:
        row = store.test_cases.get(conn, name)
        return row, (store.test_cases.versions(conn, row.id) if row else [])

    row, versions = _read(load)
    if row is None:
        _not_found(f"test case '{name}'")
    detail = {"name": row.name, "workflow": row.workflow, "description": row.description,
              "latest_version": row.latest_version,
              "versions": [{"version": v, "samples": n, "created_at": str(at)} for v, n, at in versions]}
    if as_json:
        click.echo(json.dumps(detail, indent=2))
        return
    click.echo(f"{row.name}  (workflow '{row.workflow}', latest version {row.latest_version})")
    if row.description:
        click.echo(row.description)
    _emit(detail["versions"], False, ["version", "samples", "created_at"])


@main.group("test-suite")
def test_suite_group() -> None:
    """Test suites."""


@test_suite_group.command("list")
@workflow_option
@json_option
def test_suite_list(workflow: Optional[str], as_json: bool) -> None:
    """List test suites with their latest version and tags."""
    rows = [{"name": r.name, "workflow": r.workflow, "version": r.latest_version,
             "tags": ",".join(json.loads(r.tags)), "description": r.description}
            for r in _read(lambda conn: store.test_suites.list_all(conn, workflow))]
    _emit(rows, as_json, ["name", "workflow", "version", "tags", "description"])


@test_suite_group.command("show")
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="A version (default: the latest).")
@json_option
def test_suite_show(name: str, version: Optional[int], as_json: bool) -> None:
    """A suite version's test cases."""
    def load(conn: Any) -> Any:
        row = store.test_suites.get(conn, name)
        if row is None:
            return None, None
        version_id = store.test_suites.version_id(conn, row.id, row.latest_version if version is None else version)
        return row, (store.test_suites.members(conn, version_id) if version_id is not None else None)

    row, members = _read(load)
    if row is None or members is None:
        _not_found(f"test suite '{name}'" + (f" version {version}" if version is not None else ""))
    rows = [{"test_case": tc, "version": v} for _, tc, v in members]
    if as_json:
        click.echo(json.dumps({"name": row.name, "workflow": row.workflow, "test_cases": rows}, indent=2))
        return
    click.echo(f"{row.name}  (workflow '{row.workflow}', version "
               f"{row.latest_version if version is None else version})")
    _emit(rows, False, ["test_case", "version"])


@main.group("model")
def model_group() -> None:
    """Models."""


@model_group.command("list")
@workflow_option
@json_option
def model_list(workflow: Optional[str], as_json: bool) -> None:
    """List models with their tags."""
    rows = [{"name": r.name, "workflow": r.workflow, "tags": ",".join(json.loads(r.tags))}
            for r in _read(lambda conn: store.models.list_all(conn, workflow))]
    _emit(rows, as_json, ["name", "workflow", "tags"])


@model_group.command("show")
@click.argument("name")
@json_option
def model_show(name: str, as_json: bool) -> None:
    """A model's metadata, tags and test runs."""
    def load(conn: Any) -> Any:
        row = store.models.get(conn, name)
        return row, (store.results.list_runs(conn, row.id) if row else [])

    row, runs = _read(load)
    if row is None:
        _not_found(f"model '{name}'")
    detail = {"name": row.name, "workflow": row.workflow, "metadata": json.loads(row.metadata),
              "tags": json.loads(row.tags),
              "test_runs": [{"test_suite": r[1], "evaluator": r[2], "status": r[4], "updated_at": str(r[6])}
                            for r in runs]}
    if as_json:
        click.echo(json.dumps(detail, indent=2))
        return
    click.echo(f"{row.name}  (workflow '{row.workflow}')")
    for key, value in detail["metadata"].items():
        click.echo(f"  {key}: {value}")
    _emit(detail["test_runs"], False, ["test_suite", "evaluator", "status", "updated_at"])


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the HTML (default: next to the notebook).")
def export(notebook: str, output: Optional[str]) -> None:
    """Write an executed NOTEBOOK as HTML that shows every table and chart offline."""
    click.echo(str(kolena_lab.export_html(notebook, output)))


def run() -> None:
    """Entry point: KolenaError becomes a one-line message and exit code 1."""
    try:
        main(standalone_mode=True)
    except KolenaError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(NOT_FOUND)
