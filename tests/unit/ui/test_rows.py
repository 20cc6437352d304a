"""The sample table of the browser: the rows of several test cases, each sample once, and the core's frames back."""
import pandas as pd

from kolena_lab.ui._rows import _union, sample_rows
from kolena_lab.workflow import SAMPLE_ID

from tests.unit.ui._browser_data import workflow_classes


def test_union_keeps_each_sample_once_by_its_id_and_names_its_test_cases():
    wf = workflow_classes()[0]
    a = pd.DataFrame({SAMPLE_ID: [1, 2], "locator": ["a.png", "b.png"]})
    b = pd.DataFrame({SAMPLE_ID: [2, 3], "locator": ["b.png", "b.png"]})  # same locator, another sample
    union = _union([("a", a), ("b", b)], wf)
    assert union[SAMPLE_ID].tolist() == [1, 2, 3] and union["test_case"].tolist() == ["a", "a, b", "b"]
    assert list(_union([], wf).columns) == [SAMPLE_ID, "locator", "test_case"]
    assert list(sample_rows(union.assign(**{"metrics.x": 1})).columns) == [SAMPLE_ID, "locator"]
