"""What every ready evaluator shares: the callable-object protocol ``test()`` drives, threshold strategies, the split
of suite-wide arrays per test case, and small plotting helpers."""
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type, Union

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators._fields import describe
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, check_configurations
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases
from kolena_lab.workflow.plot import Curve

F1_OPTIMAL = "F1-Optimal"
ThresholdStrategy = Union[str, float, None]
_MAX_CURVE_POINTS = 250
_TITLES: Dict[Tuple[str, str], str] = {}  # (evaluator, configuration display name) -> what the configuration computes


def configuration_title(evaluator: str, configuration: str) -> Optional[str]:
    """What a ready evaluator's configuration computes (e.g. ``"COCO AP@0.5 · F1-optimal threshold"``), for an
    evaluator built in this process; None when unknown."""
    return _TITLES.get((evaluator, configuration))


def threshold_value(strategy: Any, name: str = "threshold_strategy", allow_none: bool = False) -> Optional[float]:
    """The fixed threshold of a strategy, or None for F1-optimal (and for no threshold when ``allow_none``)."""
    if strategy is None and allow_none:
        return None
    if isinstance(strategy, str):
        if strategy.strip().lower().replace("_", "-") != F1_OPTIMAL.lower():
            raise InputValidationError(f"'{name}' must be {F1_OPTIMAL!r} or a number in [0, 1], got {strategy!r}")
        return None
    if isinstance(strategy, bool) or not isinstance(strategy, (int, float, np.integer, np.floating)):
        raise InputValidationError(f"'{name}' must be {F1_OPTIMAL!r} or a number in [0, 1], got {strategy!r}")
    if not 0 <= float(strategy) <= 1:
        raise InputValidationError(f"'{name}' must be in [0, 1], got {strategy!r}")
    return float(strategy)


def strategy_name(strategy: ThresholdStrategy) -> str:
    """How a threshold strategy reads in a display name."""
    return "F1-optimal threshold" if isinstance(strategy, str) else f"threshold={float(strategy):g}"


class ReadyEvaluator:
    """A configured function evaluator as an object: ``test(model, suite, evaluator)`` calls it once per
    configuration with every unique sample of the suite, so per-sample work is done once and per-test-case numbers
    are array work on slices. ``configurations`` default to one ``configuration_type()``; ``name`` overrides the
    display name (the class name) that keys stored results."""

    configuration_type: ClassVar[Type[EvaluatorConfiguration]]

    def __init__(self, configurations: Optional[Sequence[EvaluatorConfiguration]] = None, *,
                 name: Optional[str] = None):
        configs = [self.configuration_type()] if configurations is None else list(configurations)
        for i, c in enumerate(configs):
            if not isinstance(c, self.configuration_type):
                raise InputValidationError(f"configurations[{i}] must be a {self.configuration_type.__name__}, "
                                           f"got {type(c).__name__}")
        check_configurations(configs)
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InputValidationError(f"'name' must be a non-empty string, got {name!r}")
        self.configurations: List[EvaluatorConfiguration] = configs
        self._name = name.strip() if name else None
        for c in configs:
            title = getattr(c, "title", None)
            if callable(title):
                _TITLES[(self.display_name(), c.display_name())] = title()

    def display_name(self) -> str:
        """The name keying this evaluator's stored results."""
        return self._name or type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(configurations={[c.display_name() for c in self.configurations]})"

    def __call__(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                 test_cases: TestCases, configuration: EvaluatorConfiguration) -> EvaluationResults:
        """Evaluate every unique sample of a suite under one configuration (None: the first configuration)."""
        samples, gts, infs = list(test_samples), list(ground_truths), list(inferences)
        if not len(samples) == len(gts) == len(infs):
            raise InputValidationError(f"test_samples, ground_truths and inferences must have equal lengths, got "
                                       f"{len(samples)}, {len(gts)} and {len(infs)}")
        if not isinstance(test_cases, TestCases):
            raise InputValidationError(f"'test_cases' must be a TestCases, got {type(test_cases).__name__}")
        if configuration is None:
            configuration = self.configurations[0]
        if not isinstance(configuration, self.configuration_type):
            raise InputValidationError(f"'configuration' must be a {self.configuration_type.__name__}, "
                                       f"got {type(configuration).__name__}")
        return self._evaluate(samples, gts, infs, test_cases, configuration)

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: Any) -> EvaluationResults:
        raise NotImplementedError


def first_type(values: Sequence[Any], role: str, samples: Sequence[Any]) -> type:
    """The type of the first value (ground truths or inferences must not be None)."""
    for value, sample in zip(values, samples):
        if value is None:
            raise InputValidationError(f"test sample {describe(sample)} has no {role}")
        return type(value)
    raise InputValidationError("no test samples to evaluate")


def case_masks(test_cases: TestCases, test_samples: Sequence[Any]) -> List[Tuple[Any, np.ndarray]]:
    """``(test_case, boolean mask over test_samples)`` per test case, in suite order."""
    out = []
    for test_case, positions in test_cases.indices(list(test_samples)):
        mask = np.zeros(len(test_samples), dtype=bool)
        mask[positions] = True
        out.append((test_case, mask))
    return out


def downsample(*series: np.ndarray, max_points: int = _MAX_CURVE_POINTS) -> List[np.ndarray]:
    """At most ``max_points`` evenly spaced points of equally long series, first and last kept (plots only; metrics
    use every point)."""
    n = len(series[0])
    if n <= max_points:
        return list(series)
    keep = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    return [s[keep] for s in series]


def curve(x: np.ndarray, y: np.ndarray, label: Optional[str] = None, **extra: np.ndarray) -> Curve:
    """A plot curve of finite points, downsampled."""
    finite = np.isfinite(x) & np.isfinite(y)
    for v in extra.values():
        finite &= np.isfinite(v)
    arrays = downsample(x[finite], y[finite], *(v[finite] for v in extra.values()))
    named = dict(zip(extra, arrays[2:]))
    return Curve(x=arrays[0], y=arrays[1], label=label, extra=named or None)
