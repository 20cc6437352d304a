"""The prebuilt 2D object detection workflow ("Object Detection") and its evaluator, with Kolena's names."""
from kolena_lab._experimental.object_detection.workflow import (
    ClassMetricsPerTestCase,
    GroundTruth,
    Inference,
    Model,
    TestCase,
    TestCaseMetrics,
    TestCaseMetricsSingleClass,
    TestSample,
    TestSampleMetrics,
    TestSampleMetricsSingleClass,
    TestSuite,
    TestSuiteMetrics,
    ThresholdConfiguration,
)
from kolena_lab._experimental.object_detection.evaluator import ObjectDetectionEvaluator

__all__ = [
    "TestSample", "GroundTruth", "Inference", "TestCase", "TestSuite", "Model", "TestSampleMetricsSingleClass",
    "TestCaseMetricsSingleClass", "TestSampleMetrics", "ClassMetricsPerTestCase", "TestCaseMetrics",
    "TestSuiteMetrics", "ThresholdConfiguration", "ObjectDetectionEvaluator",
]
