"""Text metrics: exact match and token F1 (SQuAD normalisation), word and character error rates (Levenshtein).

Each function takes one reference and one prediction (returns a float) or two equally long sequences of strings
(returns a per-pair array for exact match / token F1, and the corpus-level rate for WER / CER: total edits over total
reference tokens, as jiwer computes it). An empty reference gives an error rate of 0.0 when the hypothesis is empty too
and ``inf`` otherwise (every token is an insertion against nothing). WER splits on whitespace; CER counts every
character as given (no stripping or normalisation).
"""
import re
import string
from collections import Counter
from typing import Any, Dict, List, Sequence, Tuple, Union

import numpy as np

from kolena_lab.metrics._validation import InputValidationError

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation, drop articles (a, an, the), collapse whitespace."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def _pairs(reference: Any, prediction: Any, names: Tuple[str, str]) -> Tuple[List[str], List[str], bool]:
    """Both sides as lists of strings, and whether the input was a single pair."""
    single_r, single_p = isinstance(reference, str), isinstance(prediction, str)
    if single_r != single_p:
        raise InputValidationError(f"'{names[0]}' and '{names[1]}' must both be strings or both be sequences")
    refs = [reference] if single_r else list(reference)
    preds = [prediction] if single_p else list(prediction)
    for name, items in zip(names, (refs, preds)):
        for i, v in enumerate(items):
            if not isinstance(v, str):
                raise InputValidationError(f"'{name}'[{i}] must be a string, got {type(v).__name__}")
    if len(refs) != len(preds):
        raise InputValidationError(f"length mismatch: '{names[0]}' has {len(refs)}, '{names[1]}' has {len(preds)}")
    return refs, preds, single_r


def exact_match(reference: Union[str, Sequence[str]], prediction: Union[str, Sequence[str]], *,
                normalize: bool = True) -> Union[float, np.ndarray]:
    """1.0 where the (SQuAD-normalised, unless ``normalize=False``) strings are equal, else 0.0."""
    refs, preds, single = _pairs(reference, prediction, ("reference", "prediction"))
    norm = normalize_answer if normalize else (lambda s: s)
    out = np.array([float(norm(r) == norm(p)) for r, p in zip(refs, preds)])
    return float(out[0]) if single else out


def _token_f1(reference: str, prediction: str) -> float:
    ref, pred = normalize_answer(reference).split(), normalize_answer(prediction).split()
    if not ref or not pred:
        return float(ref == pred)
    common = sum((Counter(ref) & Counter(pred)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def token_f1(reference: Union[str, Sequence[str]], prediction: Union[str, Sequence[str]]) -> Union[float, np.ndarray]:
    """SQuAD token F1 between normalised token bags; two empty answers score 1.0, one empty answer 0.0."""
    refs, preds, single = _pairs(reference, prediction, ("reference", "prediction"))
    out = np.array([_token_f1(r, p) for r, p in zip(refs, preds)])
    return float(out[0]) if single else out


def edit_distance(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance between two sequences of hashable tokens (unit insert, delete and substitute costs).

    The dynamic programme runs row by row with numpy: deletions and substitutions come from the previous row at once,
    insertions along the row as a running minimum of ``row[k] - k``.
    """
    vocab: Dict[Any, int] = {}
    x = np.array([vocab.setdefault(t, len(vocab)) for t in a], dtype=np.int64)
    y = np.array([vocab.setdefault(t, len(vocab)) for t in b], dtype=np.int64)
    if len(x) > len(y):
        x, y = y, x
    if len(x) == 0:
        return int(len(y))
    idx = np.arange(len(y) + 1)
    prev = idx.copy()
    row = np.empty(len(y) + 1, dtype=np.int64)
    for i, token in enumerate(x, start=1):
        row[0] = i
        np.minimum(prev[:-1] + (y != token), prev[1:] + 1, out=row[1:])
        prev = np.minimum.accumulate(row - idx) + idx
    return int(prev[-1])


def _error_rate(refs: List[List[Any]], hyps: List[List[Any]]) -> float:
    edits = sum(edit_distance(r, h) for r, h in zip(refs, hyps))
    total = sum(len(r) for r in refs)
    if total == 0:
        return 0.0 if edits == 0 else float("inf")
    return edits / total


def word_error_rate(reference: Union[str, Sequence[str]], hypothesis: Union[str, Sequence[str]]) -> float:
    """(substitutions + deletions + insertions) / reference words, over whitespace-split words."""
    refs, hyps, _ = _pairs(reference, hypothesis, ("reference", "hypothesis"))
    return _error_rate([r.split() for r in refs], [h.split() for h in hyps])


def character_error_rate(reference: Union[str, Sequence[str]], hypothesis: Union[str, Sequence[str]]) -> float:
    """Character-level edit distance over reference characters."""
    refs, hyps, _ = _pairs(reference, hypothesis, ("reference", "hypothesis"))
    return _error_rate([list(r) for r in refs], [list(h) for h in hyps])
