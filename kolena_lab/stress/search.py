"""Choosing perturbations: random, grid and optuna (TPE) searches over a domain's axes, per sample.

Every search is an ask/tell loop over all samples in lockstep: ``ask()`` gives the next round of proposals (at most
one per sample per round for optuna, all of them at once for random and grid), the engine perturbs and infers them in
batches, then ``tell()`` gives back their scores. Given the seed, the proposals are the same on every run (and the
optuna ones too, as long as the scores are: a deterministic model's stored inferences are reused on a re-run).
"""
import dataclasses
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.stress._extra import require

SEARCHES = ("random", "grid", "optuna")
_MAX_GRID_STEPS = 1000  # values per range parameter at most, however large the budget
_SEED_RANGE = 2 ** 31 - 1


@dataclasses.dataclass(frozen=True)
class Proposal:
    """One perturbation to try: of the ``sample``-th sample, on ``axis`` with ``params``; ``seed`` drives the
    transform's randomness; ``step`` is its position among the sample's proposals."""

    sample: int
    step: int
    axis: str
    params: Dict[str, Any]
    seed: int


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python number (JSON-able, stable in stored metadata)."""
    return value.item() if isinstance(value, np.generic) else value


class Search:
    """The ask/tell protocol; ``total`` is the number of proposals the search makes over all samples."""

    total: int

    def ask(self) -> List[Proposal]:
        """The next round of proposals; empty when the search is over."""
        raise NotImplementedError

    def tell(self, proposals: Sequence[Proposal], scores: Sequence[float]) -> None:
        """The scores of the last round's proposals (ignored by random and grid search)."""


class RandomSearch(Search):
    """``budget`` draws per sample: an axis uniformly, then each of its parameters uniformly."""

    def __init__(self, domain: Any, n_samples: int, budget: int, seed: int):
        self.total = n_samples * budget
        self._proposals: Optional[List[Proposal]] = []
        axes = list(domain.axes)
        for i in range(n_samples):
            rng = np.random.default_rng([seed, i])
            for step in range(budget):
                axis = axes[int(rng.integers(len(axes)))]
                params = {p.name: _plain(p.sample(rng)) for p in axis.parameters}
                self._proposals.append(Proposal(i, step, axis.name, params, int(rng.integers(_SEED_RANGE))))

    def ask(self) -> List[Proposal]:
        out, self._proposals = self._proposals or [], None
        return out


def grid_points(domain: Any, budget: int) -> List[Tuple[str, Dict[str, Any]]]:
    """Every axis's grid: the product of its parameters' ``values(n)`` with the largest ``n`` (the same for every
    range parameter) whose total over the axes fits ``budget``; choices give all their values."""
    def points(n: int) -> List[Tuple[str, Dict[str, Any]]]:
        out = []
        for axis in domain.axes:
            grids = [[_plain(v) for v in p.values(n)] for p in axis.parameters]
            for combination in _product(grids):
                out.append((axis.name, dict(zip([p.name for p in axis.parameters], combination))))
        return out

    best = points(1)
    if len(best) > budget:
        raise InputValidationError(f"budget {budget} is too small for a grid over domain '{domain.name}': it needs "
                                   f"at least {len(best)} steps per sample")
    for n in range(2, _MAX_GRID_STEPS + 1):
        candidate = points(n)
        if len(candidate) > budget or len(candidate) == len(best):
            break
        best = candidate
    return best


def _product(grids: List[List[Any]]) -> List[Tuple[Any, ...]]:
    out: List[Tuple[Any, ...]] = [()]
    for grid in grids:
        out = [(*head, value) for head in out for value in grid]
    return out


class GridSearch(Search):
    """The same grid (see ``grid_points``) for every sample; each point's transform seed drawn per sample."""

    def __init__(self, domain: Any, n_samples: int, budget: int, seed: int):
        grid = grid_points(domain, budget)
        self.total = n_samples * len(grid)
        self._proposals: Optional[List[Proposal]] = []
        for i in range(n_samples):
            rng = np.random.default_rng([seed, i])
            seeds = rng.integers(_SEED_RANGE, size=len(grid))
            self._proposals.extend(Proposal(i, step, axis, dict(params), int(s))
                                   for step, ((axis, params), s) in enumerate(zip(grid, seeds)))

    def ask(self) -> List[Proposal]:
        out, self._proposals = self._proposals or [], None
        return out


def _optuna() -> Any:
    optuna = require("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class OptunaSearch(Search):
    """A seeded TPE study per sample, minimising its score (maximising the drop; the reverse for lower-is-better
    scores); the axis is a categorical parameter and each axis's parameters are conditional on it. Each round asks
    every study once, so a round is one batched inference over all samples; ``budget`` rounds."""

    def __init__(self, domain: Any, n_samples: int, budget: int, seed: int, higher_is_better: bool):
        optuna = _optuna()
        self.total = n_samples * budget
        self._domain, self._budget, self._step = domain, budget, 0
        self._names = [axis.name for axis in domain.axes]
        direction = "minimize" if higher_is_better else "maximize"
        startup = max(1, min(10, budget // 4))
        self._studies = [optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(
            seed=int(np.random.default_rng([seed, i]).integers(_SEED_RANGE)), n_startup_trials=startup))
            for i in range(n_samples)]
        self._seeds = [np.random.default_rng([seed, i, 1]).integers(_SEED_RANGE, size=budget)
                       for i in range(n_samples)]
        self._trials: Dict[int, Any] = {}

    def _params(self, trial: Any, axis: Any) -> Dict[str, Any]:
        params = {}
        for p in axis.parameters:
            key = f"{axis.name}.{p.name}"
            if p.choices is not None:
                params[p.name] = _plain(trial.suggest_categorical(key, list(p.choices)))
            elif p.integer:
                params[p.name] = int(trial.suggest_int(key, int(math.ceil(p.low)), int(math.floor(p.high))))
            else:
                params[p.name] = float(trial.suggest_float(key, float(p.low), float(p.high)))
        return params

    def ask(self) -> List[Proposal]:
        if self._step >= self._budget:
            return []
        proposals = []
        for i, study in enumerate(self._studies):
            trial = study.ask()
            axis = self._domain.axis(trial.suggest_categorical("axis", self._names))
            self._trials[i] = trial
            proposals.append(Proposal(i, self._step, axis.name, self._params(trial, axis),
                                      int(self._seeds[i][self._step])))
        self._step += 1
        return proposals

    def tell(self, proposals: Sequence[Proposal], scores: Sequence[float]) -> None:
        for proposal, score in zip(proposals, scores):
            self._studies[proposal.sample].tell(self._trials.pop(proposal.sample), float(score))


def make_search(search: str, domain: Any, n_samples: int, budget: int, seed: int, higher_is_better: bool) -> Search:
    """The search named ``search`` (one of ``SEARCHES``)."""
    if search == "random":
        return RandomSearch(domain, n_samples, budget, seed)
    if search == "grid":
        return GridSearch(domain, n_samples, budget, seed)
    if search == "optuna":
        return OptunaSearch(domain, n_samples, budget, seed, higher_is_better)
    raise InputValidationError(f"search must be one of {', '.join(map(repr, SEARCHES))}, got {shown(search)}")
