"""Which ground-truth and inference fields an evaluator reads: the one named, or the first of the expected type."""
import dataclasses
import types
import typing
from typing import Any, Callable, Dict, Optional, Union

TypeTest = Callable[[Any], bool]


def _without_none(tp: Any) -> Any:
    """``X`` for ``Optional[X]``; other types unchanged."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def subclass_of(*classes: type) -> TypeTest:
    """Accepts a field typed with one of ``classes`` (or a subclass)."""
    return lambda tp: isinstance(tp, type) and issubclass(tp, classes)


def list_of(*classes: type) -> TypeTest:
    """Accepts a field typed ``List[X]`` with ``X`` one of ``classes`` (or a subclass)."""
    return lambda tp: typing.get_origin(tp) is list and subclass_of(*classes)(typing.get_args(tp)[0])


def either(*tests: TypeTest) -> TypeTest:
    """Accepts what any of ``tests`` accepts."""
    return lambda tp: any(test(tp) for test in tests)


def is_number(tp: Any) -> bool:
    """A ``float`` or ``int`` field (not ``bool``)."""
    return tp in (float, int)


def field_types(cls: type) -> Dict[str, Any]:
    """The declared fields of a data object class, in order, with ``Optional`` removed."""
    hints = typing.get_type_hints(cls)
    return {f.name: _without_none(hints.get(f.name, f.type)) for f in dataclasses.fields(cls) if f.init}


def find_field(cls: type, name: Optional[str], accepts: TypeTest, *, role: str, expected: str, parameter: str,
               exclude: Callable[[str], bool] = lambda name: False) -> str:
    """``name`` if given (it must be a declared field), else the first field of ``cls`` whose type ``accepts`` and
    whose name is not excluded; the error names the type expected and the parameter to set."""
    fields = field_types(cls)
    if name is not None:
        if name not in fields:
            raise ValueError(f"{role} type '{cls.__name__}' has no field '{name}' ({parameter}); its fields are "
                             f"{list(fields)}")
        return name
    for field, tp in fields.items():
        if accepts(tp) and not exclude(field):
            return field
    raise ValueError(f"{role} type '{cls.__name__}' has no field typed {expected}: name one with {parameter}=...")


def describe(sample: Any) -> str:
    """A test sample as errors name it: its locator, its text, or its repr."""
    return str(getattr(sample, "locator", None) or getattr(sample, "text", None) or sample)
