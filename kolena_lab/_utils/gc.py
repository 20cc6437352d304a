"""Python's cyclic garbage collector paused around building millions of small, acyclic objects at once."""
import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector paused (if it runs) inside: building many small containers that hold no cycles (a parsed
    JSON file, a partition's boxes) otherwise triggers full passes over them again and again (measured: a fifth of an
    import, three quarters of decoding a detection partition)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
