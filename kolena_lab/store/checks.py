"""What every write to the store checks first: names, tags and JSON documents, so nothing the store refuses (or a
terminal would misprint) is ever written."""
import json
import math
from typing import Any, Iterable, List

from kolena_lab.errors import CONTROL_CHARACTERS, InputValidationError, shown

MAX_NAME_LENGTH = 1024  # the schema's column width for test case, suite and model names (PostgreSQL enforces it)
_MAX_LENGTHS = {"workflow name": 512, "evaluator name": 512, "configuration name": 512}


def check_name(name: Any, what: str) -> str:
    """``name`` stripped of surrounding spaces, or an ``InputValidationError`` naming ``what`` (e.g. ``"test case
    name"``): it must be a non-empty string without control characters, at most the store's column width long."""
    if not isinstance(name, str):
        raise InputValidationError(f"{what} must be a string, got {type(name).__name__}: {shown(name)}")
    stripped = name.strip()
    if not stripped:
        raise InputValidationError(f"{what} must not be empty or whitespace, got {shown(name)}")
    bad = CONTROL_CHARACTERS.search(stripped)
    if bad is not None:
        raise InputValidationError(
            f"{what} must not contain control characters (here {ascii(bad.group())} at position {bad.start()}): "
            f"{shown(stripped)}",
        )
    limit = _MAX_LENGTHS.get(what, MAX_NAME_LENGTH)
    if len(stripped) > limit:
        raise InputValidationError(f"{what} is {len(stripped)} characters long, longer than {limit}: {shown(stripped)}")
    return stripped


def check_names(names: Iterable[Any], what: str) -> List[str]:
    """Each of ``names`` checked by ``check_name``."""
    return [check_name(name, what) for name in names]


def check_tags(tags_json: str, owner: str) -> None:
    """A JSON list of tags: each a valid ``tag`` name of ``owner`` (e.g. ``"model 'm'"``)."""
    tags = json.loads(tags_json)
    if not isinstance(tags, list):
        raise InputValidationError(f"tags of {owner} must be a list of strings, got {shown(tags)}")
    check_names(tags, f"tag of {owner}")


def check_json(text: str, what: str) -> None:
    """A JSON document to store: it must hold only finite numbers (``NaN`` and ``Infinity`` are not JSON and other
    readers refuse them); the message names the key holding one."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as e:
        raise InputValidationError(f"{what} is not JSON: {e}") from None
    path = _non_finite(value, "")
    if path is not None:
        where, number = path
        raise InputValidationError(f"{what} holds {number} at {where or 'its top level'}: only finite numbers can be "
                                   "stored (use None for a missing value)")


def check_text(text: str, what: str) -> None:
    """Free text (a description): any characters but NUL, which PostgreSQL cannot store."""
    if not isinstance(text, str):
        raise InputValidationError(f"{what} must be a string, got {type(text).__name__}: {shown(text)}")
    if "\x00" in text:
        raise InputValidationError(f"{what} must not contain NUL characters: {shown(text)}")


def _non_finite(value: Any, path: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return path, value
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite(item, f"{path}[{key!r}]" if path else f"key {key!r}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _non_finite(item, f"{path}[{i}]" if path else f"item {i}")
            if found is not None:
                return found
    return None


__all__ = ["MAX_NAME_LENGTH", "check_json", "check_name", "check_names", "check_tags", "check_text", "shown"]
