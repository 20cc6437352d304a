"""Searches: budgets, determinism by seed, the grid's shape, and optuna's lockstep rounds."""
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.stress.domain import Axis, Domain, Parameter
from kolena_lab.stress.search import GridSearch, OptunaSearch, RandomSearch, grid_points, make_search

DOMAIN = Domain("d", (
    Axis("brightness", "brightness", (Parameter("delta", low=-0.5, high=0.5),)),
    Axis("jpeg", "jpeg", (Parameter("quality", low=10, high=100, integer=True),)),
    Axis("blur", "blur", (Parameter("sigma", choices=(1.0, 2.0, 3.0)),)),
))


def _all(search):
    out, rounds = [], 0
    proposals = search.ask()
    while proposals:
        rounds += 1
        out.extend(proposals)
        search.tell(proposals, [0.5] * len(proposals))
        proposals = search.ask()
    return out, rounds


def test_random_search_draws_budget_per_sample_within_the_ranges_and_repeats_by_seed():
    proposals, rounds = _all(RandomSearch(DOMAIN, 3, 7, seed=1))
    assert rounds == 1 and len(proposals) == 21
    assert [sum(p.sample == i for p in proposals) for i in range(3)] == [7, 7, 7]
    for p in proposals:
        axis = DOMAIN.axis(p.axis)
        (name, value), = p.params.items()
        parameter = axis.parameter(name)
        if parameter.choices:
            assert value in parameter.choices
        else:
            assert parameter.low <= value <= parameter.high
    assert proposals == _all(RandomSearch(DOMAIN, 3, 7, seed=1))[0]
    assert proposals != _all(RandomSearch(DOMAIN, 3, 7, seed=2))[0]
    # a sample's draws do not depend on how many samples there are
    assert [p for p in proposals if p.sample == 0] == [p for p in _all(RandomSearch(DOMAIN, 1, 7, seed=1))[0]]


def test_grid_is_the_finest_that_fits_the_budget():
    # n values for each range axis + 3 choices: 2n + 3 <= budget
    points = grid_points(DOMAIN, 13)
    assert len(points) == 13
    assert [p["delta"] for a, p in points if a == "brightness"] == pytest.approx([-0.5, -0.25, 0, 0.25, 0.5])
    assert [p["quality"] for a, p in points if a == "jpeg"] == [10, 32, 55, 78, 100]
    assert [p["sigma"] for a, p in points if a == "blur"] == [1.0, 2.0, 3.0]
    assert len(grid_points(DOMAIN, 14)) == 13
    proposals, rounds = _all(GridSearch(DOMAIN, 2, 14, seed=0))
    assert rounds == 1 and len(proposals) == 26
    assert [(p.axis, p.params) for p in proposals if p.sample == 0] == [(p.axis, p.params) for p in proposals
                                                                        if p.sample == 1]
    with pytest.raises(InputValidationError, match="budget 4 is too small for a grid over domain 'd'.*at least 5"):
        grid_points(DOMAIN, 4)


def test_optuna_asks_every_sample_once_per_round_for_budget_rounds_and_repeats_by_seed():
    pytest.importorskip("optuna")
    proposals, rounds = _all(OptunaSearch(DOMAIN, 4, 6, seed=3, higher_is_better=True))
    assert rounds == 6 and len(proposals) == 24
    for step in range(6):
        assert sorted(p.sample for p in proposals if p.step == step) == [0, 1, 2, 3]
    assert proposals == _all(OptunaSearch(DOMAIN, 4, 6, seed=3, higher_is_better=True))[0]
    assert proposals != _all(OptunaSearch(DOMAIN, 4, 6, seed=4, higher_is_better=True))[0]


def test_optuna_finds_a_planted_failure_region():
    pytest.importorskip("optuna")
    search = OptunaSearch(DOMAIN, 2, 40, seed=0, higher_is_better=True)
    found = []
    proposals = search.ask()
    while proposals:
        scores = [0.0 if p.axis == "brightness" and p.params["delta"] > 0.4 else 1.0 for p in proposals]
        found.extend(p for p, s in zip(proposals, scores) if s == 0.0)
        search.tell(proposals, scores)
        proposals = search.ask()
    assert {p.sample for p in found} == {0, 1}


def test_unknown_search_is_refused():
    with pytest.raises(InputValidationError, match="search must be one of 'random', 'grid', 'optuna', got 'bayes'"):
        make_search("bayes", DOMAIN, 1, 1, 0, True)


def test_optuna_search_without_optuna_says_which_extra_installs_it(monkeypatch):
    import sys

    from kolena_lab.errors import IncorrectUsageError

    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(IncorrectUsageError, match=r"stress testing needs the `stress` extra: pip install "
                                                  r"'kolena_lab\[stress\]' \(optuna cannot be imported"):
        OptunaSearch(DOMAIN, 1, 1, seed=0, higher_is_better=True)
