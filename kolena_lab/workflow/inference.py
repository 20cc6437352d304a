"""The base of a workflow's inference type."""
from dataclasses import dataclass

from kolena_lab.workflow._datatypes import DataObject


@dataclass(frozen=True)
class Inference(DataObject):
    """Subclass as a frozen dataclass whose fields hold a model's output for a test sample."""


__all__ = ["Inference"]
