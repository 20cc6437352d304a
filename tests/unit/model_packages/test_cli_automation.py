"""`kolena-lab model register --package`, then testing the registered model from its stored metadata; an automation
job's process infers what a package model is missing."""
import json

from click.testing import CliRunner

from kolena_lab.automation import entrypoint
from kolena_lab.cli import main
from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.packaging import attach_package
from kolena_lab.workflow import load_test_case_metrics, test
from tests.unit.model_packages import _packages as P

MODULE = "tests.unit.model_packages._packages"
CONFIGURATION = "kolena_lab.evaluators:ClassificationConfiguration"


def _register(sqlite_store, *args):
    return CliRunner().invoke(main, ["--url", sqlite_store.url, "model", "register", *args])


def test_cli_registers_a_package_model_that_tests_after_loading(sqlite_store, tmp_path):
    root = P.classifier_package(tmp_path / "pkg", batch=2)
    suite, _ = P.colour_suite(tmp_path, n=4)  # stores the workflow
    result = _register(sqlite_store, "--package", str(root), "--workflow", "Package Colours", "--workflow-module",
                       MODULE, "--name", "from-cli", "--tag", "cli", "--tag", "v1", "--json")
    assert result.exit_code == 0, result.output
    detail = json.loads(result.output)
    assert (detail["name"], detail["workflow"], detail["tags"]) == ("from-cli", "Package Colours", ["cli", "v1"])
    assert detail["metadata"]["package"]["path"] == str(root)

    model = attach_package(P.ColourModel.load("from-cli"))
    test(model, suite, ClassificationEvaluator())
    assert load_test_case_metrics(model, suite)["accuracy"].tolist() == [1.0, 1.0]

    text = _register(sqlite_store, "--package", str(root / "model.yaml"), "--workflow", "Package Colours")
    assert text.exit_code == 0, text.output
    assert f"model 'colour-classifier' (workflow 'Package Colours') runs package 'colour-classifier' version 1.0 " \
           f"from {root}" in text.output


def test_cli_errors_name_the_workflow_and_the_yaml_line(sqlite_store, tmp_path):
    root = P.classifier_package(tmp_path / "pkg")
    P.colour_suite(tmp_path, n=3)
    missing = _register(sqlite_store, "--package", str(root), "--workflow", "Nope")
    assert missing.exit_code == 1 and "workflow 'Nope' does not exist (stored workflows: Package Colours)" in \
        missing.output
    bad_module = _register(sqlite_store, "--package", str(root), "--workflow", "Package Colours",
                           "--workflow-module", "no_such_module_here")
    assert bad_module.exit_code == 2 and "workflow module 'no_such_module_here' does not import" in bad_module.output
    (root / "model.yaml").write_text((root / "model.yaml").read_text().replace("device: cpu", "device: tpu"))
    bad_yaml = _register(sqlite_store, "--package", str(root), "--workflow", "Package Colours")
    assert bad_yaml.exit_code == 2 and "model.yaml, line 7: 'device' must be one of cpu, gpu, got 'tpu'" in \
        bad_yaml.output
    assert "colour-classifier" not in [m.name for m in P.ColourModel.list()]


def test_an_automation_job_infers_with_the_package(sqlite_store, tmp_path, monkeypatch, capsys):
    root = P.classifier_package(tmp_path / "pkg", batch=3)
    suite, _ = P.colour_suite(tmp_path, n=5)
    _register(sqlite_store, "--package", str(root), "--workflow", "Package Colours", "--workflow-module", MODULE)
    for key, value in {"KOLENA_WORKFLOW": "Package Colours", "KOLENA_MODEL_NAME": "colour-classifier",
                       "KOLENA_TEST_SUITE_NAME": suite.name, "KOLENA_TEST_SUITE_VERSION": str(suite.version),
                       "KOLENA_LAB_CONFIGURATIONS": json.dumps([{"class": CONFIGURATION}])}.items():
        monkeypatch.setenv(key, value)
    assert entrypoint.main([f"{MODULE}:EVALUATOR"]) == 0
    assert "skipped" not in capsys.readouterr().out
    model = P.ColourModel.load("colour-classifier")
    assert len(model.load_inferences(suite.test_cases[0])) == 5
    assert [c["predict"] for c in P.calls(root) if "predict" in c] == [3, 2]
    assert load_test_case_metrics(model, suite)["accuracy"].tolist() == [1.0, 1.0]


WORKFLOW_FILE = '''
from dataclasses import dataclass
from typing import List

from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel


@dataclass(frozen=True)
class Truth(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Guess(Inference):
    inferences: List[ScoredClassificationLabel]


workflow, TestCase, TestSuite, Model = define_workflow("Package File Workflow", Image, Truth, Guess)
'''


def test_the_workflow_module_may_be_a_python_file(sqlite_store, tmp_path):
    root = P.classifier_package(tmp_path / "pkg")
    (tmp_path / "file_workflow.py").write_text(WORKFLOW_FILE)
    module = str(tmp_path / "file_workflow.py")
    unstored = _register(sqlite_store, "--package", str(root), "--workflow", "Package File Workflow",
                         "--workflow-module", module)
    assert unstored.exit_code == 1 and "workflow 'Package File Workflow' does not exist" in unstored.output
    from kolena_lab.workflow.workflow import find_workflow

    find_workflow("Package File Workflow").register()
    result = _register(sqlite_store, "--package", str(root), "--workflow", "Package File Workflow",
                       "--workflow-module", module, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["workflow"] == "Package File Workflow"
