"""Bad data for the store and store faults: metadata that is not JSON, types that would orphan stored test cases,
a full disk, a store that cannot be opened. Each is a clear error and the store is unchanged."""
import math
import sqlite3
from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy import event

import kolena_lab
from kolena_lab.errors import InputValidationError, NameConflictError, StoreError, WorkflowMismatchError
from kolena_lab.workflow import GroundTruth, catalog, define_workflow
from kolena_lab.workflow.annotation import ClassificationLabel

from tests.integration import _classification as c


@pytest.mark.parametrize("metadata, where", [
    ({"lr": math.nan}, "nan at key 'lr'"),
    ({"lr": math.inf}, "inf at key 'lr'"),
    ({"lr": -math.inf}, "-inf at key 'lr'"),
    ({"scores": [0.5, math.nan]}, r"nan at key 'scores'\[1\]"),
    ({"train": {"loss": float("nan")}}, r"nan at key 'train'\['loss'\]"),
    ({"lr": np.float64("nan")}, "nan at key 'lr'"),
    ({"lr": 1e308 * 10}, "inf at key 'lr'"),
])
def test_model_metadata_with_a_non_finite_number(unchanged, metadata, where):
    with unchanged(InputValidationError, match=f"^metadata of model 'm' holds {where}: only finite numbers"):
        c.Model("m", infer=c.predict, metadata=metadata)


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_model_metadata_update_with_a_non_finite_number(unchanged, value):
    model = c.Model("m", infer=c.predict, metadata={"lr": 0.1})
    with unchanged(InputValidationError, match="metadata of model 'm' holds"):
        model.update(metadata={"lr": value})


@pytest.mark.parametrize("value", [math.nan, -math.inf])
def test_model_metadata_edited_by_name_with_a_non_finite_number(unchanged, value):
    c.Model("m", infer=c.predict, metadata={"lr": 0.1})
    with unchanged(InputValidationError, match="metadata of model 'm' holds"):
        catalog.edit_model_metadata("m", {"lr": value})


def test_test_case_description_with_nul(unchanged):
    with unchanged(InputValidationError, match="description of test case 'tc' must not contain NUL"):
        c.TestCase("tc", description="a\x00b", test_samples=c.members(2))


def test_test_suite_description_with_nul(unchanged):
    with unchanged(InputValidationError, match="description of test suite 's' must not contain NUL"):
        c.TestSuite("s", description="\x00")


@dataclass(frozen=True)
class TextGT(GroundTruth):
    label: str


@dataclass(frozen=True)
class MoreGT(GroundTruth):
    label: ClassificationLabel
    difficulty: int = 0


@pytest.fixture
def redefined():
    """The test classification workflow defined again with other ground truth types; its own types after."""
    yield lambda gt: define_workflow(c.workflow.name, c.Sample, gt, c.Inf)
    define_workflow(c.workflow.name, c.Sample, c.GT, c.Inf)


@pytest.mark.parametrize("gt", [TextGT, MoreGT])
@pytest.mark.parametrize("write", ["test case", "test suite", "model", "register"])
def test_other_types_under_a_stored_workflow_name(unchanged, redefined, gt, write):
    c.TestCase("kept", test_samples=c.members(2))
    _, TestCase, TestSuite, Model = redefined(gt)
    with unchanged(WorkflowMismatchError, match=r"is stored with other types \(ground_truth: stored GT\(label: "
                                                r"ClassificationLabel\), given"):
        {"test case": lambda: TestCase("new", test_samples=[]), "test suite": lambda: TestSuite("s"),
         "model": lambda: Model("m", infer=c.predict), "register": lambda: TestCase.workflow.register()}[write]()


def test_other_types_do_not_stop_the_stored_test_cases_loading(sqlite_store, redefined):
    c.TestCase("kept", test_samples=c.members(2))
    _, TestCase, _, _ = redefined(TextGT)
    with pytest.raises(WorkflowMismatchError):
        TestCase("new", test_samples=[(c.sample(1), TextGT("cat"))])
    define_workflow(c.workflow.name, c.Sample, c.GT, c.Inf)
    assert sorted(gt.label.label for _, gt in c.TestCase.load("kept").iter_test_samples()) == ["cat", "dog"]


def test_a_full_disk(sqlite_store, unchanged):
    c.TestCase("kept", test_samples=c.members(2))
    with sqlite3.connect(sqlite_store.engine.url.database) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    sqlite_store.engine.dispose()
    event.listen(sqlite_store.engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count={pages}"))
    with unchanged(StoreError, match="is full"):
        c.TestCase("big", test_samples=c.members(2000, offset=10))


@pytest.mark.parametrize("url, error", [
    ("garbage", InputValidationError), ("foo://x", InputValidationError), ("sqlite:///:memory:", InputValidationError),
    ("postgresql+psycopg://u@127.0.0.1:1/db", StoreError),
])
def test_initialize_with_a_url_that_names_no_store(sqlite_store, unchanged, url, error):
    c.TestCase("kept", test_samples=c.members(2))
    with unchanged(error, match="store"):
        kolena_lab.initialize(url=url)
    with unchanged(StoreError, match="no store is in use: the last initialize"):
        c.TestCase("elsewhere", test_samples=c.members(2))
    kolena_lab.initialize(url=sqlite_store.url)


def test_initialize_with_a_corrupt_file_then_writing(sqlite_store, unchanged, tmp_path):
    (tmp_path / "corrupt.db").write_bytes(b"not a database " * 100)
    with unchanged(StoreError, match="corrupt or not a kolena_lab store"):
        kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'corrupt.db'}")
    with unchanged(StoreError, match="no store is in use"):
        c.Model("m", infer=c.predict)
    kolena_lab.initialize(url=sqlite_store.url)


def test_initialize_with_a_folder(sqlite_store, unchanged, tmp_path):
    with unchanged(InputValidationError, match="names a directory"):
        kolena_lab.initialize(url=f"sqlite:///{tmp_path}")
    kolena_lab.initialize(url=sqlite_store.url)


def test_a_name_taken_in_the_same_transaction(sqlite_store, unchanged):
    with unchanged(NameConflictError, match="a model named 'm' exists already"):
        with sqlite_store.transaction() as conn:
            workflow_id = c.workflow._register(conn)
            kolena_lab.store.models.create(conn, workflow_id, "m", "{}", "[]")
            kolena_lab.store.models.create(conn, workflow_id, "m", "{}", "[]")


def test_a_row_breaking_the_schema(sqlite_store, unchanged):
    with unchanged(InputValidationError, match="refused the write"):
        with sqlite_store.transaction() as conn:
            kolena_lab.store._sql.run(conn, "INSERT INTO kl_test_cases (workflow_id, name, description, "
                                            "latest_version) VALUES (424242, 'orphan', '', 0)")
            kolena_lab.store._sql.run(conn, "INSERT INTO kl_meta (key, value) VALUES ('x', NULL)")
