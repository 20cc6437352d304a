"""Comparing models with a baseline: per test case and metric, which model is better, and whether a paired bootstrap
over the test case's samples says the difference is significant."""
import dataclasses
import math
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np
import pandas as pd

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow.directions import MetricDirections, direction_overrides
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.results import load_test_case_metrics, load_test_sample_metrics
from kolena_lab.workflow.samples import SAMPLE_ID
from kolena_lab.workflow.test_suite import TestSuite

BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95
MAX_CACHED_WEIGHTS = 2_000_000  # weights (16 MB) kept per sample count; larger counts are drawn in blocks
COLUMNS = ["evaluator", "configuration", "test_case", "metric", "model", "value", "baseline", "delta", "change",
           "direction", "ci_low", "ci_high", "p_value", "significant"]  # of Comparison.to_dataframe()
_KEY_COLUMNS = ("test_case", "version", "evaluator", "configuration")
_DIRECTIONS = {1: "better", -1: "worse", 0: "same"}

ConfigurationKey = Tuple[str, str]
Significance = Union[bool, Mapping[str, str]]
_Test = Tuple[float, float, float]  # interval low, high, p-value


def metric_value(value: Any) -> float:
    """A metric value as a float (booleans count 0/1); NaN when it is not a number."""
    if isinstance(value, (bool, np.bool_, int, float, np.number)):
        return float(value)
    return math.nan


