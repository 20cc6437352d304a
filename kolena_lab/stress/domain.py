"""Operational domains: the axes along which a stress test perturbs images, and the range of each parameter.

A domain is written in YAML (or built in Python)::

    name: outdoor
    axes:
      - name: brightness
        transform: brightness        # a key of TRANSFORMS
        parameters:
          delta: {low: -0.2, high: 0.2}
      - name: jpeg
        transform: jpeg
        parameters:
          quality: {low: 40, high: 100, integer: true}

`Domain.ready` gives the domains shipped with kolena_lab ("outdoor", "corruptions").
"""
import difflib
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import yaml

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.stress.corruptions import CORRUPTIONS
from kolena_lab.stress.transforms import TRANSFORMS, Perturbed, apply

__all__ = ["Parameter", "Axis", "Domain", "Perturbed", "TRANSFORMS", "CORRUPTIONS", "apply", "READY"]

READY = ("outdoor", "corruptions")
_PARAMETER_KEYS = ("low", "high", "choices", "integer")
_AXIS_KEYS = ("name", "transform", "parameters")
_DOMAIN_KEYS = ("name", "axes")


@dataclass(frozen=True)
class Parameter:
    """One parameter of an axis: a range ``[low, high]`` (integers when ``integer``) or a tuple of ``choices``."""

    name: str
    low: Optional[float] = None
    high: Optional[float] = None
    choices: Optional[tuple] = None
    integer: bool = False

    def __post_init__(self) -> None:
        if self.choices is not None:
            if self.low is not None or self.high is not None:
                raise InputValidationError(f"parameter {self.name!r}: give a range (low, high) or choices, not both")
            if len(self.choices) == 0:
                raise InputValidationError(f"parameter {self.name!r}: choices is empty")
            object.__setattr__(self, "choices", tuple(self.choices))
        elif self.low is None or self.high is None:
            raise InputValidationError(f"parameter {self.name!r} needs low and high, or choices")
        elif self.low > self.high:
            raise InputValidationError(f"parameter {self.name!r}: low {shown(self.low)} is above high "
                                       f"{shown(self.high)}")
        elif self.integer and (self.low != int(self.low) or self.high != int(self.high)):
            raise InputValidationError(f"parameter {self.name!r} is integer but low / high are not integers")

    def _cast(self, value: float) -> Any:
        return int(round(value)) if self.integer else float(value)

    def values(self, n: int) -> list:
        """``n`` evenly spaced values from low to high (fewer when integer steps run out), or all the choices."""
        if self.choices is not None:
            return list(self.choices)
        if n < 1:
            raise InputValidationError(f"values: n must be at least 1, got {shown(n)}")
        points = [self.low] if n == 1 else np.linspace(self.low, self.high, n).tolist()
        return list(dict.fromkeys(self._cast(v) for v in points))

    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn uniformly: over the range (each integer equally likely) or over the choices."""
        if self.choices is not None:
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.integer:
            return int(rng.integers(int(self.low), int(self.high) + 1))
        return float(rng.uniform(self.low, self.high))

    def from_unit(self, u: float) -> Any:
        """``u`` in [0, 1] -> a value: low + u (high - low), or the choice (or integer) whose equal share of [0, 1]
        holds u; an optimiser searches the unit cube and this maps its points."""
        u = min(max(float(u), 0.0), 1.0)
        if self.choices is not None:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.integer:
            count = int(self.high) - int(self.low) + 1
            return int(self.low) + min(int(u * count), count - 1)
        return float(self.low + u * (self.high - self.low))

    def to_dict(self) -> dict:
        if self.choices is not None:
            return {"choices": list(self.choices), "integer": self.integer}
        return {"low": self.low, "high": self.high, "integer": self.integer}


@dataclass(frozen=True)
class Axis:
    """One way to perturb an image: a transform and the parameters searched along it. ``neutral`` holds the
    parameter values at which the transform changes nothing (the clean reference); by default the transform's."""

    name: str
    transform: str
    parameters: Tuple[Parameter, ...]
    neutral: Optional[Dict[str, Any]] = None

    def __post_init__(self) -> None:
        if self.transform not in TRANSFORMS:
            raise InputValidationError(f"axis {self.name!r}: unknown transform {shown(self.transform)}; known: "
                                       f"{', '.join(sorted(TRANSFORMS))}")
        object.__setattr__(self, "parameters", tuple(self.parameters))
        accepts = TRANSFORMS[self.transform].accepts
        for parameter in self.parameters:
            if parameter.name not in accepts:
                raise InputValidationError(f"axis {self.name!r}: transform {self.transform!r} has no parameter "
                                           f"{shown(parameter.name)}; it accepts {', '.join(accepts)}")
            for value in parameter.choices or (parameter.low, parameter.high):
                accepts[parameter.name].check(self.transform, parameter.name, value)
        if self.neutral is None:
            known = TRANSFORMS[self.transform].neutral
            object.__setattr__(self, "neutral", {p.name: known[p.name] for p in self.parameters if p.name in known})

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise InputValidationError(f"axis {self.name!r} has no parameter {shown(name)}")

    def perturb(self, image: np.ndarray, params: Mapping[str, Any], seed: int = 0) -> Perturbed:
        """The image perturbed along this axis with ``params`` (see `apply`)."""
        return apply(self.transform, image, params, seed)

    def to_dict(self) -> dict:
        return {"name": self.name, "transform": self.transform,
                "parameters": {p.name: p.to_dict() for p in self.parameters}}


