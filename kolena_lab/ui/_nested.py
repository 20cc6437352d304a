"""Nested metrics rows (a test case's per-class rows): their fields, numeric fields and labels."""
import dataclasses
from typing import Any, Dict, List

import numpy as np
import pandas as pd


def fields_of(entry: Any) -> Dict[str, Any]:
    """A nested metrics row's fields, extras included (rows read back from the store carry them as extras)."""
    if hasattr(entry, "_to_dict"):
        return {k: v for k, v in entry._to_dict().items() if k != "data_type"}
    if dataclasses.is_dataclass(entry):
        return {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
    return dict(entry) if isinstance(entry, dict) else {}


def nested_fields(values: pd.Series) -> List[str]:
    """The numeric fields of the nested rows in a column of lists, in order of first appearance."""
    fields: List[str] = []
    for entries in values:
        for entry in entries:
            for name, value in fields_of(entry).items():
                if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and name not in fields:
                    fields.append(name)
    return fields


def row_label(entry: Any) -> str:
    """A nested row's name: its text fields (the class label, say) joined."""
    labels = [str(v) for v in fields_of(entry).values() if isinstance(v, str)]
    return " / ".join(labels) or str(entry)
