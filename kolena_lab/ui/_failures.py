"""Which of a model's samples failed: a rule over its per-sample metrics, or a guess from common field names."""
from typing import Any, Callable, List, Union

import numpy as np
import pandas as pd

from kolena_lab.workflow import TestCase, TestSample
from kolena_lab.workflow.samples import sample_id

FailureRule = Union[str, Callable[[pd.DataFrame], Any], None]

_PASS_FIELDS = ("correct", "is_correct", "match", "matched", "is_tp", "success", "passed")
_FAIL_FIELDS = ("failure", "failed", "is_failure", "error", "is_error", "is_fp", "is_fn", "incorrect")


def failure_mask(frame: pd.DataFrame, rule: FailureRule) -> np.ndarray:
    """A mask of failing rows: ``rule`` as a ``DataFrame.eval`` expression or a function of the frame; with no
    rule, the negation of a pass field, else any fail field, else every row."""
    if len(frame) == 0:
        return np.zeros(0, dtype=bool)
    if callable(rule):
        return np.asarray(rule(frame), dtype=bool)
    if isinstance(rule, str):
        return np.asarray(frame.eval(rule), dtype=bool)
    for name in _PASS_FIELDS:
        if name in frame.columns:
            return ~frame[name].fillna(False).astype(bool).to_numpy()
    failing = [name for name in _FAIL_FIELDS if name in frame.columns]
    if failing:
        return frame[failing].fillna(False).astype(bool).any(axis=1).to_numpy()
    return np.ones(len(frame), dtype=bool)  # no rule and nothing recognisable: every sample


def failing_samples(test_case: TestCase, rows: pd.DataFrame, identities: List[int],
                    rule: FailureRule) -> List[TestSample]:
    """The test case's samples whose per-sample metric rows (with their ``sample_id``) fail by ``rule``."""
    mask = failure_mask(rows, rule)
    by_key = {sample_id(s, test_case.workflow): s for s, _ in test_case.iter_test_samples()}
    return [by_key[k] for k, failed in zip(identities, mask) if failed and k in by_key]
