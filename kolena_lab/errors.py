"""Exceptions raised by kolena_lab, with the names Kolena's client uses."""


class KolenaError(Exception):
    """Base class of every kolena_lab error."""


class InputValidationError(ValueError, KolenaError):
    """An argument or data object is invalid."""


class IncorrectUsageError(RuntimeError, KolenaError):
    """An API was called in a way it does not support."""


class FrozenObjectError(KolenaError):
    """An attempt to change a frozen object."""


class WorkflowMismatchError(KolenaError):
    """Objects of different workflows were mixed, or a name belongs to another workflow."""


class NotFoundError(KolenaError):
    """The named object does not exist in the store."""


class NameConflictError(KolenaError):
    """An object with that name exists already."""


class DuplicateDatapointIdError(KolenaError):
    """The same test sample appears twice where it must be unique."""


class StoreError(KolenaError):
    """The store cannot be opened or written: read-only, locked, corrupt or too new."""


class SchemaVersionError(StoreError):
    """The store was written by a newer kolena_lab whose schema this version cannot read."""
