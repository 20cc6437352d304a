"""The thumbnail grid of the sample browser: one anywidget whose ESM and CSS ship inside the package.

Python sends the page (``items``) and which of its rows are selected (``selected``); the page sends back what the
user did (click, shift-click, rubber-band box, keys) as messages, and Python decides what that means.
"""
from pathlib import Path
from typing import Any, Callable, Dict, List

import anywidget
import traitlets

_STATIC = Path(__file__).parent / "static"


class Gallery(anywidget.AnyWidget):
    """A listbox of thumbnails (``role="listbox"``, one ``role="option"`` per sample, labelled by its locator)."""

    _esm = _STATIC / "browser.js"
    _css = _STATIC / "browser.css"
    items = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.List(traitlets.Int()).tag(sync=True)
    label = traitlets.Unicode("Samples").tag(sync=True)
    thumbnail_size = traitlets.Int(160).tag(sync=True)
    page_key = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_event: Callable[[Dict[str, Any]], None], **kwargs: Any):
        super().__init__(**kwargs)
        self._on_event = on_event
        self.on_msg(self._receive)

    def _receive(self, _widget: Any, content: Any, _buffers: List[bytes]) -> None:
        if isinstance(content, dict) and isinstance(content.get("event"), str):
            self._on_event(content)
