"""Test case and suite semantics on a real store (SQLite file and PostgreSQL server)."""
import warnings
from dataclasses import dataclass
from typing import Optional

import pandas as pd
import pytest

from kolena_lab.errors import (
    DuplicateDatapointIdError,
    FrozenObjectError,
    InputValidationError,
    NameConflictError,
    NotFoundError,
    WorkflowMismatchError,
)
from kolena_lab.workflow import GroundTruth, Image, Inference, Text, define_workflow
from kolena_lab.workflow.annotation import BoundingBox, ClassificationLabel, TimeSegment

from kolena_lab.workflow.samples import frame_members, frame_sample_ids, sample_id

from ._classification import GT, TestCase, TestSuite, gt, members, sample, workflow


def locators(test_case) -> list:
    return [s.locator for s, _ in test_case.load_test_samples()]


def test_new_test_case_is_version_zero_then_one_with_samples(lab):
    empty = TestCase("empty")
    assert (empty.version, empty.load_test_samples()) == (0, [])
    full = TestCase("full", description="ten", test_samples=members(10))
    assert full.version == 1 and full.description == "ten"
    loaded = TestCase.load("full")
    assert loaded == full and len(loaded.load_test_samples()) == 10


def test_constructor_loads_and_warns_instead_of_overwriting(lab):
    TestCase("tc", test_samples=members(3))
    with pytest.warns(UserWarning, match="reset=True"):
        again = TestCase("tc", test_samples=members(5))
    assert again.version == 1 and len(again.load_test_samples()) == 3
    replaced = TestCase("tc", test_samples=members(5, offset=100), reset=True)
    assert replaced.version == 2 and locators(replaced) == [sample(i).locator for i in range(100, 105)]


def test_edit_bumps_version_only_when_membership_changes(lab):
    tc = TestCase("tc", test_samples=members(4))
    with tc.edit() as editor:
        editor.description("new words")
    assert (tc.version, tc.description) == (1, "new words")
    with tc.edit() as editor:
        editor.remove(sample(999))  # absent: no-op
    assert tc.version == 1
    with tc.edit() as editor:
        editor.remove(sample(0))
        editor.add(sample(50), gt("cat"))
    assert tc.version == 2
    assert locators(tc) == [sample(i).locator for i in (1, 2, 3, 50)]  # survivors first, then added
    with tc.edit() as editor:
        editor.add(sample(1), gt("dog"))  # re-adding replaces the ground truth in place
        editor.add(sample(1), gt("bird"))  # last add wins
    assert tc.version == 3
    assert [g.label.label for _, g in tc.load_test_samples()] == ["bird", "dog", "cat", "cat"]
    with tc.edit() as editor:
        editor.add(sample(1), gt("bird"))  # identical: nothing to commit
    assert tc.version == 3


def test_old_versions_hold_exactly_what_they_held(lab):
    tc = TestCase("tc", test_samples=members(3))
    with tc.edit(reset=True) as editor:
        editor.add(sample(7), gt("cat"))
    assert locators(TestCase.load("tc", 1)) == [sample(i).locator for i in range(3)]
    assert [g for _, g in TestCase.load("tc", 1).load_test_samples()] == [m[1] for m in members(3)]
    assert locators(TestCase.load("tc", 2)) == [sample(7).locator]
    assert TestCase.load("tc", 0).load_test_samples() == []
    with pytest.raises(NotFoundError, match="no version 9"):
        TestCase.load("tc", 9)


def test_metadata_is_merged_across_writes_and_is_not_identity(lab):
    TestCase("a", test_samples=[(sample(1, color="red", size=1), gt("cat"))])
    TestCase("b", test_samples=[(sample(1, size=2), gt("cat"))])
    (loaded, _), = TestCase.load("a").load_test_samples()
    assert loaded.metadata == {"color": "red", "size": 2}
    assert loaded == sample(1, color="red", size=2)


def test_names_conflicts_and_missing(lab):
    TestCase.create("tc")
    with pytest.raises(NameConflictError):
        TestCase.create("tc")
    with pytest.raises(NotFoundError):
        TestCase.load("nope")
    with pytest.raises(ValueError, match="empty"):
        TestCase("   ")
    tc = TestCase.load("tc")
    with pytest.raises(FrozenObjectError):
        tc.name = "other"


@dataclass(frozen=True)
class OtherGT(GroundTruth):
    text: str


@dataclass(frozen=True)
class OtherInf(Inference):
    text: str


