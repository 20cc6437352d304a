"""The checks every store writer makes: names, tags, JSON documents and free text."""
import json

import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.store.checks import MAX_NAME_LENGTH, check_json, check_name, check_tags, check_text, shown


def test_a_good_name_is_kept_stripped():
    assert check_name("  cats at night ", "test case name") == "cats at night"
    assert check_name("Zürich ✓ 😀 / a-b_c.d", "model name") == "Zürich ✓ 😀 / a-b_c.d"
    assert check_name("x" * MAX_NAME_LENGTH, "model name") == "x" * MAX_NAME_LENGTH


@pytest.mark.parametrize("name, match", [
    ("", "must not be empty"),
    (" \t\n ", "must not be empty"),
    ("a\x00b", r"control characters \(here '\\x00' at position 1\)"),
    ("a\nb", "control characters"),
    ("a\rb", "control characters"),
    ("\x1b[31mred\x1b[0m", "control characters"),
    ("a\x9bb", "control characters"),
    ("a\x7fb", "control characters"),
    ("a\u2028b", "control characters"),
    ("safe\u202etxt.exe", "control characters"),
    ("x" * 5000, "5000 characters long, longer than 1024"),
    (12, "must be a string, got int"),
    (None, "must be a string, got NoneType"),
    (b"bytes", "must be a string, got bytes"),
])
def test_bad_names_are_refused_naming_the_kind(name, match):
    with pytest.raises(InputValidationError, match=match) as info:
        check_name(name, "test case name")
    assert str(info.value).startswith("test case name")
    assert len(str(info.value)) < 300 and "\x1b" not in str(info.value) and "\x00" not in str(info.value)


def test_workflow_and_evaluator_names_have_their_columns_width():
    check_name("w" * 512, "workflow name")
    with pytest.raises(InputValidationError, match="workflow name is 513 characters long, longer than 512"):
        check_name("w" * 513, "workflow name")
    with pytest.raises(InputValidationError, match="evaluator name is 600 characters"):
        check_name("e" * 600, "evaluator name")


def test_shown_values_are_cut_and_escaped():
    assert shown("abc") == "'abc'"
    long = shown("y" * 5000)
    assert len(long) < 110 and long.endswith("(5000 characters)")
    assert shown("\x1b[2J") == "'\\x1b[2J'"


def test_json_documents_hold_only_finite_numbers():
    check_json(json.dumps({"a": [1, 2.5, None, {"b": "c"}]}), "metadata of model 'm'")
    with pytest.raises(InputValidationError, match=r"metadata of model 'm' holds nan at key 'lr'"):
        check_json(json.dumps({"lr": float("nan")}), "metadata of model 'm'")
    with pytest.raises(InputValidationError, match=r"holds -inf at key 'a'\['b'\]\[1\]"):
        check_json(json.dumps({"a": {"b": [0, float("-inf")]}}), "metadata of model 'm'")
    with pytest.raises(InputValidationError, match="holds inf at item 0"):
        check_json(json.dumps([float("inf")]), "configurations")
    with pytest.raises(InputValidationError, match="is not JSON"):
        check_json("{nope", "configurations")


def test_tags_are_names():
    check_tags(json.dumps(["nightly", "v2"]), "model 'm'")
    with pytest.raises(InputValidationError, match="tag of model 'm' must not contain control characters"):
        check_tags(json.dumps(["ok", "bad\nline"]), "model 'm'")
    with pytest.raises(InputValidationError, match="tag of test suite 's' must not be empty"):
        check_tags(json.dumps([""]), "test suite 's'")
    with pytest.raises(InputValidationError, match="must be a list"):
        check_tags(json.dumps("nightly"), "model 'm'")


def test_text_may_hold_anything_but_nul():
    check_text("two\nlines\tand é", "description of test case 'tc'")
    with pytest.raises(InputValidationError, match="must not contain NUL"):
        check_text("a\x00b", "description of test case 'tc'")
    with pytest.raises(InputValidationError, match="must be a string"):
        check_text(None, "description of test case 'tc'")  # type: ignore[arg-type]
