"""What test cases, suites and models share: a bound workflow, frozen attributes, and a store handle."""
import functools
from typing import Any, ClassVar, Type, TypeVar

from kolena_lab.errors import FrozenObjectError, WorkflowMismatchError
from kolena_lab.store import Store, get_store
from kolena_lab.workflow.workflow import Workflow

_Bound = TypeVar("_Bound", bound=type)


class WorkflowBound:
    """Base of classes bound to a workflow, either by ``define_workflow`` or a ``workflow = ...`` class attribute."""

    workflow: ClassVar[Workflow]
    _kind: ClassVar[str] = "object"
    _frozen: bool = False

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not abstract and not isinstance(getattr(cls, "workflow", None), Workflow):
            raise NotImplementedError(
                f"{cls.__name__} must be bound to a workflow: use define_workflow(...) or set `workflow = ...`",
            )

    def _identity(self) -> tuple:
        """What makes two objects equal: the kind, workflow, name and (if versioned) version."""
        return (self._kind, self.workflow.name, getattr(self, "name", None), getattr(self, "version", None))

    def __repr__(self) -> str:
        version = f", version={self.version}" if hasattr(self, "version") else ""
        return f"{type(self).__name__}(name={getattr(self, 'name', None)!r}{version}, workflow={self.workflow.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkflowBound) and other._identity() == self._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __setattr__(self, key: str, value: Any) -> None:
        if self._frozen:
            raise FrozenObjectError(f"cannot set '{key}' on a frozen {self._kind}; use edit() to change it")
        super().__setattr__(key, value)

    def _set(self, **values: Any) -> None:
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @staticmethod
    def _store() -> Store:
        return get_store()

    @classmethod
    def _check_workflow(cls, name: str, workflow_name: str) -> None:
        if workflow_name != cls.workflow.name:
            raise WorkflowMismatchError(
                f"{cls._kind} '{name}' belongs to workflow '{workflow_name}', not '{cls.workflow.name}'",
            )


@functools.lru_cache(maxsize=None)
def bind(base: Type[_Bound], workflow: Workflow) -> Type[_Bound]:
    """The subclass of ``TestCase``, ``TestSuite`` or ``Model`` bound to ``workflow`` (what Kolena's
    ``workflow = ...`` in a class body does), made once per workflow."""
    return type(base.__name__, (base,), {"workflow": workflow, "__module__": base.__module__})
