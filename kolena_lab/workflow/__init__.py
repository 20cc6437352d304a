"""The Kolena-compatible workflow API: change ``kolena`` to ``kolena_lab`` in imports and run locally."""
from kolena_lab.workflow import annotation, asset, catalog, hooks, io, query
from kolena_lab.workflow._datatypes import DataObject, TypedDataObject
from kolena_lab.workflow.annotation import (
    BoundingBox,
    ClassificationLabel,
    Keypoints,
    Label,
    LabeledBoundingBox,
    Polygon,
    ScoredClassificationLabel,
    ScoredLabel,
    ScoredLabeledBoundingBox,
)
from kolena_lab.workflow.asset import ImageAsset
from kolena_lab.workflow.comparison import (
    Bootstrap,
    Comparison,
    ConfigurationComparison,
    compare,
    metric_value,
)
from kolena_lab.workflow.evaluator import (
    Evaluator,
    EvaluatorConfiguration,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
)
from kolena_lab.workflow.directions import (
    HEADLINE,
    HIGHER_IS_BETTER,
    MetricDirections,
    metrics_class,
)
from kolena_lab.workflow.evaluator_function import (
    BasicEvaluatorFunction,
    ConfiguredEvaluatorFunction,
    EvaluationResults,
    TestCases,
    UnconfiguredEvaluatorFunction,
    no_op_evaluator,
)
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.plot import AxisConfig, BarPlot, ConfusionMatrix, Curve, CurvePlot, Histogram, Plot
from kolena_lab.workflow.query import FieldSummary, Filter, SampleView, filter_mask, query_mask, select
from kolena_lab.workflow.results import (
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
)
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_run import InferenceFailure, InferencePlan, TestRun, test
from kolena_lab.workflow.test_sample import (
    Audio,
    BaseVideo,
    Composite,
    Document,
    Image,
    ImagePair,
    ImageText,
    Metadata,
    PointCloud,
    TestSample,
    Text,
    Video,
    sample_label,
)
from kolena_lab.workflow.test_suite import TestSuite
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.define_workflow import define_workflow  # the submodule first, then its function by its name
from kolena_lab.workflow import metrics, visualization
from kolena_lab.workflow.workflow import Workflow
from kolena_lab.workflow import curation, samples
from kolena_lab.workflow.curation import CurationDiff, CurationResult, apply_curation, preview_curation
from kolena_lab.workflow.slices import find_slices, slice_test_case
from kolena_lab.workflow.samples import SAMPLE_ID, frame_members, frame_sample_ids, members_frame, row_member, sample_id

test.__test__ = False  # type: ignore[attr-defined]  # keep pytest from collecting an imported `test`

__all__ = [
    "annotation",
    "asset",
    "catalog",
    "hooks",
    "io",
    "query",
    "DataObject",
    "TypedDataObject",
    "BoundingBox",
    "ClassificationLabel",
    "Keypoints",
    "Label",
    "LabeledBoundingBox",
    "Polygon",
    "ScoredClassificationLabel",
    "ScoredLabel",
    "ScoredLabeledBoundingBox",
    "ImageAsset",
    "Bootstrap",
    "Comparison",
    "ConfigurationComparison",
    "compare",
    "metric_value",
    "Evaluator",
    "EvaluatorConfiguration",
    "MetricsTestCase",
    "MetricsTestSample",
    "MetricsTestSuite",
    "HEADLINE",
    "HIGHER_IS_BETTER",
    "MetricDirections",
    "metrics_class",
    "BasicEvaluatorFunction",
    "ConfiguredEvaluatorFunction",
    "EvaluationResults",
    "TestCases",
    "UnconfiguredEvaluatorFunction",
    "no_op_evaluator",
    "GroundTruth",
    "Inference",
    "Model",
    "AxisConfig",
    "BarPlot",
    "ConfusionMatrix",
    "Curve",
    "CurvePlot",
    "Histogram",
    "Plot",
    "FieldSummary",
    "Filter",
    "SampleView",
    "filter_mask",
    "query_mask",
    "select",
    "load_test_case_metrics",
    "load_test_case_plots",
    "load_test_sample_metrics",
    "load_test_suite_metrics",
    "TestCase",
    "InferenceFailure",
    "InferencePlan",
    "TestRun",
    "test",
    "Audio",
    "BaseVideo",
    "Composite",
    "Document",
    "Image",
    "ImagePair",
    "ImageText",
    "Metadata",
    "PointCloud",
    "TestSample",
    "Text",
    "Video",
    "sample_label",
    "TestSuite",
    "Workflow",
    "bound_classes",
    "define_workflow",
    "curation",
    "samples",
    "metrics",
    "visualization",
    "CurationDiff",
    "CurationResult",
    "apply_curation",
    "preview_curation",
    "find_slices",
    "slice_test_case",
    "SAMPLE_ID",
    "frame_members",
    "frame_sample_ids",
    "members_frame",
    "row_member",
    "sample_id",
]