class Bootstrap:
    """Paired bootstrap of mean differences: one set of resampling weights per sample count, reused for every
    model and metric of a test case, so a test case costs one matrix product. Weights of more than
    ``max_weights`` entries are drawn in blocks and not kept, to bound memory."""

    def __init__(self, resamples: int = BOOTSTRAP_RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0,
                 max_weights: int = MAX_CACHED_WEIGHTS):
        self.resamples, self.confidence, self.seed, self.max_weights = resamples, confidence, seed, max_weights
        self._weights: Dict[int, np.ndarray] = {}

    def _weight_blocks(self, n: int) -> Iterator[np.ndarray]:
        """The resampling weights for ``n`` samples (resamples × n), in row blocks of at most ``max_weights``
        entries; the same numbers whatever the block size (one random stream per ``n``)."""
        if n in self._weights:
            yield self._weights[n]
            return
        rng = np.random.default_rng(self.seed + n)
        rows = max(1, self.max_weights // n)
        if rows >= self.resamples:  # small enough to keep for the other models and metrics of this size
            self._weights[n] = rng.multinomial(n, np.full(n, 1.0 / n), size=self.resamples).astype(float) / n
            yield self._weights[n]
            return
        for start in range(0, self.resamples, rows):
            size = min(rows, self.resamples - start)
            yield rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float) / n

    def paired(self, differences: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(low, high, p_value)`` of the mean of each column of ``differences`` (samples × comparisons): the
        percentile interval and the two-sided bootstrap p-value of a zero mean (NaN with fewer than 2 samples)."""
        differences = np.asarray(differences, dtype=float)
        n = differences.shape[0]
        if n < 2:
            nan = np.full(differences.shape[1], np.nan)
            return nan, nan, nan
        means = np.vstack([block @ differences for block in self._weight_blocks(n)])
        alpha = (1 - self.confidence) / 2
        low, high = np.quantile(means, [alpha, 1 - alpha], axis=0)
        p_value = np.minimum(1.0, 2 * np.minimum((means <= 0).mean(axis=0), (means >= 0).mean(axis=0)))
        return low, high, p_value


@dataclasses.dataclass(frozen=True, eq=False)
class ConfigurationComparison:
    """One (evaluator, configuration) compared with the baseline; arrays are indexed (test case, metric, model).

    ``change`` is +1 better, -1 worse, 0 same (the baseline itself, equal values, non-numbers); ``low``/``high``
    bound the bootstrap interval of the mean per-sample difference and ``p_value`` tests it against zero (NaN when
    the metric has no per-sample counterpart or significance was not computed); ``significant`` marks a change
    whose interval excludes zero.
    """

    evaluator: str
    configuration: str
    baseline: str
    test_cases: List[str]
    metrics: List[str]  # scalar metrics, in stored order
    models: List[str]
    nested: List[str]  # columns of nested per-class rows (not compared)
    values: pd.DataFrame  # index test case, columns (metric, model): the stored values
    raw: np.ndarray
    value: np.ndarray
    baseline_value: np.ndarray  # (test case, metric)
    change: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray
    significant: np.ndarray

    @property
    def key(self) -> ConfigurationKey:
        """``(evaluator, configuration)``."""
        return self.evaluator, self.configuration

    def to_dataframe(self) -> pd.DataFrame:
        """One row per (test case, metric, model): value, baseline, delta, change and direction, interval, p-value
        and significance."""
        grid = np.meshgrid(np.asarray(self.test_cases, dtype=object), np.asarray(self.metrics, dtype=object),
                           np.asarray(self.models, dtype=object), indexing="ij")
        base = np.broadcast_to(self.baseline_value[:, :, None], self.value.shape)
        return pd.DataFrame({
            "evaluator": self.evaluator, "configuration": self.configuration,
            "test_case": grid[0].ravel(), "metric": grid[1].ravel(), "model": grid[2].ravel(),
            "value": self.value.ravel(), "baseline": base.ravel(), "delta": (self.value - base).ravel(),
            "change": self.change.ravel(), "direction": [_DIRECTIONS[c] for c in self.change.ravel()],
            "ci_low": self.low.ravel(), "ci_high": self.high.ravel(), "p_value": self.p_value.ravel(),
            "significant": self.significant.ravel(),
        }, columns=COLUMNS)


class _Results:
    """The stored results a comparison reads, loaded once and shared by its re-baselined copies: test-case metrics
    of every model, per-sample metrics as they are needed, and the bootstrap tests per (configuration, baseline)."""

    def __init__(self, test_suite: TestSuite, models: List[Model], evaluator: Optional[str],
                 configuration: Optional[str]):
        self.test_suite, self.models, self.evaluator = test_suite, models, evaluator
        self.by_name = {m.name: m for m in models}
        self.test_cases = {tc.name: tc for tc in test_suite.test_cases}
        frames = []
        for model in models:
            frame = load_test_case_metrics(model, test_suite, evaluator)
            frame.insert(0, "model", model.name)
            frames.append(frame)
        metrics = pd.concat(frames, ignore_index=True)
        if configuration is not None:
            metrics = metrics[metrics["configuration"] == configuration]
        self.metrics = metrics
        self.samples: Dict[Tuple[str, str], pd.DataFrame] = {}
        self.rows: Dict[Tuple[str, str, ConfigurationKey], Tuple[pd.DataFrame, List[str]]] = {}
        self.tables: Dict[ConfigurationKey, Tuple[List[str], List[str], pd.DataFrame]] = {}
        self.tests: Dict[Tuple[ConfigurationKey, str], Dict[Tuple[str, str, str], _Test]] = {}

    def keys(self) -> List[ConfigurationKey]:
        keys = self.metrics[["evaluator", "configuration"]].drop_duplicates()
        return [(str(e), str(c)) for e, c in keys.itertuples(index=False)]

    def table(self, key: ConfigurationKey) -> Tuple[List[str], List[str], pd.DataFrame]:
        """``(metrics, nested columns, values)`` of a configuration: values indexed by test case (suite order),
        columns (metric, model)."""
        if key not in self.tables:
            rows = _of_configuration(self.metrics, key).dropna(axis=1, how="all")
            metrics, nested = [], []
            for column in rows.columns:
                if column in _KEY_COLUMNS or column == "model":
                    continue
                values = rows[column].dropna()
                if len(values) and isinstance(values.iloc[0], list):
                    nested.append(column)
                elif len(values):
                    metrics.append(column)
            wide = rows.pivot(index="test_case", columns="model", values=metrics) if metrics else pd.DataFrame()
            if metrics:
                order = [n for n in self.test_cases if n in set(rows["test_case"])]
                models = [m.name for m in self.models if m.name in set(rows["model"])]
                wide = wide.reindex(index=order, columns=pd.MultiIndex.from_product([metrics, models]))
            self.tables[key] = metrics, nested, wide
        return self.tables[key]

    def sample_rows(self, model: str, test_case: str, key: ConfigurationKey) -> Tuple[pd.DataFrame, List[int]]:
        """A model's per-sample metrics of a test case in one configuration, with each row's ``sample_id``."""
        cache_key = (model, test_case, key)
        if cache_key not in self.rows:
            if (model, test_case) not in self.samples:
                self.samples[(model, test_case)] = load_test_sample_metrics(
                    self.by_name[model], self.test_cases[test_case], self.evaluator)
            rows = _of_configuration(self.samples[(model, test_case)], key)
            self.rows[cache_key] = rows, rows[SAMPLE_ID].tolist()
        return self.rows[cache_key]

    def _sample_values(self, model: str, test_case: str, key: ConfigurationKey, field: str) -> pd.Series:
        rows, identities = self.sample_rows(model, test_case, key)
        if field not in rows.columns:
            return pd.Series(dtype=float)
        values = pd.to_numeric(rows[field], errors="coerce").astype(float)
        return pd.Series(values.to_numpy(), index=identities)

    def significance(self, key: ConfigurationKey, baseline: str, bootstrap: Bootstrap,
                     fields: Mapping[str, str]) -> Dict[Tuple[str, str, str], _Test]:
        """The bootstrap test of every (test case, metric, model) of a configuration with a per-sample counterpart
        (``fields``: metric -> per-sample field), cached per baseline."""
        if (key, baseline) not in self.tests:
            metrics, _, values = self.table(key)
            others = [m for m in values.columns.get_level_values(1).unique() if m != baseline] if metrics else []
            found: Dict[Tuple[str, str, str], _Test] = {}
            for test_case in values.index if others else []:
                found.update(self._test_case_significance(key, test_case, baseline, others, bootstrap, fields))
            self.tests[(key, baseline)] = found
        return self.tests[(key, baseline)]

    def _test_case_significance(self, key: ConfigurationKey, test_case: str, baseline: str, others: List[str],
                                bootstrap: Bootstrap, fields: Mapping[str, str]) -> Dict[Tuple[str, str, str], _Test]:
        base_rows, _ = self.sample_rows(baseline, test_case, key)
        columns, labels = [], []
        for metric, field in fields.items():
            if field not in base_rows.columns:
                continue
            base = self._sample_values(baseline, test_case, key, field)
            for model in others:
                values = self._sample_values(model, test_case, key, field)
                paired = pd.concat([values, base], axis=1, join="inner").dropna()
                if len(paired) != len(base) or len(paired) < 2:
                    continue  # samples missing for one model: no paired comparison
                columns.append((paired.iloc[:, 0] - paired.iloc[:, 1]).to_numpy())
                labels.append((test_case, metric, model))
        if not columns:
            return {}
        low, high, p_value = bootstrap.paired(np.column_stack(columns))
        return {label: (float(lo), float(hi), float(p)) for label, lo, hi, p in zip(labels, low, high, p_value)}


def apply_directions(result: ConfigurationComparison, directions: MetricDirections) -> ConfigurationComparison:
    """A comparison whose metrics are in ``directions.order`` and whose changes follow the declared directions only:
    a metric without a declared direction is neither better nor worse (change 0, never significant)."""
    metrics = directions.order(result.metrics)
    index = [result.metrics.index(m) for m in metrics]
    sign = np.array([{True: 1.0, False: -1.0}.get(directions.direction(m), 0.0) for m in metrics])
    value, base = result.value[:, index, :], result.baseline_value[:, index]
    with np.errstate(invalid="ignore"):
        diff = (value - base[:, :, None]) * sign[None, :, None]
        change = (diff > 0).astype(int) - (diff < 0).astype(int)
    if result.baseline in result.models:
        change[:, :, result.models.index(result.baseline)] = 0
    low, high = result.low[:, index, :], result.high[:, index, :]
    with np.errstate(invalid="ignore"):
        significant = (change != 0) & ((low > 0) | (high < 0))
    values = result.values.reindex(columns=metrics, level=0) if len(result.values.columns) else result.values
    return dataclasses.replace(
        result, metrics=metrics, values=values, raw=result.raw[:, index, :], value=value, baseline_value=base,
        change=change, low=low, high=high, p_value=result.p_value[:, index, :], significant=significant)



class Comparison:
    """Test-case metrics of several models on a suite against a baseline model, per (evaluator, configuration).

    Built by :func:`compare`. Directions are computed at once; the paired bootstrap reads every test case's
    per-sample metrics, so it runs when first asked for (:meth:`to_dataframe`, :meth:`compute_significance`) and is
    kept, also for the copies :meth:`with_baseline` makes.
    """

    def __init__(self, results: _Results, baseline: str, significance: Significance, lower: Set[str],
                 higher: Set[str], bootstrap: Bootstrap, directions: Optional[Mapping[str, Any]] = None):
        self._results, self.baseline = results, baseline
        self._significance, self._lower, self._higher, self.bootstrap = significance, lower, higher, bootstrap
        self._directions = dict(directions or {})
        direction_overrides(lower, higher, self._directions)  # bad values fail here

    @property
    def test_suite(self) -> TestSuite:
        """The suite whose results are compared."""
        return self._results.test_suite

    @property
    def models(self) -> List[Model]:
        """The compared models, in the order given."""
        return list(self._results.models)

    @property
    def metrics(self) -> pd.DataFrame:
        """The stored test-case metrics of every model: ``load_test_case_metrics`` with a leading ``model`` column."""
        return self._results.metrics

    def rows(self, key: ConfigurationKey) -> pd.DataFrame:
        """The stored test-case metrics of one configuration, every model's."""
        return _of_configuration(self._results.metrics, key)

    def configurations(self) -> List[ConfigurationKey]:
        """``(evaluator, configuration)`` of every configuration with results, in stored order."""
        return self._results.keys()

    def with_baseline(self, baseline: Union[Model, str]) -> "Comparison":
        """The same comparison against another of its models; loaded results and bootstrap tests are shared."""
        return Comparison(self._results, _model_name(baseline, self._results.by_name), self._significance,
                          self._lower, self._higher, self.bootstrap, self._directions)

    def directions(self, key: ConfigurationKey) -> MetricDirections:
        """The directions of one configuration's metrics: declared by their metrics class, overridden by those given
        to :func:`compare`; a metric with neither is neutral."""
        metrics, nested, _ = self._results.table(key)
        return MetricDirections.for_metrics([*metrics, *nested], evaluator=key[0]).with_overrides(
            direction_overrides(self._lower, self._higher, self._directions, key[0]))

    def _fields(self, metrics: Sequence[str]) -> Dict[str, str]:
        if self._significance is False:
            return {}
        mapping = {} if self._significance is True else dict(self._significance)
        return {m: mapping.get(m, m) for m in metrics}

    def compute_significance(self) -> int:
        """Run the bootstrap of every configuration against the baseline (kept for later calls); returns how many
        (test case, metric, model) comparisons were bootstrapped."""
        return sum(len(self._tests(key, compute=True)) for key in self.configurations())

    def significance_computed(self) -> bool:
        """Whether the bootstrap has run for every configuration against the current baseline."""
        return self._significance is False or all((key, self.baseline) in self._results.tests
                                                  for key in self.configurations())

    def _tests(self, key: ConfigurationKey, compute: bool) -> Dict[Tuple[str, str, str], _Test]:
        if self._significance is False:
            return {}
        if compute:
            metrics = self._results.table(key)[0]
            return self._results.significance(key, self.baseline, self.bootstrap, self._fields(metrics))
        return self._results.tests.get((key, self.baseline), {})

    def configuration(self, key: ConfigurationKey, significance: bool = True) -> ConfigurationComparison:
        """One configuration against the baseline; with ``significance=False`` only bootstrap tests already
        computed are filled in (the rest NaN), so nothing slow runs."""
        metrics, nested, values = self._results.table(key)
        models = list(values.columns.get_level_values(1).unique()) if metrics else []
        shape = (len(values.index), len(metrics), len(models))
        raw = values.to_numpy(dtype=object).reshape(shape)
        value = np.vectorize(metric_value, otypes=[float])(raw) if raw.size else np.zeros(shape)
        b = models.index(self.baseline) if self.baseline in models else None
        base = value[:, :, b] if b is not None else np.full(shape[:2], np.nan)
        change = np.zeros(shape, dtype=int)  # set by the declared directions below
        low, high, p_value = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        if b is not None:
            change[:, :, b] = 0
            rows = {name: i for i, name in enumerate(values.index)}
            for (test_case, metric, model), test in self._tests(key, compute=significance).items():
                i, j, k = rows[test_case], metrics.index(metric), models.index(model)
                low[i, j, k], high[i, j, k], p_value[i, j, k] = test
        result = ConfigurationComparison(
            evaluator=key[0], configuration=key[1], baseline=self.baseline, test_cases=list(values.index),
            metrics=list(metrics), models=models, nested=list(nested), values=values, raw=raw, value=value,
            baseline_value=base, change=change, low=low, high=high, p_value=p_value,
            significant=np.zeros(shape, dtype=bool))
        return apply_directions(result, self.directions(key))

    def to_dataframe(self) -> pd.DataFrame:
        """One row per (configuration, test case, metric, model): ``evaluator``, ``configuration``, ``test_case``,
        ``metric``, ``model``, ``value``, ``baseline`` (the baseline's value), ``delta``, ``change`` (+1 better,
        -1 worse, 0 same) and ``direction`` (``better``/``worse``/``same``), ``ci_low``/``ci_high`` (the bootstrap
        interval of the mean per-sample difference), ``p_value`` and ``significant``."""
        frames = [self.configuration(key).to_dataframe() for key in self.configurations()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)

    def sample_rows(self, model: Union[Model, str], test_case: str,
                    key: ConfigurationKey) -> Tuple[pd.DataFrame, List[int]]:
        """A model's per-sample metrics of a test case in one configuration (loaded once), with each row's
        ``sample_id``."""
        name = _model_name(model, self._results.by_name)
        return self._results.sample_rows(name, test_case, key)


def compare(
    test_suite: TestSuite,
    models: Sequence[Model],
    baseline: Optional[Union[Model, str]] = None,
    evaluator: Optional[str] = None,
    configuration: Optional[str] = None,
    significance: Significance = True,
    lower_is_better: Iterable[str] = (),
    higher_is_better: Iterable[str] = (),
    bootstrap: Optional[Bootstrap] = None,
    directions: Optional[Mapping[str, Any]] = None,
) -> Comparison:
    """Compare the stored test-case metrics of ``models`` on ``test_suite`` with ``baseline`` (default: the first).

    ``evaluator`` and ``configuration`` (display names) limit the results compared. ``significance`` says which
    per-sample metric's paired mean difference is bootstrapped for a test-case metric: True the one of the same
    name, a mapping ``{test-case metric: per-sample metric}`` (others keep their own name), False none.
    A metric is better or worse in the direction its metrics class declares (``kolena_lab.workflow.directions``);
    ``directions`` (``{metric: True | False | None}``, or ``{evaluator: {...}}``) and the ``lower_is_better`` /
    ``higher_is_better`` lists override that. A metric with no direction is never better or worse: a direction is
    not guessed from a name.
    """
    if not models:
        raise InputValidationError("compare needs at least one model")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise InputValidationError(f"models must be distinct, got {names}")
    results = _Results(test_suite, list(models), evaluator, configuration)
    name = _model_name(baseline, results.by_name) if baseline is not None else names[0]
    return Comparison(results, name, significance, set(lower_is_better), set(higher_is_better),
                      bootstrap or Bootstrap(), directions)


def _of_configuration(frame: pd.DataFrame, key: ConfigurationKey) -> pd.DataFrame:
    """The rows of a results frame of one (evaluator, configuration)."""
    return frame[(frame["evaluator"] == key[0]) & (frame["configuration"] == key[1])]


def _model_name(model: Union[Model, str], by_name: Mapping[str, Model]) -> str:
    name = model if isinstance(model, str) else model.name
    if name not in by_name:
        raise InputValidationError(f"'{name}' is not one of the compared models {list(by_name)}")
    return name


__all__ = [
    "Bootstrap",
    "Comparison",
    "ConfigurationComparison",
    "apply_directions",
    "compare",
    "metric_value",
]
