"""Schema validation of the field types of test samples, ground truths, inferences and metrics."""
import dataclasses
import types
import typing
from typing import Any, Dict, List, Type, Union

from kolena_lab.workflow._datatypes import DataObject, _info, _type_hints
from kolena_lab.workflow.annotation import Annotation
from kolena_lab.workflow.asset import Asset
from kolena_lab.workflow.test_sample import METADATA_FIELD, Composite, TestSample

_SCALARS = (str, bool, int, float)
_RESERVED_FIELD = "data_type"


def _unsupported(name: str, tp: Any) -> ValueError:
    return ValueError(f"Unsupported field type: field '{name}', type '{tp}'")


def _is_union(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return origin is Union or origin is types.UnionType


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) in (list, List)


def _is_leaf(tp: Any, allow_data_objects: bool) -> bool:
    if tp in _SCALARS or tp is type(None):
        return True
    if isinstance(tp, type) and issubclass(tp, (Annotation, Asset)):
        return True
    return allow_data_objects and isinstance(tp, type) and issubclass(tp, DataObject)


def _check_type(name: str, tp: Any, *, allow_data_objects: bool = False, in_list: bool = False) -> None:
    if _is_leaf(tp, allow_data_objects):
        return
    if _is_union(tp):
        for arg in typing.get_args(tp):
            _check_type(name, arg, allow_data_objects=allow_data_objects, in_list=in_list)
        return
    if _is_list(tp) and not in_list:
        args = typing.get_args(tp)
        if len(args) == 1:
            _check_type(name, args[0], allow_data_objects=allow_data_objects, in_list=True)
            return
    raise _unsupported(name, tp)


def _check_metadata(name: str, tp: Any) -> None:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin not in (dict, Dict) or len(args) != 2 or args[0] is not str:
        raise _unsupported(name, tp)
    if args[1] is not Any:
        _check_type(name, args[1])


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
    if not (isinstance(cls, type) and issubclass(cls, TestSample)) or cls in (TestSample, Composite):
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
        if composite and isinstance(tp, type) and issubclass(tp, DataObject) and not issubclass(tp, (Annotation, Asset)):
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
