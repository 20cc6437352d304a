"""Writing versions: the one place a test case or test suite version is written, whatever asked for it.

``TestCase`` (constructor, ``create``, ``from_dataframe``, ``edit()``), ``TestSuite`` (constructor, ``create``,
``edit()``) and the by-name edits of ``kolena_lab.workflow.catalog`` (command line, REST API) all call
:func:`write_test_case_version` or :func:`write_test_suite_version`, which write the version, make it the latest and
run the version hooks (``kolena_lab.workflow.hooks``) in the caller's transaction.
"""
from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter
from typing import Any, Callable, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from sqlalchemy.engine import Connection

from kolena_lab import store
from kolena_lab.errors import DuplicateDatapointIdError
from kolena_lab.workflow import hooks

Encoded = Tuple[int, str, str, Optional[str]]  # sample id, identity key, metadata JSON, ground truth JSON
Ref = Tuple[int, Optional[str]]  # a member of a version: sample id, ground truth JSON


class Chunk(NamedTuple):
    """Encoded members, a list per column."""

    ids: List[int]
    keys: Sequence[str]
    metadata: Sequence[str]
    ground_truths: Sequence[Optional[str]]


def write_test_case_version(
    conn: Connection,
    workflow_id: int,
    test_case_id: int,
    version: int,
    *,
    chunks: Iterable[Chunk] = (),
    refs: Optional[Sequence[Ref]] = None,
    n_samples: Optional[int] = None,
    describe: Callable[[int], str] = str,
) -> int:
    """Write ``version`` of a test case and run the hooks; returns the version's id.

    The members are either ``chunks`` of encoded samples (stored or refreshed as they stream in, the next chunk
    encoded while the last is written; ``n_samples`` is their total) or ``refs`` to samples already stored. A sample
    given twice raises ``DuplicateDatapointIdError`` naming ``describe(position)``; the caller's transaction then
    rolls back.
    """
    if refs is not None:
        version_id = store.test_cases.add_version(conn, test_case_id, version, len(refs))
        store.test_cases.insert_members(conn, version_id, [(i, sid, gt) for i, (sid, gt) in enumerate(refs)])
    else:
        version_id = store.test_cases.add_version(conn, test_case_id, version, n_samples or 0)
        _write_chunks(conn, workflow_id, version_id, chunks, describe)
    hooks.test_case_version_written(conn, version_id)
    return version_id


def edited_members(old: Sequence[Ref], added: Sequence[Encoded], removed: frozenset, reset: bool) -> List[Ref]:
    """The membership after an edit: survivors first (in order, ground truths replaced by re-adds), then additions."""
    added_gt = {sid: gt for sid, _, _, gt in added}
    survivors = [] if reset else [(sid, added_gt.get(sid, gt)) for sid, gt in old if sid not in removed]
    surviving = {sid for sid, _ in survivors}
    return survivors + [(sid, gt) for sid, _, _, gt in added if sid not in surviving]


def write_test_suite_version(conn: Connection, suite_id: int, version: int, test_case_version_ids: Sequence[int],
                             previous_id: Optional[int]) -> int:
    """Write ``version`` of a suite holding these test case versions, in order, and run the hooks; its id."""
    version_id = store.test_suites.add_version(conn, suite_id, version, list(test_case_version_ids))
    hooks.test_suite_version_written(conn, version_id, previous_id)
    return version_id


def raise_duplicate(keys: Sequence[Any], describe: Callable[[int], str]) -> None:
    """Raise naming the first key seen before, if any."""
    seen: set = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise DuplicateDatapointIdError(f"test sample {describe(i)} appears more than once in one test case")
        seen.add(key)


def _write_chunks(conn: Connection, workflow_id: int, version_id: int, chunks: Iterable[Chunk],
                  describe: Callable[[int], str]) -> None:
    """Write a new version's members chunk by chunk, encoding the next chunk while SQL writes the last one.

    The writer thread only runs the driver on rows built here (column-wise, in C): the driver releases the GIL while
    SQLite works, so on two cores encoding and writing overlap. Only a chunk at a time and the 8-byte ids are held.
    Duplicates are checked on the ids after the writes.
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
        raise_duplicate(np.concatenate(ids).tolist(), describe)


def _by_id(ids: np.ndarray) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function that reorders a column like ``ids`` sorted."""
    order = np.argsort(ids, kind="stable").tolist()
    if len(order) == 1:
        return lambda column: column
    return itemgetter(*order)