@dataclass(frozen=True)
class Domain:
    """A named set of axes (unique names) that a stress test explores."""

    name: str
    axes: Tuple[Axis, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "axes", tuple(self.axes))
        if not self.axes:
            raise InputValidationError(f"domain {self.name!r} has no axes")
        names = [axis.name for axis in self.axes]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputValidationError(f"domain {self.name!r}: axis name {shown(repeated[0])} is used twice")

    def axis(self, name: str) -> Axis:
        for axis in self.axes:
            if axis.name == name:
                return axis
        raise InputValidationError(f"domain {self.name!r} has no axis {shown(name)}; its axes: "
                                   f"{', '.join(a.name for a in self.axes)}")

    def to_dict(self) -> dict:
        """A JSON-able description; `Domain.from_dict` gives the domain back."""
        return {"name": self.name, "axes": [axis.to_dict() for axis in self.axes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Domain":
        """A domain from its `to_dict` form (or YAML's), checked as `from_yaml` checks it."""
        return _build(data, _Where(None, {}))

    @classmethod
    def from_yaml(cls, path_or_text: Union[str, Path]) -> "Domain":
        """A domain from a YAML file (a `Path`, or a string naming an existing ``.yaml`` / ``.yml`` file) or YAML
        text; every error names the file and line."""
        source, text = "<yaml>", path_or_text
        if isinstance(path_or_text, Path) or (
                isinstance(path_or_text, str) and "\n" not in path_or_text
                and path_or_text.endswith((".yaml", ".yml"))):
            source = str(path_or_text)
            try:
                text = Path(path_or_text).read_text(encoding="utf-8")
            except OSError as error:
                raise InputValidationError(f"domain file {shown(source)} cannot be read: {error.strerror}") from None
        return _parse(str(text), source)

    @classmethod
    def ready(cls, name: str) -> "Domain":
        """A domain shipped with kolena_lab: "outdoor" (weather, light, camera and pose changes) or "corruptions"
        (the 15 ImageNet-C corruptions at severities 1-5)."""
        if name == "corruptions":
            severity = Parameter("severity", choices=(1, 2, 3, 4, 5), integer=True)
            return cls("corruptions", tuple(Axis(c, f"corruption_{c}", (severity,), {"severity": 0})
                                            for c in CORRUPTIONS))
        if name not in READY:
            raise InputValidationError(f"no ready domain {shown(name)}; ready: {', '.join(READY)}")
        text = resources.files("kolena_lab.stress").joinpath("domains", f"{name}.yaml").read_text(encoding="utf-8")
        return _parse(text, f"{name}.yaml")


# checking ------------------------------------------------------------------------------------------------------

class _Where:
    """Where a value sits in the input: its path, and its line when it came from YAML."""

    def __init__(self, source: Optional[str], lines: Dict[tuple, int]):
        self.source, self.lines = source, lines

    def error(self, path: tuple, message: str) -> InputValidationError:
        dotted = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))
        at = f" at {dotted}" if dotted else ""
        if self.source is None:
            return InputValidationError(f"domain{at}: {message}")
        line = next((self.lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self.lines), None)
        where = f", line {line}" if line is not None else ""
        return InputValidationError(f"{self.source}{where}{at}: {message}")


def _mapping(value: Any, path: tuple, where: _Where, keys: Sequence[str], required: Sequence[str]) -> Mapping:
    if not isinstance(value, Mapping):
        raise where.error(path, f"expected a mapping with {', '.join(keys)}, got {shown(value)}")
    for key in value:
        if key not in keys:
            close = difflib.get_close_matches(str(key), keys, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(keys)}"
            raise where.error(path + (key,), f"unknown key {shown(key)}{hint}")
    for key in required:
        if key not in value:
            raise where.error(path, f"missing key {key!r}")
    return value


