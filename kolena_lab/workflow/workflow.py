"""A workflow: the test sample, ground truth and inference types of one testing problem."""
import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Optional, Type

from sqlalchemy.engine import Connection

from kolena_lab import store
from kolena_lab.errors import InputValidationError
from kolena_lab.store.checks import check_name
from kolena_lab.workflow._datatypes import unwrap_dataclass
from kolena_lab.workflow._validators import _field_types, validate_data_object_type, validate_test_sample_type
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.test_sample import Composite, TestSample

RESERVED_NAMES = frozenset({"fr", "classification", "detection", "keypoints"})
_DEFINED: Dict[str, "Workflow"] = {}  # every workflow defined in this process, by name (the latest wins)


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
            raise InputValidationError(f"workflow name '{name}' is reserved; choose another name")
        object.__setattr__(self, "name", name)
        for field in ("test_sample_type", "ground_truth_type", "inference_type"):  # a pydantic proxy: its class
            object.__setattr__(self, field, unwrap_dataclass(getattr(self, field)))
        validate_test_sample_type(self.test_sample_type)
        composite = issubclass(self.test_sample_type, Composite)
        for what, cls, base in (
            ("ground truth", self.ground_truth_type, GroundTruth),
            ("inference", self.inference_type, Inference),
        ):
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise InputValidationError(f"{what} type must derive from {base.__name__}: {cls!r}")
            validate_data_object_type(cls, composite=composite)
        _DEFINED[name] = self

    def schema(self) -> Dict[str, Any]:
        """A description of the types, stored with the workflow: each class's name and qualified name, and its fields'
        types. A workflow stored under a name keeps these: other types under that name are refused."""
        return {
            role: {"type": cls.__name__, "class": cls.__qualname__,
                   "fields": {n: _type_name(t) for n, t in _field_types(cls).items()}}
            for role, cls in (
                ("test_sample", self.test_sample_type),
                ("ground_truth", self.ground_truth_type),
                ("inference", self.inference_type),
            )
        }

    def register(self) -> "Workflow":
        """Store the workflow (its name and the description of its types) if it is not stored yet; returns it.

        Creating a test case, suite or model registers its workflow too; this makes an empty workflow visible.
        """
        with store.get_store().transaction() as conn:
            self._register(conn)
        return self

    def _register(self, conn: Connection) -> int:
        """Store the workflow in this transaction if needed; its row id."""
        return store.workflows.get_or_create(conn, self.name, json.dumps(self.schema(), sort_keys=True))


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


_SERVER_SIDE = frozenset({"register_evaluator", "list_evaluators", "get_evaluator", "RemoteEvaluator",
                          "EvaluatorRoleConfig"})


def __getattr__(name: str) -> Any:
    """Kolena's server-side evaluator registry lives here in Kolena's client: say what to use instead."""
    if name in _SERVER_SIDE:
        raise ImportError(f"kolena_lab does not provide Kolena's server-side '{name}' (kolena.workflow.workflow): "
                          "register, list and get evaluators with kolena_lab.automation.register_evaluator, "
                          "list_evaluators and get_evaluator", name=name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Workflow", "check_name", "find_workflow", "trial_definitions"]
