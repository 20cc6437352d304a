"""StressResults' numbers against a direct computation on a known table: curves with bootstrap bands,
vulnerability, mPC / rPC, worst, summary, figure."""
import json

import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import IncorrectUsageError
from kolena_lab.stress import Domain, StressResults
from kolena_lab.stress.domain import Axis, Parameter

LIGHT = Domain("light", (Axis("brightness", "brightness", (Parameter("delta", low=-1.0, high=1.0),)),
                         Axis("blur", "blur", (Parameter("sigma", choices=(1.0, 2.0)),))))


def _results(domain, rows, clean=0.9):
    frame = pd.DataFrame(rows, columns=["parent", "axis", "params", "seed", "step", "score", "clean_score", "drop",
                                        "failure", "locator"])
    record = {"model": "m", "workflow": "w", "test_case": "t", "domain": domain.to_dict(), "search": "random",
              "budget": 1, "seed": 0, "suite": "s", "clean": clean, "metric": "correct", "higher_is_better": True,
              "failure": 0.5, "max_drop": None}
    return StressResults("run", record, frame, [], None)


def _row(axis, params, score, clean=1.0, i=0):
    return [f"p{i}", axis, json.dumps(params), 0, i, score, clean, clean - score, clean >= 0.5 > score, f"l{i}"]


def test_vulnerability_is_mean_drop_and_failure_rate_per_axis_worst_first():
    rows = [_row("brightness", {"delta": 0.1}, 1.0, i=0), _row("brightness", {"delta": 0.9}, 0.0, i=1),
            _row("blur", {"sigma": 1.0}, 0.75, i=2), _row("blur", {"sigma": 2.0}, 0.25, i=3),
            _row("blur", {"sigma": 2.0}, 0.25, i=4)]
    table = _results(LIGHT, rows).vulnerability()
    assert table["axis"].tolist() == ["blur", "brightness"]
    assert table["n"].tolist() == [3, 2]
    assert table["mean_drop"].tolist() == pytest.approx([(0.25 + 0.75 + 0.75) / 3, 0.5])
    assert table["failure_rate"].tolist() == pytest.approx([2 / 3, 0.5])
    assert table["mean_score"].tolist() == pytest.approx([(0.75 + 0.25 + 0.25) / 3, 0.5])


def test_curves_bin_the_parameter_and_bootstrap_the_mean():
    rng = np.random.default_rng(1)
    deltas = rng.uniform(-1, 1, 200)
    scores = (rng.uniform(size=200) > (deltas + 1) / 2).astype(float)
    rows = [_row("brightness", {"delta": float(d)}, float(s), i=i) for i, (d, s) in enumerate(zip(deltas, scores))]
    rows += [_row("blur", {"sigma": 2.0}, 0.5, i=500)]
    results = _results(LIGHT, rows)
    curves = results.curves(bins=4, n_bootstrap=500, seed=3)
    brightness = curves[curves["axis"] == "brightness"]
    assert brightness["x"].tolist() == pytest.approx([-0.75, -0.25, 0.25, 0.75])
    edges = np.linspace(-1, 1, 5)
    index = np.clip(np.searchsorted(edges, deltas, side="right") - 1, 0, 3)
    draw = np.random.default_rng(3)
    for b, row in enumerate(brightness.itertuples()):
        in_bin = scores[index == b]
        assert row.n == len(in_bin) and row.mean == pytest.approx(in_bin.mean())
        means = in_bin[draw.integers(len(in_bin), size=(500, len(in_bin)))].mean(axis=1)
        assert (row.low, row.high) == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])))
        assert row.low <= row.mean <= row.high
    # the blur choices: one point per choice holding samples; one sample has no spread
    blur = curves[curves["axis"] == "blur"]
    assert blur[["x", "mean", "low", "high", "n"]].values.tolist() == [[2.0, 0.5, 0.5, 0.5, 1]]
    assert results.curves(bins=4, n_bootstrap=500, seed=3).equals(curves)
    # a lower score further right: the figure has one band and one line per axis
    figure = results.figure(bins=4)
    assert len(figure.data) == 4


def test_mpc_and_rpc_average_severities_then_corruptions():
    domain = Domain.ready("corruptions")
    rng = np.random.default_rng(0)
    rows, table = [], {}
    for axis in domain.axes:
        for severity in (1, 2, 3, 4, 5):
            scores = rng.uniform(size=3)
            table[(axis.name, severity)] = scores.mean()
            rows += [_row(axis.name, {"severity": severity}, float(s), i=len(rows)) for s in scores]
    results = _results(domain, rows, clean=0.8)
    expected = np.mean([np.mean([table[(a.name, s)] for s in range(1, 6)]) for a in domain.axes])
    assert results.mpc() == pytest.approx(expected)
    assert results.rpc() == pytest.approx(expected / 0.8)
    summary = results.summary()
    assert summary["mpc"] == pytest.approx(expected) and summary["n_perturbations"] == 15 * 5 * 3
    with pytest.raises(IncorrectUsageError, match="every corruption at every severity; 1 are missing, e.g. "
                                                  "jpeg_compression at severity 5"):
        _results(domain, rows[:-3]).mpc()
    with pytest.raises(IncorrectUsageError, match="need a corruption domain"):
        _results(LIGHT, [_row("blur", {"sigma": 1.0}, 1.0)]).mpc()
    assert "mpc" not in _results(LIGHT, [_row("blur", {"sigma": 1.0}, 1.0)]).summary()


def test_worst_and_to_dataframe():
    rows = [_row("brightness", {"delta": 0.5}, s, i=i) for i, s in enumerate([0.9, 0.1, 0.5, 0.1])]
    results = _results(LIGHT, rows)
    frame = results.to_dataframe()
    assert frame["params"].tolist() == [{"delta": 0.5}] * 4 and frame["param.delta"].tolist() == [0.5] * 4
    assert results.worst(3)["locator"].tolist() == ["l1", "l3", "l2"]
