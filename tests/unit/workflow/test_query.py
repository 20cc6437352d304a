"""The query engine: typed filters, query strings with dotted field names, sort orders, pages, select."""
import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import QueryError
from kolena_lab.workflow.query import (
    FieldSummary,
    Filter,
    SampleView,
    filter_mask,
    query_mask,
    select,
    summarize,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "locator": [f"img/{i}.jpg" for i in range(6)],
        "brightness": [0.9, 0.1, np.nan, 0.5, 0.7, 0.3],
        "weather": ["sun", "rain", "rain", None, "snow", "sun"],
        "is_night": [False, True, True, False, False, True],
        "count": [3, 1, 4, 1, 5, 9],
        "ground_truth.label": ["cat", "dog", "cat", "bird", "dog", "cat"],
        "inference.score": [0.2, 0.8, 0.5, 0.9, 0.1, 0.6],
    })


def test_query_with_dotted_names_and_strings(frame):
    mask = query_mask(frame, "ground_truth.label == 'cat' and inference.score > 0.3")
    assert mask.tolist() == [False, False, True, False, False, True]
    # a string that looks like a dotted field name is left alone
    assert query_mask(frame, "weather == 'ground_truth.label'").sum() == 0


def test_query_compares_missing_values_as_not_matching(frame):
    assert query_mask(frame, "brightness > 0.2").tolist() == [True, False, False, True, True, True]


def test_query_errors_name_the_problem(frame):
    with pytest.raises(QueryError, match="unknown field 'nope'.*fields: locator, brightness"):
        query_mask(frame, "nope > 1")
    with pytest.raises(QueryError, match="invalid query"):
        query_mask(frame, "brightness >")
    with pytest.raises(QueryError, match="true or false"):
        query_mask(frame, "brightness + 1")


def test_empty_query_matches_everything(frame):
    assert query_mask(frame, "   ").all()


@pytest.mark.parametrize("flt, expected", [
    (Filter("weather", "==", "rain"), [1, 2]),
    (Filter("weather", "!=", "rain"), [0, 4, 5]),
    (Filter("brightness", ">=", "0.5"), [0, 3, 4]),
    (Filter("count", "<", "3"), [1, 3]),
    (Filter("is_night", "==", "true"), [1, 2, 5]),
    (Filter("weather", "contains", "SU"), [0, 5]),
    (Filter("count", "in", "1, 9"), [1, 3, 5]),
    (Filter("brightness", "between", (0.3, 0.7)), [3, 4, 5]),
    (Filter("brightness", "between", (None, 0.3)), [1, 5]),
    (Filter("count", "between", "4, "), [2, 4, 5]),
    (Filter("weather", "in", ["sun", "snow"]), [0, 4, 5]),
    (Filter("weather", "is missing"), [3]),
    (Filter("brightness", "is not missing"), [0, 1, 3, 4, 5]),
])
def test_typed_filters(frame, flt, expected):
    assert np.flatnonzero(filter_mask(frame, flt)).tolist() == expected


def test_typed_filter_errors(frame):
    with pytest.raises(QueryError, match="holds numbers; 'abc' is not a number"):
        filter_mask(frame, Filter("brightness", ">", "abc"))
    with pytest.raises(QueryError, match="unknown field 'x'"):
        filter_mask(frame, Filter("x", "==", 1))
    with pytest.raises(QueryError, match="unknown operator"):
        filter_mask(frame, Filter("count", "~", 1))
    with pytest.raises(QueryError, match="true/false"):
        filter_mask(frame, Filter("is_night", "==", "maybe"))
    with pytest.raises(QueryError, match=r"'between' needs \(low, high\)"):
        filter_mask(frame, Filter("count", "between", 3))


def test_filters_read_well_and_equal_ones_share_a_cached_mask(frame):
    assert str(Filter("brightness", "between", (0.2, 0.8))) == "brightness between 0.2 and 0.8"
    assert str(Filter("brightness", "between", (None, 0.8))) == "brightness <= 0.8"
    assert str(Filter("count", "between", [2, None])) == "count >= 2"
    assert str(Filter("weather", "in", ["sun"])) == "weather in ['sun']"
    assert str(Filter("locator", "in", [f"img/{i}.jpg" for i in range(37)])) == "locator in 37 values"
    view = SampleView(frame)
    view.set(filters=[Filter("weather", "in", ["sun", "rain"])])
    assert len(view._mask_cache) == 1
    view.set(filters=[Filter("weather", "in", np.array(["sun", "rain"]))])
    assert len(view._mask_cache) == 1 and view.positions.tolist() == [0, 1, 2, 5]


