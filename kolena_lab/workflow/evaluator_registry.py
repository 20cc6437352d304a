"""Evaluators registered per workflow for automatic evaluation: their definitions, checks and storage.

A registered evaluator is an import path (``module:function`` or ``module:EvaluatorClass``, run with its
configurations), a command line, or a Docker image. ``kolena_lab.automation`` runs them. A secret is kept in the store
and returned only to ``get_evaluator(..., include_secret=True)``; reprs and dicts never show it, and ``redact`` hides
it in any text shown or stored (job output and errors, a failed test run's error).
"""
import importlib
import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import typing
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from kolena_lab import store
from kolena_lab.errors import InputValidationError, NotFoundError
from kolena_lab.workflow.evaluator import Evaluator, EvaluatorConfiguration
from kolena_lab.workflow.evaluator_function import is_configured
from kolena_lab.workflow.workflow import check_name

ENTRYPOINT, COMMAND, IMAGE = "entrypoint", "command", "image"
DEFAULT_TIMEOUT = "6h"
CLASS_KEY = "class"  # names a configuration's type, "module:Class", when the evaluator's signature does not
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_TIMEOUT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
SECRET_VARIABLE = "KOLENA_EVALUATOR_SECRET"  # how a job's process receives its evaluator's secret
REDACTED = "***"


def redact(text: Optional[str], secret: Optional[str]) -> Optional[str]:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    if not text or not secret:
        return text
    return text.replace(secret, REDACTED)


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
    workflow: str,
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
    """Register (or replace) the evaluator ``name`` of a stored workflow; give one of entrypoint, command or image.

    ``configurations`` are JSON objects (dicts, JSON text, or ``EvaluatorConfiguration`` objects) built into the
    entrypoint's configuration type, or named by a ``"class": "module:Class"`` key. Jobs run in ``working_dir``
    (default: the current directory), from where entrypoints import. The entrypoint is imported now to check it;
    a command must exist; an image is registered even when no Docker engine is reachable, with a warning.
    """
    name = check_name(name, "evaluator name")
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
    with store.get_store().read() as conn:
        if store.workflows.get(conn, workflow) is None:
            raise NotFoundError(f"workflow '{workflow}' does not exist")
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
        workflow_id = store.workflows.get(conn, workflow)[0]  # type: ignore[index]
        store.evaluators.put(conn, workflow_id, name, kind, target, json.dumps(decoded), secret, seconds, working_dir)
    return get_evaluator(workflow, name)


def list_evaluators(workflow: str) -> List[RegisteredEvaluator]:
    """The evaluators registered for a workflow, by name (without secrets)."""
    with store.get_store().read() as conn:
        if store.workflows.get(conn, workflow) is None:
            raise NotFoundError(f"workflow '{workflow}' does not exist")
        return [_from_row(row, False) for row in store.evaluators.list_all(conn, workflow)]


def get_evaluator(workflow: str, name: str, include_secret: bool = False) -> RegisteredEvaluator:
    """One registered evaluator; its secret only with ``include_secret=True``."""
    with store.get_store().read() as conn:
        row = store.evaluators.get(conn, workflow, name)
        if row is None:
            what = "workflow" if store.workflows.get(conn, workflow) is None else f"evaluator '{name}' of workflow"
            raise NotFoundError(f"{what} '{workflow}' does not exist")
    return _from_row(row, include_secret)


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


def load_entrypoint(target: str, working_dir: Optional[str] = None) -> Any:
    """The object an entrypoint ``module:attribute`` names, imported with ``working_dir`` first on the path."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise InputValidationError(f"entrypoint must look like 'package.module:function', got {target!r}")
    if working_dir and working_dir not in sys.path:
        sys.path.insert(0, working_dir)
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as e:
        raise InputValidationError(f"entrypoint {target!r} does not import: {type(e).__name__}: {e}") from None
    for part in attribute.split("."):
        if not hasattr(obj, part):
            raise InputValidationError(f"entrypoint {target!r}: module '{module_name}' has no '{attribute}'")
        obj = getattr(obj, part)
    return obj


def make_evaluator(obj: Any, configurations: Sequence[Dict[str, Any]]) -> Tuple[Any, Optional[List[Any]]]:
    """``(evaluator, configurations)`` to pass to ``test()`` for an entrypoint object and its JSON configurations.

    ``obj`` is an ``Evaluator`` class (built with the configurations), an ``Evaluator`` instance (which carries its
    own), or an evaluator function.
    """
    built = _build_configurations(obj, configurations)
    if isinstance(obj, type) and issubclass(obj, Evaluator):
        return (obj(configurations=built) if built else obj()), None
    if isinstance(obj, Evaluator):
        if built:
            raise InputValidationError("an Evaluator instance carries its own configurations: register its class "
                                       "to give configurations")
        return obj, None
    if isinstance(obj, type) or not callable(obj):
        raise InputValidationError(f"entrypoint must name an Evaluator class or an evaluator function, got {obj!r}")
    if is_configured(obj) and not built:
        raise InputValidationError(f"evaluator function '{obj.__name__}' takes a configuration: give configurations")
    if built and not is_configured(obj):
        raise InputValidationError(f"evaluator function '{obj.__name__}' takes no configuration, but "
                                   f"{len(built)} were given")
    return obj, built


def _build_configurations(obj: Any, configurations: Sequence[Dict[str, Any]]) -> Optional[List[Any]]:
    if not configurations:
        return None
    default = _configuration_type(obj)
    built = []
    for position, data in enumerate(configurations, 1):
        data = dict(data)
        path = data.pop(CLASS_KEY, None)
        cls = load_entrypoint(path) if path else default
        if not (isinstance(cls, type) and issubclass(cls, EvaluatorConfiguration)):
            raise InputValidationError(f"configuration {position}: cannot tell its EvaluatorConfiguration type; add "
                                       f'"{CLASS_KEY}": "module:Class"')
        try:
            built.append(cls(**data))
        except Exception as e:
            raise InputValidationError(f"configuration {position} does not fit {cls.__name__}: {e}") from None
    return built


def _configuration_type(obj: Any) -> Optional[type]:
    """The configuration type an evaluator's signature declares, if any."""
    if isinstance(obj, Evaluator) or (isinstance(obj, type) and issubclass(obj, Evaluator)):
        function, parameter = obj.compute_test_sample_metrics, "configuration"
    elif callable(obj) and is_configured(obj):
        function, parameter = obj, list(inspect.signature(obj).parameters)[4]
    else:
        return None
    try:
        annotation = typing.get_type_hints(function).get(parameter)
    except Exception:  # unresolvable forward references
        return None
    candidates = typing.get_args(annotation) or (annotation,)
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, EvaluatorConfiguration)), None)


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
    "REDACTED",
    "SECRET_VARIABLE",
    "RegisteredEvaluator",
    "docker_engine_problem",
    "format_timeout",
    "get_evaluator",
    "list_evaluators",
    "load_entrypoint",
    "make_evaluator",
    "parse_timeout",
    "redact",
    "register_evaluator",
]