_, OtherTestCase, OtherTestSuite, _ = define_workflow("Other Text Workflow", Text, OtherGT, OtherInf)


def test_bad_members_are_rejected_and_nothing_is_written(lab):
    with pytest.warns(UserWarning, match="1 repeated test sample"):  # a repeat is merged, as Editor.add merges it
        dup = TestCase("dup", test_samples=[(sample(1), gt("cat")), (sample(1, x=1), gt("dog"))])
    assert dup.load_test_samples() == [(sample(1, x=1), gt("dog"))]
    with pytest.raises(WorkflowMismatchError, match="Text"):
        TestCase("wrong sample", test_samples=[(Text("hello"), gt("cat"))])
    with pytest.raises(ValueError, match="OtherGT"):
        TestCase("wrong gt", test_samples=[(sample(1), OtherGT("x"))])
    for name in ("wrong sample", "wrong gt"):
        with pytest.raises(NotFoundError):
            TestCase.load(name)
    OtherTestCase("texts", test_samples=[(Text("hi"), OtherGT("hi"))])
    with pytest.raises(WorkflowMismatchError, match="Other Text Workflow"):
        TestCase.load("texts")


def test_suite_versions_description_and_tags(lab):
    a = TestCase("a", test_samples=members(2))
    b = TestCase("b", test_samples=members(2, offset=10))
    suite = TestSuite("suite", description="first", test_cases=[a], tags={"nightly"})
    assert (suite.version, [tc.name for tc in suite.test_cases]) == (1, ["a"])
    with suite.edit() as editor:
        editor.description("second")
        editor.tags.add("release")
    assert (suite.version, suite.description, suite.tags) == (1, "second", {"nightly", "release"})
    with suite.edit() as editor:
        editor.add(b)
    assert suite.version == 2 and [tc.name for tc in suite.test_cases] == ["a", "b"]
    with a.edit() as editor:
        editor.add(sample(99), gt("dog"))
    with suite.edit() as editor:
        editor.add(a)  # the newer version of "a" replaces the older one
    assert suite.version == 3 and [(tc.name, tc.version) for tc in suite.test_cases] == [("b", 1), ("a", 2)]
    assert [(tc.name, tc.version) for tc in TestSuite.load("suite", 2).test_cases] == [("a", 1), ("b", 1)]
    with suite.edit() as editor:
        editor.remove(b)
    assert [tc.name for tc in suite.test_cases] == ["a"]
    TestSuite("other", test_cases=[b], tags={"nightly"})
    assert {s.name for s in TestSuite.load_all(tags={"nightly"})} == {"suite", "other"}
    assert [s.name for s in TestSuite.load_all(tags={"nightly", "release"})] == ["suite"]


def test_suite_rejects_test_case_of_another_workflow(lab):
    other = OtherTestCase("texts", test_samples=[(Text("hi"), OtherGT("hi"))])
    with pytest.raises(WorkflowMismatchError, match="Other Text Workflow"):
        TestSuite("suite", test_cases=[other])
    with pytest.raises(InputValidationError, match="a test suite holds TestCase objects, got str 'texts'"):
        TestSuite("suite", test_cases=["texts"])
    with pytest.raises(NotFoundError):
        TestSuite.load("suite")


def test_dataframe_bulk_path_matches_object_path(lab):
    frame = pd.DataFrame({
        "locator": [sample(i).locator for i in range(5)],
        "ground_truth.label": [{"label": "cat", "data_type": "ANNOTATION/CLASSIFICATION_LABEL"}] * 5,
        "weather": ["sun", "rain", None, "sun", "snow"],
        "brightness": [0.1, 0.2, float("nan"), 0.4, 0.5],
        "index": [0, 1, 2, 3, 4],
    })
    tc = TestCase.from_dataframe("bulk", frame, description="from pandas")
    assert tc.version == 1 and tc.description == "from pandas"
    loaded = tc.load_test_samples()
    assert loaded[0] == (sample(0, weather="sun", brightness=0.1, index=0), gt("cat"))
    assert loaded[2][0].metadata == {"index": 2}  # empty cells mean "no value"
    same = TestCase("objects", test_samples=[(sample(0, extra=True), gt("dog"))])
    (merged, _), = same.load_test_samples()
    assert merged.metadata == {"weather": "sun", "brightness": 0.1, "index": 0, "extra": True}
    round_trip = TestCase.from_dataframe("copy", tc.to_dataframe())
    assert round_trip.load_test_samples()[1:] == tc.load_test_samples()[1:]
    with pytest.raises(NameConflictError):
        TestCase.from_dataframe("bulk", frame)
    assert TestCase.from_dataframe("bulk", frame.iloc[:2], reset=True).version == 2


