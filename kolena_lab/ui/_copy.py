"""A button that copies a text (a generated module, a code snippet) to the clipboard, in the browser."""
from pathlib import Path

import anywidget
import traitlets

_STATIC = Path(__file__).parent / "static"


class CopyButton(anywidget.AnyWidget):
    """Copies ``text`` to the clipboard when clicked (disabled while ``text`` is empty)."""

    _esm = _STATIC / "copy_button.js"
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Copy").tag(sync=True)


__all__ = ["CopyButton"]
