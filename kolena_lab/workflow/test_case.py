"""Test cases: named, versioned lists of test samples with their ground truths."""
import json
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import pandas as pd
from sqlalchemy.engine import Connection

from kolena_lab import store
from kolena_lab.errors import (
    DuplicateDatapointIdError,
    IncorrectUsageError,
    InputValidationError,
    NameConflictError,
    NotFoundError,
    StoreError,
    WorkflowMismatchError,
    shown,
)
from kolena_lab.workflow import _codec, _dataframe, _frame_cache, catalog
from kolena_lab.workflow._versioning import Chunk, Encoded, edited_members, write_test_case_version
from kolena_lab.workflow._bound import WorkflowBound
from kolena_lab.workflow._datatypes import DataObject

from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.test_sample import TestSample
from kolena_lab.workflow.workflow import Workflow, check_name

# Rows encoded and written at a time, and SQLite's page cache (MiB) meanwhile. A DataFrame is written in big chunks
# through a big cache: samples go in id order within a chunk, and their ids are random. Objects go in small chunks
# through a small cache: their caller already holds them all in memory.
_CHUNK_ROWS, _CACHE_MIB = 100_000, 256
_OBJECT_CHUNK_ROWS, _OBJECT_CACHE_MIB = 8_192, 2
Member = Tuple[TestSample, GroundTruth]


