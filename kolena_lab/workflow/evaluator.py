"""Evaluator classes and the metrics types they produce."""
import dataclasses
import inspect
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.store.checks import check_name
from kolena_lab.workflow._datatypes import DataObject, DataType, TypedDataObject
from kolena_lab.workflow._validators import validate_metrics_fields

from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.plot import Plot
from kolena_lab.workflow.test_sample import TestSample


class _MetricsType(DataType):
    TEST_SAMPLE = "TEST_SAMPLE"
    TEST_CASE = "TEST_CASE"
    TEST_SUITE = "TEST_SUITE"

    @staticmethod
    def _data_category() -> str:
        return "METRICS"


@dataclass(frozen=True)
class MetricsTestSample(TypedDataObject):
    """Metrics of one test sample; fields may be scalars, annotations, assets or lists of them."""

    __test__ = False  # keep pytest from collecting user subclasses named Test*

    @classmethod
    def _data_type(cls) -> _MetricsType:
        return _MetricsType.TEST_SAMPLE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_metrics_fields(cls, "sample", MetricsTestCase)


@dataclass(frozen=True)
class MetricsTestCase(TypedDataObject):
    """Aggregate metrics of one test case: scalars, plus one level of ``List[<MetricsTestCase>]`` rows (per class)."""

    __test__ = False  # keep pytest from collecting user subclasses named Test*

    @classmethod
    def _data_type(cls) -> _MetricsType:
        return _MetricsType.TEST_CASE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_metrics_fields(cls, "case", MetricsTestCase)


@dataclass(frozen=True)
class MetricsTestSuite(TypedDataObject):
    """Aggregate metrics of a whole test suite: scalars only."""

    __test__ = False  # keep pytest from collecting user subclasses named Test*

    @classmethod
    def _data_type(cls) -> _MetricsType:
        return _MetricsType.TEST_SUITE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        validate_metrics_fields(cls, "suite", MetricsTestCase)


class _ConfigurationMeta(type(DataObject)):  # type: ignore[misc]
    """Accepts, as Kolena does, a configuration subclass that declares fields without ``@dataclass``: on its first
    instantiation it becomes a frozen dataclass whose fields are keyword-only."""

    def __call__(cls, /, *args: Any, **kwargs: Any) -> Any:
        for klass in reversed(cls.__mro__):
            if (isinstance(klass, _ConfigurationMeta) and "__dataclass_fields__" not in klass.__dict__
                    and inspect.get_annotations(klass)):
                dataclasses.dataclass(frozen=True, kw_only=True)(klass)
        return super().__call__(*args, **kwargs)


@dataclass(frozen=True)
class EvaluatorConfiguration(DataObject, metaclass=_ConfigurationMeta):
    """One configuration of an evaluator (e.g. an IoU threshold); results are keyed by its display name.

    Subclasses are frozen dataclasses; one that only annotates its fields (no ``@dataclass``) takes them as keyword
    arguments.
    """

    @abstractmethod
    def display_name(self) -> str:
        """A name unique among the evaluator's configurations."""


def check_configurations(configurations: Optional[List[EvaluatorConfiguration]]) -> None:
    """Reject an empty list and duplicate display names."""
    if configurations is None:
        return
    if isinstance(configurations, (str, bytes, dict, DataObject)) or not hasattr(configurations, "__iter__"):
        raise InputValidationError(f"configurations must be None or a non-empty list, got "
                                   f"{type(configurations).__name__} {shown(configurations)}")
    if len(configurations) == 0:
        raise InputValidationError("configurations must be None or a non-empty list")
    for i, configuration in enumerate(configurations):
        if not isinstance(configuration, EvaluatorConfiguration):
            raise InputValidationError(f"configurations[{i}] must be an EvaluatorConfiguration, got "
                                       f"{type(configuration).__name__} {shown(configuration)}")
    names = [check_name(c.display_name(), "configuration name") for c in configurations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputValidationError(f"configurations have duplicate display names: {duplicates}")


class Evaluator(metaclass=ABCMeta):
    """Computes per-sample, per-test-case and per-suite metrics; called per test case and per configuration."""

    configurations: List[EvaluatorConfiguration]

    def __init__(self, configurations: Optional[List[EvaluatorConfiguration]] = None):
        check_configurations(configurations)
        self.configurations = list(configurations) if configurations is not None else []

    def display_name(self) -> str:
        """The name that keys this evaluator's results; the class name unless overridden."""
        return type(self).__name__

    @abstractmethod
    def compute_test_sample_metrics(
        self,
        test_case: Any,
        inferences: List[Tuple[TestSample, GroundTruth, Inference]],
        configuration: Optional[EvaluatorConfiguration] = None,
    ) -> List[Tuple[TestSample, MetricsTestSample]]:
        """Metrics for each sample of the test case."""

    @abstractmethod
    def compute_test_case_metrics(
        self,
        test_case: Any,
        inferences: List[Tuple[TestSample, GroundTruth, Inference]],
        metrics: List[MetricsTestSample],
        configuration: Optional[EvaluatorConfiguration] = None,
    ) -> MetricsTestCase:
        """Aggregate metrics of the test case."""

    def compute_test_case_plots(
        self,
        test_case: Any,
        inferences: List[Tuple[TestSample, GroundTruth, Inference]],
        metrics: List[MetricsTestSample],
        configuration: Optional[EvaluatorConfiguration] = None,
    ) -> Optional[List[Plot]]:
        """Plots of the test case (optional)."""
        return None

    def compute_test_suite_metrics(
        self,
        test_suite: Any,
        metrics: List[Tuple[Any, MetricsTestCase]],
        configuration: Optional[EvaluatorConfiguration] = None,
    ) -> Optional[MetricsTestSuite]:
        """Aggregate metrics of the whole suite (optional)."""
        return None


__all__ = [
    "MetricsTestSample",
    "MetricsTestCase",
    "MetricsTestSuite",
    "EvaluatorConfiguration",
    "Evaluator",
]
