"""Errors of the media layer; each carries a plain-text ``reason`` fit to show a user (the UI escapes it)."""
from kolena_lab.errors import KolenaError


class MediaError(KolenaError):
    """Base of media errors."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LocatorError(MediaError):
    """A locator cannot be resolved or read: missing file, HTTP error, timeout, unsupported scheme."""

    def __init__(self, locator: str, reason: str):
        super().__init__(reason)
        self.locator = locator

    def __str__(self) -> str:
        return f"{self.reason}: {self.locator}"


class ImageDecodeError(MediaError):
    """The bytes behind a locator are not an image that can be decoded safely: unknown, truncated or too large."""
