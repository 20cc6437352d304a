"""A script written for Kolena runs unchanged under ``kolena-lab run-kolena``; the alias stays inside the run."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kolena_lab
import kolena_lab.errors
import kolena_lab.workflow
from kolena_lab.cli import main
from kolena_lab.kolena_alias import alias_kolena, run_kolena
from kolena_lab.workflow import catalog

KOLENA_SCRIPT = '''
import sys
from dataclasses import dataclass

import kolena
import kolena.errors
from kolena.workflow import GroundTruth, Image, Inference, define_workflow
from kolena.workflow.annotation import ClassificationLabel

kolena.initialize(api_token="x")


@dataclass(frozen=True)
class Sample(Image):
    pass


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    label: ClassificationLabel


_, TestCase, _, _ = define_workflow("Kolena Script", Sample, GT, Inf)

if __name__ == "__main__":
    name, count = sys.argv[1], int(sys.argv[2])
    samples = [(Sample(locator=f"s3://b/{i}.png", metadata={"i": i}), GT(ClassificationLabel("cat")))
               for i in range(count)]
    TestCase(name, description=sys.argv[0], test_samples=samples)
    try:
        TestCase.load("missing")
    except kolena.errors.NotFoundError:
        print("missing is not found")
'''


def _cli(*args: str, cwd: Path, url: str, pythonpath: str = "") -> subprocess.CompletedProcess:
    """The real ``kolena-lab`` entry point in a fresh interpreter (nothing imported beforehand)."""
    root = str(Path(kolena_lab.__file__).parents[1])
    env = {**os.environ, kolena_lab.ENV_URL: url,
           "PYTHONPATH": os.pathsep.join(p for p in (pythonpath, root) if p)}
    return subprocess.run([sys.executable, "-c", "from kolena_lab.cli import run; run()", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_kolena_script_runs_unchanged_and_writes_the_store(tmp_path):
    script = tmp_path / "make_cases.py"
    script.write_text(KOLENA_SCRIPT)
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    result = _cli("run-kolena", str(script), "nightly", "3", cwd=tmp_path, url=url)
    assert result.returncode == 0, result.stderr
    assert "missing is not found" in result.stdout
    assert result.stderr.count("kolena.initialize(): ignored") == 1

    store = kolena_lab.initialize(url=url)
    try:
        info = catalog.test_case_info("nightly")
        assert (info.workflow, info.description) == ("Kolena Script", str(script))
        assert catalog.test_case_versions("nightly")[-1].n_samples == 3
    finally:
        store.dispose()


def test_run_kolena_takes_a_module_and_wins_over_an_installed_kolena(tmp_path):
    installed = tmp_path / "site" / "kolena"
    installed.mkdir(parents=True)
    (installed / "__init__.py").write_text("raise RuntimeError('the real kolena was imported')\n")
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "__init__.py").write_text("")
    (tmp_path / "jobs" / "cases.py").write_text(KOLENA_SCRIPT)
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    result = _cli("run-kolena", "-m", "jobs.cases", "from-module", "2", cwd=tmp_path, url=url,
                  pythonpath=str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    store = kolena_lab.initialize(url=url)
    try:
        assert catalog.test_case_versions("from-module")[-1].n_samples == 2
    finally:
        store.dispose()


def test_a_name_kolena_lab_lacks_is_an_import_error_naming_it(tmp_path):
    script = tmp_path / "uses_dataset.py"
    script.write_text("from kolena.dataset import upload_dataset\n")
    result = CliRunner().invoke(main, ["run-kolena", str(script)])
    assert isinstance(result.exception, ImportError) and not isinstance(result.exception, ModuleNotFoundError)
    assert str(result.exception) == "kolena_lab does not provide 'kolena.dataset' (there is no module " \
                                    "'kolena_lab.dataset')"
    with alias_kolena():
        with pytest.raises(ImportError, match="kolena_lab does not provide 'kolena.dataset'"):
            from kolena import dataset  # noqa: F401
        with pytest.raises(ImportError, match="kolena_lab does not provide 'kolena.workflow.nope'"):
            import kolena.workflow.nope  # noqa: F401
    assert "kolena" not in sys.modules
    assert CliRunner().invoke(main, ["run-kolena", str(tmp_path / "absent.py")]).exit_code == 2


def test_the_alias_is_the_very_kolena_lab_modules_and_is_undone_on_exit(tmp_path, capsys):
    with alias_kolena():
        import kolena
        import kolena.errors
        import kolena.workflow
        import kolena.workflow.annotation
        from kolena.workflow import define_workflow

        assert kolena.workflow is kolena_lab.workflow and kolena.errors is kolena_lab.errors
        assert define_workflow is kolena_lab.workflow.define_workflow
        assert kolena.workflow.annotation.BoundingBox is kolena_lab.workflow.annotation.BoundingBox
        assert kolena_lab.workflow.__spec__.name == "kolena_lab.workflow"
        assert kolena.__version__ == kolena_lab.__version__
        kolena.initialize("entity", "token", verbose=True, proxies={"https": "p"})
        with pytest.raises(AttributeError, match="kolena_lab provides no 'kolena_lab.nothing'"):
            kolena.nothing  # noqa: B018
    assert not [name for name in sys.modules if name == "kolena" or name.startswith("kolena.")]
    assert "ignored" in capsys.readouterr().err

    argv, path = sys.argv[:], sys.path[:]
    script = tmp_path / "argv.py"
    script.write_text("import sys, kolena\nassert __name__ == '__main__'\nRESULT.append((sys.argv, kolena.errors))\n")
    import builtins
    builtins.RESULT = []
    try:
        run_kolena(str(script), ["--flag", "x"])
        assert builtins.RESULT == [([str(script), "--flag", "x"], kolena_lab.errors)]
    finally:
        del builtins.RESULT
    assert (sys.argv, sys.path) == (argv, path) and "kolena" not in sys.modules


def test_an_imported_kolena_is_hidden_inside_the_alias_and_restored_after(monkeypatch):
    real = type(sys)("kolena")
    monkeypatch.setitem(sys.modules, "kolena", real)
    with alias_kolena():
        import kolena

        assert kolena is not real and kolena.workflow is kolena_lab.workflow
    assert sys.modules["kolena"] is real
