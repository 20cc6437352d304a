"""Models: a unique name, metadata and tags, an optional ``infer`` function, and stored inferences."""
import json
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import pandas as pd

from kolena_lab import store
from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError, shown
from kolena_lab.workflow import _codec, _dataframe, catalog
from kolena_lab.workflow._bound import WorkflowBound

from kolena_lab.workflow.ground_truth import GroundTruth
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_sample import TestSample
from kolena_lab.workflow.workflow import check_name

InferFunction = Callable[[TestSample], Inference]
InferBatchFunction = Callable[[List[TestSample]], List[Inference]]


class Model(WorkflowBound, abstract=True):
    """A model under test. The constructor loads the model if it exists and creates it otherwise.

    A stored model keeps its stored metadata and tags; use ``update()`` to change them.
    ``infer_batch``, when given, is called with lists of samples (see ``test(..., batch_size=...)``).
    """

    _kind = "model"

    name: str
    metadata: Dict[str, Any]
    tags: Set[str]
    infer: Optional[InferFunction]
    infer_batch: Optional[InferBatchFunction]

    def __init__(
        self,
        name: str,
        infer: Optional[InferFunction] = None,
        metadata: Optional[Dict[str, Any]] = None,
        tags: Optional[Set[str]] = None,
        infer_batch: Optional[InferBatchFunction] = None,
    ):
        name = check_name(name, "model name")
        metadata_json, tags_json = _metadata_json(metadata), _tags_json(tags)
        with self._store().transaction() as conn:
            row = store.models.get(conn, name)
            if row is None:
                store.models.create(conn, self.workflow._register(conn), name, metadata_json, tags_json)
        if row is not None:
            self._check_workflow(name, row.workflow)
            if metadata is not None and metadata_json != row.metadata:
                warnings.warn(f"model '{name}' exists with other metadata; keeping the stored metadata "
                              "(call update(metadata=...) to change it)", stacklevel=2)
            if tags is not None and tags_json != row.tags:
                warnings.warn(f"model '{name}' exists with other tags; keeping the stored tags "
                              "(call update(tags=...) to change them)", stacklevel=2)
        self._load(name, infer, infer_batch)

    @classmethod
    def create(
        cls,
        name: str,
        infer: Optional[InferFunction] = None,
        metadata: Optional[Dict[str, Any]] = None,
        tags: Optional[Set[str]] = None,
        infer_batch: Optional[InferBatchFunction] = None,
    ) -> "Model":
        """Create a new model; an existing name raises ``NameConflictError``."""
        name = check_name(name, "model name")
        with cls._store().transaction() as conn:
            if store.models.get(conn, name) is not None:
                raise NameConflictError(f"model '{name}' already exists")
            store.models.create(conn, cls.workflow._register(conn), name, _metadata_json(metadata), _tags_json(tags))
        obj = cls.__new__(cls)
        obj._load(name, infer, infer_batch)
        return obj

    @classmethod
    def load(cls, name: str, infer: Optional[InferFunction] = None,
             infer_batch: Optional[InferBatchFunction] = None) -> "Model":
        """Load a stored model."""
        obj = cls.__new__(cls)
        obj._load(check_name(name, "model name"), infer, infer_batch)
        return obj

    @classmethod
    def list(cls, tags: Optional[Set[str]] = None) -> List["Model"]:
        """Every stored model of this workflow holding all the given tags, by name (without ``infer``)."""
        return [cls.load(info.name) for info in catalog.list_models(cls.workflow.name, tags)]

    def _load(self, name: str, infer: Optional[InferFunction], infer_batch: Optional[InferBatchFunction]) -> None:
        with self._store().read() as conn:
            row = store.models.get(conn, name)
        if row is None:
            raise NotFoundError(f"model '{name}' does not exist")
        self._check_workflow(name, row.workflow)
        self._set(name=row.name, metadata=json.loads(row.metadata), tags=set(json.loads(row.tags)), infer=infer,
                  infer_batch=infer_batch, _id=row.id, _frozen=True)

    def update(self, metadata: Optional[Dict[str, Any]] = None, tags: Optional[Set[str]] = None) -> None:
        """Replace the stored metadata and/or tags."""
        metadata_json = _metadata_json(self.metadata if metadata is None else metadata)
        tags_json = _tags_json(self.tags if tags is None else tags)
        with self._store().transaction() as conn:
            store.models.update(conn, self._id, metadata_json, tags_json)
        self._set(metadata=json.loads(metadata_json), tags=set(json.loads(tags_json)))

    def load_inferences(self, test_case: TestCase) -> List[Tuple[TestSample, GroundTruth, Inference]]:
        """``(sample, ground truth, inference)`` for the samples of the test case this model has inferred."""
        return list(self.iter_inferences(test_case))

    def iter_inferences(self, test_case: TestCase) -> Iterator[Tuple[TestSample, GroundTruth, Inference]]:
        """Iterate over ``(sample, ground truth, inference)`` of the test case's inferred samples."""
        rows, inferences = self._members_and_inferences(test_case)
        workflow = self.workflow
        for sample_id, key, metadata, ground_truth in rows:
            if sample_id in inferences:
                yield (
                    _codec.decode_sample(workflow.test_sample_type, key, metadata),
                    _codec.decode(workflow.ground_truth_type, ground_truth),
                    _codec.decode(workflow.inference_type, inferences[sample_id]),
                )

    def load_inferences_dataframe(self, test_case: TestCase) -> pd.DataFrame:
        """The test case as ``TestCase.to_dataframe()`` gives it (``sample_id`` first), plus ``inference.<field>``
        columns."""
        rows, inferences = self._members_and_inferences(test_case)
        frame = _dataframe.decode_members(rows, self.workflow.test_sample_type, self.workflow.ground_truth_type)
        inferred = _dataframe.decode_objects([inferences.get(r[0]) for r in rows], self.workflow.inference_type,
                                             prefix=_dataframe.INFERENCE_PREFIX)
        return pd.concat([frame, inferred], axis=1)

    def _members_and_inferences(self, test_case: TestCase) -> Tuple[Sequence[tuple], Dict[int, str]]:
        if test_case.workflow.name != self.workflow.name:
            raise TypeError(f"test case '{test_case.name}' belongs to workflow '{test_case.workflow.name}', "
                            f"not '{self.workflow.name}'")
        with self._store().read() as conn:
            rows = store.test_cases.members(conn, test_case._version_id)
            inferences = store.models.inferences(conn, self._id, [r[0] for r in rows])
        return rows, inferences


