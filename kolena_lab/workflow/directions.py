"""Which way a metric improves, as data: each metrics field may declare whether higher is better, and which fields are
the headline of their class.

A metrics class declares them in its fields' metadata, which Kolena code carries unchanged (Kolena ignores it)::

    @dataclass(frozen=True)
    class TestCaseMetrics(MetricsTestCase):
        mean_nme: float = dataclasses.field(metadata={"higher_is_better": False, "headline": 1})
        auc: float = dataclasses.field(metadata={"higher_is_better": True})
        n_samples: int = dataclasses.field(metadata={"higher_is_better": None})  # a count: neutral

``True`` means higher is better, ``False`` lower is better, ``None`` neutral. A field that declares nothing has no
known direction and is shown neutral too: a direction is never guessed from a metric's name.
"""
import dataclasses
import itertools
import weakref
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.workflow.evaluator import MetricsTestCase

HIGHER_IS_BETTER = "higher_is_better"  # field metadata key: True, False or None (neutral)
HEADLINE = "headline"  # field metadata key: True or a rank (1 first) for the metrics shown first

Direction = Optional[bool]


def _declared(higher_is_better: Direction, headline: int) -> Any:
    metadata: Dict[str, Any] = {HIGHER_IS_BETTER: higher_is_better}
    if headline:
        metadata[HEADLINE] = headline
    return dataclasses.field(metadata=metadata)


def higher(headline: int = 0) -> Any:
    """A metrics field where higher is better, e.g. ``f1: float = higher()``; ``headline`` ranks it among the metrics
    shown first (1 first)."""
    return _declared(True, headline)


def lower(headline: int = 0) -> Any:
    """A metrics field where lower is better; ``headline`` ranks it among the metrics shown first (1 first)."""
    return _declared(False, headline)


def neutral() -> Any:
    """A metrics field with no better direction (a count, a threshold)."""
    return _declared(None, 0)


@dataclasses.dataclass(frozen=True)
class MetricDirections:
    """Declared directions (``True`` higher is better, ``False`` lower is better, ``None`` neutral) by metric name,
    and the headline metrics in the order they are shown first."""

    directions: Mapping[str, Direction] = dataclasses.field(default_factory=dict)
    headline: Tuple[str, ...] = ()

    @classmethod
    def of_class(cls, metrics_class: type) -> "MetricDirections":
        """What a metrics class declares in its fields' metadata."""
        directions: Dict[str, Direction] = {}
        headline: List[Tuple[int, str]] = []
        for f in dataclasses.fields(metrics_class) if dataclasses.is_dataclass(metrics_class) else ():
            if HIGHER_IS_BETTER in f.metadata:
                value = f.metadata[HIGHER_IS_BETTER]
                if value is not None and not isinstance(value, bool):
                    raise InputValidationError(f"{metrics_class.__name__}.{f.name}: metadata '{HIGHER_IS_BETTER}' must be True, "
                                    f"False or None, got {value!r}")
                directions[f.name] = value
            rank = f.metadata.get(HEADLINE)
            if rank:
                headline.append((int(rank), f.name))
        return cls(directions, tuple(name for _, name in sorted(headline, key=lambda r: r[0])))

    @classmethod
    def for_metrics(cls, names: Iterable[str], base: type = MetricsTestCase,
                    evaluator: Optional[str] = None) -> "MetricDirections":
        """The declarations of the defined ``base`` subclass (a test-case metrics class by default) whose fields best
        cover stored metric ``names`` (see :func:`metrics_class`); none when no class has most of them."""
        found = metrics_class(names, base, evaluator)
        return cls.of_class(found) if found is not None else cls()

    def direction(self, metric: str) -> Direction:
        """True (higher is better), False (lower is better) or None (neutral or not declared)."""
        return self.directions.get(metric)

    def declared_neutral(self, metric: str) -> bool:
        """Whether a metric is declared to have no direction (a count such as ``n_samples``)."""
        return metric in self.directions and self.directions[metric] is None

    def with_overrides(self, overrides: Mapping[str, Direction]) -> "MetricDirections":
        """These declarations with some metrics' directions replaced."""
        return dataclasses.replace(self, directions={**self.directions, **overrides})

    def order(self, metrics: Sequence[str]) -> List[str]:
        """``metrics`` with the headline ones first (in headline order) and the ones declared neutral last; the
        others keep their order."""
        first = [m for m in self.headline if m in metrics]
        last = [m for m in metrics if m not in first and self.declared_neutral(m)]
        return first + [m for m in metrics if m not in first and m not in last] + last


def _subclasses(base: type) -> List[type]:
    out: List[type] = []
    for sub in base.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


_stored: "weakref.WeakKeyDictionary[type, Tuple[int, Set[str]]]" = weakref.WeakKeyDictionary()
_stored_count = itertools.count(1)


def note_stored(metrics: Iterable[Any], evaluator: str) -> None:
    """Remember the classes of metrics objects an evaluator stored in this process: :func:`metrics_class` prefers
    them over other classes with the same fields (a user's class shaped like a ready evaluator's, say)."""
    for cls in {type(m) for m in metrics}:
        _, evaluators = _stored.get(cls, (0, set()))
        _stored[cls] = (next(_stored_count), evaluators | {evaluator})


def metrics_class(names: Iterable[str], base: type = MetricsTestCase, evaluator: Optional[str] = None
                  ) -> Optional[type]:
    """The defined subclass of ``base`` whose fields hold most of ``names``; None when none holds more than half of
    them. Ties go to fewest other fields, then to a class ``evaluator`` stored in this process, then to the class
    stored last, then to the latest defined (a class redefined in a notebook wins over its earlier version)."""
    wanted = set(names)
    best: Optional[type] = None
    best_score: Tuple[int, ...] = (0, 0, 0, 0)
    for sub in _subclasses(base):
        if not dataclasses.is_dataclass(sub):
            continue
        fields = {f.name for f in dataclasses.fields(sub) if f.init}
        order, evaluators = _stored.get(sub, (0, set()))
        score = (len(fields & wanted), -len(fields - wanted), int(evaluator in evaluators), order)
        if 2 * score[0] > len(wanted) and score >= best_score:
            best, best_score = sub, score
    return best


def _check_direction(name: str, value: Any) -> Direction:
    if value is None or isinstance(value, bool):
        return value
    raise InputValidationError(f"direction of '{name}' must be True (higher is better), False (lower is better) or "
                               f"None (neutral), or an evaluator's mapping of them; got {shown(value)}")


def direction_overrides(lower_is_better: Iterable[str] = (), higher_is_better: Iterable[str] = (),
                        directions: Optional[Mapping[str, Any]] = None, evaluator: str = "") -> Dict[str, Direction]:
    """Directions given by a caller for one evaluator's metrics: ``directions`` maps a metric to True / False / None,
    or an evaluator's display name to such a mapping; ``lower_is_better`` / ``higher_is_better`` list metric names."""
    out: Dict[str, Direction] = {}
    for key, value in (directions or {}).items():
        if isinstance(value, Mapping):
            for metric, direction in value.items():
                _check_direction(f"{key}.{metric}", direction)
            if key == evaluator:
                out.update(value)
        else:
            out[key] = _check_direction(key, value)
    out.update({m: False for m in lower_is_better})
    out.update({m: True for m in higher_is_better})
    return out


__all__ = ["HEADLINE", "HIGHER_IS_BETTER", "Direction", "MetricDirections", "higher", "lower", "neutral",
           "direction_overrides", "metrics_class"]
