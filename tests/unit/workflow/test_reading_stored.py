"""What the store holds stays readable after a check is added: objects read back are not checked again, while the
same values given by a user still are."""
import json
import math
from dataclasses import dataclass
from typing import List

import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow import Inference
from kolena_lab.workflow import _codec
from kolena_lab.workflow.annotation import ScoredLabeledBoundingBox


@dataclass(frozen=True)
class Found(Inference):
    bboxes: List[ScoredLabeledBoundingBox]


def _stored_with_nan() -> str:
    data = Found(bboxes=[ScoredLabeledBoundingBox((0, 0), (5, 5), "car", 0.5)])._to_dict()
    data["bboxes"][0]["score"] = math.nan  # as an older kolena_lab stored a model's NaN score
    return _codec.dumps(data)


def test_a_stored_nan_score_reads_back_but_a_given_one_is_refused():
    text = _stored_with_nan()
    read = _codec.decode(Found, text)
    assert math.isnan(read.bboxes[0].score)
    with pytest.raises(InputValidationError, match="finite"):
        ScoredLabeledBoundingBox((0, 0), (5, 5), "car", math.nan)
    with pytest.raises(InputValidationError, match="finite"):
        Found._from_dict(json.loads(text))  # a dict given by a user (a DataFrame cell, say) is checked


def test_a_stored_wrong_type_reads_back():
    data = Found(bboxes=[])._to_dict()
    data["bboxes"] = "not a list"
    assert _codec.decode(Found, _codec.dumps(data)).bboxes == "not a list"
