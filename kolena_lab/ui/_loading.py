"""Methods of a widget that loads its data in the background run once it is loaded."""
import functools
from typing import Any, Callable, TypeVar

_Method = TypeVar("_Method", bound=Callable[..., Any])


def loaded(method: _Method) -> _Method:
    """Run ``method`` once the widget's background load has finished (its ``_wait_loaded()`` returns)."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._wait_loaded()
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
