"""Locators relative to a data root: a project folder can move without its samples changing identity."""
import shutil

import pandas as pd
import pytest

import kolena_lab
from kolena_lab.errors import InputValidationError, LocatorError
from kolena_lab.media import data_root, read_locator, thumbnail
from kolena_lab.workflow.curation import preview_curation
from kolena_lab.workflow.io import relative_locators
from tests.unit.ui._browser_data import workflow_classes, write_images


@pytest.fixture
def root_reset():
    yield
    kolena_lab.set_data_root(None)


def test_a_moved_project_keeps_its_samples(sqlite_store, tmp_path, monkeypatch, root_reset):
    monkeypatch.chdir(tmp_path)
    wf, TestCase, _, _ = workflow_classes("Data Root")
    paths = write_images(tmp_path / "project-a" / "data" / "images", 6)
    frame = pd.DataFrame({"locator": relative_locators(paths, tmp_path / "project-a" / "data"),
                          "ground_truth.label": ["cat", "dog"] * 3})
    assert frame["locator"].tolist()[0] == "images/img_000.jpg"
    case = TestCase.from_dataframe("every image", frame)
    kolena_lab.set_data_root(tmp_path / "project-a" / "data")
    assert data_root() == str(tmp_path / "project-a" / "data")
    assert read_locator("images/img_000.jpg")[:2] == b"\xff\xd8" and not thumbnail("images/img_001.jpg").placeholder

    shutil.move(tmp_path / "project-a", tmp_path / "project-b")
    with pytest.raises(LocatorError, match="file not found"):
        read_locator("images/img_000.jpg")
    kolena_lab.set_data_root(tmp_path / "project-b" / "data")
    assert not thumbnail("images/img_002.jpg").placeholder

    moved = [p.replace("project-a", "project-b") for p in paths]
    again = pd.DataFrame({"locator": relative_locators(moved, tmp_path / "project-b" / "data"),
                          "ground_truth.label": ["cat", "dog"] * 3})
    diff = preview_curation(wf, again, "add", "every image")
    assert len(diff.added) == 0 and not diff.changes, diff.summary()
    absolute = pd.DataFrame({"locator": moved, "ground_truth.label": ["cat", "dog"] * 3})
    assert len(preview_curation(wf, absolute, "add", "every image").added) == 6  # what absolute paths would do
    assert TestCase.load("every image").version == case.version


def test_bad_data_roots_and_locators_are_refused(tmp_path, root_reset):
    with pytest.raises(LocatorError, match="data root is not a directory"):
        kolena_lab.set_data_root(tmp_path / "missing")
    with pytest.raises(InputValidationError, match="outside the data root"):
        relative_locators([str(tmp_path / "x.png")], tmp_path / "data")
    with pytest.raises(InputValidationError, match="not a local path"):
        relative_locators(["https://example.com/a.png"], tmp_path)
    monkey_root = tmp_path / "env-root"
    monkey_root.mkdir()
    (monkey_root / "a.txt").write_bytes(b"hi")
    import os
    os.environ["KOLENA_LAB_DATA_ROOT"] = str(monkey_root)
    try:
        assert read_locator("a.txt") == b"hi"
    finally:
        del os.environ["KOLENA_LAB_DATA_ROOT"]
