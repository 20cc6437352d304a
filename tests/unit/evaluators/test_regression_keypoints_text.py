"""Regression, keypoints and text evaluators: per test case equal to the reference formulas on its samples."""
import numpy as np
import pytest

from kolena_lab.evaluators import (
    KeypointsConfiguration,
    KeypointsEvaluator,
    RegressionConfiguration,
    RegressionEvaluator,
    TextConfiguration,
    TextEvaluator,
)
from kolena_lab.metrics import character_error_rate, failure_rate_curve, nme, token_f1, word_error_rate
from kolena_lab.workflow.annotation import Keypoints
from kolena_lab.workflow.plot import Histogram

from . import _data


def test_regression_equals_scikit_learn_per_test_case():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.uniform(10, 80, 200)
    pred = y + rng.normal(0, 5, 200)
    samples = _data.images(200)
    groups = _data.overlapping_groups(200, seed=3)
    config = RegressionConfiguration(tolerance=5.0)
    result = RegressionEvaluator([config])(samples, [_data.RegGT(v) for v in y], [_data.RegInf(v) for v in pred],
                                           _data.test_cases(samples, groups), None)
    for (name, m), idx in zip(result.metrics_test_case, groups.values()):
        if not len(idx):
            assert (m.n_samples, m.mae) == (0, 0.0)
            continue
        assert m.mae == pytest.approx(sk.mean_absolute_error(y[idx], pred[idx]), rel=1e-12)
        assert m.mse == pytest.approx(sk.mean_squared_error(y[idx], pred[idx]), rel=1e-12)
        assert m.r2 == pytest.approx(sk.r2_score(y[idx], pred[idx]), rel=1e-12)
        assert m.within_tolerance == np.mean(np.abs(pred[idx] - y[idx]) <= 5.0)
    edges = {tuple(p.buckets) for _, plots in result.plots_test_case for p in plots if isinstance(p, Histogram)}
    assert len(edges) == 1  # one set of bins for every test case
    with pytest.raises(ValueError, match="img00001.jpg must be a finite number, got nan"):
        RegressionEvaluator()(samples[:2], [_data.RegGT(1.0), _data.RegGT(float("nan"))], [_data.RegInf(1.0)] * 2,
                              _data.test_cases(samples[:2], {"a": [0]}), None)


def test_keypoints_equal_nme_per_test_case_and_missing_predictions_fail():
    rng = np.random.default_rng(1)
    n, k = 60, 5
    truth = rng.uniform(0, 100, (n, k, 2))
    pred = truth + rng.normal(0, 3, (n, k, 2))
    samples = _data.images(n)
    gts = [_data.KpGT(Keypoints(points=[tuple(p) for p in t])) for t in truth]
    infs = [_data.KpInf(None if i % 10 == 0 else Keypoints(points=[tuple(p) for p in q])) for i, q in enumerate(pred)]
    groups = _data.overlapping_groups(n, seed=5)
    config = KeypointsConfiguration(nme_threshold=0.08)
    result = KeypointsEvaluator([config])(samples, gts, infs, _data.test_cases(samples, groups), None)
    norm = np.linalg.norm(truth[:, 0] - truth[:, 1], axis=1)
    present = np.arange(n) % 10 != 0
    for (name, m), idx in zip(result.metrics_test_case, groups.values()):
        if not len(idx):
            assert m.n_samples == 0 and m.per_keypoint == []
            continue
        ok = idx[present[idx]]
        expected = nme(truth[ok], pred[ok], norm[ok])
        assert m.n_missing == len(idx) - len(ok)
        assert m.mean_nme == pytest.approx(expected.mean(), rel=1e-12)
        assert m.failure_rate == pytest.approx(((expected > 0.08).sum() + m.n_missing) / len(idx), rel=1e-12)
        assert m.auc == pytest.approx(failure_rate_curve(expected, max_threshold=0.08).auc * len(ok) / len(idx))
        assert m.per_keypoint[2].mean_nme == pytest.approx(nme(truth[ok, 2:3], pred[ok, 2:3], norm[ok]).mean())
    assert result.metrics_test_sample[0][1].nme is None and result.metrics_test_sample[0][1].failed
    with pytest.raises(ValueError, match="img00000.jpg.*'interocular' normalization is 0.0"):
        same = _data.KpGT(Keypoints(points=[(1, 1)] * k))
        KeypointsEvaluator()(samples[:1], [same], infs[1:2], _data.test_cases(samples[:1], {"a": [0]}), None)
    with pytest.raises(ValueError, match="inference 'face' has 4 keypoints, the ground truth 5"):
        short = _data.KpInf(Keypoints(points=[(0, 0)] * 4))
        KeypointsEvaluator()(samples[:1], gts[:1], [short], _data.test_cases(samples[:1], {"a": [0]}), None)


@pytest.mark.parametrize("normalize", [True, False])
def test_text_equals_corpus_rates_per_test_case(normalize):
    rng = np.random.default_rng(2)
    words = ["the", "cat", "sat", "on", "a", "mat", "Dog", "ran,", "fast"]
    refs = [" ".join(rng.choice(words, rng.integers(0, 7))) for _ in range(80)]
    hyps = [None if i % 13 == 0 else
            " ".join(w for w in r.split() if rng.random() > 0.2) + (" extra" if i % 4 == 0 else "")
            for i, r in enumerate(refs)]
    samples = _data.images(80)
    groups = _data.overlapping_groups(80, seed=7)
    config = TextConfiguration(normalize=normalize)
    result = TextEvaluator([config])(samples, [_data.TextGT(r) for r in refs], [_data.TextInf(h) for h in hyps],
                                     _data.test_cases(samples, groups), None)
    from kolena_lab.metrics import normalize_answer

    prep = normalize_answer if normalize else (lambda s: s)
    for (name, m), idx in zip(result.metrics_test_case, groups.values()):
        r = [refs[i] for i in idx]
        h = [hyps[i] or "" for i in idx]
        assert m.wer == word_error_rate([prep(x) for x in r], [prep(x) for x in h])
        assert m.cer == character_error_rate([prep(x) for x in r], [prep(x) for x in h])
        assert m.token_f1 == pytest.approx(float(np.mean(token_f1(r, h))) if r else 0.0, abs=1e-15)
        assert m.n_samples == len(idx)
    one = _data.test_cases(samples[:1], {"a": [0]})
    with pytest.raises(ValueError, match="TextGT.transcript must be a str, got NoneType None"):
        _data.TextGT(None)  # refused on construction; the evaluator checks all the same
    missing = _data.TextGT("")
    object.__setattr__(missing, "transcript", None)
    with pytest.raises(ValueError, match="field 'transcript' of test sample .*img00000.jpg must be a string"):
        TextEvaluator()(samples[:1], [missing], [_data.TextInf("x")], one, None)
