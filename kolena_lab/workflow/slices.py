"""Slice discovery: the subsets of a test case, described by its samples' metadata, where a model does significantly
worse than on the rest — found with SliceLine (``kolena_lab.metrics.slices``), each tested against the rest
(``kolena_lab.metrics.slice_stats``, Benjamini–Hochberg corrected), and turned into versioned test cases.

``find_slices(model, test_case, metric="is_correct")`` reads the per-sample metric an evaluator stored for the
model on the test case; ``find_slices(frame, metric="error", features=[...], higher_is_better=False)`` searches a
plain DataFrame. Each slice's ``query`` is written in the query engine's grammar (``kolena_lab.workflow.query``) and
selects exactly the slice's samples of ``TestCase.to_dataframe()`` (and of the sample browser's table).
"""
import keyword
import math
import re
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from kolena_lab.errors import InputValidationError, NotFoundError, shown
from kolena_lab.metrics.slice_stats import DifferenceTest, benjamini_hochberg, proportion_test, welch_test
from kolena_lab.metrics.slices import NUMBER_BINS, EncodedFeatures, Predicate, encode_features, sliceline, unusable
from kolena_lab.workflow.curation import CurationResult, apply_curation, preview_curation
from kolena_lab.workflow.directions import MetricDirections, metrics_class
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestSample
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.query import query_mask
from kolena_lab.workflow.results import load_test_sample_metrics
from kolena_lab.workflow.samples import SAMPLE_ID, metadata_columns, sample_fields
from kolena_lab.workflow.test_case import TestCase

COLUMNS = ["slice", "predicates", "query", "size", "metric", "rest", "difference", "ci_low", "ci_high", "p_value",
           "p_adjusted", "significant", "score"]
MIN_SUPPORT = 0.01  # the default smallest slice: 1% of the samples, and at least MIN_SAMPLES
MIN_SAMPLES = 10
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _field(name: str) -> str:
    """A feature's name as the query engine reads it: bare when an identifier, else in backticks."""
    if _IDENTIFIER.match(name) and not keyword.iskeyword(name):
        return name
    if "`" in name:
        raise InputValidationError(f"feature name {shown(name)} holds a backtick: no query can name it")
    return f"`{name}`"


def predicate_query(predicate: Predicate) -> str:
    """One predicate in the query grammar, e.g. ``weather == 'fog'``, ``0.31 <= brightness < 0.52``."""
    name = _field(predicate.feature)
    if predicate.op == "missing":
        return f"{name}.isna()"
    if predicate.op == "between":
        return f"{predicate.value[0]!r} <= {name} < {predicate.value[1]!r}"
    return f"{name} {predicate.op} {predicate.value!r}"


def slice_query(predicates: Sequence[Predicate]) -> str:
    """The query selecting the samples that satisfy every predicate."""
    return " and ".join(predicate_query(p) for p in predicates)


def _min_support(min_support: Union[int, float, None], n: int) -> int:
    if min_support is None:
        return max(MIN_SAMPLES, math.ceil(MIN_SUPPORT * n))
    if isinstance(min_support, bool) or not isinstance(min_support, (int, float)) or min_support <= 0 or (
            isinstance(min_support, float) and min_support >= 1):
        raise InputValidationError(f"min_support must be a number of samples (>= 1) or a fraction in (0, 1), got "
                                   f"{shown(min_support)}")
    return max(2, math.ceil(min_support * n) if isinstance(min_support, float) else int(min_support))


