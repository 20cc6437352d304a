"""Slice tests against hand computations and scipy: Welch's t-test, the two-proportion z-test, Benjamini–Hochberg."""
import math

import numpy as np
import pytest

from kolena_lab.metrics import InputValidationError
from kolena_lab.metrics._distributions import incomplete_beta, t_quantile, t_two_sided
from kolena_lab.metrics.slice_stats import benjamini_hochberg, proportion_test, welch_test


def test_benjamini_hochberg_by_hand():
    # sorted: 0.01, 0.03, 0.04, 0.2 -> times 4 / rank: 0.04, 0.06, 0.0533, 0.2 -> monotone from the top down
    adjusted = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2]))
    assert adjusted == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert benjamini_hochberg(np.array([0.5, 0.9])) == pytest.approx([0.9, 0.9])
    assert benjamini_hochberg(np.array([0.8, 0.9, 0.95])).max() <= 1.0
    assert len(benjamini_hochberg(np.array([]))) == 0


def test_benjamini_hochberg_equals_scipy():
    stats = pytest.importorskip("scipy.stats")
    p = np.random.default_rng(0).random(40) ** 3
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p))


@pytest.mark.parametrize("bad", [np.array([0.1, 1.5]), np.array([np.nan]), np.array([[0.1]])])
def test_benjamini_hochberg_refuses_non_p_values(bad):
    with pytest.raises(InputValidationError, match="p-values"):
        benjamini_hochberg(bad)


def test_welch_by_hand():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0, 8.0, 10.0])
    va, vb = np.var(a, ddof=1) / 4, np.var(b, ddof=1) / 5
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 4)
    result = welch_test(a, b)
    assert result.difference == pytest.approx(-3.5)
    assert result.p_value == pytest.approx(incomplete_beta(df / 2, 0.5, df / (df + t * t)))
    assert result.ci_low < -3.5 < result.ci_high


@pytest.mark.parametrize("seed,n1,n2", [(0, 5, 7), (1, 40, 900), (2, 300, 300)])
def test_welch_equals_scipy(seed, n1, n2):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.4, 1.0, n1), rng.normal(0.0, 2.0, n2)
    ours, theirs = welch_test(a, b, 0.9), stats.ttest_ind(a, b, equal_var=False)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
    interval = theirs.confidence_interval(0.9)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((interval.low, interval.high), rel=1e-7)


def test_t_distribution_equals_scipy():
    stats = pytest.importorskip("scipy.stats")
    for df in (1.0, 2.5, 10.0, 300.0):
        for t in (0.1, 1.0, 3.0, 12.0):
            assert t_two_sided(t, df) == pytest.approx(2 * stats.t.sf(t, df), rel=1e-9)
        assert t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)


def test_proportion_test_by_hand():
    inside = np.array([1.0] * 30 + [0.0] * 70)  # 0.3
    outside = np.array([1.0] * 540 + [0.0] * 360)  # 0.6
    pooled = 570 / 1000
    z = (0.3 - 0.6) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 900))
    half = 1.959963984540054 * math.sqrt(0.3 * 0.7 / 100 + 0.6 * 0.4 / 900)
    result = proportion_test(inside, outside)
    assert result.difference == pytest.approx(-0.3)
    assert result.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.3 - half, -0.3 + half))


def test_tests_without_spread():
    same = welch_test(np.ones(5), np.ones(9))
    assert same.p_value == 1.0 and same.difference == 0.0
    assert welch_test(np.zeros(5), np.ones(9)).p_value == 0.0
    assert proportion_test(np.ones(4), np.ones(6)).p_value == 1.0


def test_bad_test_input():
    with pytest.raises(InputValidationError, match="at least 2 samples"):
        welch_test(np.ones(1), np.ones(5))
    with pytest.raises(InputValidationError, match="0/1"):
        proportion_test(np.array([0.5, 1.0]), np.array([0.0, 1.0]))
