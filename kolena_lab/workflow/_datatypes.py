"""Data objects: frozen dataclasses that accept extra attributes and serialise with typed ``data_type`` tags."""
from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from abc import ABCMeta
from enum import Enum
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar, Union

import numpy as np
from pydantic.dataclasses import DataclassProxy

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.media.locators import locator_problem
from kolena_lab.workflow._values import checking, compile_checker

T = TypeVar("T", bound="DataObject")

_REGISTRY: Dict[str, type] = {}
_INFO_ATTR = "__kolena_lab_info__"
_EXTRAS_ATTR = "__kolena_lab_extras__"


class DataType(str, Enum):
    """An enum of the types in one category; a member's tag is ``"<CATEGORY>/<VALUE>"``."""

    @staticmethod
    def _data_category() -> str:
        raise NotImplementedError

    def tag(self) -> str:
        return f"{self._data_category()}/{self.value}"


class _ClassInfo:
    """What serialisation needs to know about a dataclass, computed once per class."""

    __slots__ = ("fields", "names", "hints", "serializers", "implicit", "check")

    def __init__(self, cls: type):
        self.fields = dataclasses.fields(cls)
        self.names = frozenset(f.name for f in self.fields)
        self.hints = _type_hints(cls)
        self.serializers = tuple((f.name, _serializer(self.hints.get(f.name, Any)) or _serialize) for f in self.fields)
        self.implicit = tuple((n, f) for n, f in cls._implicit_extras() if n not in self.names)  # type: ignore
        # a field whose default is None takes None, whatever its type says (as pydantic makes it Optional)
        checked = [(f.name, Optional[self.hints.get(f.name, Any)] if f.default is None else self.hints.get(f.name, Any))
                   for f in self.fields if f.init and f.name not in getattr(cls, "_post_init_checked", ())]
        extras = [(n, hint) for n, hint in getattr(cls, "_extra_hints", {}).items() if n not in self.names]
        check = compile_checker(cls, checked, getattr(cls, "_finite_numbers", False), extras)
        locators = [f.name for f in self.fields if f.name in getattr(cls, "_locator_fields", ())]
        self.check = _with_locator_check(cls.__name__, check, locators) if locators else check


def _with_locator_check(class_name: str, check: Optional[Callable[[Any], None]],
                        fields: List[str]) -> Callable[[Any], None]:
    """``check`` (the field types), then that each locator field's text can be a locator."""
    def checked(obj: Any) -> None:
        if check is not None:
            check(obj)
        for name in fields:
            value = getattr(obj, name)
            problem = locator_problem(value) if isinstance(value, str) else None
            if problem is not None:
                raise InputValidationError(f"{class_name}.{name} {shown(value)} is not a locator: {problem}")

    return checked


def _type_hints(cls: type) -> Dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # forward references that cannot be resolved: fall back to the raw annotations
        hints: Dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            hints.update(getattr(klass, "__annotations__", {}))
        return hints


def unwrap_dataclass(cls: Any) -> Any:
    """The class behind a pydantic ``DataclassProxy`` (what pydantic makes of a stdlib dataclass subclass that only
    re-annotates inherited fields); anything else unchanged."""
    return cls.__dataclass__ if isinstance(cls, DataclassProxy) else cls


def _info(cls: type) -> _ClassInfo:
    cls = unwrap_dataclass(cls)
    info = cls.__dict__.get(_INFO_ATTR)
    if info is None:
        # an undecorated subclass is fine as long as it declares no fields of its own (pydantic's proxied class may
        # re-annotate inherited ones)
        decorated = "__dataclass_fields__" in cls.__dict__
        own = set(inspect.get_annotations(cls))
        if "__pydantic_model__" in cls.__dict__ and dataclasses.is_dataclass(cls):
            own -= set(cls.__dataclass_fields__)  # type: ignore[attr-defined]
        if not decorated and (not dataclasses.is_dataclass(cls) or own):
            raise TypeError(f"{cls.__name__} must be a dataclass: decorate it with @dataclass(frozen=True)")
        if not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"{cls.__name__} must be frozen: decorate it with @dataclass(frozen=True)")
        info = _ClassInfo(cls)
        setattr(cls, _INFO_ATTR, info)
    return info