def test_frames_carry_sample_ids_that_from_dataframe_ignores(lab):
    tc = TestCase("ids", test_samples=[(sample(i, weather="sun"), gt("cat")) for i in range(3)])
    frame = tc.to_dataframe()
    assert list(frame.columns)[:2] == ["sample_id", "locator"] and frame["sample_id"].dtype == "int64"
    assert frame["sample_id"].tolist() == [sample_id(s, workflow) for s, _ in tc.load_test_samples()]
    assert sample_id(sample(0, weather="rain"), workflow) == frame["sample_id"][0]  # metadata is no identity
    copy = TestCase.from_dataframe("ids copy", frame)
    assert copy.load_test_samples() == tc.load_test_samples()
    assert all("sample_id" not in s.metadata for s, _ in copy.load_test_samples())
    assert copy.to_dataframe().equals(frame)
    assert frame_sample_ids(frame.drop(columns=["sample_id"]), workflow).tolist() == frame["sample_id"].tolist()
    assert frame_members(frame, workflow) == tc.load_test_samples()


def test_dataframe_bad_input_names_the_column(lab):
    with pytest.raises(ValueError, match="locator"):
        TestCase.from_dataframe("x", pd.DataFrame({"path": ["a.png"]}))
    with pytest.raises(ValueError, match="column 'locator' must hold strings"):
        TestCase.from_dataframe("x", pd.DataFrame({"locator": [1, 2]}))
    with pytest.raises(DuplicateDatapointIdError):
        TestCase.from_dataframe("x", pd.DataFrame({"locator": ["a.png", "a.png"]}))
    with pytest.raises(ValueError, match="row 0"):
        TestCase.from_dataframe("x", pd.DataFrame({"locator": ["a.png"], "label": [{"oops": 1}]}))
    with pytest.raises(ValueError, match="row 1: .*expected a ClassificationLabel"):
        TestCase.from_dataframe("x", pd.DataFrame({"locator": ["a.png", "b.png"],
                                                   "label": [ClassificationLabel("cat"), "dog"]}))
    with pytest.raises(NotFoundError):
        TestCase.load("x")


def test_binding_by_hand_and_unbound_subclass(lab):
    from kolena_lab.workflow import TestCase as BaseTestCase

    from ._classification import workflow as classification

    class ByHand(BaseTestCase):
        workflow = classification

    assert ByHand("by hand", test_samples=members(1)).version == 1
    with pytest.raises(NotImplementedError):
        class Unbound(BaseTestCase):
            pass


def test_suite_constructor_warns_and_resets(lab):
    a, b = TestCase("a", test_samples=members(1)), TestCase("b", test_samples=members(1, offset=5))
    TestSuite("s", test_cases=[a])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [tc.name for tc in TestSuite("s", test_cases=[b]).test_cases] == ["a"]
    assert any("reset=True" in str(w.message) for w in caught)
    assert [tc.name for tc in TestSuite("s", test_cases=[b], reset=True).test_cases] == ["b"]
    assert GT is not None and Image is not None


def test_chunked_writes_detect_duplicates_across_chunks_and_write_nothing(lab, monkeypatch):
    from kolena_lab.workflow import test_case as test_case_module

    monkeypatch.setattr(test_case_module, "_CHUNK_ROWS", 2)
    monkeypatch.setattr(test_case_module, "_OBJECT_CHUNK_ROWS", 2)
    rows = members(5)
    written = TestCase("chunks", test_samples=rows)
    assert written.load_test_samples() == rows
    frame = pd.DataFrame({"locator": [sample(i).locator for i in (1, 2, 3, 4, 1)]})
    with pytest.raises(DuplicateDatapointIdError, match="img0001"):
        TestCase.from_dataframe("bulk dup", frame)
    with pytest.warns(UserWarning, match="1 repeated test sample"):  # objects: merged, across chunks too
        merged = TestCase("object dup", test_samples=members(4) + [(sample(3), gt("cat"))])
    assert merged.load_test_samples() == members(3) + [(sample(3, index=3), gt("cat"))]
    with pytest.raises(NotFoundError):
        TestCase.load("bulk dup")


