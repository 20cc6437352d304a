"""Checking a data object's field values against its declared field types, with a checker compiled once per class.

What is accepted (a superset of what the types say, as Kolena's pydantic dataclasses accept it):

- ``str``: any ``str`` (``numpy.str_`` too). ``bool``: ``bool`` or ``numpy.bool_`` only, never a number or a string.
- ``int``: an ``int`` or numpy integer, or a float with an integral value (``3.0``).
- ``float``: any ``int``, ``float`` or numpy number. NaN and infinities are allowed (e.g. an undefined metric), except
  in annotations and assets, whose numbers must be finite.
- A ``bool`` is accepted (and kept) where a number is declared, as Python and Kolena treat it as one.
- ``List[X]`` (and ``Sequence``, ``Tuple[X, ...]``): a list, tuple or numpy array of X. ``Tuple[X, Y]``: a sequence
  of that length. ``Dict[K, V]``: a dict of K to V. ``Optional``/``Union``: any member. ``Literal``: its values.
- A class (an annotation, asset, test sample, plain data object): an instance of it or of a subclass. An enum: a
  member, or a member's value (what a stored member is read back as).
- Anything else (``Any``, type variables, pydantic's own types, unresolved forward references) is not checked.

Derived fields (``init=False``) and extra attributes other than ``metadata`` are not checked. Objects read back from
the store are not checked (``reading_stored()``): what was stored stays readable, even if written before a check.
"""
from __future__ import annotations

import contextlib
import math
import types
import typing
from collections import abc
from contextvars import ContextVar
from enum import Enum
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from pydantic.dataclasses import DataclassProxy

from kolena_lab.errors import InputValidationError, shown

_SEQUENCE_ORIGINS = (list, tuple, set, frozenset, abc.Sequence, abc.Iterable, abc.Collection)


_READING_STORED: ContextVar[bool] = ContextVar("kolena_lab_reading_stored", default=False)


@contextlib.contextmanager
def reading_stored() -> Iterator[None]:
    """Build data objects from what the store holds without checking their values (they were checked when written;
    older stores may hold values a later check refuses, and must stay readable)."""
    token = _READING_STORED.set(True)
    try:
        yield
    finally:
        _READING_STORED.reset(token)


def checking() -> bool:
    """Whether values of data objects built now are checked (not while reading the store)."""
    return not _READING_STORED.get()


def check_optional_numbers(obj: Any, names: Sequence[str]) -> None:
    """Refuse, in a ``__post_init__`` that compares them, fields among ``names`` that are neither None nor a number."""
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, (int, float, np.integer, np.floating)):
            raise InputValidationError(f"{type(obj).__name__}.{name} must be a number or None, got "
                                       f"{type(value).__name__} {shown(value)}")


def _is_finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except (TypeError, OverflowError):  # an int too large for a float is finite
        return isinstance(value, int)


class _Rule:
    """A compiled check of one type hint: ``ok(value)`` is the fast predicate; ``explain`` finds what is wrong."""

    __slots__ = ("ok", "expected", "exact", "items")

    def __init__(self, ok: Callable[[Any], bool], expected: str, exact: FrozenSet[type] = frozenset(),
                 items: Optional[Tuple[Any, ...]] = None):
        self.ok = ok
        self.expected = expected
        self.exact = exact  # leaf rules: Python types accepted as they are (a set lookup before the predicate)
        self.items = items  # container rules: ("seq", rule) | ("tuple", rules) | ("dict", key rule, value rule)

    def explain(self, value: Any, path: str) -> str:
        """The message for a value this rule refuses: the innermost wrong element's path, value and expected type."""
        if self.items is not None and self._is_container(value):
            kind = self.items[0]
            if kind == "seq":
                for i, item in enumerate(_elements(value)):
                    if not self.items[1].ok(item):
                        return self.items[1].explain(item, f"{path}[{i}]")
            elif kind == "tuple" and len(value) == len(self.items[1]):
                for i, (item, rule) in enumerate(zip(value, self.items[1])):
                    if not rule.ok(item):
                        return rule.explain(item, f"{path}[{i}]")
            elif kind == "dict":
                for key, item in value.items():
                    if not self.items[1].ok(key):
                        return (f"{path} keys must each be {self.items[1].expected}, got {type(key).__name__} "
                                f"{shown(key)}")
                    if not self.items[2].ok(item):
                        return self.items[2].explain(item, f"{path}[{key!r}]")
        return f"{path} must be {self.expected}, got {type(value).__name__} {shown(value)}"

    def _is_container(self, value: Any) -> bool:
        if self.items is None:
            return False
        if self.items[0] == "dict":
            return isinstance(value, dict)
        return isinstance(value, (list, tuple, np.ndarray))


