"""Snapshots of ``TestCase.to_dataframe()`` for big test case versions: Arrow IPC files, read memory-mapped.

A version's members and ground truths never change, but its samples' metadata can: a file's name holds the store
id, the version id, the samples revision of the workflow (replaced in the same transaction as any metadata change)
and a fingerprint of the decoding types and library versions, so a current name always stands for the data the
store holds now. Only frames that come back from Arrow identical (columns, dtypes, values, types of object cells,
index) are written; files are replaced atomically, and one that cannot be read is removed and the store read instead.
"""
import dataclasses
import hashlib
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import NamedTuple, Optional

import pandas as pd
import pyarrow as pa

from kolena_lab import store
from kolena_lab._version import __version__
from kolena_lab.store import Store
from kolena_lab.store.store import database_file
from kolena_lab.store.meta import VersionStamp
from kolena_lab.workflow import _dataframe
from kolena_lab.workflow.workflow import Workflow

MIN_ROWS = 20_000  # below this a version loads from the store in a fraction of a second: not worth a file
MAX_BYTES = 2 << 30  # per cache directory; the least recently used files beyond it are deleted
_FORMAT = 2  # 2: frames carry the sample_id column
_OBJECT_COLUMNS = b"kolena_lab.object_columns"
_SUFFIX = ".arrow"
_STALE_TEMP_SECONDS = 3600.0
# a snapshot's file name: store id, version id, samples revision, fingerprint; only such files are ever removed
# (the store id and a samples revision are uuid4 hex; a workflow's revision is "0" before its first change)
_NAME = re.compile(r"([0-9a-f]{32})-([0-9]{1,19})-(?:0|[0-9a-f]{32})-[0-9a-f]{16}\.arrow")
_TEMP = re.compile(r"\.([0-9a-f]{32})-[0-9]{1,19}-(?:0|[0-9a-f]{32})-[0-9a-f]{16}\.arrow\.[0-9a-f]{32}\.tmp")
_SCALARS = (pa.types.is_string, pa.types.is_large_string, pa.types.is_int64, pa.types.is_float64,
            pa.types.is_boolean, pa.types.is_null)


class Preview(NamedTuple):
    """The first rows of a big version, and how many it has."""

    frame: pd.DataFrame
    n_samples: int


def load(lab: Store, workflow: Workflow, version_id: int) -> pd.DataFrame:
    """The version's members as ``_dataframe.decode_members`` builds them, read from a current snapshot if any
    (a big version's snapshot is written after it is built from the store)."""
    with lab.read() as conn:  # the stamp is read first: the members are then at least as new as it says
        path = _snapshot(lab, workflow, version_id, store.meta.version_stamp(conn, version_id))
        frame = _read(path) if path is not None else None
        if frame is not None:
            return frame
        rows = store.test_cases.members(conn, version_id)
    frame = _dataframe.decode_members(rows, workflow.test_sample_type, workflow.ground_truth_type)
    if path is not None:
        _write(path, frame)
    return frame


def preview(lab: Store, workflow: Workflow, version_id: int, rows: int, min_samples: int) -> Optional[Preview]:
    """The first ``rows`` members of a version of at least ``min_samples`` samples that ``load`` would have to read
    from the store (no current snapshot), with the version's size; None when ``load`` is quick anyway."""
    with lab.read() as conn:
        stamp = store.meta.version_stamp(conn, version_id)
        if stamp is None or stamp.n_samples < min_samples:
            return None
        path = _snapshot(lab, workflow, version_id, stamp)
        if path is not None and path.exists():
            return None
        head = store.test_cases.members(conn, version_id, limit=rows)
    return Preview(_dataframe.decode_members(head, workflow.test_sample_type, workflow.ground_truth_type),
                   stamp.n_samples)


def directory(lab: Store) -> Path:
    """Where the store's snapshots live: beside a SQLite file (``<file>-frames``), else the user's cache."""
    if lab.is_sqlite:
        return Path(f"{database_file(lab.url)}-frames")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kolena_lab" / "frames"


