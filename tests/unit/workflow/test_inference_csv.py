"""Models made of an inference CSV: rows matched to a suite's samples by their identity, inferences built from the
columns, and the report of what did not match."""
from dataclasses import dataclass
from typing import Optional

import pandas as pd
import pytest

from kolena_lab.workflow import Composite, GroundTruth, Image, Inference, Text, define_workflow, load_test_case_metrics
from kolena_lab.workflow import test
from kolena_lab.workflow.annotation import ClassificationLabel
from kolena_lab.workflow.io import csv_key, model_from_inference_csv
from tests.unit.ui import _results as R


def test_csv_lookup_model_runs_test_and_names_missing_samples(sqlite_store, tmp_path):
    suite, _ = R.build(n_samples=6, evaluate=False, skills=(5,))
    path = tmp_path / "inf.csv"
    path.write_text("locator,prediction\n" + "".join(
        f'/data/img{i:04d}.png,"{{""data_type"": ""ANNOTATION/SCORED_CLASSIFICATION_LABEL"", '
        f'""label"": ""{R.LABELS[i % 3]}"", ""score"": 0.8}}"\n' for i in range(6)))
    result = model_from_inference_csv(R.Model, path, suite, name="json-cells")
    assert result.stored == 6 and not result.missing
    test(result.model, suite, R.AccuracyEvaluator())
    assert load_test_case_metrics(result.model, suite)["accuracy"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="inference field 'prediction'"):
        model_from_inference_csv(R.Model, b"locator,other\n/data/img0000.png,1\n", suite, name="bad")
    with pytest.raises(ValueError, match="several rows"):
        model_from_inference_csv(R.Model, b"locator,label,score\na,cat,1\na,dog,1\n", suite, name="dup")


def test_report_of_a_partial_csv_given_the_workflow(sqlite_store):
    suite, _ = R.build(n_samples=12, evaluate=False, skills=(5,))
    frame = pd.DataFrame({"locator": [f"/data/img{i:04d}.png" for i in range(0, 12, 2)] + ["/elsewhere.png"],
                          "label": ["cat"] * 7, "score": [0.9] * 7})
    result = model_from_inference_csv(R.workflow, frame, suite, name="partial", metadata={"source": "csv"},
                                      tags={"lookup"})
    assert result.stored == 6 and result.unmatched == ["/elsewhere.png"]
    assert sorted(s.locator for s in result.missing) == [f"/data/img{i:04d}.png" for i in range(1, 12, 2)]
    assert result.summary() == ("model 'partial': 6 inferences stored; 6 samples have no inference; "
                                "1 CSV rows match no sample of the suite")
    stored = R.Model.load("partial")
    assert stored.metadata == {"source": "csv"} and stored.tags == {"lookup"}
    assert len(stored.load_inferences(suite.test_cases[1])) == 6
    with pytest.raises(KeyError, match="/data/img0001.png"):
        result.model.infer(R.sample(1))
    with pytest.raises(ValueError, match="no 'id' column"):
        model_from_inference_csv(R.workflow, frame, suite, name="other", key_column="id")
    with pytest.raises(TypeError, match="Workflow or a bound Model class"):
        model_from_inference_csv("UI Results", frame, suite, name="other")  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Page(Text):
    pass


@dataclass(frozen=True)
class _Label(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class _Guess(Inference):
    label: str
    note: Optional[str] = None


def test_text_samples_are_keyed_by_text_and_optional_fields_may_be_absent(sqlite_store):
    _, TestCase, TestSuite, Model = define_workflow("CSV Text", _Page, _Label, _Guess)
    pages = [(_Page(text=t), _Label(ClassificationLabel(t))) for t in ("a", "b")]
    suite = TestSuite("pages", test_cases=[TestCase("pages", test_samples=pages)])
    result = model_from_inference_csv(Model, b"locator,label\na,x\nb,y\n", suite, name="text-lookup")
    assert result.stored == 2 and not result.missing
    assert [inf for _, _, inf in result.model.load_inferences(suite.test_cases[0])] == [
        _Guess(label="x"), _Guess(label="y")]


@dataclass(frozen=True)
class _Pair(Composite):
    left: Image
    right: Image


def test_csv_key_reads_the_sample_identity():
    assert csv_key(Image("/a.png", metadata={"k": 1})) == "/a.png"
    assert csv_key(_Page(text="hello")) == "hello"
    pair = _Pair(left=Image("/l.png"), right=Image("/r.png"))
    assert csv_key(pair, "right.locator") == "/r.png"
    with pytest.raises(ValueError, match="no 'left'"):
        csv_key(pair, "left")