def _metric_values(frame: pd.DataFrame, metric: str) -> np.ndarray:
    if metric not in frame.columns:
        numeric = [str(c) for c in frame.columns if frame[c].dtype.kind in "biuf" and c != SAMPLE_ID]
        raise InputValidationError(f"no metric column '{metric}'; numeric columns: {numeric}")
    column = frame[metric]
    if column.dtype.kind not in "biuf" and pd.api.types.infer_dtype(column, skipna=True) not in (
            "boolean", "integer", "floating", "mixed-integer-float"):
        raise InputValidationError(f"metric '{metric}' must hold numbers or booleans, got {column.dtype} values "
                                   f"such as {shown(column.iloc[0] if len(column) else None)}")
    values = pd.to_numeric(column.astype(object).where(column.notna(), np.nan).astype(float))
    missing = values.isna().to_numpy()
    if missing.any():
        first = frame[SAMPLE_ID].iloc[int(np.argmax(missing))] if SAMPLE_ID in frame.columns else \
            frame.index[int(np.argmax(missing))]
        raise InputValidationError(f"metric '{metric}' is missing (None or NaN) for {int(missing.sum()):,} of "
                                   f"{len(values):,} samples, first {'sample_id ' if SAMPLE_ID in frame else 'row '}"
                                   f"{first}; drop them or give them a value")
    return values.to_numpy(dtype=float)


def _auto_features(frame: pd.DataFrame, candidates: Sequence[str], metric: str) -> List[str]:
    """The candidate columns that can be features: scalar, not constant, not identifier-like (all values distinct
    text), not the metric."""
    picked = []
    for name in candidates:
        values = frame[name]
        if name in (metric, SAMPLE_ID) or unusable(values) is not None:
            continue
        if values.dtype.kind not in "biuf" and values.nunique() == len(values):
            continue
        picked.append(name)
    if not picked:
        raise InputValidationError(f"no usable feature among columns {list(candidates)}: each is constant, an "
                                   "identifier or not a scalar; pass features=[...]")
    return picked


