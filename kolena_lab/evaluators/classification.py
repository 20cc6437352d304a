"""Single-label classification (binary or multiclass): the prediction is the top-scoring label of the inference,
withheld when its score is under the confidence threshold. Numbers equal scikit-learn's on each test case's samples.

Per-class ROC AUC and average precision (one-vs-rest) need a score for the class in every inference of the test case
(an inference listing every class's score); otherwise they are NaN.
"""
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators._common import (
    ReadyEvaluator,
    case_masks,
    curve,
    first_type,
    strategy_name,
    threshold_value,
)
from kolena_lab.workflow.directions import higher, lower, neutral
from kolena_lab.evaluators._fields import describe, either, find_field, list_of, subclass_of
from kolena_lab.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_optimal_threshold,
    fpr,
    multilabel_confusion_matrix,
    pr_curve,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases
from kolena_lab.workflow.plot import ConfusionMatrix, CurvePlot, Histogram, Plot

NO_PREDICTION = "no prediction"
_SCORE_BUCKETS = np.linspace(0.0, 1.0, 21)


@dataclass(frozen=True)
class ClassificationConfiguration(EvaluatorConfiguration):
    """``threshold_strategy``: None (always predict the top label), a confidence in [0, 1] under which no label is
    predicted, or ``"F1-Optimal"``: the threshold on the top score maximising F1 (correct predictions over
    predictions and over samples) on the whole suite."""

    threshold_strategy: Union[str, float, None] = None

    def __post_init__(self) -> None:
        threshold_value(self.threshold_strategy, allow_none=True)

    def display_name(self) -> str:
        return "top-1" if self.threshold_strategy is None else f"top-1, {strategy_name(self.threshold_strategy)}"


@dataclass(frozen=True)
class ClassificationSampleMetrics(MetricsTestSample):
    """The predicted label (None when withheld), its margin over the runner-up score, and whether it is right."""

    classification: Optional[ScoredClassificationLabel]
    margin: Optional[float] = neutral()
    is_correct: bool = higher(headline=1)


@dataclass(frozen=True)
class ClassificationClassMetrics(MetricsTestCase):
    """One class of a test case, one-vs-rest."""

    label: str
    n_samples: int = neutral()
    n_predicted: int = neutral()
    tp: int = higher()
    fp: int = lower()
    fn: int = lower()
    tn: int = higher()
    precision: float = higher()
    recall: float = higher(headline=1)
    f1: float = higher()
    fpr: float = lower()
    roc_auc: float = higher()
    average_precision: float = higher()


@dataclass(frozen=True)
class ClassificationTestCaseMetrics(MetricsTestCase):
    """A test case: accuracy, macro averages over the classes it holds (true or predicted), and per-class rows."""

    n_samples: int = neutral()
    n_correct: int = higher()
    n_withheld: int = neutral()
    threshold: Optional[float] = neutral()
    accuracy: float = higher(headline=1)
    macro_precision: float = higher()
    macro_recall: float = higher()
    macro_f1: float = higher(headline=2)
    macro_roc_auc: float = higher()
    per_class: List[ClassificationClassMetrics]


@dataclass(frozen=True)
class ClassificationTestSuiteMetrics(MetricsTestSuite):
    """The suite's unique samples taken together."""

    n_samples: int = neutral()
    threshold: Optional[float] = neutral()
    accuracy: float = higher(headline=1)
    macro_precision: float = higher()
    macro_recall: float = higher()
    macro_f1: float = higher(headline=2)


_GT_TYPES = either(subclass_of(ClassificationLabel), lambda tp: tp in (str, int, bool))
_INF_TYPES = either(subclass_of(ScoredClassificationLabel), list_of(ScoredClassificationLabel))


@dataclass(frozen=True)
class _Data:
    labels: List[str]
    truth: np.ndarray  # class codes
    top: np.ndarray  # top class code, -1 without scores
    top_score: np.ndarray  # NaN without scores
    margin: np.ndarray  # NaN below two scores
    scores: np.ndarray  # (N, K), NaN where the inference gives the class no score


