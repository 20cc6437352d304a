"""Entrypoint evaluators: importing ``module:attribute`` and building the evaluator with its JSON configurations."""
import inspect
import typing
from typing import Any, Dict, List, Optional, Sequence, Tuple

from kolena_lab._utils.importing import import_from_directory
from kolena_lab.errors import InputValidationError
from kolena_lab.workflow.evaluator import Evaluator, EvaluatorConfiguration
from kolena_lab.workflow.evaluator_function import is_configured

CLASS_KEY = "class"  # names a configuration's type, "module:Class", when the evaluator's signature does not


def load_entrypoint(target: str, working_dir: Optional[str] = None) -> Any:
    """The object an entrypoint ``module:attribute`` names, imported with ``working_dir`` first on the path."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise InputValidationError(f"entrypoint must look like 'package.module:function', got {target!r}")
    try:
        obj: Any = import_from_directory(module_name, working_dir)
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


__all__ = ["CLASS_KEY", "load_entrypoint", "make_evaluator"]