def _snapshot(lab: Store, workflow: Workflow, version_id: int, stamp: Optional[VersionStamp]) -> Optional[Path]:
    """The file a current snapshot of the version has (or would have); None for a version too small to have one,
    or a store without an id. The name is made only of fixed-format values (a store whose id or revision is of
    another form, written by hand, has no snapshots), so it never points outside the snapshot folder."""
    if stamp is None or stamp.store_id is None or stamp.n_samples < MIN_ROWS:
        return None
    name = f"{stamp.store_id}-{int(version_id)}-{stamp.samples_revision}-{_fingerprint(workflow)}{_SUFFIX}"
    if _NAME.fullmatch(name) is None:
        return None
    return directory(lab) / name


def _fingerprint(workflow: Workflow) -> str:
    """What else decides the frame: the sample and ground truth types, this format, and the library versions."""
    parts = [_FORMAT, __version__, pd.__version__, pa.__version__]
    for cls in (workflow.test_sample_type, workflow.ground_truth_type):
        parts.append((cls.__module__, cls.__qualname__,
                      [(f.name, f.init, str(f.type)) for f in dataclasses.fields(cls)]))
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def _read(path: Path) -> Optional[pd.DataFrame]:
    """The snapshot at ``path``, or None when there is none or it cannot be read (it is removed then)."""
    try:
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        frame = _frame(table)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file: the store has the data
        _remove(path)
        return None
    try:
        os.utime(path)  # recently used files are kept longest
    except OSError:
        pass
    return frame


def _write(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame``'s snapshot if it round-trips exactly; the version's other snapshots are removed."""
    table = _table(frame)
    if table is None:
        return
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        os.replace(temp, path)
    except (OSError, pa.ArrowException):  # a read-only or full disk: no snapshot
        _remove(temp)
        return
    _prune(path)


def _table(frame: pd.DataFrame) -> Optional[pa.Table]:
    """``frame`` as an Arrow table, or None when it would not come back identical."""
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and frame.columns.is_unique
            and all(isinstance(name, str) for name in frame.columns)):
        return None
    objects = [name for name, dtype in frame.dtypes.items() if dtype == object]
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)
    except (pa.ArrowException, ValueError, TypeError, OverflowError):  # data objects, mixed types, huge integers
        return None
    if not all(any(test(table.schema.field(name).type) for test in _SCALARS) for name in objects):
        return None
    table = table.replace_schema_metadata({**table.schema.metadata, _OBJECT_COLUMNS: json.dumps(objects).encode()})
    return table if _identical(frame, _frame(table)) else None


def _frame(table: pa.Table) -> pd.DataFrame:
    """The DataFrame of a snapshot: object columns hold the Python values they held when written."""
    frame = table.to_pandas()
    for name in json.loads(table.schema.metadata[_OBJECT_COLUMNS]):
        frame[name] = pd.Series(table.column(name).to_pylist(), index=frame.index, dtype=object)
    return frame


def _identical(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same columns, index, dtypes and values; in object columns the same type of value in each cell too."""
    if not (a.columns.equals(b.columns) and a.columns.dtype == b.columns.dtype and a.index.equals(b.index)
            and type(a.index) is type(b.index)):
        return False
    for (_, x), (_, y) in zip(a.items(), b.items()):
        if x.dtype != y.dtype or not x.equals(y):
            return False
        if x.dtype == object and list(map(type, x)) != list(map(type, y)):
            return False
    return True


def _prune(written: Path) -> None:
    """Remove the written version's other snapshots, stale temporary files, and the least recently used snapshots
    beyond ``MAX_BYTES``; only files named as snapshots (or their temporary files) are considered."""
    version = written.name.split("-")[:2]
    now, kept = time.time(), []
    try:
        entries = list(os.scandir(written.parent))
    except OSError:
        return
    for entry in entries:
        snapshot, temporary = _NAME.fullmatch(entry.name), _TEMP.fullmatch(entry.name)
        if snapshot is None and temporary is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if snapshot is not None and entry.name != written.name and entry.name.split("-")[:2] == version:
            _remove(Path(entry.path))
        elif temporary is not None and stat.st_mtime < now - _STALE_TEMP_SECONDS:
            _remove(Path(entry.path))
        elif snapshot is not None:
            kept.append((stat.st_mtime, stat.st_size, entry.path))
    total = 0
    for _, size, name in sorted(kept, reverse=True):
        total += size
        if total > MAX_BYTES:
            _remove(Path(name))


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
