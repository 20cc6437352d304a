"""Comparing models with a baseline: which direction is better, and a paired bootstrap over a test case's samples."""
import re
from typing import Dict, Iterable, Iterator, Tuple

import numpy as np

# Name tokens of metrics where a lower value is better; any other numeric metric is taken as higher-is-better.
LOWER_IS_BETTER_TOKENS = frozenset({
    "error", "errors", "err", "loss", "fp", "fn", "fpr", "fnr", "mse", "mae", "rmse", "mape", "latency", "wer",
    "cer", "miss", "misses", "false", "distance", "time",
})
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95
_CACHED_WEIGHTS = 2_000_000  # weights (16 MB) kept per sample count; larger counts are drawn in blocks


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

    def _weight_blocks(self, n: int) -> Iterator[np.ndarray]:
        """The resampling weights for ``n`` samples (resamples × n), in row blocks of at most ``_CACHED_WEIGHTS``
        entries; the same numbers whatever the block size (one random stream per ``n``)."""
        if n in self._weights:
            yield self._weights[n]
            return
        rng = np.random.default_rng(self.seed + n)
        rows = max(1, _CACHED_WEIGHTS // n)
        if rows >= self.resamples:  # small enough to keep for the other models and metrics of this size
            self._weights[n] = rng.multinomial(n, np.full(n, 1.0 / n), size=self.resamples).astype(float) / n
            yield self._weights[n]
            return
        for start in range(0, self.resamples, rows):
            size = min(rows, self.resamples - start)
            yield rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float) / n

    def intervals(self, differences: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Percentile intervals of the mean of each column of ``differences`` (samples × comparisons)."""
        differences = np.asarray(differences, dtype=float)
        n = differences.shape[0]
        if n < 2:
            nan = np.full(differences.shape[1], np.nan)
            return nan, nan
        means = np.vstack([block @ differences for block in self._weight_blocks(n)])
        alpha = (1 - self.confidence) / 2
        low, high = np.quantile(means, [alpha, 1 - alpha], axis=0)
        return low, high

