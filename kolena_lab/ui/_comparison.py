"""Comparing models with a baseline: which direction is better, and a paired bootstrap over a test case's samples."""
import re
from typing import Dict, Iterable, Tuple

import numpy as np

# Name tokens of metrics where a lower value is better; any other numeric metric is taken as higher-is-better.
LOWER_IS_BETTER_TOKENS = frozenset({
    "error", "errors", "err", "loss", "fp", "fn", "fpr", "fnr", "mse", "mae", "rmse", "mape", "latency", "wer",
    "cer", "miss", "misses", "false", "distance", "time",
})
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95


def lower_is_better(metric: str, lower: Iterable[str] = (), higher: Iterable[str] = ()) -> bool:
    """Whether a smaller value of ``metric`` is an improvement: explicit lists first, then the name's tokens."""
    if metric in set(higher):
        return False
    if metric in set(lower):
        return True
    tokens = {t for t in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", metric).lower()) if t}
    return bool(tokens & LOWER_IS_BETTER_TOKENS)


class Bootstrap:
    """Paired bootstrap of mean differences: one set of resampling weights per sample count, reused for every
    model and metric of a test case, so a test case costs one matrix product."""

    def __init__(self, resamples: int = BOOTSTRAP_RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0):
        self.resamples, self.confidence, self.seed = resamples, confidence, seed
        self._weights: Dict[int, np.ndarray] = {}

    def _counts(self, n: int) -> np.ndarray:
        if n not in self._weights:
            rng = np.random.default_rng(self.seed + n)
            self._weights[n] = rng.multinomial(n, np.full(n, 1.0 / n), size=self.resamples).astype(float) / n
        return self._weights[n]

    def intervals(self, differences: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Percentile intervals of the mean of each column of ``differences`` (samples × comparisons)."""
        differences = np.asarray(differences, dtype=float)
        n = differences.shape[0]
        if n < 2:
            nan = np.full(differences.shape[1], np.nan)
            return nan, nan
        means = self._counts(n) @ differences
        alpha = (1 - self.confidence) / 2
        low, high = np.quantile(means, [alpha, 1 - alpha], axis=0)
        return low, high

