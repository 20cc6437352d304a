"""Hostile values aimed at the machine rather than the data: a store whose ids would steer snapshot files outside
their folder, names carrying terminal escapes, passwords in store URLs."""
import os
import re
from pathlib import Path

import pytest

import kolena_lab
from kolena_lab import store
from kolena_lab.errors import InputValidationError, KolenaError, StoreError
from kolena_lab.store import Store
from kolena_lab.workflow import _frame_cache

from tests.integration import _classification as c

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202e]")
ESCAPES = ["\x1b[2J", "\x1b]0;owned\x07", "\x9b31m", "\x1bP+q\x1b\\", "\u202e", "\x00", "\r"]


@pytest.fixture
def snapshots_on(monkeypatch, tmp_path):
    """Snapshot every version; the folders a hostile id could reach are watched."""
    monkeypatch.setattr(_frame_cache, "MIN_ROWS", 1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _files(root: Path) -> set:
    return {str(p) for p in root.rglob("*")}


@pytest.mark.parametrize("crafted", ["../../../escaped", "/tmp/kolena-lab-absolute", "..", "a/../../b",
                                     "0" * 32 + "\x00", "é" * 32])
def test_a_crafted_store_id_writes_no_file(sqlite_store, snapshots_on, crafted):
    with sqlite_store.transaction() as conn:
        store._sql.run(conn, "UPDATE kl_meta SET value = ? WHERE key = 'store_id'", (crafted,))
    watched = snapshots_on.parent
    before = _files(watched)
    frame = c.TestCase("tc", test_samples=c.members(4)).to_dataframe()
    assert len(c.TestCase.load("tc").to_dataframe()) == len(frame) == 4
    new = {p for p in _files(watched) - before if not Path(p).name.startswith("lab.db")}
    assert new == set() and not Path("/tmp/kolena-lab-absolute").exists()


@pytest.mark.parametrize("crafted", ["../../x", "0/../../y"])
def test_a_crafted_samples_revision_writes_no_file(sqlite_store, snapshots_on, crafted):
    c.TestCase("tc", test_samples=c.members(2))
    with sqlite_store.read() as conn:
        workflow_id = store.workflows.get(conn, c.workflow.name)[0]
    with sqlite_store.transaction() as conn:
        store._sql.run(conn, "INSERT INTO kl_meta (key, value) VALUES (?, ?)",
                       (f"samples_revision:{workflow_id}", crafted))
    before = _files(snapshots_on.parent)
    assert len(c.TestCase.load("tc").to_dataframe()) == 2
    assert {p for p in _files(snapshots_on.parent) - before if "lab.db" not in Path(p).name} == set()


def test_pruning_never_follows_a_link_out_of_the_folder(sqlite_store, snapshots_on):
    folder = _frame_cache.directory(sqlite_store)
    folder.mkdir(parents=True)
    target = snapshots_on / "precious.txt"
    target.write_text("precious")
    with sqlite_store.read() as conn:
        store_id = store.meta.store_id(conn)
    link = folder / f"{store_id}-2-0-{'0' * 16}.arrow"  # named as the next version's snapshot would be
    link.symlink_to(target)
    c.TestCase("tc", test_samples=c.members(3)).to_dataframe()
    assert target.read_text() == "precious" and link.is_symlink()


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_name_with_a_terminal_escape_is_refused_and_not_echoed(unchanged, escape):
    with unchanged(InputValidationError, match="control characters") as _:
        c.TestCase(f"cases{escape}more", test_samples=c.members(1))


@pytest.mark.parametrize("escape", ESCAPES)
def test_error_messages_never_carry_raw_control_characters(sqlite_store, escape):
    for attempt in (lambda: c.TestCase(f"x{escape}y", test_samples=c.members(1)), lambda: c.Model(f"m{escape}n"),
                    lambda: c.TestSuite(f"s{escape}t")):
        with pytest.raises(KolenaError) as info:
            attempt()
        assert _CONTROL.search(str(info.value)) is None, repr(str(info.value))


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://admin:hunter2@127.0.0.1:1/lab",
    "postgresql+psycopg://admin:hun@ter2@127.0.0.1:1/lab",
    "postgresql://admin:hunter2@host:notaport/lab",
    "mysql://admin:hunter2@db/lab",
    "postgresql+psycopg://admin:hunter2@127.0.0.1:1/lab?sslmode=require",
    "postgresql+psycopg://admin@127.0.0.1:1/lab?password=hunter2",
    "postgresql+psycopg://admin:hunter%402@127.0.0.1:1/lab",
])
def test_a_password_never_appears_in_an_error(sqlite_store, url):
    with pytest.raises(KolenaError) as info:
        kolena_lab.initialize(url=url)
    assert "hunter" not in str(info.value) and "ter2" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(StoreError) as later:
        c.TestCase.load("anything")
    assert "hunter2" not in str(later.value)
    kolena_lab.initialize(url=sqlite_store.url)


def test_the_store_url_shown_hides_the_password():
    shown = Store.__new__(Store)
    shown.url = "postgresql+psycopg://admin:hunter2@db/lab"
    assert shown.display_url == "postgresql+psycopg://admin:***@db/lab"


def test_a_read_only_folder_is_read_without_writing_beside_the_store(sqlite_store, tmp_path):
    c.TestCase("kept", test_samples=c.members(2))
    sqlite_store.dispose()
    listed = sorted(os.listdir(tmp_path))
    assert store.store._read_only_snapshot(store.store._parse_url(sqlite_store.url)) is None  # root can write here
    kolena_lab.initialize(url=f"sqlite:///file:{tmp_path / 'lab.db'}?mode=ro&uri=true")
    assert len(c.TestCase.load("kept").load_test_samples()) == 2
    with pytest.raises(StoreError, match="read-only"):
        c.TestCase("new", test_samples=c.members(1))
    assert sorted(p for p in os.listdir(tmp_path) if not p.startswith("lab.db")) == \
        sorted(p for p in listed if not p.startswith("lab.db"))
