"""Plain frozen records with ``to_dict()``: what the catalog answers, JSON-ready with stable field names."""
import dataclasses
from datetime import datetime
from typing import Any, Dict


@dataclasses.dataclass(frozen=True)
class Record:
    """A frozen record whose ``to_dict()`` is its JSON form."""

    def to_dict(self) -> Dict[str, Any]:
        """The record as JSON-ready values (datetimes as ISO text, tuples as lists)."""
        return {k: plain(v) for k, v in dataclasses.asdict(self).items()}


def plain(value: Any) -> Any:
    """``value`` with datetimes as ISO text, tuples as lists and records as dicts, recursively."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
