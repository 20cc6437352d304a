"""``kolena-lab stress run`` and ``stress show`` with click's runner on a real store."""
import json

import pytest
from click.testing import CliRunner

from kolena_lab.cli import main
from kolena_lab.stress import load_stress_results

from tests.unit.stress import _models as m

pytest.importorskip("albumentations")

DOMAIN = """name: light
axes:
  - name: brightness
    transform: brightness
    parameters:
      delta: {low: -0.3, high: 0.3}
"""


@pytest.fixture
def stored(sqlite_store, tmp_path):
    m.classification_case(tmp_path / "images")
    m.CLS[3]("clf")
    (tmp_path / "light.yaml").write_text(DOMAIN)
    return tmp_path


def test_run_then_show(stored):
    runner = CliRunner()
    result = runner.invoke(main, ["stress", "run", "--model", "clf", "--test-case", "gray", "--domain",
                                  str(stored / "light.yaml"), "--budget", "3", "--seed", "1", "--infer",
                                  "tests.unit.stress._models:classify", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["name"] == "gray · stress" and summary["n_perturbations"] == 18
    assert summary["model"] == "clf" and summary["seed"] == 1 and summary["search"] == "random"
    loaded = load_stress_results("gray · stress")
    assert summary["n_failures"] == int(loaded.to_dataframe()["failure"].sum())
    assert [row["axis"] for row in summary["vulnerability"]] == ["brightness"]

    shown = runner.invoke(main, ["stress", "show", "gray · stress"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == ("stress test 'gray · stress': model 'clf' on test case 'gray', domain 'light', random "
                        "search, budget 3, seed 1")
    assert lines[1].startswith(f"correct (higher is better): clean 1.0000; {summary['n_failures']} failures in 18 ")
    assert lines[2].split() == ["axis", "n", "mean_score", "mean_drop", "failure_rate"]
    assert lines[3].split()[:2] == ["brightness", "18"]
    assert lines[-1] == "test suite 'gray · stress'"
    assert json.loads(runner.invoke(main, ["stress", "show", "gray · stress", "--json"]).stdout) == summary
    assert json.loads(runner.invoke(main, ["stress", "list", "--json"]).stdout) == [{"name": "gray · stress"}]


def test_corruptions_show_mpc_and_rpc(stored):
    result = CliRunner().invoke(main, ["stress", "run", "--model", "clf", "--test-case", "gray", "--domain",
                                       "corruptions", "--search", "grid", "--budget", "75", "--batch-size", "128",
                                       "--name", "corrupted", "--infer", "tests.unit.stress._models:classify"])
    assert result.exit_code == 0, result.output
    results = load_stress_results("corrupted")
    assert f"mPC {results.mpc():.4f}  rPC {results.rpc():.4f}" in result.stdout.splitlines()


def test_show_of_an_unknown_run_and_run_without_code(stored):
    result = CliRunner().invoke(main, ["stress", "show", "nothing"])
    assert result.exit_code == 1 and "no stress test named 'nothing'" in result.stderr
    result = CliRunner().invoke(main, ["stress", "run", "--model", "clf", "--test-case", "gray", "--domain",
                                       "outdoor"])
    assert result.exit_code == 2 and "model 'clf' has no code: give --package DIR or --infer" in result.stderr
    result = CliRunner().invoke(main, ["stress", "run", "--model", "clf", "--test-case", "gray", "--domain",
                                       "outdoor", "--package", str(stored), "--infer", "x:y"])
    assert result.exit_code == 2 and "give --infer or --package, not both" in result.stderr


PACKAGE_CODE = """
import numpy as np


def predict(datapoints):
    out = []
    for datapoint in datapoints:
        bright = 1 / (1 + np.exp(-(datapoint["image"].mean() - 128) / 8))
        out.append({"classes": ["bright", "dark"], "scores": [bright, 1 - bright]})
    return out
"""
PACKAGE_YAML = """
name: brightness
version: 2
runtime:
  batch: 4
predict:
  entrypoint: brightness:predict
  inputs:
    - name: datapoints
      value: ${datapoints}
  output:
    name: predictions
"""


def test_a_package_gives_the_stored_model_its_code(stored):
    package = stored / "package"
    package.mkdir()
    (package / "brightness.py").write_text(PACKAGE_CODE)
    (package / "model.yaml").write_text(PACKAGE_YAML)
    run = ["stress", "run", "--test-case", "gray", "--domain", str(stored / "light.yaml"), "--budget", "3", "--json"]
    by_function = CliRunner().invoke(main, [*run, "--model", "clf", "--infer", "tests.unit.stress._models:classify",
                                            "--name", "by function"])
    assert by_function.exit_code == 0, by_function.output
    by_package = CliRunner().invoke(main, [*run, "--model", "clf-package", "--package", str(package), "--name",
                                           "by package", "--workflow-module", "tests.unit.stress._models"])
    assert by_package.exit_code == 1 and "clf-package" in by_package.stderr
    m.CLS[3]("clf-package")
    by_package = CliRunner().invoke(main, [*run, "--model", "clf-package", "--package", str(package), "--name",
                                           "by package", "--workflow-module", "tests.unit.stress._models"])
    assert by_package.exit_code == 0, by_package.output
    # the package computes what the function computes: the same scores for the same perturbations
    function_rows = load_stress_results("by function").to_dataframe()
    package_rows = load_stress_results("by package").to_dataframe()
    assert package_rows["score"].tolist() == function_rows["score"].tolist()
    assert package_rows["params"].tolist() == function_rows["params"].tolist()

    registered = CliRunner().invoke(main, ["model", "register", "--package", str(package), "--workflow",
                                           m.CLS[0].name, "--name", "registered"])
    assert registered.exit_code == 0, registered.output
    by_metadata = CliRunner().invoke(main, [*run, "--model", "registered", "--name", "by metadata"])
    assert by_metadata.exit_code == 0, by_metadata.output
    assert load_stress_results("by metadata").to_dataframe()["score"].tolist() == function_rows["score"].tolist()
