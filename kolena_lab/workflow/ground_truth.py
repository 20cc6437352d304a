"""The base of a workflow's ground truth type."""
from dataclasses import dataclass

from kolena_lab.workflow._datatypes import DataObject


@dataclass(frozen=True)
class GroundTruth(DataObject):
    """Subclass as a frozen dataclass whose fields hold the expected answer for a test sample."""


__all__ = ["GroundTruth"]
