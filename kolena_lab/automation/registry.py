"""Evaluators registered per workflow for automatic evaluation: their definitions, checks and storage.

A registered evaluator is an import path (``module:function`` or ``module:EvaluatorClass``, run with its
configurations), a command line, or a Docker image; the worker runs them. A secret is kept in the store and returned
only to ``get_evaluator(..., include_secret=True)``; reprs and dicts never show it, and ``redact`` hides it in any
text shown or stored (job output and errors, a failed test run's error).
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

from kolena_lab import store
from kolena_lab.automation.loading import CLASS_KEY, load_entrypoint, make_evaluator
from kolena_lab.errors import InputValidationError, NotFoundError
from kolena_lab.workflow.evaluator import EvaluatorConfiguration
from kolena_lab.workflow.workflow import Workflow, check_name

ENTRYPOINT, COMMAND, IMAGE = "entrypoint", "command", "image"
DEFAULT_TIMEOUT = "6h"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TIMEOUT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_timeout(value: Union[str, float, int]) -> float:
    """Seconds from ``"30s"``, ``"10m"``, ``"6h"``, ``"1d"`` or a number of seconds."""
    match = _TIMEOUT.match(str(value))
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"] if match else 0.0
    if seconds <= 0:
        raise InputValidationError(f"timeout must be a positive duration like 30s, 10m, 6h or 1d, got {value!r}")
    return seconds


def format_timeout(seconds: float) -> str:
    """The shortest of ``30s``, ``10m``, ``6h``, ``1d`` that says ``seconds`` exactly."""
    for unit in "dhm":
        if seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True, repr=False)
class RegisteredEvaluator:
    """An evaluator registered for a workflow. ``secret`` is None unless loaded with ``include_secret=True``."""

    workflow: str
    name: str
    kind: str
    target: str
    configurations: List[Dict[str, Any]]
    timeout: float
    working_dir: str
    has_secret: bool
    secret: Optional[str] = field(default=None, compare=False)

    def __repr__(self) -> str:
        secret = ", secret=<hidden>" if self.has_secret else ""
        return (f"RegisteredEvaluator(workflow={self.workflow!r}, name={self.name!r}, {self.kind}={self.target!r}, "
                f"configurations={self.configurations!r}, timeout={format_timeout(self.timeout)!r}{secret})")

    __str__ = __repr__

    def as_dict(self) -> Dict[str, Any]:
        """A JSON-ready description, without the secret."""
        return {"workflow": self.workflow, "name": self.name, "kind": self.kind, "target": self.target,
                "configurations": self.configurations, "timeout": format_timeout(self.timeout),
                "working_dir": self.working_dir, "has_secret": self.has_secret}


def register_evaluator(
    workflow: Union[Workflow, str],
    name: str,
    *,
    entrypoint: Optional[str] = None,
    command: Optional[str] = None,
    image: Optional[str] = None,
    configurations: Optional[Sequence[Union[str, Dict[str, Any], EvaluatorConfiguration]]] = None,
    secret: Optional[str] = None,
    timeout: Union[str, float] = DEFAULT_TIMEOUT,
    working_dir: Optional[str] = None,
) -> RegisteredEvaluator:
    """Register (or replace) the evaluator ``name`` of a workflow; give one of entrypoint, command or image.

    ``workflow`` is a ``Workflow`` (stored now if it is not yet) or the name of a stored one. ``configurations`` are
    JSON objects (dicts, JSON text, or ``EvaluatorConfiguration`` objects) built into the entrypoint's configuration
    type, or named by a ``"class": "module:Class"`` key. Jobs run in ``working_dir`` (default: the current
    directory), from where entrypoints import. The entrypoint is imported now to check it; a command must exist; an
    image is registered even when no Docker engine is reachable, with a warning.
    """
    name = check_name(name, "evaluator name")
    workflow_name = _name(workflow)
    given = [(kind, value) for kind, value in ((ENTRYPOINT, entrypoint), (COMMAND, command), (IMAGE, image))
             if value is not None]
    if len(given) != 1:
        raise InputValidationError("give exactly one of entrypoint, command or image")
    kind, target = given[0][0], given[0][1].strip()
    if not target:
        raise InputValidationError(f"the {kind} must not be empty")
    if secret is not None and not secret:
        raise InputValidationError("the secret must not be empty")
    seconds = parse_timeout(timeout)
    working_dir = os.path.abspath(working_dir or os.getcwd())
    if not os.path.isdir(working_dir):
        raise InputValidationError(f"working directory '{working_dir}' does not exist")
    decoded = [_configuration_dict(c, i) for i, c in enumerate(configurations or [], 1)]
    if not isinstance(workflow, Workflow):  # a Workflow object is stored with the evaluator, once all is checked
        with store.get_store().read() as conn:
            if store.workflows.get(conn, workflow_name) is None:
                raise NotFoundError(f"workflow '{workflow_name}' does not exist")
    if kind == ENTRYPOINT:
        make_evaluator(load_entrypoint(target, working_dir), decoded)
    elif kind == COMMAND:
        _check_command(target, working_dir)
    else:
        problem = docker_engine_problem()
        if problem:
            warnings.warn(f"evaluator '{name}' is registered, but {problem}: its jobs fail until a Docker engine is "
                          "reachable", stacklevel=2)
    with store.get_store().transaction() as conn:
        if isinstance(workflow, Workflow):
            workflow_id = workflow._register(conn)
        else:
            workflow_id = store.workflows.get(conn, workflow_name)[0]  # type: ignore[index]
        store.evaluators.put(conn, workflow_id, name, kind, target, json.dumps(decoded), secret, seconds, working_dir)
    return get_evaluator(workflow_name, name)


def list_evaluators(workflow: Union[Workflow, str]) -> List[RegisteredEvaluator]:
    """The evaluators registered for a workflow, by name (without secrets); none for a ``Workflow`` not yet stored,
    while a workflow name must be stored."""
    workflow_name = _name(workflow)
    with store.get_store().read() as conn:
        if store.workflows.get(conn, workflow_name) is None:
            if isinstance(workflow, Workflow):
                return []
            raise NotFoundError(f"workflow '{workflow_name}' does not exist")
        return [_from_row(row, False) for row in store.evaluators.list_all(conn, workflow_name)]


def get_evaluator(workflow: Union[Workflow, str], name: str, include_secret: bool = False) -> RegisteredEvaluator:
    """One registered evaluator of a workflow (a ``Workflow`` or its name); its secret only with
    ``include_secret=True``."""
    workflow_name = _name(workflow)
    with store.get_store().read() as conn:
        row = store.evaluators.get(conn, workflow_name, name)
        if row is None:
            missing = store.workflows.get(conn, workflow_name) is None
            what = "workflow" if missing else f"evaluator '{name}' of workflow"
            raise NotFoundError(f"{what} '{workflow_name}' does not exist")
    return _from_row(row, include_secret)


def _name(workflow: Union[Workflow, str]) -> str:
    return workflow.name if isinstance(workflow, Workflow) else workflow


def _from_row(row: store.evaluators.EvaluatorRow, include_secret: bool) -> RegisteredEvaluator:
    return RegisteredEvaluator(row.workflow, row.name, row.kind, row.target, json.loads(row.configurations),
                               row.timeout, row.working_dir, row.secret is not None,
                               row.secret if include_secret else None)


def _configuration_dict(value: Any, position: int) -> Dict[str, Any]:
    if isinstance(value, EvaluatorConfiguration):
        data = value._to_dict()
        cls = type(value)
        if cls.__module__ != "__main__":
            data[CLASS_KEY] = f"{cls.__module__}:{cls.__qualname__}"
        return data
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise InputValidationError(f"configuration {position} is not valid JSON ({e.msg} at column {e.colno}): "
                                       f"{value!r}") from None
    if not isinstance(value, dict):
        raise InputValidationError(f"configuration {position} must be a JSON object, got {type(value).__name__}")
    try:
        json.dumps(value)
    except (TypeError, ValueError) as e:
        raise InputValidationError(f"configuration {position} is not JSON-serialisable: {e}") from None
    return dict(value)


def _check_command(command: str, working_dir: str) -> None:
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError) as e:
        raise InputValidationError(f"command {command!r} cannot be parsed: {e}") from None
    path = os.path.join(working_dir, program) if os.sep in program else shutil.which(program)
    if path is None or not os.access(path, os.X_OK) or os.path.isdir(path):
        raise InputValidationError(f"command {program!r} does not exist or is not executable"
                                   + ("" if os.sep in program else " (not found on PATH)"))


def docker_engine_problem() -> Optional[str]:
    """Why ``docker run`` cannot work here (no docker command, or no engine reachable), or None."""
    docker = shutil.which("docker")
    if docker is None:
        return "the docker command is not installed"
    try:
        done = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                              timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"no Docker engine is reachable ({e})"
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["docker info failed"])[-1]
        return f"no Docker engine is reachable ({detail})"
    return None


__all__ = [
    "COMMAND",
    "DEFAULT_TIMEOUT",
    "ENTRYPOINT",
    "IMAGE",
    "RegisteredEvaluator",
    "docker_engine_problem",
    "format_timeout",
    "get_evaluator",
    "list_evaluators",
    "parse_timeout",
    "register_evaluator",
]
