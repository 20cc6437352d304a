"""WorkflowBuilder logic: fields by name and type, live validation with define_workflow's messages, the module."""
import json

import pytest

from kolena_lab import store
from kolena_lab.ui import WorkflowBuilder
from kolena_lab.ui.workflow_builder import FIELD_TYPES, FieldSpec, python_source
from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox


def _detection(builder: WorkflowBuilder) -> None:
    builder.add_field("test_sample", "camera", "str", optional=True)
    builder.add_field("ground_truth", "boxes", "LabeledBoundingBox", list=True)
    builder.add_field("inference", "boxes", "ScoredLabeledBoundingBox", list=True)


def test_builds_registers_and_the_module_defines_the_same_types(sqlite_store):
    builder = WorkflowBuilder("Car Detection")
    _detection(builder)
    assert "valid" in builder.validation.value and not builder.register_button.disabled
    builder.register_button.click()
    workflow, TestCase, _, Model = builder.classes
    assert workflow.name == "Car Detection"
    sample = workflow.test_sample_type(locator="/a.png", camera="front")
    truth = workflow.ground_truth_type(boxes=[LabeledBoundingBox((0, 0), (2, 2), "car")])
    test_case = TestCase("front cars", test_samples=[(sample, truth)])
    assert test_case.load_test_samples() == [(sample, truth)]
    with store.get_store().read() as conn:
        assert json.loads(store.workflows.get(conn, "Car Detection")[1]) == workflow.schema()
    namespace: dict = {}
    exec(builder.python_source(), namespace)  # the shown module, run as a user would paste it
    assert namespace["workflow"].schema() == workflow.schema()
    inference = namespace["workflow"].inference_type(boxes=[ScoredLabeledBoundingBox((0, 0), (1, 1), "car", 0.5)])
    assert inference.boxes[0].score == 0.5
    assert "<script" not in builder.snapshot_html() and "camera" in builder.snapshot_html()
    assert "from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox" \
        in builder.code.value.replace("&#x27;", "'")


def test_live_validation_uses_define_workflow_messages(sqlite_store):
    builder = WorkflowBuilder("classification")
    _detection(builder)
    assert "workflow name &#x27;classification&#x27; is reserved" in builder.validation.value
    assert builder.register_button.disabled
    builder.name_text.value = "Detection Lab"
    assert "valid" in builder.validation.value
    builder.add_field("inference", "data_type", "int")
    assert "field &#x27;data_type&#x27; is reserved" in builder.validation.value
    builder.rows["inference"].children[-1].remove.click()
    assert "✓" in builder.validation.value
    builder.rows["ground_truth"].children[0].name.value = "class"
    assert "not a valid Python name" in builder.validation.value
    builder.rows["ground_truth"].children[0].name.value = "boxes"
    builder.add_field("test_sample", "locator", "int")
    assert "already a field of the base type" in builder.validation.value
    builder.name_text.value = "  "
    builder.rows["test_sample"].children[-1].remove.click()
    assert "workflow name must not be empty" in builder.validation.value


def test_composite_members_and_types_of_every_kind(sqlite_store):
    builder = WorkflowBuilder("Pairs", base="Composite")
    builder.add_member("left", "Image")
    builder.add_member("caption", "Text")
    builder.add_field("ground_truth", "same", "bool")
    builder.add_field("inference", "score", "float", optional=True)
    builder.add_field("inference", "masks", "SegmentationMask", list=True, optional=True)
    builder.add_field("inference", "thumb", "ImageAsset", optional=True)
    workflow, *_ = builder.register()
    schema = workflow.schema()
    assert schema["test_sample"]["fields"]["left"] == "Image" and schema["test_sample"]["fields"]["caption"] == "Text"
    assert "Optional[List[" in builder.python_source()
    assert workflow.inference_type(score=None, masks=None, thumb=None).score is None
    builder.add_member("left", "Audio")
    assert "share the names" in builder.validation.value
    with pytest.raises(ValueError, match="unsupported field type"):
        builder.add_field("inference", "x", "dict")


def test_python_source_for_each_base_type_is_valid():
    for base in ("Image", "Text", "Document", "Video", "PointCloud", "Audio"):
        source = python_source(f"W {base}", base, {"inference": [FieldSpec("label", "Label")]})
        compile(source, base, "exec")
        assert f"TestSample({base}):" in source
    assert {"str", "bool", "int", "float", "BoundingBox", "ScoredLabel", "ImageAsset"} <= set(FIELD_TYPES)


def test_live_validation_defines_nothing(sqlite_store):
    import sys

    from kolena_lab.workflow.workflow import find_workflow

    builder = WorkflowBuilder(name="Half Typed")
    builder.name_text.value = "Half Typed Name"
    assert builder.validate() is None
    assert find_workflow("Half Typed") is None and find_workflow("Half Typed Name") is None
    assert not [m for m in sys.modules if m.startswith("kolena_lab_workflow_Half")]
    workflow, *_ = builder.register()
    assert find_workflow("Half Typed Name") is workflow


def test_a_fresh_builder_invites_rather_than_scolds_and_registering_says_how_to_import(sqlite_store):
    builder = WorkflowBuilder()
    assert "✗" not in builder.validation.value and "Name the workflow" in builder.validation.value
    assert builder.register_button.disabled and builder.copy_button.text == ""
    builder.name_text.value = "Street Signs"
    builder.add_field("ground_truth", "label", "ClassificationLabel")
    builder.add_field("inference", "label", "ScoredClassificationLabel")
    assert builder.copy_button.text == builder.python_source()
    builder.register_button.click()
    import importlib

    assert f"from {builder.module_name()} import workflow, TestCase, TestSuite, Model" in builder.status.value
    module = importlib.import_module(builder.module_name())
    assert module.workflow.name == "Street Signs"
