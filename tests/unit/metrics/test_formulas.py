"""Count formulas: Kolena's zero conventions, scalars and arrays."""
import math

import numpy as np
import pytest

from kolena_lab.metrics import accuracy, f1_score, fpr, precision, recall, specificity


def test_values():
    assert precision(3, 1) == 0.75
    assert recall(3, 3) == 0.5
    assert f1_score(3, 1, 3) == pytest.approx(2 * 0.75 * 0.5 / 1.25)
    assert accuracy(3, 1, 3, 13) == 0.8
    assert fpr(9, 1) == 0.1
    assert specificity(9, 1) == 0.9
    assert isinstance(precision(1, 1), float)


@pytest.mark.parametrize("fn, args", [
    (precision, (0, 0)), (recall, (0, 0)), (f1_score, (0, 0, 0)), (f1_score, (0, 3, 4)),
    (accuracy, (0, 0, 0, 0)), (fpr, (0, 0)), (specificity, (0, 0)),
    (precision, (math.nan, 1)), (recall, (2, math.nan)), (accuracy, (1, 1, 1, math.nan)), (fpr, (math.nan, 3)),
])
def test_zero_when_undefined(fn, args):
    assert fn(*args) == 0.0


def test_arrays_elementwise():
    tp = np.array([0, 1, 2, np.nan])
    fp = np.array([0, 1, 0, 1])
    np.testing.assert_array_equal(precision(tp, fp), [0.0, 0.5, 1.0, 0.0])
    fn = np.array([0, 3, 2, 0])
    np.testing.assert_allclose(f1_score(tp, fp, fn), [0.0, 2 * 0.5 * 0.25 / 0.75, 2 * 0.5 / 1.5, 0.0])
    np.testing.assert_array_equal(specificity(np.array([1, 0]), np.array([1, 0])), [0.5, 0.0])


def test_negative_or_non_numeric_counts_raise():
    from kolena_lab.metrics import InputValidationError

    with pytest.raises(InputValidationError, match="'fp'"):
        precision(3, -1)
    with pytest.raises(InputValidationError, match="'tn'"):
        accuracy(1, 1, 1, np.array([1, -2]))
    with pytest.raises(InputValidationError, match="'tp'"):
        recall("three", 1)
