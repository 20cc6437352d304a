"""Encoding data objects for the store: JSON text, and a test sample's identity key and its hash."""
import functools
import hashlib
import json
from typing import Any, List, Optional, Sequence, Tuple, Type

from kolena_lab.workflow._datatypes import DataObject
from kolena_lab.workflow._values import reading_stored
from kolena_lab.workflow.test_sample import METADATA_FIELD, TestSample

_SEPARATORS = (",", ":")


def dumps(value: Any) -> str:
    """Compact JSON; NaN and infinities are kept (as JSON5-style literals Python reads back)."""
    return json.dumps(value, separators=_SEPARATORS)


def encode(obj: Optional[DataObject]) -> Optional[str]:
    """A data object as JSON text (None stays None)."""
    return None if obj is None else dumps(obj._to_dict())


def decode(cls: Type[DataObject], text: Optional[str]) -> Any:
    """The data object of type ``cls`` stored as ``text`` (None stays None)."""
    if text is None:
        return None
    with reading_stored():
        return cls._from_dict(json.loads(text))


def sample_id(workflow: str, key: str) -> int:
    """A sample's store id: a signed 64-bit digest of its workflow's name and its identity key."""
    digest = _workflow_hash(workflow).copy()  # the workflow's prefix hashed once, not per sample
    digest.update(key.encode())
    return int.from_bytes(digest.digest(), "big", signed=True)


def sample_ids(workflow: str, keys: Sequence[str]) -> List[int]:
    """``sample_id`` of each key, in bulk."""
    prefix, from_bytes = _workflow_hash(workflow), int.from_bytes

    def one(key: str) -> int:
        digest = prefix.copy()
        digest.update(key.encode())
        return from_bytes(digest.digest(), "big", signed=True)

    return list(map(one, keys))


@functools.lru_cache(maxsize=64)
def _workflow_hash(workflow: str) -> Any:
    return hashlib.blake2b(f"{workflow}\0".encode(), digest_size=8)


def encode_sample(sample: TestSample) -> Tuple[str, str]:
    """``(key, metadata JSON)``: the key is the sample's serialised form without its metadata."""
    data = sample._to_dict()
    metadata = data.pop(METADATA_FIELD, None) or {}
    return dumps(data), dumps(metadata)


def sample_key(sample: TestSample) -> str:
    """A test sample's identity key."""
    data = sample._to_dict()
    data.pop(METADATA_FIELD, None)
    return dumps(data)


def decode_sample(cls: Type[TestSample], key: str, metadata: str) -> TestSample:
    """Rebuild a stored sample with its metadata."""
    data = json.loads(key)
    data[METADATA_FIELD] = json.loads(metadata)  # a declared field, or what every test sample takes as `metadata=`
    with reading_stored():
        return cls._from_dict(data)
