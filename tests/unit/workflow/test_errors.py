"""The error classes keep Kolena's names and bases."""
import pytest

from kolena_lab import errors


@pytest.mark.parametrize("name, bases", [
    ("InputValidationError", (ValueError,)),
    ("IncorrectUsageError", (RuntimeError,)),
    ("FrozenObjectError", (RuntimeError,)),
    ("WorkflowMismatchError", ()),
    ("NotFoundError", (errors.RemoteError,)),
    ("NameConflictError", (errors.RemoteError,)),
    ("DuplicateDatapointIdError", (errors.InputValidationError, ValueError)),
    ("QueryError", (errors.InputValidationError, ValueError)),
    ("LocatorError", (errors.MediaError,)),
    ("ImageDecodeError", (errors.MediaError,)),
    ("CancelledError", ()),
    ("RunnerError", ()),
])
def test_error_hierarchy(name, bases):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.KolenaError) and issubclass(cls, Exception)
    for base in bases:
        assert issubclass(cls, base)
    with pytest.raises(errors.KolenaError, match="boom"):
        raise cls("x", "boom") if cls is errors.LocatorError else cls("boom")


def test_a_long_or_unprintable_locator_is_shown_cut_and_escaped():
    assert str(errors.LocatorError("/data/a.png", "file not found")) == "file not found: /data/a.png"
    long = str(errors.LocatorError("/x" * 3000, "file not found"))
    assert len(long) < 130 and long.endswith("(6000 characters)")
    assert "\\x00" in str(errors.LocatorError("a\x00b", "NUL in locator"))
    assert errors.shown("\x1b[31mred") == "'\\x1b[31mred'"  # an escape sequence is shown, not obeyed
