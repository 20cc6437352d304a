"""Schema validation of the field types of test samples, ground truths, inferences and metrics."""
import dataclasses
import types
import typing
from typing import Any, Callable, Dict, List, Type, Union

from kolena_lab.workflow._datatypes import DataObject, _info, _type_hints
from kolena_lab.workflow.annotation import Annotation
from kolena_lab.workflow.asset import Asset
from kolena_lab.workflow.test_sample import (
    METADATA_FIELD,
    Audio,
    BaseVideo,
    Composite,
    Document,
    Image,
    PointCloud,
    TestSample,
    Text,
    _StrictScalar,
)

_SCALARS = (str, bool, int, float)
_RESERVED_FIELD = "data_type"
_SAMPLE_BASES = (Image, Text, Document, BaseVideo, PointCloud, Audio, Composite)


def _unsupported(name: str, tp: Any) -> ValueError:
    type_name = tp.__name__ if isinstance(tp, type) and tp is not Any else tp  # `Any` is a class since 3.11
    return ValueError(f"Unsupported field type: field '{name}', type '{type_name}'")


def _is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is Union or origin is types.UnionType


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) in (list, List)


def _is_leaf(tp: Any) -> bool:
    if tp in _SCALARS or tp is type(None):
        return True
    return isinstance(tp, type) and issubclass(tp, (Annotation, Asset))


def _is_metadata_leaf(tp: Any) -> bool:
    return tp in _SCALARS or tp is type(None) or (isinstance(tp, type) and issubclass(tp, _StrictScalar))


def _supported(tp: Any, is_leaf: Callable[[Any], bool], in_list: bool = False) -> bool:
    """A leaf type, a union of supported types, or (one level only) a list of them."""
    if is_leaf(tp):
        return True
    if _is_union(tp):
        return all(_supported(arg, is_leaf, in_list) for arg in typing.get_args(tp))
    args = typing.get_args(tp)
    return _is_list(tp) and not in_list and len(args) == 1 and _supported(args[0], is_leaf, in_list=True)


def _check_type(name: str, tp: Any) -> None:
    if not _supported(tp, _is_leaf):
        raise _unsupported(name, tp)


def _check_metadata(name: str, tp: Any) -> None:
    """``Dict[str, V]`` where V is ``Any`` or scalars, None and lists of them (see ``Metadata``)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin not in (dict, Dict) or len(args) != 2 or args[0] is not str:
        raise _unsupported(name, tp)
    if args[1] is not Any and not _supported(args[1], _is_metadata_leaf):
        raise _unsupported(name, tp)


def _field_types(cls: type) -> Dict[str, Any]:
    hints = _type_hints(cls)
    if "__dataclass_fields__" in cls.__dict__:
        return {f.name: hints.get(f.name, f.type) for f in dataclasses.fields(cls) if f.init}
    return {k: v for k, v in hints.items() if not k.startswith("_") and typing.get_origin(v) is not typing.ClassVar}


def _check_reserved(cls: type, types_: Dict[str, Any]) -> None:
    if _RESERVED_FIELD in types_:
        raise ValueError(f"Unsupported field name: field '{_RESERVED_FIELD}' is reserved ({cls.__name__})")


def validate_test_sample_type(cls: Type[TestSample]) -> None:
    """Check a test sample class: derived from a base type, supported field types, composites one level deep."""
    if not (isinstance(cls, type) and issubclass(cls, _SAMPLE_BASES)) or cls is Composite:
        raise ValueError(f"test sample type must derive from a test sample base type (Image, Text, ...): {cls!r}")
    _info(cls)
    types_ = _field_types(cls)
    _check_reserved(cls, types_)
    is_composite = issubclass(cls, Composite)
    for name, tp in types_.items():
        if name == METADATA_FIELD:
            _check_metadata(name, tp)
        elif isinstance(tp, type) and issubclass(tp, TestSample):
            if not is_composite:
                raise _unsupported(name, tp)
            if issubclass(tp, Composite):
                raise ValueError(f"Unsupported field type: field '{name}': composite test samples nest one level only")
            validate_test_sample_type(tp)
        else:
            _check_type(name, tp)


def validate_data_object_type(cls: type, *, composite: bool = False) -> None:
    """Check a ground truth or inference class; for composite samples, plain data objects are allowed as fields."""
    if not isinstance(cls, type) or not issubclass(cls, DataObject):
        raise ValueError(f"expected a data object class, got {cls!r}")
    _info(cls)
    types_ = _field_types(cls)
    _check_reserved(cls, types_)
    for name, tp in types_.items():
        plain = isinstance(tp, type) and issubclass(tp, DataObject) and not issubclass(tp, (Annotation, Asset))
        if composite and plain:
            validate_data_object_type(tp)
        else:
            _check_type(name, tp)


def _check_scalar(name: str, tp: Any) -> None:
    scalars = _SCALARS + (type(None),)
    if not (tp in _SCALARS or (_is_union(tp) and all(a in scalars for a in typing.get_args(tp)))):
        raise _unsupported(name, tp)


def validate_metrics_fields(cls: type, kind: str, nested_base: type) -> None:
    """Check a Metrics* class when it is defined.

    ``kind`` is "sample" (test sample field types), "case" (scalars plus one level of ``List[nested_base]``, whose
    rows hold scalars only) or "suite" (scalars only).
    """
    types_ = _field_types(cls)
    _check_reserved(cls, types_)
    for name, tp in types_.items():
        if kind == "sample":
            _check_type(name, tp)
            continue
        args = typing.get_args(tp)
        if kind == "case" and _is_list(tp) and len(args) == 1 and isinstance(args[0], type):
            if issubclass(args[0], nested_base):
                for nested_name, nested_tp in _field_types(args[0]).items():
                    _check_scalar(f"{name}.{nested_name}", nested_tp)
                continue
        _check_scalar(name, tp)
