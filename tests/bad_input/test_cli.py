"""Bad command lines: one line on stderr (``error: ...``, no traceback), the exit code of the error's kind, and the
store unchanged. ``--debug`` shows the traceback."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kolena_lab.cli import main

from tests.bad_input.conftest import store_contents
from tests.integration import _classification as c

PG_DOWN = "postgresql+psycopg://user:hunter2@127.0.0.1:1/lab"


@pytest.fixture
def cli(sqlite_store):
    """``cli(*args, code=...)``: runs ``kolena-lab`` and checks its exit code, a one-line error and the store."""
    c.TestCase("kept", test_samples=c.members(3))
    c.Model("m", infer=c.predict, metadata={"lr": 0.1})

    def run(*args: str, code: int, match: str = "", env: dict = None):
        before = store_contents(sqlite_store)
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == code, (result.output, result.exception)
        if code:
            assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
                result.exception
            lines = result.stderr.strip().splitlines()
            assert "Traceback" not in result.output and match in result.stderr, result.stderr
            assert len(lines) == 1 or lines[-1].startswith("Error:"), result.stderr
            assert "hunter2" not in result.output and "\x1b" not in result.stderr
        assert store_contents(sqlite_store) == before
        return result

    return run


@pytest.mark.parametrize("url, code, match", [
    ("garbage", 2, "error: the store URL 'garbage' is not a URL"),
    ("foo://x", 2, "names the database 'foo'"),
    ("mysql://user:hunter2@h/lab", 2, "names the database 'mysql'"),
    ("sqlite:///:memory:", 2, "in-memory SQLite store is not supported"),
    ("postgresql://u:hunter2@h:port/db", 2, "is not a URL"),
    (PG_DOWN, 3, "cannot be reached"),
])
@pytest.mark.parametrize("command", [["info"], ["test-case", "list"], ["model", "show", "m", "--json"]])
def test_a_url_that_names_no_store(cli, url, code, match, command):
    cli("--url", url, *command, code=code, match=match)


def test_a_url_naming_a_folder(cli, tmp_path):
    cli("--url", f"sqlite:///{tmp_path}", "info", code=2, match="names a directory")


def test_a_corrupt_file(cli, tmp_path):
    (tmp_path / "corrupt.db").write_bytes(b"not a database " * 100)
    cli("--url", f"sqlite:///{tmp_path / 'corrupt.db'}", "test-case", "list", code=3,
        match="is corrupt or not a kolena_lab store")


@pytest.mark.parametrize("value", ["garbage", "foo://x"])
def test_a_bad_url_in_the_environment(cli, value):
    cli("info", code=2, match="error: KOLENA_LAB_URL: the store URL", env={"KOLENA_LAB_URL": value})


@pytest.mark.parametrize("content, match", [
    (b"hello, not a notebook", "it is not JSON"),
    (b'{"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}', "Unsupported nbformat version 99"),
    (b"\xff\xfe\x00\x01binary", "it is not text"),
    (b"[1, 2, 3]", "it is not a notebook"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "none"}', "it is not a notebook"),
])
def test_export_of_something_that_is_not_a_notebook(cli, tmp_path, content, match):
    source = tmp_path / "bad.ipynb"
    source.write_bytes(content)
    cli("export", str(source), code=2, match=match)
    assert not (tmp_path / "bad.html").exists()


def test_export_of_a_folder(cli, tmp_path):
    cli("export", str(tmp_path), code=2)


@pytest.mark.parametrize("assignment", ["lr=NaN", "lr=Infinity", "lr=-Infinity", "lr=[1, NaN]"])
def test_model_metadata_that_is_not_json(cli, assignment):
    cli("model", "edit-metadata", "m", "--set", assignment, code=2, match="error: metadata of model 'm' holds")
    shown = CliRunner().invoke(main, ["model", "show", "m", "--json"])
    assert json.loads(shown.output)["metadata"] == {"lr": 0.1}


@pytest.mark.parametrize("name, match", [
    ("x" * 5000, "5000 characters long"),
    ("a\x1b[2Jb", "control characters"),
    ("a\nb", "control characters"),
    ("  ", "must not be empty"),
])
def test_curating_under_a_bad_name(cli, name, match):
    cli("test-case", "create", name, "--from", "kept", code=2, match=match)


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(cli, monkeypatch):
    from kolena_lab.workflow import catalog

    def broken(*_args, **_kwargs):
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr(catalog, "store_info", broken)
    result = cli("info", code=4, match="error: unexpected RuntimeError: something unexpected (run with --debug")
    assert result.stderr.count("\n") == 1
    debug = CliRunner().invoke(main, ["--debug", "info"])
    assert isinstance(debug.exception, RuntimeError)


def test_the_installed_command_prints_no_traceback(tmp_path):
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "KOLENA_LAB_URL": PG_DOWN, "PYTHONPATH": root}
    command = [sys.executable, "-c", "from kolena_lab.cli import run; run()", "info"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith("error: the store Store('postgresql+psycopg://user:***@127.0.0.1:1/lab') cannot be "
                                  "reached") and done.stderr.count("\n") == 1, done.stderr
    debug = subprocess.run([*command[:3], "--debug", "info"], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=120)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "hunter2" not in debug.stderr
    assert not Path(tmp_path / ".kolena_lab").exists()
