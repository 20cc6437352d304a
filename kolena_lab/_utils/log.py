"""Console messages and progress bars for workflow scripts: each message is printed with a ``kolena_lab>`` prefix
(warnings and errors on stderr) and also sent to the ``kolena_lab`` logger."""
import logging
import sys
from typing import Any, Iterable, Iterator, Optional, TypeVar

from kolena_lab._utils.progress import ProgressBar

LOGGER_NAME = "kolena_lab"
PREFIX = "kolena_lab> "
T = TypeVar("T")

_logger = logging.getLogger(LOGGER_NAME)
_logger.addHandler(logging.NullHandler())


def _print(message: str, file: Any = None, **kwargs: Any) -> None:
    print(f"{PREFIX}{message}", file=file or sys.stdout, **kwargs)


def info(message: str, **kwargs: Any) -> None:
    """Print ``message`` on stdout (``kwargs`` go to ``print``, e.g. ``end``) and log it at INFO."""
    _print(message, **kwargs)
    _logger.info(message)


def success(message: str, **kwargs: Any) -> None:
    """Like ``info``, for a completed step."""
    info(message, **kwargs)


def warn(message: str, **kwargs: Any) -> None:
    """Print ``message`` on stderr and log it at WARNING."""
    _print(message, file=sys.stderr, **kwargs)
    _logger.warning(message)


def error(message: str, exception: Optional[BaseException] = None, **kwargs: Any) -> None:
    """Print ``message`` on stderr and log it at ERROR with the exception's traceback, if any."""
    _print(message, file=sys.stderr, **kwargs)
    _logger.error(message, exc_info=exception)


def progress_bar(iterator: Iterable[T], desc: Optional[str] = None, **kwargs: Any) -> Iterator[T]:
    """Yield from ``iterator`` with a tqdm bar (``kwargs`` go to tqdm, e.g. ``total``) described by ``desc``."""
    yield from ProgressBar(iterator, desc=PREFIX + (desc or ""), **kwargs)


__all__ = ["LOGGER_NAME", "info", "success", "warn", "error", "progress_bar"]
