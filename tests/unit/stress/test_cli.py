"""``kolena-lab stress run`` and ``stress show`` with click's runner on a real store."""
import json

import pytest
from click.testing import CliRunner

from kolena_lab.cli import main
from kolena_lab.stress import load_stress_results

from . import _models as m

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


def test_show_of_an_unknown_run_and_run_without_infer(stored):
    result = CliRunner().invoke(main, ["stress", "show", "nothing"])
    assert result.exit_code == 1 and "no stress test named 'nothing'" in result.stderr
    result = CliRunner().invoke(main, ["stress", "run", "--model", "clf", "--test-case", "gray", "--domain",
                                       "outdoor"])
    assert result.exit_code == 2 and "use --infer" not in result.stderr
    assert "name its inference function with --infer MODULE:FUNCTION" in result.stderr
    result = CliRunner().invoke(main, ["stress", "run", "--model", "clf", "--test-case", "gray", "--domain",
                                       "outdoor", "--package", str(stored)])
    assert result.exit_code == 2 and "use --infer MODULE:FUNCTION" in result.stderr
