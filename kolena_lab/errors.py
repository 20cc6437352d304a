"""Every exception kolena_lab raises, in one hierarchy whose bases match Kolena's client.

```
KolenaError
├── InputValidationError (ValueError)     bad argument or data object
│   ├── DuplicateDatapointIdError         the same test sample twice where it must be unique
│   ├── QueryError                        a filter or query that cannot be applied
│   └── ModelPackageError                 a model package (model.yaml) that cannot be read, loaded or run
├── IncorrectUsageError (RuntimeError)    an API called in a way it does not support
├── FrozenObjectError (RuntimeError)      an attempt to change a frozen object
├── WorkflowMismatchError                 objects of different workflows mixed
├── RemoteError                           the store refused a request about a named object
│   ├── NotFoundError                     it does not exist
│   └── NameConflictError                 it exists already
├── StoreError                            the store cannot be opened or written
│   └── SchemaVersionError                written by a newer kolena_lab
├── MediaError                            a locator's data cannot be read (``reason`` is fit to show)
│   ├── LocatorError                      missing file, HTTP error, timeout, unsupported scheme
│   └── ImageDecodeError                  not an image that decodes safely
├── CancelledError                        a run was cancelled on request (what it stored is kept)
└── RunnerError                           an evaluator job's process cannot be started
```
"""
import re
from typing import Any

SHOWN_CHARACTERS = 80
# C0 and C1 controls (NUL, newlines, tabs, ESC and CSI of terminal escape sequences), DEL, line and paragraph
# separators, and the bidirectional overrides and isolates that make text display in another order than it reads
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """A value as an error message shows it: its ``repr`` (control characters escaped, never obeyed), cut to about
    ``limit`` characters with the length of a long string."""
    try:
        text = ascii(value) if isinstance(value, str) and CONTROL_CHARACTERS.search(value) else repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        text = f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:limit - 5]}...{text[-2:]}{size}"


class KolenaError(Exception):
    """Base class of every kolena_lab error."""


class InputValidationError(ValueError, KolenaError):
    """An argument or data object is invalid."""


class DuplicateDatapointIdError(InputValidationError):
    """The same test sample appears twice where it must be unique."""


class QueryError(InputValidationError):
    """A filter or query that cannot be applied: unknown field, bad syntax, a value of the wrong type."""


class ModelPackageError(InputValidationError):
    """A model package cannot be used: its ``model.yaml`` (the message names the file and line), its functions, or
    what they return (the message names the datapoint)."""


class IncorrectUsageError(RuntimeError, KolenaError):
    """An API was called in a way it does not support."""


class FrozenObjectError(RuntimeError, KolenaError):
    """An attempt to change a frozen object."""


class WorkflowMismatchError(KolenaError):
    """Objects of different workflows were mixed, or a name belongs to another workflow."""


class RemoteError(KolenaError):
    """The store refused a request about a named object (Kolena's name for an error from its server)."""


class NotFoundError(RemoteError):
    """The named object does not exist in the store."""


class NameConflictError(RemoteError):
    """An object with that name exists already."""


class StoreError(KolenaError):
    """The store cannot be opened or written: read-only, locked, corrupt or too new."""


class SchemaVersionError(StoreError):
    """The store was written by a newer kolena_lab whose schema this version cannot read."""


class MediaError(KolenaError):
    """A locator's data cannot be read; ``reason`` is plain text fit to show a user (the UI escapes it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LocatorError(MediaError):
    """A locator cannot be resolved or read: missing file, HTTP error, timeout, unsupported scheme."""

    def __init__(self, locator: str, reason: str):
        super().__init__(reason)
        self.locator = locator

    def __str__(self) -> str:
        plain = isinstance(self.locator, str) and self.locator.isprintable() and len(self.locator) <= 300
        return f"{self.reason}: {self.locator if plain else shown(self.locator)}"


class ImageDecodeError(MediaError):
    """The bytes behind a locator are not an image that can be decoded safely: unknown, truncated or too large."""


class CancelledError(KolenaError):
    """A run was cancelled on request; what it stored before is kept."""


class RunnerError(KolenaError):
    """An evaluator job's process cannot be started; the message says why."""


class ClusterError(KolenaError):
    """A Dask cluster cannot run the work: unreachable, mismatched library versions, a store its workers cannot
    open, or a model that cannot be sent to them; the message says which."""


__all__ = [
    "KolenaError",
    "InputValidationError",
    "DuplicateDatapointIdError",
    "QueryError",
    "ModelPackageError",
    "IncorrectUsageError",
    "FrozenObjectError",
    "WorkflowMismatchError",
    "RemoteError",
    "NotFoundError",
    "NameConflictError",
    "StoreError",
    "SchemaVersionError",
    "MediaError",
    "LocatorError",
    "ImageDecodeError",
    "CancelledError",
    "RunnerError",
    "ClusterError",
]
