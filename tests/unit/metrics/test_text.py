"""Text metrics: SQuAD-style exact match / token F1, edit distance against a plain DP, WER and CER."""
import numpy as np
import pytest

from kolena_lab.metrics import (
    InputValidationError,
    character_error_rate,
    edit_distance,
    exact_match,
    normalize_answer,
    token_f1,
    word_error_rate,
)


def plain_levenshtein(a, b):
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1][-1]


@pytest.mark.parametrize("seed", range(40))
def test_edit_distance_against_plain_dp(seed):
    rng = np.random.default_rng(seed)
    alphabet = "abcd"[: int(rng.integers(1, 5))]
    a = "".join(rng.choice(list(alphabet), int(rng.integers(0, 15))))
    b = "".join(rng.choice(list(alphabet), int(rng.integers(0, 15))))
    assert edit_distance(a, b) == plain_levenshtein(a, b)
    assert edit_distance(a.split("a"), b.split("a")) == plain_levenshtein(a.split("a"), b.split("a"))


def test_squad_normalisation_and_scores():
    assert normalize_answer("The  Cat, sat!") == "cat sat"
    assert exact_match("The cat.", "cat") == 1.0
    assert exact_match("The cat.", "cat", normalize=False) == 0.0
    np.testing.assert_array_equal(exact_match(["a b", "x"], ["A B", "y"]), [1.0, 0.0])
    assert token_f1("the cat sat on the mat", "cat on mat") == pytest.approx(2 * 1 * 0.75 / 1.75)
    assert token_f1("cat cat dog", "cat") == pytest.approx(2 * 1 * (1 / 3) / (4 / 3))
    assert token_f1("", "") == 1.0 and token_f1("the", "a") == 1.0  # both empty after normalisation
    assert token_f1("cat", "") == 0.0 and token_f1("cat", "dog") == 0.0


def test_error_rates():
    assert word_error_rate("the cat sat", "the cat sat") == 0.0
    assert word_error_rate("the cat sat", "the bat sat down") == pytest.approx(2 / 3)
    assert character_error_rate("kitten", "sitting") == pytest.approx(3 / 6)
    # corpus level: total edits over total reference words
    assert word_error_rate(["a b", "c d e f"], ["a x", "c d e f"]) == pytest.approx(1 / 6)
    assert word_error_rate([], []) == 0.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "hello") == float("inf")


@pytest.mark.parametrize("call, match", [
    (lambda: word_error_rate("a", ["a"]), "both"),
    (lambda: word_error_rate(["a", "b"], ["a"]), "length mismatch"),
    (lambda: exact_match(["a", None], ["a", "b"]), "string"),
    (lambda: token_f1([1], ["a"]), "string"),
])
def test_bad_inputs(call, match):
    with pytest.raises(InputValidationError, match=match):
        call()