class _DataObjectMeta(ABCMeta):
    """Splits keyword arguments that are not declared fields off as extra attributes."""

    def __call__(cls, /, *args: Any, **kwargs: Any) -> Any:  # positional-only: a field may be named `cls`
        info = _info(cls)
        extras = None
        if kwargs and not info.names.issuperset(kwargs):
            extras = {k: kwargs.pop(k) for k in [k for k in kwargs if k not in info.names]}
            if "data_type" in extras:
                raise ValueError("'data_type' is reserved and cannot be set on a data object")
        obj = super().__call__(*args, **kwargs)
        if info.implicit:  # first among the extras, given or by default
            given = extras or {}
            extras = {name: given.pop(name) if name in given else factory() for name, factory in info.implicit}
            extras.update(given)
        if extras:
            attributes = obj.__dict__
            attributes.update(extras)
            attributes[_EXTRAS_ATTR] = tuple(extras)
        if info.check is not None and checking():
            info.check(obj)
        return obj


class DataObject(metaclass=_DataObjectMeta):
    """Base of every data object: a frozen dataclass whose extra keyword arguments are kept as attributes.

    Field values are checked against the declared field types on construction (see ``_values``); a wrong one raises
    ``InputValidationError`` naming the class, the field and the value.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_data_type" in cls.__dict__ and cls.__module__.startswith("kolena_lab."):
            try:
                _REGISTRY.setdefault(cls._data_type().tag(), cls)  # type: ignore[attr-defined]
            except NotImplementedError:
                pass

    @classmethod
    def _implicit_extras(cls) -> Tuple[Tuple[str, Callable[[], Any]], ...]:
        """Extras every instance carries, as ``(name, default factory)``, unless the class declares them as fields."""
        return ()

    def __str__(self) -> str:
        items = [f"{f.name}={getattr(self, f.name)!r}" for f in _info(type(self)).fields if f.repr]
        items += [f"{k}={getattr(self, k)!r}" for k in self._extras()]
        return f"{type(self).__name__}({', '.join(items)})"

    def _extras(self) -> Tuple[str, ...]:
        return getattr(self, _EXTRAS_ATTR, ())

    def toDict(self) -> Dict[str, Any]:  # noqa: N802 (the name pandas' `to_json` looks for)
        """``_to_dict()``, under the name ``DataFrame.to_json`` calls for objects in cells."""
        return self._to_dict()

    def _to_dict(self) -> Dict[str, Any]:
        """The serialised form: declared fields in order, then extras, then the ``data_type`` tag if typed.

        Integers where the field's type says ``float`` are written as floats, as ``_from_dict`` restores them, so an
        object and its decoded copy serialise alike.
        """
        out = {name: serialize(getattr(self, name)) for name, serialize in _info(type(self)).serializers}
        for key in self._extras():
            out[key] = _serialize(getattr(self, key))
        data_type = getattr(type(self), "_data_type", None)
        if data_type is not None:
            out["data_type"] = data_type().tag()
        return out

    @classmethod
    def _from_dict(cls: Type[T], obj: Dict[str, Any]) -> T:
        """Rebuild an object from its serialised form; a missing required field raises ``ValueError``."""
        if not isinstance(obj, dict):
            raise ValueError(f"cannot build {cls.__name__} from {type(obj).__name__}: expected a dict")
        info = _info(cls)
        kwargs: Dict[str, Any] = {}
        for f in info.fields:
            if not f.init:
                continue
            if f.name in obj:
                kwargs[f.name] = _deserialize(obj[f.name], info.hints.get(f.name, Any))
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"missing value for field '{f.name}' of {cls.__name__}")
        for key, value in obj.items():
            if key not in info.names and key != "data_type":
                kwargs[key] = _deserialize(value, Any)
        return cls(**kwargs)


def check_values(obj: DataObject) -> None:
    """Check ``obj``'s field values again (e.g. after something changed them in place); ``InputValidationError`` if
    one is wrong."""
    check = _info(type(obj)).check
    if check is not None:
        check(obj)


def _alias_tag(tag: str, cls: type) -> None:
    """Decode objects tagged ``tag`` (another name of ``cls``'s type) as ``cls``."""
    _REGISTRY.setdefault(tag, cls)


class TypedDataObject(DataObject):
    """A data object with a ``data_type`` tag, e.g. ``ANNOTATION/BOUNDING_BOX``."""

    @classmethod
    def _data_type(cls) -> DataType:
        raise NotImplementedError


def _serialize(value: Any) -> Any:
    if isinstance(value, np.generic):  # before str and float: np.str_ and np.float64 subclass them
        return value.item()
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, DataObject):
        return value._to_dict()
    if isinstance(value, (list, tuple)):
        return [_serialize(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _serialize(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _serialize(value.tolist())
    if isinstance(value, Enum):
        return _serialize(value.value)
    raise InputValidationError(f"unsupported value type '{type(value).__name__}' for value {shown(value)}")


def _as_float(value: Any) -> Any:
    """An integer that is not a bool as a float; any other value as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise ValueError(f"an integer of {value.bit_length()} bits is too large for a float") from None
    return value


def _serialize_float(value: Any) -> Any:
    return value if type(value) is float else _as_float(_serialize(value))


def _is_sequence(hint: Any) -> bool:
    return typing.get_origin(hint) in (list, List, tuple, Tuple)


def _serializer(hint: Any) -> Optional[Callable[[Any], Any]]:
    """``_serialize`` for a field of type ``hint`` that writes an integer as a float wherever ``_deserialize`` would
    restore it as one, so that encoding a decoded copy changes nothing; None where ``_serialize`` does that already.
    """
    if hint is float:
        return _serialize_float
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union or origin is types.UnionType:
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return _serializer(members[0])
        # _deserialize coerces only lists, as the first list or tuple member; these serializers pass other values on
        sequence = next((m for m in members if _is_sequence(m)), None)
        return None if sequence is None else _serializer(sequence)
    if origin in (list, List) or (origin in (tuple, Tuple) and len(args) == 2 and args[1] is Ellipsis):
        each = _serializer(args[0]) if args else None
        if each is None:
            return None

        def serialize_each(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                v = v.tolist()
            return [each(x) for x in v] if isinstance(v, (list, tuple)) else _serialize(v)

        return serialize_each
    if origin in (tuple, Tuple) and args:
        serializers = [_serializer(a) or _serialize for a in args]
        if all(f is _serialize for f in serializers):
            return None

        def serialize_items(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                v = v.tolist()
            if isinstance(v, (list, tuple)) and len(v) == len(serializers):
                return [f(x) for f, x in zip(serializers, v)]
            return _serialize(v)

        return serialize_items
    return None


def _class_for(hint: type, data_type: Optional[str]) -> type:
    if data_type is None:
        return hint
    own = getattr(hint, "_data_type", None)
    try:
        if own is not None and own().tag() == data_type:
            return hint
    except NotImplementedError:
        pass
    registered = _REGISTRY.get(data_type)
    if registered is not None and (issubclass(registered, hint) or not dataclasses.is_dataclass(hint)):
        return registered
    return hint


def _union_member_for(members: Tuple[Any, ...], value: Any) -> Any:
    if isinstance(value, dict):
        data_type = value.get("data_type")
        classes = [m for m in members if isinstance(m, type) and issubclass(m, DataObject)]
        for m in classes:
            own = getattr(m, "_data_type", None)
            try:
                if data_type is not None and own is not None and own().tag() == data_type:
                    return m
            except NotImplementedError:
                continue
        for m in classes:
            if data_type is None or issubclass(_class_for(m, data_type), m):
                return m
        return Any
    if isinstance(value, list):
        for m in members:
            if _is_sequence(m):
                return m
    return Any


def _instance_of(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the type ``hint`` (``Any``, a class, or a union of them)."""
    if hint is Any:
        return True
    if isinstance(hint, type):
        return isinstance(value, hint)
    if typing.get_origin(hint) in (Union, types.UnionType):
        return any(_instance_of(value, member) for member in typing.get_args(hint))
    return False


def _deserialize(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, DataObject):  # already built: kept when of the hinted type, else rebuilt from its dict
        if _instance_of(value, hint):
            return value
        value = value._to_dict()
    origin = typing.get_origin(hint)
    if origin is Union or origin is types.UnionType:
        members = tuple(a for a in typing.get_args(hint) if a is not type(None))
        return _deserialize(value, members[0] if len(members) == 1 else _union_member_for(members, value))
    if origin in (list, List) and isinstance(value, list):
        args = typing.get_args(hint)
        return [_deserialize(v, args[0] if args else Any) for v in value]
    if origin in (tuple, Tuple) and isinstance(value, list):
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_deserialize(v, args[0]) for v in value)
        if args and len(args) == len(value):
            return tuple(_deserialize(v, a) for v, a in zip(value, args))
        return tuple(_deserialize(v, Any) for v in value)
    if isinstance(value, dict):
        if isinstance(hint, type) and issubclass(hint, DataObject):
            return _class_for(hint, value.get("data_type"))._from_dict(value)
        data_type = value.get("data_type")
        cls = _REGISTRY.get(data_type) if isinstance(data_type, str) else None
        if cls is not None:
            return cls._from_dict(value)
        return {k: _deserialize(v, Any) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, DataObject):
        raise ValueError(f"expected a {hint.__name__} (as a dict), got {type(value).__name__} {value!r}")
    if isinstance(value, list):
        return [_deserialize(v, Any) for v in value]
    return _as_float(value) if hint is float else value


__all__ = ["DataObject", "TypedDataObject", "DataType"]
