"""Test cases: named, versioned lists of test samples with their ground truths."""
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pandas as pd

from kolena_lab import store
from kolena_lab.errors import NameConflictError, NotFoundError, WorkflowMismatchError
from kolena_lab.workflow import _codec, _dataframe, _frame_cache, catalog
from kolena_lab.workflow._versioning import Chunk, Encoded, edited_members, raise_duplicate, write_test_case_version
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

        Columns named like the test sample's fields build the samples; columns named like the ground truth's fields
        (or prefixed ``ground_truth.``) build the ground truths; every other column but ``sample_id`` (the ids
        ``to_dataframe()`` gives) becomes sample metadata. Cells
        of annotation fields may hold data objects or their dicts; scalar columns need no Python object per row.
        """
        name = check_name(name, "test case name")
        if not isinstance(df, pd.DataFrame):
            raise ValueError(f"expected a pandas DataFrame, got {type(df).__name__}")
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
        step = _OBJECT_CHUNK_ROWS
        chunks = (Chunk(*map(list, zip(*(self._encode_member(s, g) for s, g in members[start:start + step]))))
                  for start in range(0, len(members), step))
        with self._store().transaction() as conn:
            if store.test_cases.get(conn, name) is not None:
                raise NameConflictError(f"test case '{name}' already exists")
            workflow_id = self.workflow._register(conn)
            test_case_id = store.test_cases.create(conn, workflow_id, name, description or "")
            if members:
                with store.page_cache(conn, _OBJECT_CACHE_MIB):
                    write_test_case_version(conn, workflow_id, test_case_id, 1, chunks=chunks,
                                            n_samples=len(members), describe=lambda i: str(members[i][0]))
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

    def _encode_member(self, sample: TestSample, ground_truth: GroundTruth) -> Encoded:
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
                added = list(editor._added.values())
                workflow_id = self.workflow._register(conn)
                store.samples.upsert(conn, workflow_id, [(sid, key, metadata) for sid, key, metadata, _ in added])
                latest = store.test_cases.version_id(conn, row.id, row.latest_version)
                old = store.test_cases.member_refs(conn, latest)  # type: ignore[arg-type]
                new = edited_members(old, added, frozenset(editor._removed), editor._reset)
                if new != old:
                    write_test_case_version(conn, workflow_id, row.id, row.latest_version + 1, refs=new)
        self._load(self.name, None)

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
        raise_duplicate(keys, lambda i: str(members[i][0]))
    return list(members)


__all__ = ["TestCase"]
