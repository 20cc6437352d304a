"""Every public name of Kolena's ``kolena.workflow`` (kolena 1.69) is importable from ``kolena_lab.workflow``."""
import importlib

import pytest

import kolena_lab.workflow

# `kolena/workflow/__init__.py` `__all__`, kolena 1.69.
KOLENA_WORKFLOW_ALL = [
    "DataObject", "Metadata", "Image", "ImagePair", "ImageText", "TestSample", "Composite", "Text", "BaseVideo",
    "Video", "Document", "PointCloud", "Audio", "GroundTruth", "Inference", "Workflow", "TestCase", "TestSuite",
    "Model", "AxisConfig", "Plot", "Curve", "CurvePlot", "ConfusionMatrix", "Histogram", "BarPlot",
    "MetricsTestCase", "MetricsTestSample", "MetricsTestSuite", "Evaluator", "EvaluatorConfiguration",
    "BasicEvaluatorFunction", "TestCases", "EvaluationResults", "no_op_evaluator", "TestRun", "test",
    "define_workflow",
]

# Kolena's submodules with the names its examples import from them.
KOLENA_SUBMODULE_NAMES = {
    "metrics": ["accuracy", "f1_score", "fpr", "InferenceMatches", "iou", "match_inferences",
                "match_inferences_multiclass", "MulticlassInferenceMatches", "precision", "recall", "specificity"],
    "visualization": ["Colormap", "ColormapJet", "colorize_activation_map", "encode_png"],
    "define_workflow": ["define_workflow"],
    "test_run": ["TestRun", "test"],
    "evaluator_function": ["BasicEvaluatorFunction", "TestCases", "EvaluationResults", "no_op_evaluator"],
    "plot": ["AxisConfig", "Plot", "Curve", "CurvePlot", "ConfusionMatrix", "Histogram", "BarPlot"],
    "io": ["dataframe_to_csv", "dataframe_from_csv"],
}


@pytest.mark.parametrize("name", KOLENA_WORKFLOW_ALL)
def test_every_kolena_workflow_name_is_importable(name):
    namespace: dict = {}
    exec(f"from kolena_lab.workflow import {name}", namespace)
    assert namespace[name] is getattr(kolena_lab.workflow, name)
    assert name in kolena_lab.workflow.__all__


@pytest.mark.parametrize("module, names", KOLENA_SUBMODULE_NAMES.items())
def test_kolena_submodule_paths(module, names):
    imported = importlib.import_module(f"kolena_lab.workflow.{module}")
    assert all(hasattr(imported, name) for name in names)


def test_the_define_workflow_module_does_not_hide_the_function():
    importlib.import_module("kolena_lab.workflow.define_workflow")
    assert callable(kolena_lab.workflow.define_workflow)
    assert kolena_lab.workflow.define_workflow.__module__ == "kolena_lab.workflow.definition"


def test_kolena_server_side_registry_names_say_what_to_use_instead():
    with pytest.raises(ImportError, match="server-side 'register_evaluator'.*kolena_lab.automation.register_evaluator"):
        from kolena_lab.workflow.workflow import register_evaluator  # noqa: F401
    with pytest.raises(AttributeError):
        import kolena_lab.workflow.workflow as module
        module.no_such_name  # noqa: B018