def _elements(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


def _leaf(exact: Sequence[type], slow: Callable[[Any], bool], expected: str) -> _Rule:
    exact_set = frozenset(exact)
    return _Rule(lambda v: type(v) in exact_set or slow(v), expected, exact_set)


def _never(_: Any) -> bool:
    return False


def _bool_rule() -> _Rule:
    return _leaf([bool], lambda v: isinstance(v, (bool, np.bool_)), "a bool")


def _int_rule() -> _Rule:
    def slow(v: Any) -> bool:
        if isinstance(v, (int, np.integer, np.bool_)):
            return True
        return isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer()

    return _leaf([int, bool], slow, "an int")


def _float_rule(finite: bool) -> _Rule:
    def slow(v: Any) -> bool:
        return isinstance(v, (int, float, np.integer, np.floating, np.bool_))

    if not finite:
        return _leaf([float, int, bool], slow, "a number")
    return _Rule(lambda v: slow(v) and _is_finite(v), "a finite number")


def _str_rule() -> _Rule:
    return _leaf([str], lambda v: isinstance(v, str), "a str")


_NONE_RULE = _leaf([type(None)], _never, "None")
_ANYTHING = _Rule(lambda _: True, "anything")


def _class_rule(cls: type) -> _Rule:
    name = cls.__name__
    return _Rule(lambda v: isinstance(v, cls), f"a {name}" if name[0].lower() not in "aeiou" else f"an {name}",
                 frozenset([cls]))


def _union(rules: List[_Rule]) -> _Rule:
    expected = " or ".join(dict.fromkeys(r.expected for r in rules))
    exact = frozenset().union(*(r.exact for r in rules))
    oks = tuple(r.ok for r in rules)

    def ok(v: Any) -> bool:
        if type(v) in exact:
            return True
        for member_ok in oks:
            if member_ok(v):
                return True
        return False

    return _Rule(ok, expected, exact)


def _sequence(item: Optional[_Rule]) -> _Rule:
    kinds = (list, tuple, np.ndarray)
    if item is None:
        return _Rule(lambda v: isinstance(v, kinds), "a list")
    item_exact, item_ok = item.exact, item.ok
    # a 1-D numpy array of numbers needs no loop where the items may be any number (or any integer)
    whole = {"a number": "iuf", "an int": "iu"}.get(item.expected, "")

    def each(items: Any) -> bool:
        for x in items:
            if type(x) not in item_exact and not item_ok(x):
                return False
        return True

    def ok(v: Any) -> bool:
        if type(v) is list or type(v) is tuple:
            return each(v)
        if isinstance(v, np.ndarray):
            return (v.ndim == 1 and v.dtype.kind in whole) or each(v.tolist())
        return isinstance(v, (list, tuple)) and each(v)

    return _Rule(ok, f"a list whose items are each {item.expected}", items=("seq", item))


def _fixed_tuple(rules: List[_Rule]) -> _Rule:
    n, members = len(rules), tuple((r.exact, r.ok) for r in rules)

    def ok(v: Any) -> bool:
        if type(v) is not tuple and type(v) is not list:
            if not isinstance(v, (list, tuple, np.ndarray)):
                return False
            v = _elements(v)
        if len(v) != n:
            return False
        for (exact, member_ok), x in zip(members, v):
            if type(x) not in exact and not member_ok(x):
                return False
        return True

    return _Rule(ok, f"a sequence of {n} values ({', '.join(r.expected for r in rules)})",
                 items=("tuple", tuple(rules)))


def _dict(key: Optional[_Rule], value: Optional[_Rule]) -> _Rule:
    key = key or _ANYTHING
    value = value or _ANYTHING
    key_exact, key_ok, value_exact, value_ok = key.exact, key.ok, value.exact, value.ok

    def ok(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        if value is _ANYTHING:
            for k in v:
                if type(k) not in key_exact and not key_ok(k):
                    return False
            return True
        for k, x in v.items():
            if not ((type(k) in key_exact or key_ok(k)) and (type(x) in value_exact or value_ok(x))):
                return False
        return True

    return _Rule(ok, f"a dict whose keys are each {key.expected}", items=("dict", key, value))


def rule_for(hint: Any, finite: bool = False) -> Optional[_Rule]:
    """The rule checking values of type ``hint``; None when such values are not checked."""
    if isinstance(hint, DataclassProxy):
        hint = hint.__dataclass__
    if hint is Any or hint is object or isinstance(hint, (str, typing.TypeVar, typing.ForwardRef)):
        return None
    if hint is type(None) or hint is None:
        return _NONE_RULE
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union or origin is types.UnionType:
        rules = [rule_for(a, finite) for a in args]
        return None if any(r is None for r in rules) else _union(rules)  # type: ignore[arg-type]
    if origin is typing.Literal:
        values = args
        return _Rule(lambda v: any(v == x and type(v) is type(x) for x in values),
                     "one of " + ", ".join(map(repr, values)))
    if origin in (dict, Dict) or hint in (dict, Dict):
        return _dict(*(rule_for(a, finite) for a in args)) if len(args) == 2 else _dict(None, None)
    if origin in (tuple, Tuple) and args and not (len(args) == 2 and args[1] is Ellipsis):
        rules = [rule_for(a, finite) or _ANYTHING for a in args]
        return _fixed_tuple(rules)
    if origin in _SEQUENCE_ORIGINS or hint in (list, tuple):
        return _sequence(rule_for(args[0], finite) if args else None)
    if origin is not None or not isinstance(hint, type):
        return None  # Callable, Annotated, ClassVar, ...: not checked
    if hasattr(hint, "_accepts"):  # the metadata scalars of test_sample (strict under pydantic)
        accepts = hint._accepts
        kind = hint.__name__.removeprefix("_Strict").lower()
        exact = {"str": [str], "float": [float], "int": [int], "bool": [bool]}.get(kind, [])
        return _leaf(exact, lambda v: accepts(v.item() if isinstance(v, np.generic) else v),
                     {"float": "a number", "int": "an int"}.get(kind, f"a {kind}"))
    if issubclass(hint, bool):
        return _bool_rule()
    if issubclass(hint, int) and not issubclass(hint, Enum):
        return _int_rule()
    if issubclass(hint, float):
        return _float_rule(finite)
    if issubclass(hint, str) and not issubclass(hint, Enum):
        return _str_rule()
    if issubclass(hint, Enum):  # a member, or a member's value (what a stored member is read back as)
        values = frozenset(m.value for m in hint if isinstance(m.value, typing.Hashable))
        return _Rule(lambda v: isinstance(v, hint) or (isinstance(v, typing.Hashable) and v in values),
                     f"a {hint.__name__} or one of its values", frozenset([hint]))
    if hasattr(hint, "__get_validators__") and not hasattr(hint, "__dataclass_fields__"):
        return None  # a pydantic custom type: pydantic validated it
    return _class_rule(hint)


Check = Callable[[Any], None]


def compile_checker(cls: type, fields: Sequence[Tuple[str, Any]], finite: bool = False,
                    extras: Sequence[Tuple[str, Any]] = ()) -> Optional[Check]:
    """A function raising ``InputValidationError`` when one of ``fields`` (name, hint) of an object of ``cls`` holds a
    value its hint does not allow; None when no field is checked. ``finite`` refuses NaN and infinities. ``extras``
    (name, hint) are checked likewise when the object has them.

    The function is generated with one line per field (as ``dataclasses`` generates ``__init__``): it runs on every
    construction, where a loop over the fields would cost a third more.
    """
    rules = [(name, rule, False) for name, hint in fields if (rule := rule_for(hint, finite)) is not None]
    rules += [(name, rule, True) for name, hint in extras if (rule := rule_for(hint, finite)) is not None]
    if not rules:
        return None
    namespace: Dict[str, Any] = {"_fail": _failure(cls.__name__, {name: rule for name, rule, _ in rules}),
                                 "_absent": object()}
    lines = ["def check(obj):", "    attributes = obj.__dict__"]
    for i, (name, rule, extra) in enumerate(rules):
        namespace[f"_exact{i}"], namespace[f"_ok{i}"] = rule.exact, rule.ok
        lines += [f"    value = attributes.get({name!r}{', _absent' if extra else ''})",
                  f"    if {'value is not _absent and ' if extra else ''}type(value) not in _exact{i} "
                  f"and not _ok{i}(value):",
                  f"        _fail({name!r}, value)"]
    exec("\n".join(lines), namespace)  # noqa: S102 (generated from field names, which are identifiers)
    return namespace["check"]


def _failure(class_name: str, rules: Dict[str, _Rule]) -> Callable[[str, Any], None]:
    def fail(name: str, value: Any) -> None:
        raise InputValidationError(f"{class_name}.{rules[name].explain(value, name)}")

    return fail
