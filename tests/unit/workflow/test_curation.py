"""Curation through the core API: preview a create / add / remove with selected rows, then apply it."""
from dataclasses import dataclass

import pandas as pd
import pytest

from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.workflow.curation import CurationDiff, CurationResult, apply_curation, preview_curation


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str


@dataclass(frozen=True)
class Guess(Inference):
    label: str


workflow, TestCase, TestSuite, _ = define_workflow("Curation Unit", Image, Label, Guess)


@pytest.fixture
def rows(sqlite_store):
    frame = pd.DataFrame({
        "locator": [f"/images/img_{i:03d}.jpg" for i in range(12)],
        "ground_truth.label": ["cat", "dog", "bird"] * 4,
        "brightness": [i / 10 for i in range(12)],
        "weather": ["sun", "rain"] * 6,
    })
    return TestCase.from_dataframe("all images", frame).to_dataframe()


def test_create_add_remove_and_suite(rows):
    rainy = rows[rows["weather"] == "rain"].iloc[:4]
    diff = preview_curation(workflow, rainy, "create", "rainy", "rain only", test_suite="weather suite")
    assert isinstance(diff, CurationDiff) and (diff.before, len(diff.added), diff.after) == (0, 4, 4)
    assert diff.summary() == ("Create test case 'rainy': 4 added, 0 removed, 0 → 4 samples; then put it in test "
                              "suite 'weather suite'")
    result = apply_curation(workflow, diff)
    created = TestCase.load("rainy")
    assert isinstance(result, CurationResult) and created.version == 1 and created.description == "rain only"
    samples = created.load_test_samples()
    assert [s.locator for s, _ in samples] == rainy["locator"].tolist()
    assert [g.label for _, g in samples] == ["dog", "cat", "bird", "dog"]
    assert samples[0][0].metadata == {"brightness": pytest.approx(0.1), "weather": "rain"}
    assert [tc.name for tc in TestSuite.load("weather suite").test_cases] == ["rainy"]
    assert "Created test case &#x27;rainy&#x27; version 1" in result._repr_html_()
    assert result._repr_html_().count("<img src=\"data:image/") == 4  # a shared notebook shows the thumbnails
    with pytest.raises(ValueError, match="already exists"):
        preview_curation(workflow, rainy, "create", "rainy")

    added = apply_curation(workflow, preview_curation(workflow, rows.iloc[[0, 1]], "add", "rainy"))  # 1 is in
    assert (len(added.diff.added), added.test_case.version) == (1, 2)
    assert [s.locator for s, _ in TestCase.load("rainy").load_test_samples()][-1].endswith("img_000.jpg")
    removed = apply_curation(workflow, preview_curation(workflow, rows.iloc[[3, 0, 11]], "remove", "rainy"))
    assert (len(removed.diff.removed), removed.test_case.version, removed.diff.after) == (2, 3, 3)
    unchanged = apply_curation(workflow, preview_curation(workflow, rows.iloc[[11]], "remove", "rainy"))
    assert unchanged.test_case.version == 3 and not unchanged.diff.changes

    kept = {s.locator for s, _ in TestCase.load("rainy").load_test_samples()}
    chosen = rows.iloc[[0, 11]]
    diff = preview_curation(workflow, chosen, "create", "rainy", reset=True)
    assert (diff.before, diff.after) == (3, 2) and len(diff.removed) == len(kept - set(chosen["locator"]))
    assert apply_curation(workflow, diff).test_case.version == 4
    assert [s.locator for s, _ in TestCase.load("rainy").load_test_samples()] == chosen["locator"].tolist()


def test_rows_without_ids_are_matched_by_their_samples(rows):
    plain = rows.drop(columns=["sample_id"])
    apply_curation(workflow, preview_curation(workflow, plain.iloc[:3], "create", "three"))
    diff = preview_curation(workflow, plain.iloc[2:5], "add", "three")
    assert (len(diff.added), diff.after) == (2, 5)


def test_bad_requests_say_what_is_wrong(rows):
    with pytest.raises(ValueError, match="action must be one of"):
        preview_curation(workflow, rows, "rename", "x")
    with pytest.raises(ValueError, match="give a test case name"):
        preview_curation(workflow, rows, "create", "  ")
    with pytest.raises(ValueError, match="select at least one sample"):
        preview_curation(workflow, rows.iloc[0:0], "create", "none")
    with pytest.raises(ValueError, match="does not exist"):
        preview_curation(workflow, rows, "add", "missing")