class ClassificationEvaluator(ReadyEvaluator):
    """Classification evaluator: ``ClassificationEvaluator(configurations, ground_truth=..., inference=...)`` passed
    to ``test(model, suite, evaluator)``. The ground-truth field is a ``ClassificationLabel`` (or a str / int / bool
    label), the inference field a ``ScoredClassificationLabel`` or a list of them; by default the first such field."""

    configuration_type = ClassificationConfiguration

    def __init__(self, configurations: Optional[Sequence[ClassificationConfiguration]] = None, *,
                 ground_truth: Optional[str] = None, inference: Optional[str] = None, name: Optional[str] = None):
        super().__init__(configurations, name=name)
        self.ground_truth, self.inference = ground_truth, inference

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: ClassificationConfiguration) -> EvaluationResults:
        gt_field = find_field(first_type(ground_truths, "ground truth", test_samples), self.ground_truth, _GT_TYPES,
                              role="ground truth", expected="ClassificationLabel or str", parameter="ground_truth")
        inf_field = find_field(first_type(inferences, "inference", test_samples), self.inference, _INF_TYPES,
                               role="inference", expected="ScoredClassificationLabel or a list of them",
                               parameter="inference")
        data = _read(test_samples, ground_truths, inferences, gt_field, inf_field)
        threshold = _threshold(data, configuration, inf_field)
        predicted = _predicted(data, threshold)
        sample_metrics = []
        for i, sample in enumerate(test_samples):
            p = int(predicted[i])
            label = ScoredClassificationLabel(label=data.labels[p], score=float(data.top_score[i])) if p >= 0 else None
            sample_metrics.append((sample, ClassificationSampleMetrics(
                classification=label, margin=None if np.isnan(data.margin[i]) else float(data.margin[i]),
                is_correct=bool(p == data.truth[i]))))
        case_metrics, case_plots = [], []
        for test_case, mask in case_masks(test_cases, test_samples):
            case_metrics.append((test_case, _aggregate(data, predicted, threshold, mask)))
            case_plots.append((test_case, _plots(data, predicted, mask) if mask.any() else []))
        whole = _aggregate(data, predicted, threshold, np.ones(len(test_samples), dtype=bool), ranking=False)
        suite = ClassificationTestSuiteMetrics(
            n_samples=whole.n_samples, threshold=threshold, accuracy=whole.accuracy,
            macro_precision=whole.macro_precision, macro_recall=whole.macro_recall, macro_f1=whole.macro_f1)
        return EvaluationResults(sample_metrics, case_metrics, case_plots, suite)


def _truth(value: Any, field: str, sample: Any) -> str:
    if isinstance(value, ClassificationLabel):
        return str(value.label)
    if isinstance(value, (str, int, bool, np.integer)):
        return str(value)
    raise InputValidationError(f"ground truth field '{field}' of test sample {describe(sample)} must be a "
                               f"ClassificationLabel or a label, got {value!r}")


def _scored(value: Any, field: str, sample: Any) -> List[Tuple[str, float]]:
    items = [] if value is None else value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        score = getattr(item, "score", None)
        if not isinstance(item, ClassificationLabel) or isinstance(score, bool) \
                or not isinstance(score, (int, float, np.integer, np.floating)) or not np.isfinite(score):
            raise InputValidationError(f"inference field '{field}' of test sample {describe(sample)} must hold "
                                       f"ScoredClassificationLabels with finite scores, got {item!r}")
        out.append((str(item.label), float(score)))
    return out


def _read(samples: List[Any], gts: List[Any], infs: List[Any], gt_field: str, inf_field: str) -> _Data:
    truths, scored = [], []
    for sample, gt, inf in zip(samples, gts, infs):
        if gt is None or inf is None:
            role = "ground truth" if gt is None else "inference"
            raise InputValidationError(f"test sample {describe(sample)} has no {role}")
        truths.append(_truth(getattr(gt, gt_field), gt_field, sample))
        scored.append(_scored(getattr(inf, inf_field), inf_field, sample))
    labels = sorted(set(truths) | {label for items in scored for label, _ in items})
    code = {label: i for i, label in enumerate(labels)}
    n, k = len(samples), len(labels)
    scores = np.full((n, k), np.nan)
    top, top_score, margin = np.full(n, -1, dtype=np.int64), np.full(n, np.nan), np.full(n, np.nan)
    for i, items in enumerate(scored):
        for label, score in items:
            scores[i, code[label]] = score
        if items:
            ranked = sorted(range(len(items)), key=lambda j: -items[j][1])  # stable: first listed wins ties
            top[i], top_score[i] = code[items[ranked[0]][0]], items[ranked[0]][1]
            if len(items) > 1:
                margin[i] = items[ranked[0]][1] - items[ranked[1]][1]
    truth = np.array([code[t] for t in truths], dtype=np.int64)
    return _Data(labels, truth, top, top_score, margin, scores)


def _threshold(data: _Data, config: ClassificationConfiguration, field: str) -> Optional[float]:
    if config.threshold_strategy is None:
        return None
    fixed = threshold_value(config.threshold_strategy)
    if fixed is not None:
        return fixed
    has = data.top >= 0
    s = data.top_score[has]
    if len(s) and (s.min() < 0 or s.max() > 1):
        raise InputValidationError(f"an F1-optimal threshold needs scores in [0, 1]; inference field '{field}' has "
                                   f"scores in [{s.min()}, {s.max()}]")
    return f1_optimal_threshold(s, data.top[has] == data.truth[has], len(data.truth))[0]


def _predicted(data: _Data, threshold: Optional[float]) -> np.ndarray:
    if threshold is None:
        return data.top
    return np.where((data.top >= 0) & (np.nan_to_num(data.top_score, nan=-np.inf) >= threshold), data.top, -1)