class TestCase(WorkflowBound, abstract=True):
    """A named list of test samples and ground truths; every committed membership change makes a new version.

    The constructor loads the test case if it exists and creates it otherwise. A sample given twice in
    ``test_samples`` (here, in ``create`` and in ``init_many``) is merged as ``Editor.add`` merges it: it keeps its
    first position and the ground truth given last, its metadata is merged, and one warning says how many were merged.
    """

    __test__ = False
    _kind = "test case"

    name: str
    version: int
    description: str

    def __init__(
        self,
        name: str,
        version: Optional[int] = None,
        description: Optional[str] = None,
        test_samples: Optional[List[Member]] = None,
        reset: bool = False,
    ):
        name = check_name(name, "test case name")
        test_samples = _pairs(test_samples, "test_samples")
        with self._store().read() as conn:
            row = store.test_cases.get(conn, name)
        if row is None:
            if version is not None:
                raise NotFoundError(f"test case '{name}' does not exist, so version {version} cannot be loaded")
            self._create(name, description, test_samples)
            return
        self._check_workflow(name, row.workflow)
        self._load(name, version)
        if test_samples is not None and self.version > 0 and not reset:
            warnings.warn(
                f"test case '{name}' already has samples (version {self.version}); the given test samples were "
                "ignored. Pass reset=True to replace them.",
                stacklevel=2,
            )
        elif test_samples is not None:
            encoded, merged = self._encode_all(test_samples)
            with self.edit(reset=reset) as editor:
                if description is not None:
                    editor.description(description)
                for member in encoded:
                    editor._add_encoded(member)
            _warn_merged(merged, stacklevel=3)
        elif description is not None and description != self.description:
            with self.edit() as editor:
                editor.description(description)

    @classmethod
    def create(
        cls,
        name: str,
        description: Optional[str] = None,
        test_samples: Optional[List[Member]] = None,
    ) -> "TestCase":
        """Create a new test case; an existing name raises ``NameConflictError``."""
        obj = cls.__new__(cls)
        obj._create(check_name(name, "test case name"), description, _pairs(test_samples, "test_samples"))
        return obj

    @classmethod
    def init_many(cls, data: List[Tuple[str, List[Member]]], reset: bool = False) -> List["TestCase"]:
        """Create, load or fill several test cases together, in one transaction: if one fails, none is written.

        A missing test case is created (version 1 with samples, else 0). An existing one is given the samples as a new
        version when ``reset`` is true (an empty list empties it) or when it has none yet (version 0); otherwise it is
        loaded unchanged, with a warning if samples were given. A name given twice raises ``IncorrectUsageError``.
        """
        if not isinstance(getattr(cls, "workflow", None), Workflow):
            raise NotImplementedError(f"{cls.__name__} must be bound to a workflow to call init_many")
        data = _pairs(data, "init_many data", "(name, test samples)")
        names = [check_name(name, "test case name") for name, _ in data]
        if len(set(names)) != len(names):
            repeated = sorted({n for n in names if names.count(n) > 1})
            raise IncorrectUsageError(f"init_many was given the same test case more than once: {repeated}")
        members = [_pairs(test_samples, f"init_many test samples of '{name}'") or []
                   for name, (_, test_samples) in zip(names, data)]
        kept: List[str] = []

        def write(merge: bool) -> int:
            kept.clear()
            merged = 0
            with cls._store().transaction() as conn:
                workflow_id = cls.workflow._register(conn)
                for name, rows in zip(names, members):
                    row = store.test_cases.get(conn, name)
                    if row is None:
                        test_case_id = store.test_cases.create(conn, workflow_id, name, "")
                        if rows:
                            merged += cls._write_new_members(conn, workflow_id, test_case_id, rows, merge)
                        continue
                    cls._check_workflow(name, row.workflow)
                    if not (reset or row.latest_version == 0):
                        if rows:
                            kept.append(name)
                        continue
                    encoded, n = cls._encode_all(rows)
                    merged += n
                    cls._write_edit(conn, workflow_id, row, encoded, frozenset(), reset=True)
            return merged

        _warn_merged(_merging_on_duplicates(write), stacklevel=3)
        if kept:
            warnings.warn(f"test cases {kept} already have samples; the given test samples were ignored. Pass "
                          "reset=True to replace them.", stacklevel=2)
        return [cls.load(name) for name in names]

    @classmethod
    def load(cls, name: str, version: Optional[int] = None) -> "TestCase":
        """Load a test case (its latest version unless one is given)."""
        obj = cls.__new__(cls)
        obj._load(check_name(name, "test case name"), version)
        return obj

    @classmethod
    def list(cls) -> List["TestCase"]:
        """The latest version of every test case of this workflow, by name."""
        return [cls.load(info.name) for info in catalog.list_test_cases(cls.workflow.name)]

    @classmethod
    def from_dataframe(
        cls,
        name: str,
        df: pd.DataFrame,
        description: Optional[str] = None,
        reset: bool = False,
    ) -> "TestCase":
        """Create (or, with ``reset=True``, replace the samples of) a test case from a DataFrame, in bulk.

        Unlike the object paths, a sample in two rows raises ``DuplicateDatapointIdError`` and nothing is written, as
        Kolena's DataFrame uploads reject repeated ids: a repeated row in a table is more likely an error than an edit.

        Columns named like the test sample's fields build the samples; columns named like the ground truth's fields
        (or prefixed ``ground_truth.``) build the ground truths; every other column but ``sample_id`` (the ids
        ``to_dataframe()`` gives) becomes sample metadata. Cells
        of annotation fields may hold data objects or their dicts; scalar columns need no Python object per row.
        """
        name = check_name(name, "test case name")
        if not isinstance(df, pd.DataFrame):
            raise InputValidationError(f"expected a pandas DataFrame, got {type(df).__name__}")
        df = df.reset_index(drop=True)
        workflow = cls.workflow

        def encoded_chunks() -> Iterator[Chunk]:
            for start in range(0, len(df), _CHUNK_ROWS):
                keys, metadata, ground_truths = _dataframe.encode_members(
                    df.iloc[start:start + _CHUNK_ROWS], workflow.test_sample_type, workflow.ground_truth_type)
                yield Chunk(_codec.sample_ids(workflow.name, keys), keys, metadata, ground_truths)

        with cls._store().transaction() as conn:
            workflow_id = cls.workflow._register(conn)
            existing = store.test_cases.get(conn, name)
            if existing is not None:
                cls._check_workflow(name, existing.workflow)
                if not reset:
                    raise NameConflictError(f"test case '{name}' exists; pass reset=True to replace its samples")
                test_case_id, version = existing.id, existing.latest_version + 1
                if description is not None:
                    store.test_cases.set_description(conn, test_case_id, description)
            else:
                test_case_id, version = store.test_cases.create(conn, workflow_id, name, description or ""), 1
            with store.page_cache(conn, _CACHE_MIB):
                write_test_case_version(conn, workflow_id, test_case_id, version, chunks=encoded_chunks(),
                                        n_samples=len(df), describe=lambda i: str(df.iloc[i].to_dict()))
        return cls.load(name)

    def _create(self, name: str, description: Optional[str], test_samples: Optional[List[Member]]) -> None:
        members = test_samples or []

        def write(merge: bool) -> int:
            with self._store().transaction() as conn:
                if store.test_cases.get(conn, name) is not None:
                    raise NameConflictError(f"test case '{name}' already exists")
                workflow_id = self.workflow._register(conn)
                test_case_id = store.test_cases.create(conn, workflow_id, name, description or "")
                return self._write_new_members(conn, workflow_id, test_case_id, members, merge) if members else 0

        _warn_merged(_merging_on_duplicates(write), stacklevel=4)  # through __init__ or create
        self._load(name, None)

    @classmethod
    def _write_new_members(cls, conn: Connection, workflow_id: int, test_case_id: int, members: Sequence[Member],
                           merge: bool) -> int:
        """Write version 1 of a new test case; returns how many repeated samples were merged.

        Without ``merge`` the members are encoded chunk by chunk as they are written (a repeated sample then raises
        ``DuplicateDatapointIdError``); with it they are all encoded first and repeats merged.
        """
        step = _OBJECT_CHUNK_ROWS
        merged = 0
        if merge:
            encoded, merged = cls._encode_all(members)
            chunks: Iterable[Chunk] = (Chunk(*map(list, zip(*encoded[start:start + step])))
                                       for start in range(0, len(encoded), step))
            n_samples = len(encoded)
        else:
            chunks = (Chunk(*map(list, zip(*(cls._encode_member(s, g) for s, g in members[start:start + step]))))
                      for start in range(0, len(members), step))
            n_samples = len(members)
        with store.page_cache(conn, _OBJECT_CACHE_MIB):
            write_test_case_version(conn, workflow_id, test_case_id, 1, chunks=chunks, n_samples=n_samples,
                                    describe=lambda i: str(members[i][0]))
        return merged

    @classmethod
    def _encode_all(cls, members: Sequence[Member]) -> Tuple[List[Encoded], int]:
        """The members encoded, repeats merged (see the class docstring), and how many were merged."""
        return _merge_repeats(cls._encode_member(sample, ground_truth) for sample, ground_truth in members)

    def _load(self, name: str, version: Optional[int]) -> None:
        with self._store().read() as conn:
            row = store.test_cases.get(conn, name)
            if row is None:
                raise NotFoundError(f"test case '{name}' does not exist")
            self._check_workflow(name, row.workflow)
            version = row.latest_version if version is None else version
            version_id = store.test_cases.version_id(conn, row.id, version)
            if version_id is None:
                raise NotFoundError(f"test case '{name}' has no version {version} (latest: {row.latest_version})")
        self._set(name=row.name, version=version, description=row.description, _id=row.id,
                  _version_id=version_id, _frozen=True)

    @classmethod
    def _encode_member(cls, sample: TestSample, ground_truth: GroundTruth) -> Encoded:
        workflow = cls.workflow
        if not isinstance(sample, workflow.test_sample_type):
            raise WorkflowMismatchError(
                f"test sample {sample!s} is a {type(sample).__name__}, not a {workflow.test_sample_type.__name__} "
                f"of workflow '{workflow.name}'",
            )
        if ground_truth is not None and not isinstance(ground_truth, workflow.ground_truth_type):
            raise InputValidationError(
                f"ground truth for test sample {sample!s} is a {type(ground_truth).__name__}, not a "
                f"{workflow.ground_truth_type.__name__} of workflow '{workflow.name}'",
            )
        key, metadata = _codec.encode_sample(sample)
        return _codec.sample_id(workflow.name, key), key, metadata, _codec.encode(ground_truth)

    def load_test_samples(self) -> List[Member]:
        """The ``(test sample, ground truth)`` pairs of this version, in order, with metadata attached."""
        return list(self.iter_test_samples())

    def iter_test_samples(self) -> Iterator[Member]:
        """Iterate over the ``(test sample, ground truth)`` pairs of this version."""
        with self._store().read() as conn:
            rows = store.test_cases.members(conn, self._version_id)
        sample_type, gt_type = self.workflow.test_sample_type, self.workflow.ground_truth_type
        for _, key, metadata, ground_truth in rows:
            yield _codec.decode_sample(sample_type, key, metadata), _codec.decode(gt_type, ground_truth)

    def to_dataframe(self) -> pd.DataFrame:
        """This version's samples as a DataFrame: ``sample_id`` (the store's id of each sample), sample fields,
        metadata keys, and ``ground_truth.<field>``; ``from_dataframe`` reads it back (ignoring ``sample_id``).

        A big version is read from a snapshot file after its first load, while its samples' metadata is unchanged.
        """
        return _frame_cache.load(self._store(), self.workflow, self._version_id)

    def _head(self, rows: int, min_samples: int) -> Optional[Tuple[pd.DataFrame, int]]:
        """``(first rows of to_dataframe(), number of samples)`` when ``to_dataframe()`` of this version (at least
        ``min_samples`` samples) must read the store, else None."""
        return _frame_cache.preview(self._store(), self.workflow, self._version_id, rows, min_samples)

    @contextmanager
    def edit(self, reset: bool = False) -> Iterator["TestCase.Editor"]:
        """Edit the test case; on leaving the block a new version is committed if membership changed."""
        editor = TestCase.Editor(self, reset)
        yield editor
        self._commit(editor)

    def _commit(self, editor: "TestCase.Editor") -> None:
        with self._store().transaction() as conn:
            row = store.test_cases.get(conn, self.name)
            assert row is not None
            if editor._description is not None and editor._description != row.description:
                store.test_cases.set_description(conn, row.id, editor._description)
            if editor._reset or editor._added or editor._removed:
                self._write_edit(conn, self.workflow._register(conn), row, list(editor._added.values()),
                                 frozenset(editor._removed), editor._reset)
        self._load(self.name, None)

    @staticmethod
    def _write_edit(conn: Connection, workflow_id: int, row: store.test_cases.TestCaseRow, added: List[Encoded],
                    removed: frozenset, reset: bool) -> None:
        """Store the added samples and write the edited membership as the next version, if it changed."""
        store.samples.upsert(conn, workflow_id, [(sid, key, metadata) for sid, key, metadata, _ in added])
        latest = store.test_cases.version_id(conn, row.id, row.latest_version)
        old = store.test_cases.member_refs(conn, latest)  # type: ignore[arg-type]
        new = edited_members(old, added, removed, reset)
        if new != old:
            write_test_case_version(conn, workflow_id, row.id, row.latest_version + 1, refs=new)

    class Editor:
        """Collects edits of a test case; committed when the ``edit()`` block ends."""

        def __init__(self, test_case: "TestCase", reset: bool):
            self._test_case = test_case
            self._reset = reset
            self._description: Optional[str] = None
            self._added: Dict[int, Encoded] = {}
            self._removed: set = set()

        def description(self, description: str) -> None:
            """Set a new description (no new version by itself)."""
            self._description = description

        def add(self, test_sample: TestSample, ground_truth: GroundTruth) -> None:
            """Add a sample, or replace its ground truth if it is already in the test case (last add wins)."""
            self._add_encoded(self._test_case._encode_member(test_sample, ground_truth))

        def _add_encoded(self, encoded: Encoded) -> None:
            self._removed.discard(encoded[0])
            self._added.pop(encoded[0], None)
            self._added[encoded[0]] = encoded

        def remove(self, test_sample: TestSample) -> None:
            """Remove a sample (no-op when absent)."""
            sample_id = self._test_case._encode_member(test_sample, None)[0]  # type: ignore[arg-type]
            self._added.pop(sample_id, None)
            self._removed.add(sample_id)


