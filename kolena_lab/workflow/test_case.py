"""Test cases: named, versioned lists of test samples with their ground truths."""
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from kolena_lab import store
from kolena_lab.errors import DuplicateDatapointIdError, NameConflictError, NotFoundError, WorkflowMismatchError
from kolena_lab.workflow import _codec, _dataframe, _frame_cache, hooks
from kolena_lab.workflow._bound import WorkflowBound
from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.test_sample import TestSample
from kolena_lab.workflow.workflow import check_name

# Rows encoded and written at a time, and SQLite's page cache (MiB) meanwhile. A DataFrame is written in big chunks
# through a big cache: samples go in id order within a chunk, and their ids are random. Objects go in small chunks
# through a small cache: their caller already holds them all in memory.
_CHUNK_ROWS, _CACHE_MIB = 100_000, 256
_OBJECT_CHUNK_ROWS, _OBJECT_CACHE_MIB = 8_192, 2
Member = Tuple[TestSample, GroundTruth]
_Encoded = Tuple[int, str, str, Optional[str]]  # sample id, identity key, metadata JSON, ground truth JSON


class _Chunk(NamedTuple):
    """Encoded members, a list per column."""

    ids: List[int]
    keys: Sequence[str]
    metadata: Sequence[str]
    ground_truths: Sequence[Optional[str]]


class TestCase(WorkflowBound, abstract=True):
    """A named list of test samples and ground truths; every committed membership change makes a new version.

    The constructor loads the test case if it exists and creates it otherwise.
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
            with self.edit(reset=reset) as editor:
                if description is not None:
                    editor.description(description)
                for sample, ground_truth in _unique(test_samples):
                    editor.add(sample, ground_truth)
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
        obj._create(check_name(name, "test case name"), description, test_samples)
        return obj

    @classmethod
    def load(cls, name: str, version: Optional[int] = None) -> "TestCase":
        """Load a test case (its latest version unless one is given)."""
        obj = cls.__new__(cls)
        obj._load(check_name(name, "test case name"), version)
        return obj

    @classmethod
    def from_dataframe(
        cls,
        name: str,
        df: pd.DataFrame,
        description: Optional[str] = None,
        reset: bool = False,
    ) -> "TestCase":
        """Create (or, with ``reset=True``, replace the samples of) a test case from a DataFrame, in bulk.

        Columns named like the test sample's fields build the samples; columns named like the ground truth's fields
        (or prefixed ``ground_truth.``) build the ground truths; every other column becomes sample metadata. Cells
        of annotation fields may hold data objects or their dicts; scalar columns need no Python object per row.
        """
        name = check_name(name, "test case name")
        if not isinstance(df, pd.DataFrame):
            raise ValueError(f"expected a pandas DataFrame, got {type(df).__name__}")
        df = df.reset_index(drop=True)
        workflow = cls.workflow

        def encoded_chunks() -> Iterator[_Chunk]:
            for start in range(0, len(df), _CHUNK_ROWS):
                keys, metadata, ground_truths = _dataframe.encode_members(
                    df.iloc[start:start + _CHUNK_ROWS], workflow.test_sample_type, workflow.ground_truth_type)
                yield _Chunk(_codec.sample_ids(workflow.name, keys), keys, metadata, ground_truths)

        with cls._store().transaction() as conn:
            workflow_id = cls.workflow._id(conn)
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
            version_id = store.test_cases.add_version(conn, test_case_id, version, len(df))
            with store.page_cache(conn, _CACHE_MIB):
                _write_members(conn, workflow_id, version_id, encoded_chunks(), lambda i: str(df.iloc[i].to_dict()))
            hooks.test_case_version_written(conn, version_id)
        return cls.load(name)

    def _create(self, name: str, description: Optional[str], test_samples: Optional[List[Member]]) -> None:
        members = test_samples or []
        step = _OBJECT_CHUNK_ROWS
        chunks = (_Chunk(*map(list, zip(*(self._encode_member(s, g) for s, g in members[start:start + step]))))
                  for start in range(0, len(members), step))
        with self._store().transaction() as conn:
            if store.test_cases.get(conn, name) is not None:
                raise NameConflictError(f"test case '{name}' already exists")
            workflow_id = self.workflow._id(conn)
            test_case_id = store.test_cases.create(conn, workflow_id, name, description or "")
            if members:
                version_id = store.test_cases.add_version(conn, test_case_id, 1, len(members))
                with store.page_cache(conn, _OBJECT_CACHE_MIB):
                    _write_members(conn, workflow_id, version_id, chunks, lambda i: str(members[i][0]))
                hooks.test_case_version_written(conn, version_id)
        self._load(name, None)

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

    def _encode_member(self, sample: TestSample, ground_truth: GroundTruth) -> "_Encoded":
        workflow = self.workflow
        if not isinstance(sample, workflow.test_sample_type):
            raise WorkflowMismatchError(
                f"test sample {sample!s} is a {type(sample).__name__}, not a {workflow.test_sample_type.__name__} "
                f"of workflow '{workflow.name}'",
            )
        if ground_truth is not None and not isinstance(ground_truth, workflow.ground_truth_type):
            raise ValueError(
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
        """This version's samples as a DataFrame: sample fields, metadata keys, and ``ground_truth.<field>``.

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
                workflow_id = self.workflow._id(conn)
                latest = store.test_cases.version_id(conn, row.id, row.latest_version)
                old = store.test_cases.member_refs(conn, latest)  # type: ignore[arg-type]
                version_id = _write_version(conn, workflow_id, row.id, row.latest_version + 1, old,
                                            list(editor._added.values()), reset=editor._reset, removed=editor._removed)
                if version_id is not None:
                    hooks.test_case_version_written(conn, version_id)
        self._load(self.name, None)

    class Editor:
        """Collects edits of a test case; committed when the ``edit()`` block ends."""

        def __init__(self, test_case: "TestCase", reset: bool):
            self._test_case = test_case
            self._reset = reset
            self._description: Optional[str] = None
            self._added: Dict[int, _Encoded] = {}
            self._removed: set = set()

        def description(self, description: str) -> None:
            """Set a new description (no new version by itself)."""
            self._description = description

        def add(self, test_sample: TestSample, ground_truth: GroundTruth) -> None:
            """Add a sample, or replace its ground truth if it is already in the test case (last add wins)."""
            encoded = self._test_case._encode_member(test_sample, ground_truth)
            self._removed.discard(encoded[0])
            self._added.pop(encoded[0], None)
            self._added[encoded[0]] = encoded

        def remove(self, test_sample: TestSample) -> None:
            """Remove a sample (no-op when absent)."""
            sample_id = self._test_case._encode_member(test_sample, None)[0]  # type: ignore[arg-type]
            self._added.pop(sample_id, None)
            self._removed.add(sample_id)


