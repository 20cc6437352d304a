"""Ready evaluators for classification, object detection, keypoints, regression and text.

Each is a configured function evaluator as an object: pass it to ``test(model, suite, evaluator)`` and it is called
once per configuration with every unique sample of the suite. Per-sample work (matching, errors) is therefore done
once per sample and configuration, thresholds chosen as F1-optimal are computed on the whole suite, and each test
case's metrics and plots are array work on its slice of the suite's results. The numbers come from
``kolena_lab.metrics`` and equal what it computes on each test case's samples alone.

On a Dask cluster (``test(..., executor=client)``, or inside ``kolena_lab.workflow.executor.using(client)``), the
per-sample work of large suites is mapped over contiguous partitions of the samples on the workers and the
aggregation stays here, so every stored number and plot is the one a single process computes: detection matching
(PASCAL and COCO rules) from ``detection.DISTRIBUTED_MIN_IMAGES`` images, text edit distances and token F1 from
``text.DISTRIBUTED_MIN_SAMPLES`` samples. Classification, regression and keypoints stay in this process: their
per-sample work is reading a few attributes and vectorised numpy, cheaper than sending the objects to a worker.
"""
from kolena_lab.evaluators._common import F1_OPTIMAL, ReadyEvaluator, configuration_title
from kolena_lab.evaluators.classification import (
    ClassificationClassMetrics,
    ClassificationConfiguration,
    ClassificationEvaluator,
    ClassificationSampleMetrics,
    ClassificationTestCaseMetrics,
    ClassificationTestSuiteMetrics,
)
from kolena_lab.evaluators.detection import (
    DetectionClassMetrics,
    DetectionConfiguration,
    DetectionSampleMetrics,
    DetectionTestCaseMetrics,
    DetectionTestSuiteMetrics,
    ObjectDetectionEvaluator,
)
from kolena_lab.evaluators.keypoints import (
    KeypointMetrics,
    KeypointsConfiguration,
    KeypointsEvaluator,
    KeypointsSampleMetrics,
    KeypointsTestCaseMetrics,
    KeypointsTestSuiteMetrics,
)
from kolena_lab.evaluators.regression import (
    RegressionConfiguration,
    RegressionEvaluator,
    RegressionSampleMetrics,
    RegressionTestCaseMetrics,
    RegressionTestSuiteMetrics,
)
from kolena_lab.evaluators.text import (
    TextConfiguration,
    TextEvaluator,
    TextSampleMetrics,
    TextTestCaseMetrics,
    TextTestSuiteMetrics,
)

__all__ = [
    "F1_OPTIMAL",
    "ReadyEvaluator",
    "configuration_title",
    "ClassificationEvaluator", "ClassificationConfiguration", "ClassificationSampleMetrics",
    "ClassificationClassMetrics", "ClassificationTestCaseMetrics", "ClassificationTestSuiteMetrics",
    "ObjectDetectionEvaluator", "DetectionConfiguration", "DetectionSampleMetrics", "DetectionClassMetrics",
    "DetectionTestCaseMetrics", "DetectionTestSuiteMetrics",
    "KeypointsEvaluator", "KeypointsConfiguration", "KeypointsSampleMetrics", "KeypointMetrics",
    "KeypointsTestCaseMetrics", "KeypointsTestSuiteMetrics",
    "RegressionEvaluator", "RegressionConfiguration", "RegressionSampleMetrics", "RegressionTestCaseMetrics",
    "RegressionTestSuiteMetrics",
    "TextEvaluator", "TextConfiguration", "TextSampleMetrics", "TextTestCaseMetrics", "TextTestSuiteMetrics",
]
