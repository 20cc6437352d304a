"""Defining a workflow: its types validated, and the TestCase, TestSuite and Model classes bound to it."""
from typing import Tuple, Type, Union

from kolena_lab.workflow._bound import bind
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_sample import TestSample
from kolena_lab.workflow.test_suite import TestSuite
from kolena_lab.workflow.workflow import Workflow


def define_workflow(
    name: str,
    test_sample_type: Type[TestSample],
    ground_truth_type: Type[GroundTruth],
    inference_type: Type[Inference],
) -> Tuple[Workflow, Type[TestCase], Type[TestSuite], Type[Model]]:
    """Validate the types and return the workflow with its TestCase, TestSuite and Model classes."""
    workflow = Workflow(name, test_sample_type, ground_truth_type, inference_type)
    return (workflow, *bound_classes(workflow))  # type: ignore[return-value]


def bound_classes(workflow: Union[Workflow, type]) -> Tuple[Type[TestCase], Type[TestSuite], Type[Model]]:
    """The ``TestCase``, ``TestSuite`` and ``Model`` classes bound to ``workflow`` (a Workflow, or any class bound to
    one, such as the ``Model`` that ``define_workflow`` returned)."""
    bound = getattr(workflow, "workflow", None) if isinstance(workflow, type) else workflow
    if not isinstance(bound, Workflow):
        raise TypeError(f"expected a Workflow or a class bound to one, got {workflow!r}")
    return bind(TestCase, bound), bind(TestSuite, bound), bind(Model, bound)


__all__ = ["bound_classes", "define_workflow"]
