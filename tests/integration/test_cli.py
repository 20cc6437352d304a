"""The kolena-lab command line reads the same store as the API, with tables, JSON and exit codes."""
import json
from typing import List

from click.testing import CliRunner

from kolena_lab.cli import main
from kolena_lab.workflow import no_op_evaluator, test

from . import _classification as c


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_lists_and_shows_what_the_api_wrote(sqlite_store):
    tc = c.TestCase("cats", description="all the cats", test_samples=c.members(3))
    with tc.edit() as editor:
        editor.add(c.sample(9), c.gt("cat"))
    suite = c.TestSuite("suite", test_cases=[tc], tags={"nightly"})
    test(c.Model("m", infer=c.predict, metadata={"arch": "tiny"}), suite, no_op_evaluator)

    listed = json.loads(invoke("test-case", "list", "--json").output)
    assert listed == [{"name": "cats", "workflow": c.workflow.name, "version": 2, "description": "all the cats"}]
    shown = json.loads(invoke("test-case", "show", "cats", "--json").output)
    assert [(v["version"], v["samples"]) for v in shown["versions"]] == [(0, 0), (1, 3), (2, 4)]
    assert "nightly" in invoke("test-suite", "list").output
    assert json.loads(invoke("test-suite", "show", "suite", "--json").output)["test_cases"] == [
        {"test_case": "cats", "version": 2}]
    model = json.loads(invoke("model", "show", "m", "--json").output)
    assert model["metadata"] == {"arch": "tiny"} and model["test_runs"][0]["status"] == "succeeded"
    assert json.loads(invoke("info", "--json").output)["test_samples"] == 4
    assert json.loads(invoke("workflow", "list", "--json").output)[0]["test_sample"] == "Sample"


def test_exit_codes(sqlite_store):
    assert invoke("model", "show", "missing").exit_code == 1
    assert invoke("test-suite", "show", "missing", "--version", "3").exit_code == 1
    assert invoke("test-case", "frobnicate").exit_code == 2
    assert invoke("--help").exit_code == 0 and "test-case" in invoke("--help").output


def test_export_writes_static_html(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.plotly.v1+json": {"data": [], "layout": {}},
        "image/png": "iVBORw0KGgo=", "text/plain": "chart"})]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    source = tmp_path / "shared.ipynb"
    nbformat.write(nb, source)
    result = invoke("export", str(source))
    assert result.exit_code == 0 and result.output.strip().endswith("shared.html")
    html = (tmp_path / "shared.html").read_text()
    assert "data:image/png;base64,iVBORw0KGgo=" in html and "widget-state" not in html
    assert invoke("export", str(tmp_path / "missing.ipynb")).exit_code == 2


def test_where_takes_a_query_or_key_value_pairs(sqlite_store):
    c.TestCase("all", test_samples=c.members(6))
    made = invoke("test-case", "create", "late", "--from", "all", "--where", "index >= 2 and index < 5",
                  "--where", "index=3")
    assert made.exit_code == 0 and "with 1 samples" in made.output, made.output
    assert [s.metadata["index"] for s, _ in c.TestCase.load("late").load_test_samples()] == [3]
    bad = invoke("test-case", "create", "x", "--from", "all", "--where", "nope > 1")
    assert bad.exit_code == 2 and "unknown field 'nope'" in bad.output


def test_exit_code_by_error_kind():
    from kolena_lab import errors
    from kolena_lab._cli_common import exit_code

    assert [exit_code(e) for e in (errors.NotFoundError("x"), errors.NameConflictError("x"),
                                   errors.InputValidationError("x"), errors.StoreError("x"),
                                   errors.CancelledError("x"))] == [1, 2, 2, 3, 4]


def test_where_values_typed_as_in_python_or_json(sqlite_store):
    c.TestCase("all", test_samples=[(c.sample(i, night=i % 2 == 1, gain=None if i else 1.5, tag=f"t{i}"),
                                     c.gt("cat")) for i in range(4)])

    def created(name: str, *where: str) -> List[int]:
        result = invoke("test-case", "create", name, "--from", "all", *[a for w in where for a in ("--where", w)])
        assert result.exit_code == 0, result.output
        return [int(s.locator[-8:-4]) for s, _ in c.TestCase.load(name).load_test_samples()]

    assert created("python", "night=True") == [1, 3]
    assert created("json", "night=true") == [1, 3]
    assert created("false", "night = False") == [0, 2]
    assert created("none", "gain=None") == [1, 2, 3]
    assert created("float", "gain=1.5") == [0]
    assert created("text", "tag=t2") == [2]
    assert created("quoted", "tag='t3'") == [3]


def test_key_value_decoding():
    from kolena_lab.cli import _value

    assert [_value(t) for t in ("True", "true", "None", "null", "3", "1_000", "-2.5", "'a b'", '"a b"', "[1, 'x']",
                                "(1, 2)", "night", "a b", "{1, 2}", "x=1")] == [
        True, True, None, None, 3, 1000, -2.5, "a b", "a b", [1, "x"], [1, 2], "night", "a b", "{1, 2}", "x=1"]
