"""Kolena's module path of ``define_workflow`` (``kolena.workflow.define_workflow``); it is defined in ``definition``."""
from kolena_lab.workflow.definition import define_workflow

__all__ = ["define_workflow"]
