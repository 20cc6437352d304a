"""Fields inside object columns (annotations, lists of them) can be filtered, sorted and queried by name."""
import pandas as pd
import pytest

from kolena_lab.errors import QueryError
from kolena_lab.workflow import Filter, SampleView, select
from kolena_lab.workflow.annotation import ClassificationLabel, LabeledBoundingBox, ScoredClassificationLabel, \
    ScoredLabeledBoundingBox


@pytest.fixture
def frame():
    return pd.DataFrame({
        "locator": ["a.png", "b.png", "c.png", "d.png"],
        "ground_truth.label": [ClassificationLabel("8"), ClassificationLabel("3"), ClassificationLabel("8"), None],
        "inference.prediction": [ScoredClassificationLabel("8", 0.9), ScoredClassificationLabel("8", 0.4),
                                 ScoredClassificationLabel("1", 0.7), ScoredClassificationLabel("3", 0.2)],
        "ground_truth.bboxes": [[LabeledBoundingBox((0, 0), (1, 1), "car"), LabeledBoundingBox((0, 0), (2, 2), "bus")],
                                [], [LabeledBoundingBox((0, 0), (1, 1), "car")], None],
        "inference.bboxes": [[ScoredLabeledBoundingBox((0, 0), (1, 1), "car", 0.3)], [], [], []],
    })


def test_view_offers_the_fields_inside_objects(frame):
    fields = SampleView(frame).fields
    assert fields[0] == "locator"
    for name in ("ground_truth.label.label", "inference.prediction.label", "inference.prediction.score",
                 "ground_truth.bboxes.count", "ground_truth.bboxes.labels", "inference.bboxes.max_score"):
        assert name in fields
    assert "ground_truth.label" not in fields


def test_a_label_inside_an_annotation_is_a_category_with_counts(frame):
    summary = SampleView(pd.concat([frame] * 5, ignore_index=True)).summary("ground_truth.label.label")
    assert summary.kind == "category" and dict(summary.values) == {"3": 5, "8": 10}
    assert SampleView(frame).summary("inference.prediction.score").kind == "number"


@pytest.mark.parametrize("where, expected", [
    ("ground_truth.label.label == '8'", ["a.png", "c.png"]),
    ("`ground_truth.label.label` == '8'", ["a.png", "c.png"]),
    ("`inference.prediction.label` == '8' and `inference.prediction.score` > 0.5", ["a.png"]),
    ("ground_truth.bboxes.count >= 1", ["a.png", "c.png"]),
    ("ground_truth.bboxes.labels.str.contains('bus')", ["a.png"]),
    ("inference.bboxes.max_score < 0.5", ["a.png"]),
])
def test_queries_reach_inside_objects(frame, where, expected):
    assert select(frame, where)["locator"].tolist() == expected
    view = SampleView(frame)
    assert frame["locator"].iloc[view.set(query=where)].tolist() == expected


def test_filters_and_sort_reach_inside_objects(frame):
    view = SampleView(frame)
    positions = view.set(filters=[Filter("inference.prediction.label", "in", ["8"])],
                         sort_field="inference.prediction.score", ascending=True)
    assert frame["locator"].iloc[positions].tolist() == ["b.png", "a.png"]
    rows = view.rows(positions)
    assert rows["inference.prediction.score"].tolist() == [0.4, 0.9] and "ground_truth.label" in rows
    assert select(frame, sort="inference.prediction.score", descending=True)["locator"].tolist()[0] == "a.png"


def test_comparing_an_object_column_names_the_fields_inside_it(frame):
    with pytest.raises(QueryError, match=r"'ground_truth.label' holds ClassificationLabel values.*"
                                         r"ground_truth.label.label"):
        select(frame, "`ground_truth.label` == '8'")
    with pytest.raises(QueryError, match=r"'ground_truth.label' holds ClassificationLabel"):
        select(frame, "ground_truth.label == '8'")
    with pytest.raises(QueryError, match=r"ground_truth.bboxes.count"):
        SampleView(frame).set(query="ground_truth.bboxes == 1")


def test_an_unknown_backticked_field_is_named_as_written(frame):
    with pytest.raises(QueryError, match=r"unknown field 'inference.prediction.lable'") as info:
        select(frame, "`inference.prediction.lable` == '8'")
    assert "BACKTICK" not in str(info.value)
