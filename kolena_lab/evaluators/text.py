"""Text generation / recognition: exact match, SQuAD token F1, word and character error rates. Edit distances are
computed once per sample; a test case's WER and CER are corpus rates (its edits over its reference length)."""
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from kolena_lab.errors import InputValidationError
from kolena_lab.evaluators._common import ReadyEvaluator, case_masks, first_type
from kolena_lab.evaluators._fields import describe, find_field
from kolena_lab.evaluators._partitions import map_partitions
from kolena_lab.metrics import edit_distance, exact_match, normalize_answer, token_f1
from kolena_lab.workflow.directions import higher, lower, neutral
from kolena_lab.workflow.evaluator import EvaluatorConfiguration, MetricsTestCase, MetricsTestSample, MetricsTestSuite
from kolena_lab.workflow.evaluator_function import EvaluationResults, TestCases
from kolena_lab.workflow.plot import Histogram, Plot

_RATE_BUCKETS = np.linspace(0.0, 1.0, 21)
# On a Dask cluster (``kolena_lab.workflow.executor.using``), suites of at least this many samples get their edit
# distances and token F1 on the workers: ~0.2 ms a pair of 50-character sentences (more for longer texts), against
# under 1 us to send it and a few ms per task.
DISTRIBUTED_MIN_SAMPLES = 2000


@dataclass(frozen=True)
class TextConfiguration(EvaluatorConfiguration):
    """``normalize``: compare SQuAD-normalised texts (lower case, no punctuation or articles, single spaces) for
    exact match, WER and CER; token F1 always normalises."""

    normalize: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.normalize, bool):
            raise InputValidationError(f"'normalize' must be a bool, got {self.normalize!r}")

    def display_name(self) -> str:
        return "normalized" if self.normalize else "verbatim"


@dataclass(frozen=True)
class TextSampleMetrics(MetricsTestSample):
    """One sample; ``wer`` / ``cer`` are infinite for an empty reference with a non-empty prediction."""

    exact_match: bool = higher()
    token_f1: float = higher()
    wer: float = lower(headline=1)
    cer: float = lower()
    word_errors: int = lower()
    character_errors: int = lower()


@dataclass(frozen=True)
class TextTestCaseMetrics(MetricsTestCase):
    """A test case: exact match and token F1 averaged over samples, WER / CER over the case's whole text."""

    n_samples: int = neutral()
    exact_match: float = higher()
    token_f1: float = higher()
    wer: float = lower(headline=1)
    cer: float = lower(headline=2)


@dataclass(frozen=True)
class TextTestSuiteMetrics(MetricsTestSuite):
    """The suite's unique samples taken together."""

    n_samples: int = neutral()
    exact_match: float = higher()
    token_f1: float = higher()
    wer: float = lower(headline=1)
    cer: float = lower(headline=2)


class TextEvaluator(ReadyEvaluator):
    """Text evaluator: ``TextEvaluator(configurations, ground_truth=..., inference=...)`` passed to ``test(model,
    suite, evaluator)``; fields default to the first ``str`` field of each type (a None prediction is empty)."""

    configuration_type = TextConfiguration

    def __init__(self, configurations: Optional[Sequence[TextConfiguration]] = None, *,
                 ground_truth: Optional[str] = None, inference: Optional[str] = None, name: Optional[str] = None):
        super().__init__(configurations, name=name)
        self.ground_truth, self.inference = ground_truth, inference

    def _evaluate(self, test_samples: List[Any], ground_truths: List[Any], inferences: List[Any],
                  test_cases: TestCases, configuration: TextConfiguration) -> EvaluationResults:
        is_str = lambda tp: tp is str  # noqa: E731
        gt_field = find_field(first_type(ground_truths, "ground truth", test_samples), self.ground_truth, is_str,
                              role="ground truth", expected="str", parameter="ground_truth")
        inf_field = find_field(first_type(inferences, "inference", test_samples), self.inference, is_str,
                               role="inference", expected="str", parameter="inference")
        refs = _texts(ground_truths, gt_field, test_samples, "ground truth", allow_none=False)
        hyps = _texts(inferences, inf_field, test_samples, "inference", allow_none=True)
        shipped = map_partitions(_per_sample, len(refs), lambda a, b: (refs[a:b], hyps[a:b]),
                                 min_items=DISTRIBUTED_MIN_SAMPLES, normalize=configuration.normalize)
        parts = shipped or [_per_sample((refs, hyps), 0, configuration.normalize)]
        f1, match, words, word_edits, chars, char_edits = (np.concatenate(arrays) for arrays in zip(*parts))
        wer, cer = _rates(word_edits, words), _rates(char_edits, chars)
        sample_metrics = [(s, TextSampleMetrics(
            exact_match=bool(match[i]), token_f1=float(f1[i]), wer=float(wer[i]), cer=float(cer[i]),
            word_errors=int(word_edits[i]), character_errors=int(char_edits[i]))) for i, s in enumerate(test_samples)]

        def summary(mask: np.ndarray) -> dict:
            return dict(n_samples=int(mask.sum()), exact_match=_mean(match[mask]), token_f1=_mean(f1[mask]),
                        wer=_corpus(word_edits[mask], words[mask]), cer=_corpus(char_edits[mask], chars[mask]))

        case_metrics, case_plots = [], []
        for test_case, mask in case_masks(test_cases, test_samples):
            case_metrics.append((test_case, TextTestCaseMetrics(**summary(mask))))
            case_plots.append((test_case, _plots(wer[mask], cer[mask], f1[mask]) if mask.any() else []))
        suite = TextTestSuiteMetrics(**summary(np.ones(len(test_samples), dtype=bool)))
        return EvaluationResults(sample_metrics, case_metrics, case_plots, suite)