def test_bulk_writes_span_several_statements_with_conflicts_and_remainders(lab, monkeypatch):
    from kolena_lab.store import _sql
    from kolena_lab.workflow import test_case as test_case_module

    monkeypatch.setattr(test_case_module, "_CHUNK_ROWS", 5)
    monkeypatch.setattr(test_case_module, "_OBJECT_CHUNK_ROWS", 5)
    monkeypatch.setattr(_sql, "ROWS_PER_STATEMENT", 2)  # 5-row chunks: two full statements and a remainder each
    first = TestCase("first", test_samples=members(7))
    assert first.load_test_samples() == members(7)
    again = [(sample(i, seen=True), gt("cat")) for i in range(4, 11)]  # 3 stored already: their metadata merges
    second = TestCase("second", test_samples=again)
    merged = [{"index": i, "seen": True} if i < 7 else {"seen": True} for i in range(4, 11)]
    assert [(s.locator, s.metadata) for s, _ in second.load_test_samples()] == [
        (s.locator, m) for (s, _), m in zip(again, merged)]
    assert [s.metadata for s, _ in first.load_test_samples()] == [{"index": i} for i in range(4)] + merged[:3]
    with lab.read() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM kl_test_samples").scalar() == 11


@dataclass(frozen=True)
class ScaledImage(Image):
    scale: float = 1.0


@dataclass(frozen=True)
class KeypointImage(Image):
    bbox: Optional[BoundingBox] = None
    normalization_factor: Optional[float] = None
    segment: Optional[TimeSegment] = None


@dataclass(frozen=True)
class WeightGT(GroundTruth):
    label: str
    weight: float


_, ScaledTestCase, _, _ = define_workflow("Scaled Images", ScaledImage, WeightGT, OtherInf)
_, KeypointTestCase, _, _ = define_workflow("Keypoint Images", KeypointImage, WeightGT, OtherInf)


def test_a_loaded_sample_with_integers_in_float_fields_is_the_stored_sample(lab):
    tc = ScaledTestCase("tc", test_samples=[(ScaledImage(locator="a.png", scale=2), WeightGT("cat", 1)),
                                            (ScaledImage(locator="b.png", scale=3), WeightGT("dog", 0))])
    (loaded, loaded_gt), _ = tc.load_test_samples()
    assert loaded.scale == 2.0 and loaded_gt.weight == 1.0
    with tc.edit() as editor:
        editor.add(loaded, loaded_gt)  # the same member: nothing changes
    assert tc.version == 1
    with tc.edit() as editor:
        editor.remove(loaded)
    assert tc.version == 2 and locators(tc) == ["b.png"]
    with tc.edit() as editor:
        editor.remove(ScaledImage(locator="b.png", scale=3.0))
    assert tc.version == 3 and locators(tc) == []


def test_a_loaded_sample_with_integer_annotation_coordinates_can_be_removed(lab):
    given = KeypointImage(locator="k.png", bbox=BoundingBox((1, 2), (3, 4)), normalization_factor=5,
                          segment=TimeSegment(0, 1))
    tc = KeypointTestCase("keypoints", test_samples=[(given, WeightGT("face", 0.5))])
    (loaded, _), = tc.load_test_samples()
    assert loaded == given and loaded.bbox.top_left == (1.0, 2.0) and loaded.segment.end == 1.0
    with tc.edit() as editor:
        editor.remove(loaded)
    assert tc.version == 2 and tc.load_test_samples() == []


def test_dataframe_integers_in_float_fields_make_the_same_samples_as_objects(lab):
    frame = pd.DataFrame({"locator": ["a.png", "b.png"], "scale": [2, 3], "ground_truth.label": ["cat", "dog"],
                          "ground_truth.weight": [1, 0], "weather": ["sun", "rain"]})
    bulk = ScaledTestCase.from_dataframe("bulk", frame)
    objects = ScaledTestCase("objects", test_samples=[(ScaledImage(locator="a.png", scale=2.0, metadata={"seen": 1}),
                                                       WeightGT("cat", 1.0))])
    (merged, _), = objects.load_test_samples()
    assert merged.metadata == {"weather": "sun", "seen": 1}
    (first, first_gt), (second, _) = bulk.load_test_samples()
    with bulk.edit() as editor:
        editor.add(first, first_gt)
        editor.add(ScaledImage(locator="a.png", scale=2), WeightGT("cat", 1))
    assert bulk.version == 1
    with bulk.edit() as editor:
        editor.remove(second)
    assert bulk.version == 2 and locators(bulk) == ["a.png"]
    with lab.read() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM kl_test_samples").scalar() == 2


def test_page_cache_is_set_for_a_block_then_restored(lab):
    from kolena_lab import store

    with lab.transaction() as conn:
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar() if lab.is_sqlite else None
        with store.page_cache(conn, 3):
            if lab.is_sqlite:
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -3 * 1024
        if lab.is_sqlite:
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before == -64 * 1024