def _errors(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """SliceLine's non-negative errors, 0 where the metric is perfect: ``1 - value`` for a higher-is-better metric
    in [0, 1] (accuracy, IoU), the value itself for a non-negative lower-is-better one (a loss, a distance), else
    the distance from the best value seen."""
    if higher_is_better:
        return 1.0 - values if values.min() >= 0 and values.max() <= 1 else values.max() - values
    return values if values.min() >= 0 else values - values.min()


def _test(values: np.ndarray, mask: np.ndarray, binary: bool, confidence: float) -> DifferenceTest:
    return (proportion_test if binary else welch_test)(values[mask], values[~mask], confidence)


def _no_worse_than_broader(values: np.ndarray, masks: List[np.ndarray], found: List[Tuple[Tuple[int, int], ...]],
                           at: int, binary: bool, alpha: float, higher_is_better: bool) -> bool:
    """Whether slice ``at`` narrows a broader slice found without being significantly worse than the rest of it (at
    ``alpha`` Bonferroni-corrected over the slices found): the broader slice says it all, with fewer conditions."""
    for broader in (i for i, s in enumerate(found) if len(s) < len(found[at]) and set(s) <= set(found[at])):
        within = masks[broader]
        inside = masks[at][within]
        if inside.all() or inside.sum() < 2 or (~inside).sum() < 2:
            return True
        test = _test(values[within], inside, binary, 1.0 - alpha)
        if (test.difference >= 0) == higher_is_better or test.p_value >= alpha / len(found):
            return True
    return False


def _explained(values: np.ndarray, masks: List[np.ndarray], found: List[Tuple[Tuple[int, int], ...]], at: int,
               kept: List[int], binary: bool, alpha: float, higher_is_better: bool, narrowing: List[bool]) -> bool:
    """Whether slice ``at`` is worse only through the slices found that refine it (SliceLine kept them, so they score
    higher; not those ``narrowing`` a broader slice found without being worse than it) or the slices already listed
    that overlap it (``kept``): without their samples, it is no longer significantly worse than the samples outside
    all of them (at ``alpha`` Bonferroni-corrected over the slices found, as each of them may be checked)."""
    refining = [i for i, s in enumerate(found)
                if len(s) > len(found[at]) and set(found[at]) <= set(s) and not narrowing[i]]
    overlapping = [i for i in kept if (masks[i] & masks[at]).any()]
    if not refining and not overlapping:
        return False
    covered = np.any([masks[i] for i in [*refining, *overlapping]], axis=0)
    inside, outside = masks[at] & ~covered, ~masks[at] & ~covered
    if inside.sum() < 2 or outside.sum() < 2:
        return True
    test = _test(values[inside | outside], inside[inside | outside], binary, 1.0 - alpha)
    return (test.difference >= 0) == higher_is_better or test.p_value >= alpha / len(found)


def _slices_frame(frame: pd.DataFrame, metric: str, features: Sequence[str], higher_is_better: bool, k: int,
                  max_level: int, min_support: Union[int, float, None], alpha: float, bins: int,
                  score_alpha: float) -> pd.DataFrame:
    if not 0.0 < alpha < 1.0:
        raise InputValidationError(f"alpha (the significance level) must be in (0, 1), got {shown(alpha)}")
    if len(frame) < 4:
        raise InputValidationError(f"slice discovery needs at least 4 samples, got {len(frame)}")
    values = _metric_values(frame, metric)
    if metric in features:
        raise InputValidationError(f"metric '{metric}' cannot be a feature too")
    encoded: EncodedFeatures = encode_features(frame, list(features), bins=bins)
    errors = _errors(values, higher_is_better)
    support = _min_support(min_support, len(frame))
    found = sliceline(encoded.codes, errors, cardinalities=encoded.cardinalities, k=2 * k, max_level=max_level,
                      min_support=support, alpha=score_alpha)
    binary = bool(np.isin(values, (0.0, 1.0)).all())
    masks = [np.all([encoded.codes[:, j] == c for j, c in s], axis=0) for s in found.slices]
    narrowing = [_no_worse_than_broader(values, masks, found.slices, at, binary, alpha, higher_is_better)
                 for at in range(len(found.slices))]
    rows, kept = [], []
    for at, (found_slice, size, score) in enumerate(zip(found.slices, found.sizes, found.scores)):
        mask = masks[at]
        if len(frame) - int(size) < 2 or narrowing[at]:
            continue
        if _explained(values, masks, found.slices, at, kept, binary, alpha, higher_is_better, narrowing):
            continue
        test = _test(values, mask, binary, 1.0 - alpha)
        if (test.difference >= 0) == higher_is_better:  # not worse
            continue
        predicates = encoded.describe(found_slice)
        kept.append(at)
        rows.append({"slice": " and ".join(map(str, predicates)), "predicates": predicates,
                     "query": slice_query(predicates), "size": int(size), "metric": test.slice_mean,
                     "rest": test.rest_mean, "difference": test.difference, "ci_low": test.ci_low,
                     "ci_high": test.ci_high, "p_value": test.p_value, "score": float(score)})
        if len(rows) == k:
            break
    out = pd.DataFrame.from_records(rows, columns=[c for c in COLUMNS if c not in ("p_adjusted", "significant")])
    out["p_adjusted"] = benjamini_hochberg(out["p_value"].to_numpy(dtype=float))
    out["significant"] = out["p_adjusted"] < alpha
    return out[COLUMNS].sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _configuration_name(configuration: Union[str, EvaluatorConfiguration, None]) -> Optional[str]:
    return configuration.display_name() if isinstance(configuration, EvaluatorConfiguration) else configuration


def _one_result(metrics: pd.DataFrame, evaluator: Optional[str], configuration: Optional[str],
                where: str) -> pd.DataFrame:
    """The rows of one (evaluator, configuration) result: the one named, or the only one stored."""
    keys = metrics[["evaluator", "configuration"]].astype(str).drop_duplicates()
    if configuration is not None:
        keys = keys[keys["configuration"] == configuration]
        if keys.empty:
            stored = sorted(metrics["configuration"].astype(str).unique())
            raise NotFoundError(f"no per-sample metrics of configuration {shown(configuration)} {where}; stored: "
                                f"{stored}")
    if len(keys) > 1:
        pairs = [f"{e} / {c}" for e, c in keys.itertuples(index=False)]
        raise InputValidationError(f"several results are stored {where} ({pairs}); pass evaluator= and/or "
                                   "configuration=")
    ev, conf = keys.iloc[0]
    return metrics[(metrics["evaluator"].astype(str) == ev) & (metrics["configuration"].astype(str) == conf)]


def _direction(metrics: pd.DataFrame, metric: str) -> Optional[bool]:
    names = [str(c) for c in metrics.columns if c not in (SAMPLE_ID, "evaluator", "configuration")]
    found = metrics_class(names, MetricsTestSample, _only_evaluator(metrics))
    return MetricDirections.of_class(found or object).direction(metric)


def _only_evaluator(metrics: pd.DataFrame) -> Optional[str]:
    """The evaluator of stored per-sample metrics, when they hold one evaluator's."""
    evaluators = metrics["evaluator"].astype(str).unique() if "evaluator" in metrics.columns else []
    return str(evaluators[0]) if len(evaluators) == 1 else None


def model_frame(model: Model, test_case: TestCase, metric: str, evaluator: Optional[str] = None,
                configuration: Union[str, EvaluatorConfiguration, None] = None
                ) -> Tuple[pd.DataFrame, List[str], Optional[bool]]:
    """The test case's samples (``TestCase.to_dataframe()``) with the model's per-sample ``metric`` of one stored
    result, the columns that may be features (metadata and sample fields), and whether higher is better (as the
    metric's class declares it; None when it declares none)."""
    if not isinstance(model, Model) or not isinstance(test_case, TestCase):
        raise InputValidationError(f"find_slices takes a Model and a TestCase (or a DataFrame), got "
                                   f"{type(model).__name__} and {type(test_case).__name__}")
    samples = test_case.to_dataframe()
    where = f"for model '{model.name}' on test case '{test_case.name}' (version {test_case.version})"
    if samples.empty:
        raise InputValidationError(f"test case '{test_case.name}' (version {test_case.version}) has no samples")
    metrics = load_test_sample_metrics(model, test_case, evaluator)
    if metrics.empty:
        named = f" by evaluator '{evaluator}'" if evaluator else ""
        raise NotFoundError(f"no per-sample metrics are stored{named} {where}: run test() with an evaluator first")
    metrics = _one_result(metrics, evaluator, _configuration_name(configuration), where)
    if metric not in metrics.columns:
        stored = [c for c in metrics.columns if c not in (SAMPLE_ID, "evaluator", "configuration",
                                                          *sample_fields(model.workflow))]
        raise InputValidationError(f"no per-sample metric '{metric}' {where}; stored: {stored}")
    values = metrics[[SAMPLE_ID, metric]].drop_duplicates(subset=[SAMPLE_ID])
    frame = samples.drop(columns=[metric], errors="ignore").merge(values, on=SAMPLE_ID, how="inner")
    candidates = [*sample_fields(model.workflow), *metadata_columns(samples.columns, model.workflow)]
    return frame, [c for c in candidates if c in frame.columns], _direction(metrics, metric)


def directed_metrics(metrics: pd.DataFrame, evaluator: Optional[str] = None) -> List[str]:
    """The number or boolean columns of per-sample metrics (one column per metric, no other) whose metrics class
    declares a direction: what :func:`find_slices` can search without ``higher_is_better``; headline ones first.
    ``evaluator`` names the evaluator that stored them, when known."""
    names = [str(c) for c in metrics.columns]
    directions = MetricDirections.of_class(metrics_class(names, MetricsTestSample, evaluator) or object)
    usable = [n for n in names if directions.direction(n) is not None and metrics[n].dtype.kind in "biuf"]
    return directions.order(usable)


def slice_metrics(model: Model, test_case: TestCase, evaluator: Optional[str] = None) -> List[str]:
    """:func:`directed_metrics` of the per-sample metrics stored for the model on the test case."""
    metrics = load_test_sample_metrics(model, test_case, evaluator)
    return directed_metrics(metrics.drop(columns=[SAMPLE_ID, "evaluator", "configuration",
                                                  *sample_fields(model.workflow)], errors="ignore"),
                            _only_evaluator(metrics))


def find_slices(source: Union[Model, pd.DataFrame], test_case: Optional[TestCase] = None,
                metric: Optional[str] = None, features: Optional[Sequence[str]] = None, *,
                evaluator: Optional[str] = None, configuration: Union[str, EvaluatorConfiguration, None] = None,
                k: int = 10, max_level: int = 3, min_support: Union[int, float, None] = None, alpha: float = 0.05,
                higher_is_better: Optional[bool] = None, bins: int = NUMBER_BINS,
                score_alpha: float = 0.95) -> pd.DataFrame:
    """The slices (conjunctions of at most ``max_level`` feature predicates) where the metric is worst, best first.

    ``source`` is a ``Model`` with its ``test_case`` (the per-sample ``metric`` its evaluator stored; ``evaluator``
    and ``configuration`` pick one result when several are stored), or a DataFrame with a ``metric`` column.
    ``features`` default to the usable metadata columns and sample fields (a DataFrame: every other usable column);
    numbers are cut into ``bins`` quantile bins. SliceLine keeps the top ``k`` slices of at least ``min_support``
    samples (a count or a fraction; default 1%, at least 10) by its score (``score_alpha`` weighs the error against
    the size), then each slice is tested against the rest (Welch's t-test, or the two-proportion z-test for a 0/1
    metric), p-values adjusted by Benjamini–Hochberg over the slices tested; ``significant`` is ``p_adjusted <
    alpha`` and ``(ci_low, ci_high)`` the ``1 - alpha`` interval of ``difference`` (slice mean minus rest mean).
    Only slices where the metric is worse than on the rest are listed. ``higher_is_better`` defaults to the
    direction the metric's class declares (required for a DataFrame).
    """
    if not isinstance(metric, str) or not metric:
        raise InputValidationError(f"give the metric column to search, e.g. metric='is_correct'; got {shown(metric)}")
    if isinstance(source, pd.DataFrame):
        if test_case is not None:
            raise InputValidationError("a DataFrame source takes no test case")
        frame, candidates, declared = source.reset_index(drop=True), [str(c) for c in source.columns], None
    else:
        frame, candidates, declared = model_frame(source, test_case, metric, evaluator,  # type: ignore[arg-type]
                                                  configuration)
    direction = declared if higher_is_better is None else higher_is_better
    if direction is None:
        raise InputValidationError(f"metric '{metric}' declares no direction (higher or lower is better): pass "
                                   "higher_is_better=True or False")
    if not isinstance(direction, bool):
        raise InputValidationError(f"higher_is_better must be True or False, got {shown(direction)}")
    if features is None:
        features = _auto_features(frame, candidates, metric)
    elif isinstance(features, str) or not len(features):
        raise InputValidationError(f"features must be a non-empty list of column names, got {shown(features)}")
    return _slices_frame(frame, metric, list(features), direction, k, max_level, min_support, alpha, bins,
                         score_alpha)


def _query_of(found: Union[str, Mapping[str, Any], pd.Series]) -> Tuple[str, str]:
    if isinstance(found, str):
        return found, found
    if isinstance(found, (Mapping, pd.Series)) and "query" in found:
        return str(found["query"]), str(found.get("slice", found["query"]))
    raise InputValidationError(f"a slice is a row of find_slices() or a query string, got {type(found).__name__}")


def slice_test_case(test_case: TestCase, found: Union[str, Mapping[str, Any], pd.Series], name: str, *,
                    description: Optional[str] = None, test_suite: Optional[str] = None,
                    reset: bool = False) -> CurationResult:
    """Create test case ``name`` from the samples of ``test_case`` that a slice (a row of :func:`find_slices`, or
    its query) selects, through curation's ``TestCase.from_dataframe`` path; with ``test_suite``, put it there too.
    An existing test case of that name is refused, unless ``reset``: then it gets the slice as a new version (none
    when its samples are already those)."""
    query, text = _query_of(found)
    frame = test_case.to_dataframe()
    selected = frame[query_mask(frame, query)]
    if selected.empty:
        raise InputValidationError(f"slice {shown(text)} selects no sample of test case '{test_case.name}'")
    described = description if description is not None else \
        f"{text} (from test case '{test_case.name}' version {test_case.version})"
    diff = preview_curation(test_case.workflow, selected, "create", name, described, test_suite, reset=reset)
    return apply_curation(test_case.workflow, diff)


__all__ = ["COLUMNS", "directed_metrics", "find_slices", "model_frame", "predicate_query", "slice_metrics",
           "slice_query", "slice_test_case"]
