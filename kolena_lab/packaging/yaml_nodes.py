"""A ``model.yaml`` read into values that remember their line, so every error can name the file and line."""
import dataclasses
import difflib
import re
from typing import Any, Collection, Dict, List, Mapping, Optional, Sequence

import yaml

from kolena_lab.errors import ModelPackageError, shown

REFERENCE = re.compile(r"\$\{([^}]*)\}")  # a variable: ${model.files.params.url}, ${datapoints}, ${HOME}
ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RUNTIME_NAMES = frozenset({"datapoints"})  # runtime variables without a dot (all others have one)


@dataclasses.dataclass(frozen=True)
class Located:
    """A YAML value with the 1-based line it starts on: a scalar, a list of ``Located`` or a dict of ``Located`` by
    key (``key_lines`` holds each key's line)."""

    value: Any
    line: int
    key_lines: Dict[Any, int] = dataclasses.field(default_factory=dict)
    plain_scalar: bool = False  # an unquoted scalar (typed by YAML)

    def plain(self) -> Any:
        """The value without lines (lists and dicts rebuilt)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class Source:
    """The YAML file being read: its path (for messages), the error helper naming a line, and ``environment()``,
    which replaces ``${NAME}`` (NAME an environment variable's name: no dot) from ``environ``."""

    def __init__(self, path: str, environ: Mapping[str, str]):
        self.path, self.environ = path, environ

    def error(self, line: int, message: str) -> ModelPackageError:
        """An error naming the file and line."""
        return ModelPackageError(f"{self.path}, line {line}: {message}")

    def parse(self, text: str) -> Located:
        """The document as ``Located`` values; a syntax error or an empty document names its line."""
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ModelPackageError(f"{self.path}: the file is empty: it must describe a model (see "
                                        "docs/model-packages.md)")
            return self._convert(loader, node)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark is not None else 1
            context = ""
            if e.context and e.context_mark is not None and e.problem_mark is not None:
                context = f" ({e.context}, line {e.context_mark.line + 1})"
            raise self.error(line, f"not valid YAML: {e.problem or e.context}{context}") from None
        except yaml.YAMLError as e:
            raise ModelPackageError(f"{self.path}: not valid YAML: {e}") from None
        finally:
            loader.dispose()

    def _convert(self, loader: yaml.SafeLoader, node: yaml.Node) -> Located:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            values: Dict[Any, Located] = {}
            key_lines: Dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                key_line = key_node.start_mark.line + 1
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise self.error(key_line, f"keys must be text (or class ids), got {shown(key)}")
                if key in values:
                    raise self.error(key_line, f"'{key}' appears twice (first on line {key_lines[key]})")
                value = self._convert(loader, value_node)
                if isinstance(value.value, (dict, list)):  # a block's errors name the line of its key
                    value = dataclasses.replace(value, line=key_line)
                values[key], key_lines[key] = value, key_line
            return Located(values, line, key_lines)
        if isinstance(node, yaml.SequenceNode):
            return Located([self._convert(loader, item) for item in node.value], line)
        return Located(loader.construct_object(node, deep=True), line, plain_scalar=node.style is None)

    def environment(self, item: Located, skip: Collection[str] = ()) -> Located:
        """``item`` with the environment variables in its text values replaced, except under the keys ``skip`` (values
        that are not used need no variable set)."""
        if isinstance(item.value, dict):
            values = {k: v if k in skip else self.environment(v, skip) for k, v in item.value.items()}
            return dataclasses.replace(item, value=values)
        if isinstance(item.value, list):
            return dataclasses.replace(item, value=[self.environment(v, skip) for v in item.value])
        if isinstance(item.value, str) and "${" in item.value:
            return dataclasses.replace(item, value=self._environment(item.value, item.line, item.plain_scalar))
        return item

    def _environment(self, value: str, line: int, plain: bool) -> Any:
        """``value`` with its environment references replaced; a plain scalar that was one reference is typed as YAML
        types it (``batch: ${BATCH}`` gives a number)."""
        def replace(match: "re.Match[str]") -> str:
            name = match.group(1).strip()
            if not ENVIRONMENT_NAME.fullmatch(name) or name in RUNTIME_NAMES:
                return match.group(0)
            if name not in self.environ:
                raise self.error(line, f"the environment variable ${{{name}}} is not set (the package's own "
                                       "variables have a dot, such as ${model.files.NAME.url}, or are ${datapoints})")
            return self.environ[name]

        replaced = REFERENCE.sub(replace, value)
        whole = REFERENCE.fullmatch(value)
        if plain and whole is not None and replaced != value:
            typed = yaml.safe_load(replaced) if replaced.strip() else replaced
            return typed if isinstance(typed, (str, int, float, bool)) else replaced
        return replaced


def check_keys(source: Source, item: Located, what: str, allowed: Sequence[str], required: Sequence[str] = ()) -> None:
    """``item`` must be a mapping holding only ``allowed`` keys (an unknown key suggests the nearest) and every
    ``required`` one."""
    expect_type(source, item, dict, what)
    for key, line in item.key_lines.items():
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise source.error(line, f"unknown key '{key}' in {what}: {hint}expected one of {', '.join(allowed)}")
    for key in required:
        if key not in item.value:
            raise source.error(item.line, f"{what} is missing the required key '{key}'")


_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "text", int: "an integer", bool: "true or false"}


def expect_type(source: Source, item: Located, kind: type, what: str) -> None:
    """``item``'s value must be of ``kind`` (dict, list, str, int or bool; an int is not a bool)."""
    value = item.value
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        got = "nothing" if value is None else type(value).__name__ if not isinstance(value, (dict, list)) else \
            _TYPE_NAMES[type(value)]
        raise source.error(item.line, f"{what} must be {_TYPE_NAMES[kind]}, got {got}"
                           + ("" if isinstance(value, (dict, list)) or value is None else f" {shown(value)}"))


def text(source: Source, item: Optional[Located], what: str, default: str = "") -> str:
    """A text value (numbers are taken as their text, e.g. ``version: 1.0``)."""
    if item is None:
        return default
    if isinstance(item.value, (int, float)) and not isinstance(item.value, bool):
        return str(item.value)
    expect_type(source, item, str, what)
    return item.value


def items(source: Source, item: Optional[Located], what: str) -> List[Located]:
    """A list value (missing: empty)."""
    if item is None:
        return []
    expect_type(source, item, list, what)
    return item.value


__all__ = ["ENVIRONMENT_NAME", "REFERENCE", "RUNTIME_NAMES", "Located", "Source", "check_keys", "expect_type", "items",
           "text"]
