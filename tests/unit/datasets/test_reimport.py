"""Importing again under the same names: refused without ``reset`` (nothing written), a new version of each test case
and of the suite holding the new import with it; names of another workflow are refused either way."""
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from kolena_lab.cli import main
from kolena_lab.datasets import from_coco, from_csv, from_image_folder, to_coco
from kolena_lab.errors import NameConflictError, WorkflowMismatchError
from kolena_lab.workflow import catalog

from . import _coco


def _versions(name):
    return [v.version for v in catalog.test_case_versions(name)]


def test_coco_reimport_replaces_test_cases_and_suite(sqlite_store, tmp_path):
    (tmp_path / "images").mkdir()
    first, second = _coco.dataset(8, seed=1), _coco.dataset(5, seed=2)
    from_coco(first, tmp_path / "images", "re coco", split_by="split")
    with pytest.raises(NameConflictError, match="test case 're coco :: train' exists; pass reset=True to replace"):
        from_coco(second, tmp_path / "images", "re coco", split_by="split")
    assert _versions("re coco :: train") == [0, 1] and catalog.test_suite_info("re coco").latest_version == 1
    imported = from_coco(second, tmp_path / "images", "re coco", split_by="split", reset=True)
    assert _versions("re coco :: train") == [0, 1, 2] and catalog.test_suite_info("re coco").latest_version == 2
    assert [tc.version for tc in imported.test_cases] == [2, 2]
    assert sorted(to_coco("re coco")["images"], key=lambda im: im["id"]) == second["images"]


def test_csv_and_folder_reimport(sqlite_store, tmp_path):
    table = pd.DataFrame({"locator": ["a.png", "b.png"], "label": ["cat", "dog"]})
    from_csv(table, "re csv")
    with pytest.raises(NameConflictError, match="pass reset=True"):
        from_csv(table.iloc[:1], "re csv")
    imported = from_csv(table.iloc[:1], "re csv", reset=True)
    assert imported.test_cases[0].version == 2 and len(imported.test_cases[0].load_test_samples()) == 1
    assert catalog.test_suite_info("re csv").latest_version == 2
    (tmp_path / "imgs" / "cat").mkdir(parents=True)
    (tmp_path / "imgs" / "cat" / "1.png").write_bytes(b"x")
    from_image_folder(tmp_path / "imgs", "re folder")
    (tmp_path / "imgs" / "cat" / "2.png").write_bytes(b"x")
    with pytest.raises(NameConflictError, match="test case 're folder' exists"):
        from_image_folder(tmp_path / "imgs", "re folder")
    imported = from_image_folder(tmp_path / "imgs", "re folder", reset=True)
    assert len(imported.test_cases[0].load_test_samples()) == 2 and _versions("re folder") == [0, 1, 2]


def test_reset_refuses_names_of_another_workflow_before_writing(sqlite_store, tmp_path):
    from_csv(pd.DataFrame({"locator": ["a.png"], "label": ["cat"]}), "classes")
    (tmp_path / "images").mkdir()
    with pytest.raises(WorkflowMismatchError, match="test suite 'classes' belongs to workflow 'classes'"):
        from_coco(_coco.dataset(3), tmp_path / "images", "boxes", test_suite="classes", reset=True)
    assert [s.name for s in catalog.list_test_suites()] == ["classes"]
    assert [tc.name for tc in catalog.list_test_cases()] == ["classes"]


def test_cli_reset(sqlite_store, tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "a.json").write_text(json.dumps(_coco.dataset(4)))
    args = ["import", "coco", str(tmp_path / "a.json"), str(tmp_path / "images"), "--name", "cli re", "--json"]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code != 0 and "pass reset=True" in again.output
    assert CliRunner().invoke(main, args + ["--reset"]).exit_code == 0
    assert _versions("cli re") == [0, 1, 2]
