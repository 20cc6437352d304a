"""The automatic-evaluation commands of ``kolena-lab``: evaluator, run, jobs, worker, and curation commands."""
import json

import click
import pytest

from kolena_lab import automation
from kolena_lab.automation.registry import docker_engine_problem
from kolena_lab.cli import main

from . import _automation as a
from . import _classification as c

SECRET = "cli-Secret-7d1e"


def _commands(group: click.Group, path=()):
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_help(sqlite_store):
    commands = list(_commands(main))
    for expected in [("evaluator", "register"), ("evaluator", "list"), ("evaluator", "get"), ("run",),
                     ("jobs", "list"), ("jobs", "show"), ("jobs", "cancel"), ("worker",), ("model", "list"),
                     ("model", "show"), ("model", "edit-metadata"), ("test-suite", "list"), ("test-suite", "show"),
                     ("test-suite", "edit"), ("test-case", "list"), ("test-case", "show"), ("test-case", "create")]:
        assert expected in commands
    for command in commands:
        result = a.invoke(*command, "--help")
        assert result.exit_code == 0 and "Usage: main " + " ".join(command) in result.output, command


def test_register_list_and_get_evaluators_keeping_the_secret_hidden(sqlite_store):
    a.inferred_suite()
    workflow = c.workflow.name
    registered = a.invoke("evaluator", "register", "--workflow", workflow, "--evaluator-name", "leaky",
                          "--entrypoint", f"{a.EVALUATORS}:leaky", "--secret", "-", "--timeout", "10m",
                          "--working-dir", a.ROOT, input=SECRET + "\n")
    assert registered.exit_code == 0, registered.output
    assert "registered evaluator 'leaky'" in registered.output and "with a secret" in registered.output
    assert SECRET not in registered.output
    configured = a.invoke("evaluator", "register", "-w", workflow, "--evaluator-name", "accuracy", "--entrypoint",
                          a.ACCURACY, "--configuration", json.dumps({"threshold": 0.5, "class": a.THRESHOLD}),
                          "--configuration", json.dumps({"threshold": 0.9, "class": a.THRESHOLD}),
                          "--working-dir", a.ROOT)
    assert configured.exit_code == 0, configured.output

    listed = json.loads(a.invoke("evaluator", "list", "--workflow", workflow, "--json").output)
    assert [(e["name"], e["kind"], e["timeout"], e["has_secret"]) for e in listed] == [
        ("accuracy", "entrypoint", "6h", False), ("leaky", "entrypoint", "10m", True)]
    assert [len(e["configurations"]) for e in listed] == [2, 0]
    table = a.invoke("evaluator", "list", "--workflow", workflow).output
    assert "leaky" in table and SECRET not in table
    for args in [(), ("--json",)]:
        shown = a.invoke("evaluator", "get", "--workflow", workflow, "--evaluator-name", "leaky", *args)
        assert shown.exit_code == 0 and SECRET not in shown.output and "has_secret" in shown.output
    revealed = a.invoke("evaluator", "get", "--workflow", workflow, "--evaluator-name", "leaky", "--include-secret",
                        "--json")
    assert json.loads(revealed.output)["secret"] == SECRET

    ran = a.invoke("run", "--model", "m", "--test-suite", "suite", "--evaluator", "leaky")
    assert ran.exit_code == 1 and "failed" in ran.output and SECRET not in ran.output  # the job failed: exit 1
    [job] = automation.jobs(evaluator="leaky")
    for args in [(), ("--json",)]:
        shown = a.invoke("jobs", "show", str(job.id), *args)
        assert shown.exit_code == 0 and "token is ***" in shown.output and SECRET not in shown.output
        listed = a.invoke("jobs", "list", *args)
        assert listed.exit_code == 0 and SECRET not in listed.output
    model = a.invoke("model", "show", "m", "--json")
    assert SECRET not in model.output


