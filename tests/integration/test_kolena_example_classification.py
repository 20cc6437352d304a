"""The shape of Kolena's classification example: one workflow tested as binary (a single positive score per image)
and as multiclass (a score per class), a configured function evaluator whose configuration's threshold is optional,
nested per-class test case metrics, suite metrics extended at run time with ``make_dataclass``, and the plot helpers
under ``_experimental.classification.utils``."""
import dataclasses
from dataclasses import make_dataclass
from typing import List, Optional

import pytest
from pydantic.dataclasses import dataclass

from kolena_lab._experimental.classification.utils import (
    compute_confusion_matrix,
    compute_roc_curves,
    create_histogram,
    get_histogram_range,
)
from kolena_lab.workflow import (
    ConfusionMatrix,
    CurvePlot,
    EvaluationResults,
    EvaluatorConfiguration,
    GroundTruth as BaseGroundTruth,
    Histogram,
    Image,
    Inference as BaseInference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    TestCases,
    define_workflow,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel
from kolena_lab.workflow.metrics import accuracy, f1_score, precision, recall

from ._kolena_examples import write_images


@dataclass(frozen=True)
class Leaf(Image):
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Species(BaseGroundTruth):
    classification: ClassificationLabel


@dataclass(frozen=True)
class SpeciesScores(BaseInference):
    inferences: List[ScoredClassificationLabel]
    ignored: bool = False


_, TestCase, TestSuite, Model = define_workflow("Example Leaf Classification", Leaf, Species, SpeciesScores)


@dataclass(frozen=True)
class LeafMetrics(MetricsTestSample):
    classification: Optional[ScoredClassificationLabel]
    is_correct: bool
    margin: Optional[float] = None


@dataclass(frozen=True)
class LeafCounts(MetricsTestCase):
    TP: int
    FP: int
    FN: int
    TN: int
    Accuracy: float
    Precision: float
    Recall: float
    F1: float


@dataclass(frozen=True)
class PerSpecies(LeafCounts):
    label: str
    n_images: int


@dataclass(frozen=True)
class LeafCaseMetrics(MetricsTestCase):
    n_correct: int
    n_incorrect: int
    macro_F1: float
    PerClass: List[PerSpecies]


@dataclass(frozen=True)
class LeafSuiteMetrics(MetricsTestSuite):
    n_images: int
    n_invalid: int
    overall_accuracy: float


@dataclass(frozen=True)
class ScoreThreshold(EvaluatorConfiguration):
    threshold: Optional[float] = None

    def display_name(self) -> str:
        return "Max Confidence" if self.threshold is None else f"Confidence Above Threshold ({self.threshold})"


def _predict(inference: SpeciesScores, configuration: ScoreThreshold, binary_labels: List[str]):
    """The predicted label (None below the threshold): the top score, or for a single positive score, the positive
    label when it passes the threshold and the negative one otherwise."""
    threshold = 0.5 if configuration.threshold is None else configuration.threshold
    top = max(inference.inferences, key=lambda s: s.score)
    if len(inference.inferences) == 1:
        positive, negative = binary_labels
        label = positive if top.score >= threshold else negative
        return ScoredClassificationLabel(label, top.score)
    return top if configuration.threshold is None or top.score >= threshold else None


def _counts(pairs, label: str) -> dict:
    tp = sum(gt == label and p == label for gt, p in pairs)
    fp = sum(gt != label and p == label for gt, p in pairs)
    fn = sum(gt == label and p != label for gt, p in pairs)
    tn = len(pairs) - tp - fp - fn
    return dict(TP=tp, FP=fp, FN=fn, TN=tn, Accuracy=accuracy(tp, fp, fn, tn), Precision=precision(tp, fp),
                Recall=recall(tp, fn), F1=f1_score(tp, fp, fn))


def evaluate_leaves(test_samples: List[Leaf], ground_truths: List[Species], inferences: List[SpeciesScores],
                    test_cases: TestCases, configuration: ScoreThreshold) -> EvaluationResults:
    labels = sorted({gt.classification.label for gt in ground_truths})
    positive = inferences[0].inferences[0].label
    binary_labels = [positive, next(x for x in labels if x != positive)]
    sample_metrics = []
    for gt, inf in zip(ground_truths, inferences):
        predicted = _predict(inf, configuration, binary_labels)
        scores = sorted((s.score for s in inf.inferences), reverse=True)
        sample_metrics.append(LeafMetrics(
            classification=predicted, is_correct=predicted is not None and predicted.label == gt.classification.label,
            margin=scores[0] - scores[1] if len(scores) > 1 else None))
    score_range = get_histogram_range([m.classification.score for m in sample_metrics if m.classification])
    case_metrics, case_plots = [], []
    for test_case, _, gts, infs, metrics in test_cases.iter(test_samples, ground_truths, inferences, sample_metrics):
        pairs = [(g.classification.label, m.classification.label if m.classification else None)
                 for g, m in zip(gts, metrics)]
        per_class = [PerSpecies(label=label, n_images=sum(g == label for g, _ in pairs), **_counts(pairs, label))
                     for label in labels]
        correct = sum(m.is_correct for m in metrics)
        case_metrics.append((test_case, LeafCaseMetrics(n_correct=correct, n_incorrect=len(metrics) - correct,
                                                        macro_F1=sum(p.F1 for p in per_class) / len(per_class),
                                                        PerClass=per_class)))
        plots = [
            create_histogram([m.classification.score for m in metrics if m.classification], score_range,
                             title="Score distribution", x_label="score", y_label="images"),
            compute_confusion_matrix([g for g, _ in pairs], [p or "none" for _, p in pairs], labels=labels),
            compute_roc_curves([g.classification for g in gts], [i.inferences for i in infs]),
        ]
        case_plots.append((test_case, [p for p in plots if p is not None]))
    totals = dict(n_images=len(test_samples), n_invalid=sum(m.classification is None for m in sample_metrics),
                  overall_accuracy=sum(m.is_correct for m in sample_metrics) / len(sample_metrics))
    if configuration.threshold is None:
        suite_metrics = LeafSuiteMetrics(**totals)
    else:
        extended = make_dataclass("ThresholdedLeafSuiteMetrics", bases=(LeafSuiteMetrics,),
                                  fields=[("threshold", float)], frozen=True)
        suite_metrics = extended(**totals, threshold=configuration.threshold)
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, sample_metrics)),
                             metrics_test_case=case_metrics, plots_test_case=case_plots,
                             metrics_test_suite=suite_metrics)