def _text(value: Any, path: tuple, where: _Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(path, f"expected a non-empty name, got {shown(value)}")
    return value


def _number(value: Any, path: tuple, where: _Where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise where.error(path, f"expected a number, got {shown(value)}")
    return value


def _parameter(name: str, value: Any, transform: str, path: tuple, where: _Where) -> Parameter:
    accepts = TRANSFORMS[transform].accepts
    if name not in accepts:
        raise where.error(path, f"transform {transform!r} has no parameter {shown(name)}; it accepts "
                                f"{', '.join(accepts)}")
    spec = _mapping(value, path, where, _PARAMETER_KEYS, ())
    integer = spec.get("integer", accepts[name].integer)
    if not isinstance(integer, bool):
        raise where.error(path + ("integer",), f"expected true or false, got {shown(integer)}")
    if "choices" in spec:
        if "low" in spec or "high" in spec:
            raise where.error(path, "give a range (low, high) or choices, not both")
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise where.error(path + ("choices",), f"expected a non-empty list, got {shown(choices)}")
        for i, choice in enumerate(choices):
            _accepted(_number(choice, path + ("choices", i), where), name, transform, path + ("choices", i), where)
        return Parameter(name, choices=tuple(choices), integer=integer)
    for key in ("low", "high"):
        if key not in spec:
            raise where.error(path, f"missing key {key!r} (or give choices)")
        _accepted(_number(spec[key], path + (key,), where), name, transform, path + (key,), where)
    low, high = spec["low"], spec["high"]
    if low > high:
        raise where.error(path + ("low",), f"low {shown(low)} is above high {shown(high)}")
    if integer and (low != int(low) or high != int(high)):
        raise where.error(path, "integer: true needs whole numbers for low and high")
    return Parameter(name, low=low, high=high, integer=integer)


def _accepted(value: float, name: str, transform: str, path: tuple, where: _Where) -> None:
    accepts = TRANSFORMS[transform].accepts[name]
    if not accepts.low <= value <= accepts.high:
        raise where.error(path, f"{transform}'s {name} must be in [{accepts.low:g}, {accepts.high:g}], "
                                f"got {shown(value)}")
    if accepts.integer and value != int(value):
        raise where.error(path, f"{transform}'s {name} takes whole numbers, got {shown(value)}")


def _build(data: Any, where: _Where) -> Domain:
    data = _mapping(data, (), where, _DOMAIN_KEYS, _DOMAIN_KEYS)
    name = _text(data["name"], ("name",), where)
    if not isinstance(data["axes"], list) or not data["axes"]:
        raise where.error(("axes",), f"expected a non-empty list of axes, got {shown(data['axes'])}")
    axes: List[Axis] = []
    for i, raw in enumerate(data["axes"]):
        path = ("axes", i)
        raw = _mapping(raw, path, where, _AXIS_KEYS, _AXIS_KEYS)
        axis_name = _text(raw["name"], path + ("name",), where)
        if any(axis.name == axis_name for axis in axes):
            raise where.error(path + ("name",), f"axis name {shown(axis_name)} is used twice")
        transform = raw["transform"]
        if transform not in TRANSFORMS:
            close = difflib.get_close_matches(str(transform), list(TRANSFORMS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise where.error(path + ("transform",), f"unknown transform {shown(transform)}; {hint}known: "
                                                     f"{', '.join(sorted(TRANSFORMS))}")
        parameters = raw["parameters"]
        if not isinstance(parameters, Mapping) or not parameters:
            raise where.error(path + ("parameters",), f"expected a mapping of parameter names to ranges, got "
                                                      f"{shown(parameters)}")
        axes.append(Axis(axis_name, transform, tuple(
            _parameter(p, spec, transform, path + ("parameters", p), where) for p, spec in parameters.items())))
    return Domain(name, tuple(axes))


def _parse(text: str, source: str) -> Domain:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InputValidationError(f"{source}{line}: YAML syntax error: {problem}") from None
    if root is None:
        raise InputValidationError(f"{source}: the file holds no domain")
    lines: Dict[tuple, int] = {}
    return _build(_plain(root, (), lines), _Where(source, lines))


def _plain(node: yaml.Node, path: tuple, lines: Dict[tuple, int]) -> Any:
    """A composed YAML node as Python values, recording each value's line under its path."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader("").construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) \
                else f"<{key_node.id}>"
            lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, path + (key,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, path + (i,), lines) for i, item in enumerate(node.value)]
    return yaml.SafeLoader("").construct_object(node)
