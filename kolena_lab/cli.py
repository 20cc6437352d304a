"""The ``kolena-lab`` command line: inspect and curate the store's workflows, test cases, suites and models.

Exit codes: 0 ok, 1 not found, 2 usage error. Every read command takes ``--json``. The automatic-evaluation
commands (evaluator, run, jobs, worker) are in ``cli_automation``.
"""
import json
import sys
from typing import Any, Callable, Dict, Optional, Sequence

import click

import kolena_lab
from kolena_lab import automation, cli_automation, store
from kolena_lab._cli_common import NOT_FOUND, emit, errors, json_option, workflow_option
from kolena_lab.errors import InputValidationError, KolenaError, NameConflictError, NotFoundError
from kolena_lab.workflow import hooks
from kolena_lab.workflow.workflow import check_name


def _not_found(what: str) -> None:
    click.echo(f"error: {what} not found", err=True)
    sys.exit(NOT_FOUND)


def _pairs(values: Sequence[str], option: str) -> Dict[str, Any]:
    """``KEY=VALUE`` options as a dict; a VALUE that is JSON is decoded (``3``, ``true``), other text kept."""
    out: Dict[str, Any] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=option)
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


def _read(fn: Callable[[Any], Any]) -> Any:
    with store.get_store().read() as conn:
        return fn(conn)


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
            for r in _read(lambda conn: store.test_cases.list_names(conn, workflow))]
    emit(rows, as_json, ["name", "workflow", "version", "description"])


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
    emit(detail["versions"], False, ["version", "samples", "created_at"])


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
    emit(rows, as_json, ["name", "workflow", "version", "tags", "description"])


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
    emit(rows, False, ["test_case", "version"])


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
    emit(rows, as_json, ["name", "workflow", "tags"])


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
    emit(detail["test_runs"], False, ["test_suite", "evaluator", "status", "updated_at"])


@model_group.command("edit-metadata")
@click.argument("name")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Set a metadata key (VALUE is decoded as JSON when it is JSON). Repeatable.")
@click.option("--unset", "removals", multiple=True, metavar="KEY", help="Remove a metadata key. Repeatable.")
def model_edit_metadata(name: str, assignments: Sequence[str], removals: Sequence[str]) -> None:
    """Change a model's stored metadata; prints the result as JSON."""
    if not assignments and not removals:
        raise click.UsageError("give --set KEY=VALUE or --unset KEY")
    changes = _pairs(assignments, "--set")
    with store.get_store().transaction() as conn:
        row = store.models.get(conn, name)
        if row is None:
            _not_found(f"model '{name}'")
        metadata = {k: v for k, v in json.loads(row.metadata).items() if k not in removals}
        metadata.update(changes)
        store.models.update(conn, row.id, json.dumps(metadata, sort_keys=True, default=str), row.tags)
    click.echo(json.dumps(metadata, indent=2, sort_keys=True, default=str))


@test_case_group.command("create")
@click.argument("name")
@click.option("--from", "sources", multiple=True, required=True, metavar="TEST_CASE",
              help="Take the samples and ground truths of this test case's latest version. Repeatable.")
@click.option("--where", "filters", multiple=True, metavar="KEY=VALUE",
              help="Keep only samples whose metadata KEY equals VALUE (JSON or text). Repeatable: all must hold.")