def test_summaries_pick_the_control_of_each_kind(frame):
    view = SampleView(frame)
    assert view.summary("brightness") == FieldSummary("number", 0.1, 0.9, False)
    assert view.summary("count") == FieldSummary("number", 1.0, 9.0, True)
    assert view.summary("is_night").kind == "boolean"
    assert view.summary("weather").kind == "text"  # 3 values on 5 rows: more like text than categories
    weather = pd.Series(["sun", "rain", None, "rain", "snow", "sun", "snow"])
    assert summarize(weather) == FieldSummary("category", values=(("rain", 2), ("snow", 2), ("sun", 2)))
    many = pd.Series([f"text {i % 30}" for i in range(100)])
    assert summarize(many).kind == "text" and summarize(pd.Series([None, None], dtype=object)).kind == "text"
    assert summarize(pd.Series([1.0, 2.0, None])) == FieldSummary("number", 1.0, 2.0, True)
    with pytest.raises(QueryError, match="unknown field 'nope'"):
        view.summary("nope")


def test_view_sorts_stably_with_missing_last_and_pages(frame):
    view = SampleView(frame)
    assert view.set(sort_field="brightness").tolist() == [1, 5, 3, 4, 0, 2]
    assert view.set(ascending=False).tolist() == [0, 4, 3, 5, 1, 2]
    assert view.set(sort_field="ground_truth.label", ascending=True).tolist() == [3, 0, 2, 5, 1, 4]
    assert view.set(query="is_night").tolist() == [2, 5, 1]
    assert view.page(0, 2).tolist() == [2, 5] and view.page(1, 2).tolist() == [1]
    assert view.page_count(2) == 2
    assert view.set(sort_field=None).tolist() == [1, 2, 5]


def test_view_keeps_its_state_when_a_query_is_wrong(frame):
    view = SampleView(frame)
    view.set(query="count > 2")
    with pytest.raises(QueryError):
        view.set(query="count >>> 2")
    assert view.query == "count > 2" and view.positions.tolist() == [0, 2, 4, 5]
    with pytest.raises(QueryError, match="cannot sort by unknown field"):
        view.set(sort_field="nope")


def test_filters_and_query_combine(frame):
    view = SampleView(frame)
    positions = view.set(filters=[Filter("ground_truth.label", "==", "cat")], query="count > 3")
    assert positions.tolist() == [2, 5]
    assert view.fields == list(frame.columns)



def test_select_combines_query_filters_and_sort(frame):
    frame = frame.set_index(pd.Index([f"s{i}" for i in range(len(frame))]))
    rows = select(frame, "inference.score > 0.15", [Filter("ground_truth.label", "in", ["cat", "dog"]),
                                                     Filter("brightness", "is not missing")],
                  sort="brightness", descending=True)
    assert rows.index.tolist() == ["s0", "s5", "s1"]
    assert rows.columns.tolist() == frame.columns.tolist() and rows["count"].tolist() == [3, 9, 1]
    assert select(frame, sort="brightness").index.tolist() == ["s1", "s5", "s3", "s4", "s0", "s2"]
    assert select(frame, "is_night").index.tolist() == ["s1", "s2", "s5"]
    assert select(frame).equals(frame) and select(frame, "  ").equals(frame)
    assert select(frame, "count > 100").empty


def test_select_takes_backticked_names_and_keeps_missing_values_for_not_equal(frame):
    assert select(frame, "weather == 'rain' and `ground_truth.label` == 'cat'").index.tolist() == [2]
    assert select(frame, "weather != 'sun'", sort="count").index.tolist() == [1, 3, 2, 4]


def test_select_errors_name_the_problem(frame):
    with pytest.raises(QueryError, match="unknown field 'nope'.*fields: locator, brightness"):
        select(frame, "nope == 1")
    with pytest.raises(QueryError, match="invalid query"):
        select(frame, "(count > 2 and")
    with pytest.raises(QueryError, match="unknown field 'x'"):
        select(frame, filters=[Filter("x", "==", 1)])
    with pytest.raises(QueryError, match="cannot sort by unknown field 'nope'"):
        select(frame, "count > 1", sort="nope")