def test_bad_input_gets_a_clear_message_and_exit_code(sqlite_store, tmp_path):
    a.inferred_suite()
    workflow = c.workflow.name

    def register(*args):
        return a.invoke("evaluator", "register", "--evaluator-name", "x", *args)

    cases = [
        (register("--workflow", "nope", "--command", "true"), 1, "workflow 'nope' does not exist"),
        (register("-w", workflow, "--entrypoint", "no_such_module:evaluate"), 2, "does not import"),
        (register("-w", workflow, "--entrypoint", "no-colon"), 2, "must look like 'package.module:function'"),
        (register("-w", workflow, "--command", "no-such-program --flag"), 2, "does not exist or is not executable"),
        (register("-w", workflow, "--command", "true", "--configuration", "{bad json"), 2,
         "configuration 1 is not valid JSON"),
        (register("-w", workflow, "--command", "true", "--configuration", "[1, 2]"), 2, "must be a JSON object"),
        (register("-w", workflow), 2, "give exactly one of entrypoint, command or image"),
        (register("-w", workflow, "--command", "true", "--timeout", "-1h"), 2, "timeout must be a positive"),
        (register("-w", workflow, "--command", "true", "--working-dir", str(tmp_path / "missing")), 2,
         "does not exist"),
        (a.invoke("evaluator", "register", "-w", workflow, "--command", "true"), 2, "--evaluator-name"),
        (a.invoke("evaluator", "get", "-w", workflow, "--evaluator-name", "x"), 1, "evaluator 'x' of workflow"),
        (a.invoke("evaluator", "list", "-w", "nope"), 1, "workflow 'nope' does not exist"),
        (a.invoke("run", "--model", "nope", "--test-suite", "suite"), 1, "model 'nope' does not exist"),
        (a.invoke("run", "--model", "m", "--test-suite", "suite"), 2, "no evaluator is registered"),
        (a.invoke("run", "--model", "m", "--test-suite", "suite", "--version", "9"), 1, "has no version 9"),
        (a.invoke("run", "--model", "m", "--test-suite", "suite", "--evaluator", "x"), 1, "evaluator 'x'"),
        (a.invoke("jobs", "show", "999"), 1, "job 999 does not exist"),
        (a.invoke("jobs", "cancel", "999"), 1, "job 999 does not exist"),
        (a.invoke("jobs", "list", "--status", "done"), 2, "Invalid value for '--status'"),
        (a.invoke("model", "edit-metadata", "nope", "--set", "a=1"), 1, "model 'nope' not found"),
        (a.invoke("model", "edit-metadata", "m"), 2, "give --set KEY=VALUE or --unset KEY"),
        (a.invoke("model", "edit-metadata", "m", "--set", "novalue"), 2, "expected KEY=VALUE"),
        (a.invoke("test-case", "create", "a", "--from", "a"), 2, "test case 'a' already exists"),
        (a.invoke("test-case", "create", "b", "--from", "nope"), 1, "test case 'nope' does not exist"),
        (a.invoke("test-case", "create", "b", "--from", "a", "--where", "index=99"), 2, "no sample matches"),
        (a.invoke("test-suite", "edit", "nope", "--add", "a"), 1, "test suite 'nope' does not exist"),
        (a.invoke("test-suite", "edit", "suite", "--add", "nope"), 1, "test case 'nope' does not exist"),
    ]
    for result, code, message in cases:
        assert (result.exit_code, message in result.output) == (code, True), (message, result.output)
    assert automation.list_evaluators(c.workflow) == [] and automation.jobs() == []


def test_run_worker_and_jobs_commands(sqlite_store):
    suite, _ = a.inferred_suite()
    c.TestSuite("fresh", test_cases=[c.TestCase("unseen", test_samples=c.members(2, offset=70))])
    workflow = c.workflow.name
    assert a.invoke("evaluator", "register", "-w", workflow, "--evaluator-name", "accuracy", "--entrypoint",
                    a.ACCURACY, "--configuration", json.dumps({"threshold": 0.5, "class": a.THRESHOLD}),
                    "--working-dir", a.ROOT).exit_code == 0

    detached = a.invoke("run", "-m", "m", "-s", "suite", "--detach", "--json")
    assert detached.exit_code == 0, detached.output
    [queued] = json.loads(detached.output)
    assert (queued["status"], queued["version"], queued["test_cases"]) == ("queued", 1, "(all)")
    assert json.loads(a.invoke("jobs", "list", "--status", "queued", "--json").output)[0]["id"] == queued["id"]
    nothing_to_evaluate = a.invoke("run", "-m", "m", "-s", "fresh", "--detach")
    assert nothing_to_evaluate.exit_code == 0

    worked = a.invoke("worker", "--once", "--poll-interval", "0.1")
    assert worked.exit_code == 0, worked.output
    assert f"job {queued['id']} succeeded: accuracy on model 'm', test suite 'suite' version 1" in worked.output
    assert "failed" in worked.output and "no test case could be evaluated" in worked.output
    shown = json.loads(a.invoke("jobs", "show", str(queued["id"]), "--json").output)
    assert shown["status"] == "succeeded" and "evaluating model 'm'" in shown["stdout"] and shown["reason"] == "run"
    text = a.invoke("jobs", "show", str(queued["id"])).output
    assert "status: succeeded" in text and "--- stdout ---" in text
    assert [j["status"] for j in json.loads(a.invoke("jobs", "list", "-s", "fresh", "--json").output)] == ["failed"]

    again = a.invoke("run", "-m", "m", "-s", "suite", "--detach")
    job_id = automation.jobs(limit=1)[0].id
    cancelled = a.invoke("jobs", "cancel", str(job_id))
    assert again.exit_code == 0 and cancelled.output.strip() == f"job {job_id}: cancelled"

    edited = a.invoke("model", "edit-metadata", "m", "--set", "arch=\"resnet\"", "--set", "layers=50")
    assert edited.exit_code == 0 and json.loads(edited.output) == {"arch": "resnet", "layers": 50}
    assert json.loads(a.invoke("model", "edit-metadata", "m", "--unset", "arch").output) == {"layers": 50}
    assert json.loads(a.invoke("model", "show", "m", "--json").output)["metadata"] == {"layers": 50}
    assert [m["name"] for m in json.loads(a.invoke("model", "list", "--json").output)] == ["m"]
    assert json.loads(a.invoke("test-suite", "list", "--json").output)[1]["name"] == "suite"
    assert json.loads(a.invoke("test-case", "show", "a", "--json").output)["latest_version"] == 1


def test_an_image_evaluator_without_a_docker_engine_is_registered_with_a_warning(sqlite_store):
    problem = docker_engine_problem()
    if problem is None:
        pytest.skip("a Docker engine is reachable here")
    a.inferred_suite()
    result = a.invoke("evaluator", "register", "-w", c.workflow.name, "--evaluator-name", "boxed", "--image",
                      "example/evaluator:1")
    assert result.exit_code == 0
    assert f"warning: evaluator 'boxed' is registered, but {problem}: its jobs fail until" in result.output
    assert json.loads(a.invoke("evaluator", "get", "-w", c.workflow.name, "--evaluator-name", "boxed",
                               "--json").output)["kind"] == "image"