def _pairs(items: Any, argument: str, what: str = "(test sample, ground truth)") -> Any:
    """``items`` as a list of pairs (None stays None); ``InputValidationError`` naming the first item that is not a
    pair, e.g. a test sample given without its ground truth."""
    if items is None:
        return None
    if isinstance(items, (str, bytes, dict, DataObject, pd.DataFrame)) or not hasattr(items, "__iter__"):
        raise InputValidationError(f"{argument} must be a list of {what} pairs, got {type(items).__name__} "
                                   f"{shown(items)}")
    items = list(items)
    for i, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InputValidationError(f"{argument}[{i}] must be a {what} pair, got {type(item).__name__} "
                                       f"{shown(item)}")
    return items


def _merge_repeats(encoded: Iterable[Encoded]) -> Tuple[List[Encoded], int]:
    """Encoded members with each repeated sample merged into its first position (the last ground truth, metadata
    merged key by key, last wins), and the number of repeats merged."""
    merged: Dict[int, Encoded] = {}
    repeats = 0
    for sample_id, key, metadata, ground_truth in encoded:
        first = merged.get(sample_id)
        if first is not None:
            repeats += 1
            if first[1] != key:
                raise StoreError(f"sample id collision between {key} and {first[1]}: nothing was written")
            if metadata == "{}" or metadata == first[2]:
                metadata = first[2]
            elif first[2] != "{}":
                metadata = _codec.dumps({**json.loads(first[2]), **json.loads(metadata)})
        merged[sample_id] = (sample_id, key, metadata, ground_truth)  # a dict keeps a key's first position
    return list(merged.values()), repeats


def _merging_on_duplicates(write: Callable[[bool], int]) -> int:
    """``write(False)``; if a sample was repeated, its transaction is rolled back and ``write(True)`` merges repeats.

    The first attempt streams the samples, encoded as they are written; only a list with repeats pays for encoding
    them all up front.
    """
    try:
        return write(False)
    except DuplicateDatapointIdError:
        return write(True)


def _warn_merged(repeats: int, stacklevel: int) -> None:
    """One warning for all the repeats merged by one call (``stacklevel`` points at its caller's line)."""
    if repeats:
        warnings.warn(f"{repeats} repeated test sample(s) merged: each keeps its first position and the ground truth "
                      "given last", stacklevel=stacklevel)


__all__ = ["TestCase"]
