"""How widgets name and match test samples without the store's internal ids."""
import dataclasses
from typing import Any, List

import pandas as pd

from kolena_lab.workflow import SAMPLE_ID


def sample_identity(sample: Any) -> str:
    """A sample's own fields (metadata left out, as in a sample's identity), as one comparable string."""
    fields = [f.name for f in dataclasses.fields(sample) if f.init and f.name != "metadata"]
    return "\x1f".join(repr(getattr(sample, f)) for f in fields)


def frame_identities(frame: pd.DataFrame) -> List[str]:
    """``sample_identity`` of each row of a per-sample frame, from its sample columns (those before ``evaluator``,
    or all of them, but ``sample_id``)."""
    columns = list(frame.columns)
    fields = columns[:columns.index("evaluator")] if "evaluator" in columns else columns
    fields = [f for f in fields if f not in ("metadata", SAMPLE_ID)]
    return ["\x1f".join(map(repr, values)) for values in frame[fields].itertuples(index=False, name=None)]


def sample_label(sample: Any) -> str:
    """What to show for a sample: its locator, or its text, or its printed form."""
    for attribute in ("locator", "text"):
        value = getattr(sample, attribute, None)
        if isinstance(value, str):
            return value
    return str(sample)