def _seed(tmp_path, name: str, labels: List[str], n: int):
    locators = write_images(tmp_path / name, n)
    pairs = [(Leaf(locator=loc, metadata={"season": "spring" if i % 3 else "autumn", "camera": f"cam-{i % 2}"}),
              Species(classification=ClassificationLabel(labels[i % len(labels)]))) for i, loc in enumerate(locators)]
    complete = TestCase(f"complete :: {name}", test_samples=pairs, reset=True)
    by_season = [TestCase(f"season :: {s} :: {name}", test_samples=[p for p in pairs if p[0].metadata["season"] == s],
                          reset=True) for s in ["spring", "autumn"]]
    TestSuite(f"season :: {name}", test_cases=[complete, *by_season], reset=True)
    return pairs, complete


def test_binary_leaves_with_a_threshold(sqlite_store, tmp_path):
    pairs, complete = _seed(tmp_path, "oak-vs-elm", ["oak", "elm"], 20)
    truth = {ts.locator: gt.classification.label for ts, gt in pairs}
    scores = {loc: (0.8 if label == "oak" else 0.3) + (0.15 if i % 5 == 0 else 0.0)
              for i, (loc, label) in enumerate(truth.items())}

    def infer(sample: Leaf) -> SpeciesScores:
        return SpeciesScores(inferences=[ScoredClassificationLabel(label="oak", score=scores[sample.locator])])

    model = Model("leafnet [oak-vs-elm]", infer=infer)
    configuration = ScoreThreshold(threshold=0.4)
    test(model, TestSuite.load("season :: oak-vs-elm"), evaluate_leaves, configurations=[configuration], reset=True)

    suite = TestSuite.load("season :: oak-vs-elm")
    predicted = {loc: "oak" if s >= 0.4 else "elm" for loc, s in scores.items()}
    per_class = load_test_case_metrics(model, suite, expand="PerClass")
    oak = per_class[(per_class["test_case"] == "complete :: oak-vs-elm") & (per_class["label"] == "oak")].iloc[0]
    tp = sum(truth[k] == "oak" and predicted[k] == "oak" for k in truth)
    fp = sum(truth[k] == "elm" and predicted[k] == "oak" for k in truth)
    assert (oak["TP"], oak["FP"], oak["n_images"]) == (tp, fp, 10)
    assert oak["Precision"] == pytest.approx(tp / (tp + fp))

    suite_row = load_test_suite_metrics(model, suite).iloc[0]
    assert suite_row["configuration"] == configuration.display_name()
    assert suite_row["threshold"] == pytest.approx(0.4) and suite_row["n_images"] == 20

    per_sample = load_test_sample_metrics(model, complete)
    assert per_sample["margin"].isna().all()  # one score per image: no margin
    assert sorted(c.label for c in per_sample["classification"]) == sorted(predicted.values())

    plots = [p for tc, _, _, p in load_test_case_plots(model, suite) if tc.name == "complete :: oak-vs-elm"]
    assert {type(p) for p in plots} == {Histogram, ConfusionMatrix, CurvePlot}
    matrix = next(p for p in plots if isinstance(p, ConfusionMatrix))
    assert sum(map(sum, matrix.matrix)) == 20


def test_multiclass_leaves_at_max_confidence(sqlite_store, tmp_path):
    labels = ["ash", "birch", "maple"]
    pairs, complete = _seed(tmp_path, "three-species", labels, 24)

    def infer(sample: Leaf) -> SpeciesScores:
        index = int(sample.locator[-7:-4])
        favourite = labels[index % 3] if index % 4 else labels[(index + 1) % 3]
        return SpeciesScores(inferences=sorted(
            [ScoredClassificationLabel(label, 0.6 if label == favourite else 0.2) for label in labels],
            key=lambda s: s.score, reverse=True))

    model = Model("leafnet [three-species]", infer=infer)
    test(model, TestSuite.load("season :: three-species"), evaluate_leaves, configurations=[ScoreThreshold()],
         reset=True)

    suite = TestSuite.load("season :: three-species")
    cases = load_test_case_metrics(model, suite).set_index("test_case")
    assert cases.loc["complete :: three-species", "n_incorrect"] == 6  # every fourth image
    assert cases.loc["complete :: three-species", "configuration"] == "Max Confidence"
    assert [p.label for p in cases.loc["complete :: three-species", "PerClass"]] == labels
    suite_metrics = load_test_suite_metrics(model, suite)
    assert "threshold" not in suite_metrics.columns and suite_metrics.iloc[0]["overall_accuracy"] == pytest.approx(0.75)
    margins = load_test_sample_metrics(model, complete)["margin"]
    assert margins.to_numpy() == pytest.approx([0.4] * 24)
