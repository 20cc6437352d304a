"""A workflow: the test sample, ground truth and inference types of one testing problem."""
import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple, Type, TypeVar

from sqlalchemy.engine import Connection

from kolena_lab import store
from kolena_lab.errors import NotFoundError
from kolena_lab.workflow._validators import _field_types, validate_data_object_type, validate_test_sample_type
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.test_sample import Composite, TestSample

_Bound = TypeVar("_Bound", bound=type)

if TYPE_CHECKING:
    from kolena_lab.workflow.evaluator_registry import RegisteredEvaluator
    from kolena_lab.workflow.model import Model
    from kolena_lab.workflow.test_case import TestCase
    from kolena_lab.workflow.test_suite import TestSuite

RESERVED_NAMES = frozenset({"fr", "classification", "detection", "keypoints"})
_DEFINED: Dict[str, "Workflow"] = {}  # every workflow defined in this process, by name (the latest wins)


def check_name(name: Any, what: str) -> str:
    """A stripped, non-empty name, or a ``ValueError`` saying which name is wrong."""
    if not isinstance(name, str):
        raise ValueError(f"{what} must be a string, got {type(name).__name__}")
    stripped = name.strip()
    if not stripped:
        raise ValueError(f"{what} must not be empty or whitespace")
    return stripped


@dataclass(frozen=True)
class Workflow:
    """The types of a testing problem; test cases, suites and models are bound to one workflow."""

    name: str
    test_sample_type: Type[TestSample]
    ground_truth_type: Type[GroundTruth]
    inference_type: Type[Inference]

    def __post_init__(self) -> None:
        name = check_name(self.name, "workflow name")
        if name.lower() in RESERVED_NAMES:
            raise ValueError(f"workflow name '{name}' is reserved; choose another name")
        object.__setattr__(self, "name", name)
        validate_test_sample_type(self.test_sample_type)
        composite = issubclass(self.test_sample_type, Composite)
        for what, cls, base in (
            ("ground truth", self.ground_truth_type, GroundTruth),
            ("inference", self.inference_type, Inference),
        ):
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise ValueError(f"{what} type must derive from {base.__name__}: {cls!r}")
            validate_data_object_type(cls, composite=composite)
        _DEFINED[name] = self

    def schema(self) -> Dict[str, Any]:
        """A description of the types, stored with the workflow."""
        return {
            role: {"type": cls.__name__, "fields": {n: _type_name(t) for n, t in _field_types(cls).items()}}
            for role, cls in (
                ("test_sample", self.test_sample_type),
                ("ground_truth", self.ground_truth_type),
                ("inference", self.inference_type),
            )
        }

    def _id(self, conn: Connection) -> int:
        """The workflow's row id in the store, registering it on first use."""
        return store.workflows.get_or_create(conn, self.name, json.dumps(self.schema(), sort_keys=True))

    def register_evaluator(self, name: str, **definition: Any) -> "RegisteredEvaluator":
        """Register (or replace) an evaluator that runs automatically when this workflow's test cases change.

        ``definition``: one of ``entrypoint="module:function"``, ``command="..."`` or ``image="..."``, and optionally
        ``configurations``, ``secret``, ``timeout`` ("6h" by default), ``working_dir`` (see ``register_evaluator``
        in ``kolena_lab.workflow.evaluator_registry``).
        """
        from kolena_lab.workflow.evaluator_registry import register_evaluator

        with store.get_store().transaction() as conn:
            self._id(conn)
        return register_evaluator(self.name, name, **definition)

    def list_evaluators(self) -> List["RegisteredEvaluator"]:
        """The evaluators registered for this workflow (without secrets)."""
        from kolena_lab.workflow.evaluator_registry import list_evaluators

        try:
            return list_evaluators(self.name)
        except NotFoundError:  # not stored yet
            return []

    def get_evaluator(self, name: str, include_secret: bool = False) -> "RegisteredEvaluator":
        """One registered evaluator; its secret only with ``include_secret=True``."""
        from kolena_lab.workflow.evaluator_registry import get_evaluator

        return get_evaluator(self.name, name, include_secret)


def _type_name(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")


@contextmanager
def trial_definitions() -> Iterator[None]:
    """Workflows defined inside the block are forgotten after it (``find_workflow`` sees what it saw before), for
    checking types with ``define_workflow`` without defining them."""
    saved = dict(_DEFINED)
    try:
        yield
    finally:
        _DEFINED.clear()
        _DEFINED.update(saved)


def find_workflow(name: str) -> Optional[Workflow]:
    """The workflow of that name defined in this process (by ``define_workflow`` or ``Workflow(...)``), or None."""
    return _DEFINED.get(name.strip())


def define_workflow(
    name: str,
    test_sample_type: Type[TestSample],
    ground_truth_type: Type[GroundTruth],
    inference_type: Type[Inference],
) -> Tuple[Workflow, Type["TestCase"], Type["TestSuite"], Type["Model"]]:
    """Validate the types and return the workflow with its TestCase, TestSuite and Model classes."""
    from kolena_lab.workflow.model import Model
    from kolena_lab.workflow.test_case import TestCase
    from kolena_lab.workflow.test_suite import TestSuite

    workflow = Workflow(name, test_sample_type, ground_truth_type, inference_type)
    return (workflow, *(bind(base, workflow) for base in (TestCase, TestSuite, Model)))  # type: ignore[return-value]


def bind(base: Type[_Bound], workflow: Workflow) -> Type[_Bound]:
    """A subclass of ``TestCase``, ``TestSuite`` or ``Model`` bound to ``workflow`` (what Kolena's
    ``workflow = ...`` in a class body does)."""
    return type(base.__name__, (base,), {"workflow": workflow, "__module__": base.__module__})


__all__ = ["Workflow", "define_workflow", "find_workflow", "trial_definitions"]
