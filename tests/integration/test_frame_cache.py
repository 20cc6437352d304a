"""Snapshots of big test case versions on a real store: a second load skips the store and gives the same frame, and
no snapshot outlives the data it was taken of."""
import os
import sqlite3
from dataclasses import dataclass
from typing import Optional

import pandas as pd
import pytest

import kolena_lab
from kolena_lab import store
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.workflow import _frame_cache

from tests.unit.workflow.test_frame_cache import assert_identical


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str


@dataclass(frozen=True)
class Scored(GroundTruth):
    label: str
    score: Optional[float] = None


@dataclass(frozen=True)
class Inf(Inference):
    label: str


_, TestCase, _, _ = define_workflow("Frame Cache", Image, Label, Inf)


@pytest.fixture(autouse=True)
def small_snapshots(monkeypatch, tmp_path):
    """Snapshot every version, and keep the user cache (PostgreSQL snapshots) inside the test's directory."""
    monkeypatch.setattr(_frame_cache, "MIN_ROWS", 1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def member_queries(monkeypatch):
    """How many times the members of a version were read from the store."""
    calls = []
    members = store.test_cases.members
    monkeypatch.setattr(store.test_cases, "members", lambda conn, version_id: calls.append(version_id)
                        or members(conn, version_id))
    return calls


def snapshots() -> list:
    folder = _frame_cache.directory(store.get_store())
    return sorted(p for p in os.listdir(folder) if p.endswith(".arrow")) if folder.exists() else []


def uncached(test_case) -> pd.DataFrame:
    saved, _frame_cache.MIN_ROWS = _frame_cache.MIN_ROWS, 10 ** 12
    try:
        return test_case.to_dataframe()
    finally:
        _frame_cache.MIN_ROWS = saved


def image(i: int, **metadata) -> Image:
    return Image(locator=f"/data/img{i:03d}.png", metadata=metadata)


def awkward(n: int = 6) -> list:
    """Members whose metadata has missing keys, nulls, integers beside missing values and non-ASCII text."""
    out = []
    for i in range(n):
        metadata = {"width": 100 + i, "ratio": i / 3, "night": i % 2 == 0, "place": "Zürich ✓ 😀" if i else "a\nb"}
        if i % 3:
            metadata["count"] = i
        if i == 2:
            metadata["note"] = None
        out.append((image(i, **metadata), Label("cat" if i % 2 else "dog") if i != 4 else None))
    return out


def test_second_load_comes_from_the_snapshot_and_is_identical(lab, member_queries):
    tc = TestCase("awkward", test_samples=awkward())
    assert snapshots() == []  # creating a test case writes none
    first = tc.to_dataframe()
    assert len(member_queries) == 1 and len(snapshots()) == 1
    again = TestCase.load("awkward").to_dataframe()
    assert len(member_queries) == 1
    assert_identical(again, first)
    assert list(again["count"]) == [None, 1, 2, None, 4, 5] and again["count"].dtype == object
    mode = os.stat(_frame_cache.directory(lab) / snapshots()[0]).st_mode & 0o777
    assert mode == 0o600


def test_frames_that_would_change_are_not_snapshot(lab, member_queries):
    TestCase("mixed", test_samples=[(image(0, v=1), Label("a")), (image(1, v="one"), Label("b")),
                                    (image(2, nested={"k": [1]}), Label("c"))])
    first = TestCase.load("mixed").to_dataframe()
    again = TestCase.load("mixed").to_dataframe()
    assert snapshots() == [] and len(member_queries) == 2
    assert list(again["v"]) == [1, "one", None]
    assert_identical(again, first)


def test_small_versions_are_not_snapshot(lab, monkeypatch):
    monkeypatch.setattr(_frame_cache, "MIN_ROWS", 7)
    TestCase("six", test_samples=awkward(6)).to_dataframe()
    assert snapshots() == []
    TestCase("seven", test_samples=awkward(7)).to_dataframe()
    assert len(snapshots()) == 1


def test_metadata_merged_through_another_test_case_replaces_the_snapshot(lab, member_queries):
    old = TestCase("old", test_samples=awkward())
    before = old.to_dataframe()
    [stale] = snapshots()
    TestCase("other", test_samples=[(image(1, place="Genève", extra=7.5), Label("cat"))])  # merges into sample 1
    after = TestCase.load("old").to_dataframe()
    assert len(member_queries) == 2
    assert (after.loc[1, "place"], after.loc[1, "extra"], after.loc[0, "extra"]) == ("Genève", 7.5, None)
    assert before.loc[1, "place"] == "Zürich ✓ 😀" and "extra" not in before
    assert_identical(after, uncached(old))
    assert_identical(TestCase.load("old").to_dataframe(), after)
    assert len(member_queries) == 3  # the uncached load above; then a snapshot hit
    assert stale not in snapshots() and len([s for s in snapshots() if s.split("-")[1] == stale.split("-")[1]]) == 1


def test_registering_same_metadata_again_keeps_the_snapshot(lab, member_queries):
    TestCase("a", test_samples=awkward()).to_dataframe()
    [snapshot] = snapshots()
    TestCase("b", test_samples=awkward(3))
    TestCase.load("a").to_dataframe()
    assert snapshots() == [snapshot] and len(member_queries) == 1


def test_an_old_version_loaded_after_newer_ones(lab, member_queries):
    tc = TestCase("versions", test_samples=awkward(4))
    with tc.edit() as editor:
        editor.add(image(10, width=1), Label("new"))
    with tc.edit() as editor:
        editor.remove(image(0))
    latest = TestCase.load("versions").to_dataframe()
    first = TestCase.load("versions", version=1).to_dataframe()
    second = TestCase.load("versions", version=2).to_dataframe()
    assert (len(first), len(second), len(latest)) == (4, 5, 4) and len(snapshots()) == 3
    assert list(first["locator"]) == [image(i).locator for i in range(4)]
    assert_identical(TestCase.load("versions", version=1).to_dataframe(), first)
    assert_identical(TestCase.load("versions", version=2).to_dataframe(), second)
    assert len(member_queries) == 3


def test_a_redefined_workflow_does_not_read_another_types_snapshot(lab):
    TestCase("typed", test_samples=[(image(i, w=i), Label("x")) for i in range(3)]).to_dataframe()
    [first] = snapshots()
    _, Redefined, _, _ = define_workflow("Frame Cache", Image, Scored, Inf)
    try:
        frame = Redefined.load("typed").to_dataframe()
        assert list(frame.columns) == ["sample_id", "locator", "w", "ground_truth.label", "ground_truth.score"]
        assert snapshots() != [first] and len(snapshots()) == 1
    finally:
        define_workflow("Frame Cache", Image, Label, Inf)


def test_a_corrupt_snapshot_is_ignored_and_replaced(lab, member_queries):
    tc = TestCase("tc", test_samples=awkward())
    expected = tc.to_dataframe()
    path = _frame_cache.directory(lab) / snapshots()[0]
    path.write_bytes(b"garbage")
    assert_identical(TestCase.load("tc").to_dataframe(), expected)
    assert len(member_queries) == 2 and path.stat().st_size > 100
    assert_identical(TestCase.load("tc").to_dataframe(), expected)
    assert len(member_queries) == 2


def test_no_collision_after_the_store_is_deleted_and_created_again(tmp_path, member_queries):
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    kolena_lab.initialize(url=url)
    first = TestCase("tc", test_samples=awkward(3)).to_dataframe()
    kolena_lab.initialize(url=url).dispose()
    for name in ("lab.db", "lab.db-wal", "lab.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    try:
        kolena_lab.initialize(url=url)
        members = [(image(i, other=True), Label("other")) for i in range(3)]
        again = TestCase("tc", test_samples=members).to_dataframe()  # same ids in the new store
        assert TestCase.load("tc")._version_id == 2 and len(member_queries) == 2
        assert list(again["ground_truth.label"]) == ["other"] * 3 and "other" not in first
        assert len(snapshots()) == 2
    finally:
        store.get_store().dispose()


def test_a_read_only_store_reads_snapshots_and_one_without_an_id_writes_none(tmp_path, member_queries):
    path = tmp_path / "lab.db"
    kolena_lab.initialize(url=f"sqlite:///{path}")
    expected = TestCase("tc", test_samples=awkward()).to_dataframe()
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    kolena_lab.initialize(url=read_only)
    try:
        assert_identical(TestCase.load("tc").to_dataframe(), expected)
        assert len(member_queries) == 1
        store.get_store().dispose()
        with sqlite3.connect(path) as conn:  # as a store written before stores had ids
            conn.execute("DELETE FROM kl_meta WHERE key = 'store_id'")
        for snapshot in snapshots():
            os.remove(_frame_cache.directory(store.get_store()) / snapshot)
        kolena_lab.initialize(url=read_only)
        assert_identical(TestCase.load("tc").to_dataframe(), expected)
        assert snapshots() == [] and len(member_queries) == 2
        kolena_lab.initialize(url=f"sqlite:///{path}")  # writable again: the store gets an id on open
        with store.get_store().read() as conn:
            assert store.meta.store_id(conn) is not None
    finally:
        store.get_store().dispose()


def test_samples_revision_changes_only_with_metadata(lab):
    tc = TestCase("tc", test_samples=awkward(2))

    def stamp():
        with lab.read() as conn:
            return store.meta.version_stamp(conn, tc._version_id)

    first = stamp()
    assert first.n_samples == 2 and first.samples_revision == "0" and len(first.store_id) == 32
    TestCase("same", test_samples=awkward(2))
    assert stamp() == first
    TestCase("changed", test_samples=[(image(0, width=1), None)])
    assert stamp().samples_revision not in ("0", first.samples_revision)


@pytest.mark.parametrize("crafted", ["../../escaped", "/tmp/abs", "a" * 31, "A" * 32, "0" * 32 + "/x", ""])
def test_a_crafted_store_id_makes_no_snapshot_and_writes_nothing_outside(sqlite_store, tmp_path, crafted):
    with sqlite_store.transaction() as conn:
        store._sql.run(conn, "UPDATE kl_meta SET value = ? WHERE key = 'store_id'", (crafted,))
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    tc = TestCase("tc", test_samples=awkward())
    assert_identical(TestCase.load("tc").to_dataframe(), tc.to_dataframe())
    assert snapshots() == []
    after = sorted(str(p) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and not p.startswith(str(tmp_path / "lab.db"))] == []


def test_only_snapshot_files_are_pruned(lab, tmp_path):
    folder = _frame_cache.directory(lab)
    folder.mkdir(parents=True)
    foreign = ["notes.arrow", "a-1-b-c.arrow", ".x.tmp", "0" * 32 + "-1-0-" + "f" * 16 + ".arrow.bak"]
    for name in foreign:
        (folder / name).write_text("keep me")
        os.utime(folder / name, (0, 0))  # as old as can be: a stale file to prune if it were ours
    outside = tmp_path / "outside.arrow"
    outside.write_text("keep me")
    (folder / ("0" * 32 + "-1-0-" + "e" * 16 + ".arrow")).symlink_to(outside)
    TestCase("tc", test_samples=awkward()).to_dataframe()
    TestCase("tc", test_samples=[*awkward(), (image(99), Label("x"))], reset=True).to_dataframe()
    assert all((folder / name).read_text() == "keep me" for name in foreign)
    assert outside.read_text() == "keep me" and (folder / ("0" * 32 + "-1-0-" + "e" * 16 + ".arrow")).is_symlink()
    written = [name for name in snapshots() if not (folder / name).is_symlink() and name not in foreign]
    assert len(written) == 2 and all(_frame_cache._NAME.fullmatch(name) for name in written)