def _metadata_json(metadata: Optional[Dict[str, Any]]) -> str:
    """Model metadata as JSON: a dict keyed by strings (at every level), holding finite numbers only."""
    if metadata is not None and not isinstance(metadata, dict):
        raise InputValidationError(f"model metadata must be a dict, got {type(metadata).__name__} "
                                   f"{shown(metadata)}")
    bad = _non_string_key(metadata or {}, "metadata")
    if bad is not None:
        raise InputValidationError(f"model {bad}")
    return json.dumps(metadata or {}, sort_keys=True, default=str)  # finite numbers: the store's check_json


def _non_string_key(value: Any, path: str) -> Optional[str]:
    """Where ``value`` has a dict key that is not a string, or None."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path} keys must be strings, got {type(key).__name__} {shown(key)}"
            bad = _non_string_key(item, f"{path}[{key!r}]")
            if bad is not None:
                return bad
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            bad = _non_string_key(item, f"{path}[{i}]")
            if bad is not None:
                return bad
    return None


def _tags_json(tags: Optional[Set[str]]) -> str:
    if isinstance(tags, str):
        raise InputValidationError("model tags must be a set of strings, not a string")
    for tag in tags or ():
        if not isinstance(tag, str):
            raise InputValidationError(f"model tags must be strings, got {type(tag).__name__} {shown(tag)}")
    return json.dumps(sorted(tags or ()))


__all__ = ["Model"]
