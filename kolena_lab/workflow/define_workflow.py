"""Kolena's module path of ``define_workflow`` (``kolena.workflow.define_workflow``); defined in ``definition``."""
from kolena_lab.workflow.definition import define_workflow

__all__ = ["define_workflow"]