@click.option("--description", default="", help="The new test case's description.")
def test_case_create(name: str, sources: Sequence[str], filters: Sequence[str], description: str) -> None:
    """Curate a new test case from the samples of existing ones, filtered by metadata."""
    wanted = _pairs(filters, "--where")
    with errors(), store.get_store().transaction() as conn:
        name = check_name(name, "test case name")
        if store.test_cases.get(conn, name) is not None:
            raise NameConflictError(f"test case '{name}' already exists")
        members: Dict[int, Optional[str]] = {}
        workflows = set()
        for source in sources:
            row = store.test_cases.get(conn, source)
            if row is None:
                raise NotFoundError(f"test case '{source}' does not exist")
            workflows.add(row.workflow)
            version_id = store.test_cases.version_id(conn, row.id, row.latest_version)
            for sample_id, _, metadata, ground_truth in store.test_cases.members(conn, version_id):  # type: ignore
                values = json.loads(metadata)
                if sample_id not in members and all(values.get(k) == v for k, v in wanted.items()):
                    members[sample_id] = ground_truth
        if len(workflows) > 1:
            raise InputValidationError(f"the test cases belong to different workflows: {sorted(workflows)}")
        if not members:
            raise InputValidationError("no sample matches: nothing to create")
        workflow = workflows.pop()
        test_case_id = store.test_cases.create(conn, store.workflows.get(conn, workflow)[0], name,  # type: ignore
                                               description)
        version_id = store.test_cases.add_version(conn, test_case_id, 1, len(members))
        store.test_cases.insert_members(conn, version_id, [(i, sid, gt) for i, (sid, gt) in enumerate(members.items())])
        hooks.test_case_version_written(conn, version_id)
    click.echo(f"created test case '{name}' version 1 with {len(members)} samples (workflow '{workflow}')")


@test_suite_group.command("edit")
@click.argument("name")
@click.option("--add", "added", multiple=True, metavar="TEST_CASE",
              help="Add a test case's latest version, replacing the test case of that name. Repeatable.")
@click.option("--remove", "removed", multiple=True, metavar="TEST_CASE", help="Remove a test case. Repeatable.")
@click.option("--description", default=None, help="A new description (no new version by itself).")
def test_suite_edit(name: str, added: Sequence[str], removed: Sequence[str], description: Optional[str]) -> None:
    """Change a suite's test cases (a new version when they change) and description."""
    with errors(), store.get_store().transaction() as conn:
        row = store.test_suites.get(conn, name)
        if row is None:
            raise NotFoundError(f"test suite '{name}' does not exist")
        latest = store.test_suites.version_id(conn, row.id, row.latest_version)
        members = {tc_name: tcv for tcv, tc_name, _ in store.test_suites.members(conn, latest)}  # type: ignore
        old = list(members.values())
        for tc_name in added:
            test_case = store.test_cases.get(conn, tc_name)
            if test_case is None:
                raise NotFoundError(f"test case '{tc_name}' does not exist")
            if test_case.workflow != row.workflow:
                raise InputValidationError(f"test case '{tc_name}' belongs to workflow '{test_case.workflow}', "
                                           f"not '{row.workflow}'")
            members.pop(tc_name, None)
            members[tc_name] = store.test_cases.version_id(conn, test_case.id, test_case.latest_version)
        for tc_name in removed:
            members.pop(tc_name, None)
        version = row.latest_version
        if list(members.values()) != old:
            version += 1
            version_id = store.test_suites.add_version(conn, row.id, version, list(members.values()))
            hooks.test_suite_version_written(conn, version_id, latest)
        if description is not None and description != row.description:
            store.test_suites.update(conn, row.id, description, row.tags)
    queued = [] if version == row.latest_version else sorted(  # a new version's jobs are the ones this edit queued
        job.id for job in automation.jobs(test_suite=name) if job.test_suite_version == version)
    click.echo(f"test suite '{name}' is at version {version}"
               + (f"; queued evaluation jobs {queued}" if queued else ""))


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the HTML (default: next to the notebook).")
def export(notebook: str, output: Optional[str]) -> None:
    """Write an executed NOTEBOOK as HTML that shows every table and chart offline."""
    click.echo(str(kolena_lab.export_html(notebook, output)))


for _command in (cli_automation.evaluator_group, cli_automation.run_command, cli_automation.jobs_group,
                 cli_automation.worker_command):
    main.add_command(_command)


def run() -> None:
    """Entry point: KolenaError becomes a one-line message and exit code 1."""
    try:
        main(standalone_mode=True)
    except KolenaError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(NOT_FOUND)
