"""Data objects read by duck typing: their ``data_type`` tag (e.g. ``"ANNOTATION/BOUNDING_BOX"``) and attributes."""
from typing import Any, Optional


def data_type_tag(obj: Any) -> Optional[str]:
    """The ``data_type`` tag ``obj`` serialises with (``"<CATEGORY>/<VALUE>"``), or None for an untyped object."""
    data_type = getattr(type(obj), "_data_type", None)
    if not callable(data_type):
        return None
    try:
        return data_type().tag()
    except NotImplementedError:  # an abstract base such as Annotation or Asset
        return None


def is_data_object(obj: Any) -> bool:
    """Whether ``obj`` is a data object: an instance of a class that serialises with ``_to_dict``."""
    return callable(getattr(type(obj), "_to_dict", None))