def test_repeated_samples_are_merged_like_editor_adds_with_one_warning_per_call(lab):
    rows = [(sample(1, a=1), gt("cat")), (sample(2), gt("cat")), (sample(1, b=2), gt("dog")),
            (sample(3), gt("cat")), (sample(2), gt("dog")), (sample(1), gt("bird"))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        created = TestCase.create("merged", test_samples=rows)
    assert [str(w.message) for w in caught if "repeated" in str(w.message)] == [
        "3 repeated test sample(s) merged: each keeps its first position and the ground truth given last"]
    assert created.version == 1
    assert created.load_test_samples() == [(sample(1, a=1, b=2), gt("bird")), (sample(2), gt("dog")),
                                           (sample(3), gt("cat"))]
    with pytest.warns(UserWarning, match="^1 repeated"):
        replaced = TestCase("merged", test_samples=[(sample(5), gt("cat")), (sample(5), gt("dog"))], reset=True)
    assert (replaced.version, replaced.load_test_samples()) == (2, [(sample(5), gt("dog"))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no repeats: no warning
        TestCase("plain", test_samples=members(3))


def test_init_many_creates_loads_and_resets(lab):
    rows = members(10)
    created = TestCase.init_many([("one", rows[:3]), ("two", rows[4:9]), ("three", [])])
    assert [(tc.name, tc.version) for tc in created] == [("one", 1), ("two", 1), ("three", 0)]
    assert [tc.load_test_samples() for tc in created] == [rows[:3], rows[4:9], []]
    assert created == [TestCase.load("one"), TestCase.load("two"), TestCase.load("three")]

    TestCase("described", description="kept")
    with pytest.warns(UserWarning, match=r"\['one'\] already have samples"):
        loaded = TestCase.init_many([("one", rows[5:7]), ("two", []), ("three", rows[:2]), ("described", rows[:1])])
    assert [(tc.name, tc.version) for tc in loaded] == [("one", 1), ("two", 1), ("three", 1), ("described", 1)]
    assert loaded[0].load_test_samples() == rows[:3] and loaded[2].load_test_samples() == rows[:2]
    assert loaded[3].description == "kept"

    reset = TestCase.init_many([("one", rows[5:7]), ("two", rows[4:9]), ("three", []), ("four", rows[:1])],
                               reset=True)
    assert [(tc.name, tc.version) for tc in reset] == [("one", 2), ("two", 1), ("three", 2), ("four", 1)]
    assert [tc.load_test_samples() for tc in reset] == [rows[5:7], rows[4:9], [], rows[:1]]


def test_init_many_is_all_or_nothing(lab):
    TestCase("existing", test_samples=members(2))
    with pytest.raises(ValueError, match="OtherGT"):
        TestCase.init_many([("new", members(3)), ("existing", members(4)), ("bad", [(sample(1), OtherGT("x"))])],
                           reset=True)
    with pytest.raises(NotFoundError):
        TestCase.load("new")
    assert (TestCase.load("existing").version, len(TestCase.load("existing").load_test_samples())) == (1, 2)
    OtherTestCase("texts")
    with pytest.raises(WorkflowMismatchError):
        TestCase.init_many([("new", members(3)), ("texts", [])])
    with pytest.raises(NotFoundError):
        TestCase.load("new")


def test_init_many_rejects_repeated_names_and_unbound_classes_and_merges_repeated_samples(lab):
    from kolena_lab.errors import IncorrectUsageError
    from kolena_lab.workflow import TestCase as BaseTestCase

    with pytest.raises(IncorrectUsageError, match="'twice'"):
        TestCase.init_many([("twice", members(1)), ("once", []), ("twice", [])])
    with pytest.raises(NotFoundError):
        TestCase.load("once")
    with pytest.raises(NotImplementedError):
        BaseTestCase.init_many([])
    TestCase("filled", test_samples=members(1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merged = TestCase.init_many([("a", [(sample(1), gt("cat")), (sample(1), gt("dog"))]),
                                     ("filled", [(sample(0), gt("cat")), (sample(0), gt("bird"))])], reset=True)
    assert [str(w.message) for w in caught] == [
        "2 repeated test sample(s) merged: each keeps its first position and the ground truth given last"]
    assert [tc.load_test_samples() for tc in merged] == [[(sample(1), gt("dog"))], [(sample(0, index=0), gt("bird"))]]
