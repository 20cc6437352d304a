"""A stored workflow keeps its types: the same types may register again (a notebook re-run, a new process), other
types under its name are refused before anything is written."""
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest

from kolena_lab import store
from kolena_lab.errors import WorkflowMismatchError
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.workflow.annotation import ClassificationLabel

from . import _classification as c


@dataclass(frozen=True)
class TextGT(GroundTruth):
    label: str


@dataclass(frozen=True)
class Extended(GroundTruth):
    label: ClassificationLabel
    difficulty: int = 0


def _redefined(gt: type):
    return define_workflow(c.workflow.name, c.Sample, gt, c.Inf)


@pytest.mark.parametrize("gt, shown", [
    (TextGT, "ground_truth: stored GT(label: ClassificationLabel), given TextGT(label: str)"),
    (Extended, "ground_truth: stored GT(label: ClassificationLabel), given Extended(difficulty: int, label: "
               "ClassificationLabel)"),
])
def test_other_types_under_a_stored_name_are_refused_showing_both(lab, gt, shown):
    c.TestCase("kept", test_samples=c.members(3))
    with lab.read() as conn:
        before = store.workflows.get(conn, c.workflow.name)
    try:
        _, TestCase, TestSuite, Model = _redefined(gt)
        for write in (lambda: TestCase("new", test_samples=[]), lambda: TestSuite("suite"),
                      lambda: Model("m", infer=lambda s: None), lambda: TestCase.workflow.register()):
            with pytest.raises(WorkflowMismatchError) as info:
                write()
            assert str(info.value).startswith(f"workflow '{c.workflow.name}' is stored with other types ({shown})")
            assert "nothing was written" in str(info.value)
    finally:
        define_workflow(c.workflow.name, c.Sample, c.GT, c.Inf)
    with lab.read() as conn:
        assert store.workflows.get(conn, c.workflow.name) == before
    assert lab.counts()["test_cases"] == 1 and lab.counts()["models"] == 0
    assert len(c.TestCase.load("kept").load_test_samples()) == 3


def test_the_same_types_register_again(lab):
    c.TestCase("first", test_samples=c.members(2))
    workflow, TestCase, _, _ = define_workflow(c.workflow.name, c.Sample, c.GT, c.Inf)  # a notebook re-run
    assert TestCase("second", test_samples=c.members(2)).version == 1
    assert workflow.register() is workflow


def test_the_same_types_from_a_new_process_register_again(sqlite_store, tmp_path):
    c.TestCase("first", test_samples=c.members(2))
    script = textwrap.dedent(f"""
        import kolena_lab
        from tests.integration import _classification as c
        kolena_lab.initialize(url={sqlite_store.url!r})
        print(c.TestCase("second", test_samples=c.members(2)).version)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr


def test_a_schema_stored_before_qualified_names_is_brought_up_to_date(lab):
    c.workflow.register()
    schema = c.workflow.schema()
    older = {role: {k: v for k, v in part.items() if k != "class"} for role, part in schema.items()}
    with lab.transaction() as conn:
        store._sql.run(conn, "UPDATE kl_workflows SET schema = ? WHERE name = ?",
                       (json.dumps(older, sort_keys=True), c.workflow.name))
    assert c.TestCase("tc", test_samples=c.members(2)).version == 1
    with lab.read() as conn:
        assert json.loads(store.workflows.get(conn, c.workflow.name)[1]) == schema


def test_a_class_of_the_same_name_and_fields_elsewhere_is_another_type(lab):
    c.workflow.register()

    class Holder:
        @dataclass(frozen=True)
        class GT(GroundTruth):
            label: ClassificationLabel

    try:
        _, TestCase, _, _ = _redefined(Holder.GT)
        with pytest.raises(WorkflowMismatchError, match=r"stored GT\(label: ClassificationLabel\), given "
                                                        r".*Holder.GT\(label: ClassificationLabel\)"):
            TestCase("tc", test_samples=[])
    finally:
        define_workflow(c.workflow.name, c.Sample, c.GT, c.Inf)


def test_an_empty_workflow_keeps_its_types_too(lab):
    workflow, *_ = define_workflow("Empty", Image, TextGT, Inference)
    workflow.register()
    other, *_ = define_workflow("Empty", Image, Extended, Inference)
    with pytest.raises(WorkflowMismatchError, match="workflow 'Empty' is stored with other types"):
        other.register()
