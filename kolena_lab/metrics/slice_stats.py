"""Is a slice really worse than the rest? Two-sided tests of the difference of means (slice minus rest) with a
confidence interval — Welch's t-test for a continuous metric, the two-proportion z-test (pooled, as statsmodels'
``proportions_ztest``) with a Wald interval for a 0/1 metric — and the Benjamini–Hochberg correction of the p-values
of the slices tested together."""
import math
from dataclasses import dataclass

import numpy as np

from kolena_lab.metrics._distributions import normal_quantile, normal_two_sided, t_quantile, t_two_sided
from kolena_lab.metrics._validation import InputValidationError


@dataclass(frozen=True)
class DifferenceTest:
    """``difference`` = slice mean - rest mean, its ``(ci_low, ci_high)`` interval and two-sided ``p_value``."""

    slice_mean: float
    rest_mean: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float


def _check(inside: np.ndarray, outside: np.ndarray, confidence: float) -> None:
    if len(inside) < 2 or len(outside) < 2:
        raise InputValidationError(f"a slice and the rest need at least 2 samples each, got {len(inside)} and "
                                   f"{len(outside)}")
    if not 0.0 < confidence < 1.0:
        raise InputValidationError(f"confidence must be in (0, 1), got {confidence}")


def _p_value(difference: float, error: float, tail: float) -> float:
    """The tail probability, or 1 / 0 when there is no spread (equal or different means)."""
    if error > 0:
        return tail
    return 1.0 if difference == 0 else 0.0


def welch_test(inside: np.ndarray, outside: np.ndarray, confidence: float = 0.95) -> DifferenceTest:
    """Welch's unequal-variance t-test and interval (Welch–Satterthwaite degrees of freedom)."""
    inside, outside = np.asarray(inside, dtype=float), np.asarray(outside, dtype=float)
    _check(inside, outside, confidence)
    n1, n2 = len(inside), len(outside)
    m1, m2 = float(inside.mean()), float(outside.mean())
    v1, v2 = float(inside.var(ddof=1)) / n1, float(outside.var(ddof=1)) / n2
    difference, error = m1 - m2, math.sqrt(v1 + v2)
    if error == 0:
        return DifferenceTest(m1, m2, difference, difference, difference, _p_value(difference, 0.0, 1.0))
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    t = difference / error
    half = t_quantile(0.5 + confidence / 2, df) * error
    return DifferenceTest(m1, m2, difference, difference - half, difference + half, t_two_sided(t, df))


def proportion_test(inside: np.ndarray, outside: np.ndarray, confidence: float = 0.95) -> DifferenceTest:
    """The two-proportion z-test (pooled variance) and the Wald interval of the difference, for 0/1 values."""
    inside, outside = np.asarray(inside, dtype=float), np.asarray(outside, dtype=float)
    _check(inside, outside, confidence)
    if not np.isin(inside, (0.0, 1.0)).all() or not np.isin(outside, (0.0, 1.0)).all():
        raise InputValidationError("a proportion test needs 0/1 values")
    n1, n2 = len(inside), len(outside)
    p1, p2 = float(inside.mean()), float(outside.mean())
    pooled = (inside.sum() + outside.sum()) / (n1 + n2)
    difference = p1 - p2
    error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    tail = normal_two_sided(difference / error) if error > 0 else 1.0
    half = normal_quantile(0.5 + confidence / 2) * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return DifferenceTest(p1, p2, difference, difference - half, difference + half,
                          _p_value(difference, error, tail))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the order given: ``p_(i) * m / i`` over the
    sorted p-values, made monotone from the largest down, at most 1."""
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise InputValidationError("p-values must be a 1-d array of numbers in [0, 1]")
    if not len(p):
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out
