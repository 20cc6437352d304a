"""How widgets name test samples."""
from typing import Any


def sample_label(sample: Any) -> str:
    """What to show for a sample: its locator, or its text, or its printed form."""
    for attribute in ("locator", "text"):
        value = getattr(sample, attribute, None)
        if isinstance(value, str):
            return value
    return str(sample)