def _unique(members: Sequence[Member]) -> List[Member]:
    """Reject a list that holds the same sample twice."""
    keys = [_codec.sample_key(sample) for sample, _ in members]
    if len(set(keys)) < len(keys):
        _raise_duplicate(keys, lambda i: str(members[i][0]))
    return list(members)


def _raise_duplicate(keys: Sequence[Any], describe: Callable[[int], str]) -> None:
    """Raise naming the first key seen before, if any."""
    seen: set = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise DuplicateDatapointIdError(f"test sample {describe(i)} appears more than once in one test case")
        seen.add(key)


def _write_members(conn: Any, workflow_id: int, version_id: int, chunks: Iterator[_Chunk],
                   describe: Callable[[int], str]) -> None:
    """Write a new version's members chunk by chunk, encoding the next chunk while SQL writes the last one.

    The writer thread only runs the driver on rows built here (column-wise, in C): the driver releases the GIL while
    SQLite works, so on two cores encoding and writing overlap. Only a chunk at a time and the 8-byte ids are held.
    A sample given twice raises ``DuplicateDatapointIdError`` naming the sample ``describe(position)`` gives, after
    the writes, which the caller's transaction then rolls back.
    """
    def write(samples: List[Tuple[int, str, str]], members: List[Tuple[int, int, Optional[str]]]) -> None:
        store.samples.upsert(conn, workflow_id, samples, in_id_order=True)
        store.test_cases.insert_members(conn, version_id, members)

    ids: List[np.ndarray] = []
    first = 0
    with ThreadPoolExecutor(max_workers=1) as writer:
        written: Optional[Future] = None
        for chunk in chunks:
            ids.append(np.array(chunk.ids, dtype=np.int64))
            by_id = _by_id(ids[-1])
            samples = list(zip(by_id(chunk.ids), by_id(chunk.keys), by_id(chunk.metadata)))
            members = list(zip(range(first, first + len(chunk.ids)), chunk.ids, chunk.ground_truths))
            if written is not None:
                written.result()
            written = writer.submit(write, samples, members)
            first += len(chunk.ids)
            del chunk, samples, members
        if written is not None:
            written.result()
    ordered = np.sort(np.concatenate(ids)) if ids else np.empty(0, dtype=np.int64)
    if (ordered[1:] == ordered[:-1]).any():
        _raise_duplicate(np.concatenate(ids).tolist(), describe)


def _by_id(ids: np.ndarray) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function that reorders a column like ``ids`` sorted."""
    order = np.argsort(ids, kind="stable").tolist()
    if len(order) == 1:
        return lambda column: column
    return itemgetter(*order)


def _write_version(
    conn: Any,
    workflow_id: int,
    test_case_id: int,
    version: int,
    old: List[Tuple[int, Optional[str]]],
    added: List[_Encoded],
    reset: bool,
    removed: frozenset = frozenset(),
) -> Optional[int]:
    """Write a new version: survivors first (in order, ground truths replaced by re-adds), then added samples.

    Nothing is written when the membership (samples, order and ground truths) would not change. Returns the new
    version's id, or None.
    """
    store.samples.upsert(conn, workflow_id, [(sid, key, metadata) for sid, key, metadata, _ in added])
    added_gt = {sid: gt for sid, _, _, gt in added}
    survivors = [] if reset else [(sid, added_gt.get(sid, gt)) for sid, gt in old if sid not in removed]
    surviving = {sid for sid, _ in survivors}
    new_members = survivors + [(sid, gt) for sid, _, _, gt in added if sid not in surviving]
    if new_members == old:
        return None
    version_id = store.test_cases.add_version(conn, test_case_id, version, len(new_members))
    store.test_cases.insert_members(conn, version_id, [(i, sid, gt) for i, (sid, gt) in enumerate(new_members)])
    return version_id


__all__ = ["TestCase"]