def _per_sample(texts: Tuple[List[str], List[str]], start: int,
                normalize: bool) -> Tuple[np.ndarray, ...]:
    """Token F1, exact match, reference words, word edits, reference characters and character edits of each
    ``(reference, prediction)`` pair (``start``: the position of the first pair, unused: pairs are independent)."""
    refs, hyps = texts
    f1 = np.asarray(token_f1(refs, hyps), dtype=np.float64).reshape(-1)
    match = np.asarray(exact_match(refs, hyps, normalize=normalize), dtype=bool).reshape(-1)
    if normalize:
        refs, hyps = [normalize_answer(t) for t in refs], [normalize_answer(t) for t in hyps]
    ref_words = [r.split() for r in refs]
    words = np.array([len(r) for r in ref_words], dtype=np.int64)
    word_edits = np.array([edit_distance(r, h.split()) for r, h in zip(ref_words, hyps)], dtype=np.int64)
    chars = np.array([len(r) for r in refs], dtype=np.int64)
    char_edits = np.array([edit_distance(r, h) for r, h in zip(refs, hyps)], dtype=np.int64)
    return f1, match, words, word_edits, chars, char_edits


def _texts(objects: List[Any], field: str, samples: List[Any], role: str, allow_none: bool) -> List[str]:
    out = []
    for obj, sample in zip(objects, samples):
        value = None if obj is None else getattr(obj, field, None)
        if value is None and allow_none:
            value = ""
        if not isinstance(value, str):
            raise InputValidationError(f"{role} field '{field}' of test sample {describe(sample)} must be a string, "
                                       f"got {value!r}")
        out.append(value)
    return out


def _rates(edits: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per-sample error rates: 0 for an empty reference and prediction, infinite for an empty reference only."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lengths > 0, edits / np.maximum(lengths, 1), np.where(edits > 0, np.inf, 0.0))


def _corpus(edits: np.ndarray, lengths: np.ndarray) -> float:
    total, errors = int(lengths.sum()), int(edits.sum())
    if total == 0:
        return 0.0 if errors == 0 else float("inf")
    return errors / total


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else 0.0


def _plots(wer: np.ndarray, cer: np.ndarray, f1: np.ndarray) -> List[Plot]:
    def counts(values: np.ndarray) -> np.ndarray:
        return np.histogram(np.clip(values, 0.0, 1.0), bins=_RATE_BUCKETS)[0]

    return [
        Histogram(title="Word Error Rate (rates above 1 in the last bucket)", x_label="WER", y_label="Samples",
                  buckets=_RATE_BUCKETS, frequency=counts(wer)),
        Histogram(title="Character Error Rate (rates above 1 in the last bucket)", x_label="CER", y_label="Samples",
                  buckets=_RATE_BUCKETS, frequency=counts(cer)),
        Histogram(title="Token F1", x_label="Token F1", y_label="Samples", buckets=_RATE_BUCKETS,
                  frequency=counts(f1)),
    ]