def _one_vs_rest(t: np.ndarray, scores: np.ndarray, cls: int) -> Tuple[float, float]:
    """ROC AUC and average precision of one class, NaN unless every sample scores it (AP also needs a positive)."""
    s = scores[:, cls]
    if not len(s) or np.isnan(s).any():
        return float("nan"), float("nan")
    positive = (t == cls).astype(np.int64)
    auc = float(roc_auc_score(positive, s))
    ap = float(average_precision_score(positive, s)) if positive.any() else float("nan")
    return auc, ap


def _aggregate(data: _Data, predicted: np.ndarray, threshold: Optional[float], mask: np.ndarray,
               ranking: bool = True) -> ClassificationTestCaseMetrics:
    """A test case's metrics; ``ranking=False`` leaves out per-class ROC AUC and AP (NaN), which sort scores."""
    t, p, scores = data.truth[mask], predicted[mask], data.scores[mask]
    present = np.unique(np.r_[t, p[p >= 0]]).astype(np.int64)
    per_class: List[ClassificationClassMetrics] = []
    if len(present):
        precision, recall, f1, support = precision_recall_fscore_support(t, p, labels=present)
        mcm = multilabel_confusion_matrix(t, p, labels=present)
        tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
        rates = fpr(tn, fp)
        for i, cls in enumerate(present):
            auc, ap = _one_vs_rest(t, scores, cls) if ranking else (float("nan"), float("nan"))
            per_class.append(ClassificationClassMetrics(
                label=data.labels[cls], n_samples=int(support[i]), n_predicted=int(tp[i] + fp[i]), tp=int(tp[i]),
                fp=int(fp[i]), fn=int(fn[i]), tn=int(tn[i]), precision=float(precision[i]),
                recall=float(recall[i]), f1=float(f1[i]), fpr=float(rates[i]), roc_auc=auc, average_precision=ap))
    aucs = np.array([c.roc_auc for c in per_class if not np.isnan(c.roc_auc)])
    return ClassificationTestCaseMetrics(
        n_samples=int(mask.sum()), n_correct=int((p == t).sum()), n_withheld=int((p < 0).sum()), threshold=threshold,
        accuracy=accuracy_score(t, p), macro_precision=_mean([c.precision for c in per_class]),
        macro_recall=_mean([c.recall for c in per_class]), macro_f1=_mean([c.f1 for c in per_class]),
        macro_roc_auc=float(aucs.mean()) if len(aucs) else float("nan"), per_class=per_class)


def _mean(values: List[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def _plots(data: _Data, predicted: np.ndarray, mask: np.ndarray) -> List[Plot]:
    t, p, scores = data.truth[mask], predicted[mask], data.scores[mask]
    present = np.unique(np.r_[t, p[p >= 0]]).astype(np.int64)
    labels = [data.labels[c] for c in present]
    codes = present.tolist()
    if (p < 0).any():
        labels, codes = labels + [NO_PREDICTION], codes + [-1]
    plots: List[Plot] = []
    if len(labels) >= 2:
        plots.append(ConfusionMatrix(title="Confusion Matrix", labels=labels,
                                     matrix=confusion_matrix(t, p, labels=codes)))
    roc, pr = [], []
    for cls in present:
        s = scores[:, cls]
        positive = (t == cls).astype(np.int64)
        if np.isnan(s).any() or positive.all() or not positive.any():
            continue
        false_rate, true_rate, _ = roc_curve(positive, s)
        roc.append(curve(false_rate, true_rate, data.labels[cls]))
        precision, recall, thresholds = precision_recall_curve(positive, s)
        pr.append(curve(recall[:-1], precision[:-1], data.labels[cls], threshold=thresholds))
    if roc:
        plots.append(CurvePlot(title="ROC (one vs. rest)", x_label="False Positive Rate", y_label="True Positive Rate",
                               curves=roc))
        plots.append(CurvePlot(title="Precision vs. Recall (one vs. rest)", x_label="Recall", y_label="Precision",
                               curves=pr))
    top, has = data.top_score[mask], data.top[mask] >= 0
    s, correct = top[has], (data.top[mask] == t)[has]
    if len(s) and s.min() >= 0 and s.max() <= 1:
        f1 = pr_curve(s, correct, len(t))
        plots.append(CurvePlot(title="F1 vs. Confidence Threshold", x_label="Confidence Threshold", y_label="F1",
                               curves=[curve(f1.thresholds, f1.f1)]))
        plots.append(Histogram(title="Top-1 Confidence", x_label="Confidence", y_label="Samples",
                               buckets=_SCORE_BUCKETS, labels=["correct", "incorrect"], frequency=[
                                   np.histogram(s[correct], bins=_SCORE_BUCKETS)[0],
                                   np.histogram(s[~correct], bins=_SCORE_BUCKETS)[0]]))
    return plots
