"""Progress bars that end in their final state in a saved notebook."""
from typing import Any, Optional

from tqdm.auto import tqdm as _auto_tqdm
from tqdm.notebook import tqdm as _notebook_tqdm

_IN_NOTEBOOK = issubclass(_auto_tqdm, _notebook_tqdm)


class ProgressBar(_auto_tqdm):
    """tqdm's bar: a widget in Jupyter, text elsewhere.

    In Jupyter the display is refreshed when the bar closes, so a saved or exported notebook (where the live widget
    is gone) reads the final count, e.g. ``913/913``, instead of the ``0%`` of the bar's first display.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        self._handle: Optional[Any] = None
        if _IN_NOTEBOOK:
            kwargs["display"] = False
        super().__init__(*args, **kwargs)
        if _IN_NOTEBOOK and not self.disable:
            from IPython.display import display

            self._handle = display(self.container, display_id=True)
            self.displayed = True

    def close(self) -> None:
        super().close()
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.update(self.container)


__all__ = ["ProgressBar"]
