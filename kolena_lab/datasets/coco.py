"""COCO detection files in and out: an annotation file as a detection workflow (``from_coco``), a results file as a
model's inferences (``model_from_coco``), and test cases or inferences back as COCO files (``to_coco``).

An image record becomes an ``Image`` sample (locator ``images_dir/file_name``) whose metadata is the whole record
(``id``, ``file_name``, ``width``, ``height`` and any other key, numbers kept numbers). An annotation becomes a
``LabeledBoundingBox`` (label: its category's name) that keeps every key of the annotation but ``image_id`` as an
attribute (``id``, ``category_id``, ``iscrowd``, ``segmentation``...; a key that is a box field, such as ``area``, as
``coco_<key>``; ``bbox`` only when its corners do not give it back exactly), and each polygon of its segmentation a
``LabeledPolygon``. Crowd annotations (``iscrowd=1``) are ignored regions for the detection evaluator, as in
pycocotools. The categories are kept in the suite's description (each test case's description names the suite), so
that ``to_coco`` writes them back.
"""
import json
import os
from itertools import chain, repeat
from operator import is_not, itemgetter
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

import numpy as np
import pandas as pd

from kolena_lab._utils.gc import collector_paused
from kolena_lab._utils.progress import ProgressBar
from kolena_lab.datasets._common import (
    ImportedDataset,
    check_dir,
    first_duplicate,
    is_finite_number,
    is_int,
    join_locator,
    members_of,
    read_json,
    split_frames,
    suites_of,
    workflow_of,
    write_dataset,
)
from kolena_lab.datasets._types import DETECTION_TYPES, DetectionInference
from kolena_lab.errors import InputValidationError, NotFoundError, shown
from kolena_lab.workflow import _codec, catalog
from kolena_lab.workflow._dataframe import Encoded, encode_labeled_boxes, encoded_objects, json_texts
from kolena_lab.workflow._datatypes import _serialize
from kolena_lab.workflow.annotation import (
    LabeledBoundingBox,
    LabeledPolygon,
    ScoredLabeledBoundingBox,
    ScoredLabeledPolygon,
)
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.io import store_inferences, stored_inferences
from kolena_lab.workflow.model import Model
from kolena_lab.workflow.test_case import TestCase
from kolena_lab.workflow.test_suite import TestSuite

PathLike = Union[str, os.PathLike]
CATEGORIES_MARKER = "COCO categories: "
SUITE_REFERENCE = "COCO categories in test suite: "
NO_OBJECTS = "(no objects)"
_PROGRESS_STEP = 10_000
_CLASHING = frozenset({"top_left", "bottom_right", "width", "height", "area", "aspect_ratio", "label", "score",
                       "points", "data_type"})  # annotation keys that are fields of a box or polygon
_RESERVED_IMAGE_KEYS = frozenset({"locator", "metadata", "sample_id"})
_SHAPE_FIELDS = frozenset({"top_left", "bottom_right", "width", "height", "area", "aspect_ratio", "label", "score",
                           "data_type"})


def from_coco(annotations: Union[PathLike, bytes, dict], images_dir: PathLike, name: str, *,
              split_by: Optional[str] = None, test_suite: Optional[str] = None, reset: bool = False,
              progress: bool = False) -> ImportedDataset:
    """Import a COCO annotation file as the detection workflow ``name``: one test case ``name`` holding every image,
    or with ``split_by`` (an image key, e.g. ``"split"``, or ``"category"``) one test case ``"<name> :: <value>"`` per
    value, in the test suite ``test_suite`` (default ``name``). Every record is checked before anything is written;
    a bad one raises ``InputValidationError`` naming it (see ``docs/import-export.md`` for the rules). Existing test
    cases or suite of these names raise ``NameConflictError``; with ``reset=True`` they get a new version holding
    the import."""
    root = check_dir(images_dir, "images directory")
    with collector_paused():
        data = read_json(annotations, "COCO annotation file")
        parsed = _parse_annotations(data, progress)
        del data  # the annotation records: their boxes hold what is kept
    frame = pd.DataFrame.from_records(parsed.images)
    frame.insert(0, "locator", [join_locator(root, f) for f in frame["file_name"].tolist()])
    frame["ground_truth.bboxes"] = pd.Series(parsed.boxes, dtype=object)
    frame["ground_truth.polygons"] = pd.Series(parsed.polygons, dtype=object)
    groups = _groups(parsed, split_by) if split_by is not None else None
    workflow = workflow_of(name, DETECTION_TYPES)
    suite = test_suite or name
    return write_dataset(workflow, split_frames(frame, name, groups), suite,
                         CATEGORIES_MARKER + json.dumps(parsed.categories), len(frame), DETECTION_TYPES, progress,
                         case_description=SUITE_REFERENCE + json.dumps(suite), reset=reset)


class _Parsed(NamedTuple):
    """A checked annotation file: its image records, its categories, and each image's boxes and polygons."""

    images: List[dict]
    categories: List[dict]
    boxes: List[Union[List[LabeledBoundingBox], Encoded]]
    polygons: List[Union[List[LabeledPolygon], Encoded]]
    labels: List[List[str]]


class _Where:
    """A record's name in errors, ``annotations[5] (id 12)``, formatted only when an error shows it."""

    __slots__ = ("key", "index", "record")

    def __init__(self, key: str, index: int, record: dict):
        self.key, self.index, self.record = key, index, record

    def __str__(self) -> str:
        return f"{self.key}[{self.index}]" + (f" (id {shown(self.record['id'])})" if "id" in self.record else "")


def _records(data: Any, key: str, what: str = "COCO annotation file") -> List[dict]:
    if not isinstance(data, dict):
        raise InputValidationError(f"a {what} is a JSON object with 'images', 'annotations' and 'categories'; got "
                                   f"{type(data).__name__} {shown(data)}")
    if key not in data:
        raise InputValidationError(f"the {what} has no '{key}' list (keys: {sorted(data)})")
    records = data[key]
    if not isinstance(records, list):
        raise InputValidationError(f"'{key}' of the {what} must be a list, got {type(records).__name__}")
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise InputValidationError(f"{key}[{i}] must be an object, got {shown(record)}")
    return records


def _field(record: dict, key: str, where: Any, check: Any, expected: str) -> Any:
    if key not in record:
        raise InputValidationError(f"{where} has no '{key}'")
    value = record[key]
    if not check(value):
        raise InputValidationError(f"{where}: '{key}' must be {expected}, got {shown(value)}")
    return value


def _positive(value: Any) -> bool:
    return is_finite_number(value) and value > 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _box(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 4 and all(map(is_finite_number, value))


def _unique(values: List[Any], key: str, field: str) -> None:
    duplicate = first_duplicate(values)
    if duplicate is not None:
        raise InputValidationError(f"{key}[{duplicate[0]}]: duplicate {field} {shown(duplicate[1])}")


def _parse_annotations(data: Any, progress: bool = False) -> _Parsed:
    images, categories = _records(data, "images"), _records(data, "categories")
    annotations = _records(data, "annotations")
    if not images:
        raise InputValidationError("the COCO annotation file has no images")
    ids, sizes = _fast_images(images) or _checked_images(images)
    _unique(ids, "images", "image id")
    _unique([image["file_name"] for image in images], "images", "file_name")
    names: Dict[int, str] = {}
    for i, category in enumerate(categories):
        where = _Where("categories", i, category)
        names[_field(category, "id", where, is_int, "an integer")] = _field(category, "name", where, _text,
                                                                            "a non-empty string")
    _unique([c["id"] for c in categories], "categories", "category id")
    _unique([c["name"] for c in categories], "categories", "category name")
    with ProgressBar(total=len(annotations), desc="checking", unit=" annotations", disable=not progress) as bar:
        fast = _fast_annotations(annotations, ids, sizes, names)
        parsed = fast or _object_annotations(annotations, ids, sizes, names, bar)
        bar.update(len(annotations) - bar.n)
    return _Parsed(images, categories, *parsed)


def _checked_images(images: List[dict]) -> Tuple[List[int], List[Tuple[Any, Any]]]:
    """The images' ids and sizes, checking one image after another: the first bad one is named."""
    ids, sizes = [], []
    for i, image in enumerate(images):
        where = _Where("images", i, image)
        ids.append(_field(image, "id", where, is_int, "an integer"))
        _field(image, "file_name", where, _text, "a non-empty string")
        sizes.append((_field(image, "width", where, _positive, "a positive number"),
                      _field(image, "height", where, _positive, "a positive number")))
        reserved = _RESERVED_IMAGE_KEYS.intersection(image) or {k for k in image if k.startswith("ground_truth.")}
        if reserved:
            raise InputValidationError(f"{where}: key {shown(sorted(reserved)[0])} is reserved for the sample")
    return ids, sizes


def _fast_images(images: List[dict]) -> Optional[Tuple[List[int], List[Tuple[Any, Any]]]]:
    """The images' ids and sizes, checked column-wise; None when an image breaks a rule, for ``_checked_images``
    to name it."""
    try:
        ids, file_names, widths, heights = (list(map(itemgetter(key), images))
                                            for key in ("id", "file_name", "width", "height"))
    except KeyError:
        return None
    if set(map(type, ids)) != {int} or set(map(type, file_names)) != {str} or not all(file_names):
        return None
    if not set(map(type, widths)) | set(map(type, heights)) <= {int, float}:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        size = np.array([widths, heights], dtype=float)
    if not np.all(np.isfinite(size) & (size > 0)):
        return None
    for keys in set(map(frozenset, images)):
        if _RESERVED_IMAGE_KEYS.intersection(keys) or any(not isinstance(k, str) or k.startswith("ground_truth.")
                                                          for k in keys):
            return None
    return ids, list(zip(widths, heights))


def _object_annotations(annotations: List[dict], ids: List[int], sizes: List[Tuple[Any, Any]],
                        names: Dict[int, str], bar: ProgressBar) -> Tuple[list, list, List[List[str]]]:
    """Each image's boxes and polygons as objects, and their labels, checking one annotation after another: the
    first bad one is named."""
    index = {image_id: i for i, image_id in enumerate(ids)}
    boxes: List[List[LabeledBoundingBox]] = [[] for _ in ids]
    polygons: List[List[LabeledPolygon]] = [[] for _ in ids]
    seen = set()
    for i, ann in enumerate(annotations):
        if i % _PROGRESS_STEP == 0 and i:
            bar.update(_PROGRESS_STEP)
        where = _Where("annotations", i, ann)
        ann_id = _field(ann, "id", where, is_int, "an integer")
        if ann_id in seen:
            raise InputValidationError(f"{where}: duplicate annotation id {ann_id}")
        seen.add(ann_id)
        image_id = _field(ann, "image_id", where, is_int, "an integer")
        img = index.get(image_id)
        if img is None:
            raise InputValidationError(f"{where}: image_id {image_id} is no image of the file")
        category_id = _field(ann, "category_id", where, is_int, "an integer")
        if category_id not in names:
            raise InputValidationError(f"{where}: category_id {category_id} is no category of the file")
        label = names[category_id]
        x, y, w, h = _checked_box(ann, where, sizes[img], image_id)
        if "iscrowd" in ann and ann["iscrowd"] not in (0, 1):
            raise InputValidationError(f"{where}: 'iscrowd' must be 0 or 1, got {shown(ann['iscrowd'])}")
        if "area" in ann and not (is_finite_number(ann["area"]) and ann["area"] >= 0):
            raise InputValidationError(f"{where}: 'area' must be a number ≥ 0, got {shown(ann['area'])}")
        parts = _segmentation(ann, where)
        try:
            boxes[img].append(LabeledBoundingBox((x, y), (x + w, y + h), label, **_attributes(ann, ("image_id",))))
            polygons[img] += _polygons(ann, parts, label)
        except InputValidationError as e:
            raise InputValidationError(f"{where}: {e}") from None
    return boxes, polygons, [[b.label for b in image_boxes] for image_boxes in boxes]


def _polygons(ann: dict, parts: List[List[List[float]]], label: str) -> List[LabeledPolygon]:
    extra = {"id": ann["id"], **({"iscrowd": ann["iscrowd"]} if "iscrowd" in ann else {})}
    return [LabeledPolygon(part, label, **extra) for part in parts]


_EXACT = 2.0 ** 52  # numbers below it in magnitude (and their sums) are exact floats: numpy adds them as Python does


def _fast_annotations(annotations: List[dict], ids: List[int], sizes: List[Tuple[Any, Any]],
                      names: Dict[int, str]) -> Optional[Tuple[List[Encoded], List[Encoded], List[List[str]]]]:
    """Each image's boxes and polygons as the JSON text the object path stores, and their labels, checked and
    encoded column-wise; None when a record breaks a rule (or is out of the column-wise path's reach), for
    ``_object_annotations`` to name the first bad one or to build what this path does not."""
    n = len(annotations)
    try:
        columns = {key: list(map(itemgetter(key), annotations)) for key in ("id", "image_id", "category_id", "bbox")}
        ann_ids, image_of, category_of = (np.array(columns[k], dtype=np.int64) for k in ("id", "image_id",
                                                                                           "category_id"))
        image_ids, category_ids = np.array(ids, dtype=np.int64), np.array(list(names), dtype=np.int64)
        size = np.array(sizes, dtype=float)
    except (KeyError, OverflowError, TypeError, ValueError):
        return None
    if not all(set(map(type, columns[k])) <= {int} for k in ("id", "image_id", "category_id")) or \
            np.any(np.diff(np.sort(ann_ids)) == 0) or not np.all(np.abs(size) < _EXACT):
        return None
    rows, categories = _positions(image_ids, image_of), _positions(category_ids, category_of)
    bboxes = columns["bbox"]
    if rows is None or categories is None or not set(map(type, bboxes)) <= {list} or not set(map(len, bboxes)) <= {4}:
        return None
    flat = list(chain.from_iterable(bboxes))
    kinds = set(map(type, flat))
    if not kinds <= {int, float}:
        return None
    box = np.array(flat, dtype=float).reshape(n, 4)
    x, y, w, h = box.T
    right, bottom = x + w, y + h
    if not (np.all(np.abs(box) < _EXACT) and np.all(w > 0) and np.all(h > 0) and np.all(x >= 0) and np.all(y >= 0)
            and np.all(right <= size[rows, 0]) and np.all(bottom <= size[rows, 1])):
        return None
    floats = np.ones(n, dtype=bool) if kinds == {float} else np.fromiter(
        (type(v) is float for v in flat), dtype=bool, count=4 * n).reshape(n, 4).all(axis=1)
    keep_bbox = ~(floats & ((right - x) == w) & ((bottom - y) == h))  # as _attributes leaves bbox out
    if not _fast_optional_fields(annotations):
        return None
    labels = np.array(list(names.values()), dtype=object)[categories].tolist()
    polygons = _fast_polygons(annotations, lambda k, parts: _polygons(annotations[k], parts, labels[k]))
    if polygons is None:
        return None
    texts = _box_texts(annotations, np.column_stack([x, y, right, bottom]), labels, keep_bbox, ("image_id",))
    if texts is None:
        return None
    return _by_image(rows, texts, labels, polygons, len(ids))


def _by_image(rows: np.ndarray, texts: List[str], labels: List[str], polygons: Dict[int, List[str]],
              n_images: int) -> Tuple[List[Encoded], List[Encoded], List[List[str]]]:
    """Each image's boxes and polygons as JSON lists, and its boxes' labels, in the order of the records."""
    ends = np.cumsum(np.bincount(rows, minlength=n_images)).tolist()
    starts = [0] + ends[:-1]
    if np.any(np.diff(rows) < 0):  # records not in image order
        order = np.argsort(rows, kind="stable").tolist()
        texts, labels = [texts[k] for k in order], [labels[k] for k in order]
    boxes = [Encoded("[" + ",".join(texts[a:b]) + "]") for a, b in zip(starts, ends)]
    image_polygons: List[List[str]] = [[] for _ in range(n_images)]
    for k, texts_k in polygons.items():
        image_polygons[rows[k]] += texts_k
    return (boxes, [Encoded("[" + ",".join(p) + "]") for p in image_polygons],
            [labels[a:b] for a, b in zip(starts, ends)])


def _positions(keys: np.ndarray, values: np.ndarray) -> Optional[np.ndarray]:
    """The position in ``keys`` (unique) of each of ``values``; None when one is not among them."""
    order = np.argsort(keys, kind="stable")
    found = np.searchsorted(keys[order], values).clip(0, max(len(keys) - 1, 0))
    if not len(keys) or not np.array_equal(keys[order][found], values):
        return None if len(values) else np.zeros(0, dtype=np.int64)
    return order[found]


def _fast_optional_fields(annotations: List[dict]) -> bool:
    """Whether every ``iscrowd`` is 0 or 1 and every ``area`` a number ≥ 0 (as ``_object_annotations`` checks)."""
    crowd = [a["iscrowd"] for a in annotations if "iscrowd" in a]
    area = [a["area"] for a in annotations if "area" in a]
    try:
        if not set(crowd) <= {0, 1}:
            return False
    except TypeError:  # an unhashable value
        return False
    if not set(map(type, area)) <= {int, float}:
        return False
    values = np.array(area, dtype=float)
    return bool(np.all(np.isfinite(values) & (values >= 0)))


def _fast_polygons(annotations: List[dict],
                   make: Callable[[int, List[List[List[float]]]], List[Any]]) -> Optional[Dict[int, List[str]]]:
    """The encoded polygons (``make(k, parts)``: objects, as they are few) of each record with a polygon
    segmentation; None when a segmentation is not valid."""
    out: Dict[int, List[str]] = {}
    segmentations = list(map(dict.get, annotations, repeat("segmentation")))
    for k in np.flatnonzero(np.fromiter(map(is_not, segmentations, repeat(None)), dtype=bool,
                                        count=len(segmentations))).tolist():
        ann, value = annotations[k], segmentations[k]
        if isinstance(value, dict) and "counts" in value and "size" in value:
            continue
        try:
            polygons = make(k, _segmentation(ann, ""))
        except InputValidationError:
            return None
        if polygons:
            out[k] = [_codec.dumps(_serialize(p)) for p in polygons]
    return out


def _box_texts(annotations: List[dict], corners: np.ndarray, labels: List[str], keep_bbox: np.ndarray,
               skip: Tuple[str, ...], scores: Optional[np.ndarray] = None) -> Optional[List[str]]:
    """Each record's box as JSON text (scored with ``scores``), its keys but ``skip`` as attributes (as
    ``_attributes`` names them); records are encoded in groups of the same keys in the same order (and ``bbox`` kept
    or not)."""
    keys = list(map(tuple, annotations))
    distinct: Dict[Tuple[str, ...], int] = dict.fromkeys(keys)  # type: ignore[arg-type]
    for code, key_tuple in enumerate(distinct):
        distinct[key_tuple] = code
    codes = np.zeros(len(keys), dtype=np.int64) if len(distinct) == 1 else np.array([distinct[k] for k in keys])
    group_of = codes * 2 + keep_bbox
    texts: Optional[List[str]] = None if len(np.unique(group_of)) == 1 else [""] * len(annotations)
    for key_tuple, code in distinct.items():
        if not all(isinstance(key, str) for key in key_tuple):
            return None
        for keep in (False, True):
            members = np.flatnonzero(group_of == code * 2 + keep)
            if not len(members):
                continue
            records = annotations if texts is None else [annotations[k] for k in members.tolist()]
            kept = [key for key in key_tuple if key not in skip and (keep or key != "bbox")]
            attributes = {(f"coco_{key}" if key in _CLASHING else key): json_texts(list(map(itemgetter(key), records)))
                          for key in kept}
            group_labels = labels if texts is None else [labels[k] for k in members.tolist()]
            encoded = encode_labeled_boxes(corners[members], group_labels, attributes,
                                           None if scores is None else scores[members])
            if texts is None:
                return encoded
            for k, text in zip(members.tolist(), encoded):
                texts[k] = text
    return texts


def _checked_box(record: dict, where: Any, size: Optional[Tuple[float, float]],
                 image_id: Any) -> Tuple[float, float, float, float]:
    x, y, w, h = _field(record, "bbox", where, _box, "[x, y, width, height] (4 finite numbers)")
    if w <= 0 or h <= 0:
        raise InputValidationError(f"{where}: bbox {shown(record['bbox'])} must have a positive width and height")
    if size is not None and (x < 0 or y < 0 or x + w > size[0] or y + h > size[1]):
        raise InputValidationError(f"{where}: bbox {shown(record['bbox'])} lies outside image {image_id} "
                                   f"({size[0]} x {size[1]})")
    return x, y, w, h


def _segmentation(record: dict, where: Any) -> List[List[List[float]]]:
    """The polygons of a record's segmentation, as point lists (an RLE mask has none); checked."""
    value = record.get("segmentation")
    if value is None:
        return []
    if isinstance(value, dict):
        if "counts" not in value or "size" not in value:
            raise InputValidationError(f"{where}: an RLE 'segmentation' needs 'counts' and 'size', got "
                                       f"{shown(sorted(value))}")
        return []
    if not isinstance(value, list):
        raise InputValidationError(f"{where}: 'segmentation' must be a list of polygons or an RLE object, got "
                                   f"{shown(value)}")
    parts = []
    for j, part in enumerate(value):
        if not (isinstance(part, list) and len(part) % 2 == 0 and all(map(is_finite_number, part))):
            raise InputValidationError(f"{where}: segmentation polygon {j} must be a flat list of x, y numbers, "
                                       f"got {shown(part)}")
        if len(part) >= 6:  # fewer than 3 points is no polygon: kept in the box's 'segmentation' only
            parts.append([part[k:k + 2] for k in range(0, len(part), 2)])
    return parts


def _attributes(record: dict, skip: Iterable[str]) -> Dict[str, Any]:
    """A record's keys as attributes of its box (a key that is a box field as ``coco_<key>``). Its ``bbox`` is left
    out when the box's corners give it back exactly (floats whose width and height survive ``x + w - x``)."""
    skipped = set(skip)
    x, y, w, h = record["bbox"]
    if all(type(v) is float for v in record["bbox"]) and (x + w) - x == w and (y + h) - y == h:
        skipped.add("bbox")
    return {(f"coco_{k}" if k in _CLASHING else k): v for k, v in record.items() if k not in skipped}


def _groups(parsed: _Parsed, split_by: str) -> Dict[str, List[int]]:
    """The rows of each test case: by category (an image in each of its annotations' categories) or by the value of
    an image key."""
    groups: Dict[str, List[int]] = {}
    if split_by == "category":
        order = {c["name"]: [] for c in parsed.categories}
        for row, labels in enumerate(parsed.labels):
            for label in dict.fromkeys(labels):
                order[label].append(row)
            if not labels:
                groups.setdefault(NO_OBJECTS, []).append(row)
        return {**{k: v for k, v in order.items() if v}, **groups}
    for row, image in enumerate(parsed.images):
        if split_by not in image:
            raise InputValidationError(f"split_by={split_by!r}: {_Where('images', row, image)} has no such key "
                                       "(give an image key or 'category')")
        value = image[split_by]
        if isinstance(value, (dict, list)) or value is None:
            raise InputValidationError(f"split_by={split_by!r}: {_Where('images', row, image)} holds "
                                       f"{shown(value)}, not a value to split by")
        groups.setdefault(str(value), []).append(row)
    return groups


def model_from_coco(results: Union[PathLike, bytes, list], dataset: Union[ImportedDataset, str], name: str, *,
                    metadata: Optional[Dict[str, Any]] = None) -> Model:
    """Store a COCO results file (a list of ``{image_id, category_id, bbox, score[, segmentation]}``) as the
    inferences of the model ``name`` on every image of ``dataset`` (an ``ImportedDataset`` or the name of a workflow
    ``from_coco`` wrote); an image without a detection gets an empty inference. Every result is checked first (its
    image and category known, its box and score valid); nothing is written if one is wrong. The model is created if
    needed; inferences it had for these images are replaced."""
    with collector_paused():
        records = read_json(results, "COCO results file")
        if not isinstance(records, list):
            raise InputValidationError(f"a COCO results file is a JSON list of detections, got "
                                       f"{type(records).__name__}")
        if isinstance(dataset, ImportedDataset):
            workflow, suites = dataset.workflow, [dataset.test_suite]
        else:
            workflow = workflow_of(dataset, DETECTION_TYPES)
            suites = suites_of(workflow)
        locators, image_ids = _images(suites)
        by_id = {c["id"]: c["name"] for c in _categories(suites, lambda: members_of(suites))}
        inferences = _fast_results(records, image_ids, by_id) or _object_results(records, image_ids, by_id,
                                                                                  workflow.name)
        del records
    model_type = bound_classes(workflow)[2]
    model = model_type(name, metadata=metadata)
    # samples named by their locators alone: their stored metadata is left as it is
    store_inferences(model, [workflow.test_sample_type(locator=locator) for locator in locators], inferences)
    return model


def _object_results(records: List[Any], image_ids: List[Any], by_id: Dict[Any, str],
                    workflow_name: str) -> List[DetectionInference]:
    """Each image's inference from the results, checking one result after another: the first bad one is named."""
    index = {image_id: i for i, image_id in enumerate(image_ids)}
    boxes: List[List[Any]] = [[] for _ in image_ids]
    polygons: List[List[Any]] = [[] for _ in image_ids]
    for i, det in enumerate(records):
        where = f"results[{i}]"
        if not isinstance(det, dict):
            raise InputValidationError(f"{where} must be an object, got {shown(det)}")
        image_id = _field(det, "image_id", where, is_int, "an integer")
        img = index.get(image_id)
        if img is None:
            raise InputValidationError(f"{where}: image_id {image_id} is no image of dataset '{workflow_name}'")
        category_id = _field(det, "category_id", where, is_int, "an integer")
        if category_id not in by_id:
            raise InputValidationError(f"{where}: category_id {category_id} is no category of dataset "
                                       f"'{workflow_name}'")
        label = by_id[category_id]
        x, y, w, h = _checked_box(det, where, None, image_id)
        score = _field(det, "score", where, lambda v: is_finite_number(v) and 0 <= v <= 1, "a number in [0, 1]")
        parts = _segmentation(det, where)
        boxes[img].append(ScoredLabeledBoundingBox((x, y), (x + w, y + h), label, score,
                                                   **_attributes(det, ("image_id", "score"))))
        polygons[img] += [ScoredLabeledPolygon(part, label, score) for part in parts]
    return [DetectionInference(bboxes=b, polygons=p) for b, p in zip(boxes, polygons)]


def _fast_results(records: List[Any], image_ids: List[Any], by_id: Dict[Any, str]) -> Optional[List[Encoded]]:
    """Each image's inference as the JSON text the object path stores, the results checked and encoded column-wise;
    None when a result breaks a rule (or is out of this path's reach), for ``_object_results`` to name it."""
    n = len(records)
    if not set(map(type, records)) <= {dict}:
        return None
    try:
        columns = {key: list(map(itemgetter(key), records)) for key in ("image_id", "category_id", "bbox", "score")}
        image_of, category_of = (np.array(columns[k], dtype=np.int64) for k in ("image_id", "category_id"))
        image_keys, category_keys = np.array(image_ids, dtype=np.int64), np.array(list(by_id), dtype=np.int64)
    except (KeyError, OverflowError, TypeError, ValueError):
        return None
    if not (all(set(map(type, columns[k])) <= {int} for k in ("image_id", "category_id"))
            and set(map(type, image_ids)) <= {int} and set(map(type, by_id)) <= {int}
            and len(np.unique(image_keys)) == len(image_keys)):
        return None
    rows, categories = _positions(image_keys, image_of), _positions(category_keys, category_of)
    bboxes, scores = columns["bbox"], columns["score"]
    if rows is None or categories is None or not set(map(type, bboxes)) <= {list} or \
            not set(map(len, bboxes)) <= {4}:
        return None
    flat = list(chain.from_iterable(bboxes))
    kinds = set(map(type, flat))
    if not kinds <= {int, float} or not set(map(type, scores)) <= {int, float}:
        return None
    box, score = np.array(flat, dtype=float).reshape(n, 4), np.array(scores, dtype=float)
    x, y, w, h = box.T
    if not (np.all(np.abs(box) < _EXACT) and np.all(w > 0) and np.all(h > 0) and np.all(score >= 0)
            and np.all(score <= 1)):
        return None
    floats = np.ones(n, dtype=bool) if kinds == {float} else np.fromiter(
        (type(v) is float for v in flat), dtype=bool, count=4 * n).reshape(n, 4).all(axis=1)
    right, bottom = x + w, y + h
    keep_bbox = ~(floats & ((right - x) == w) & ((bottom - y) == h))  # as _attributes leaves bbox out
    labels = np.array(list(by_id.values()), dtype=object)[categories].tolist()
    polygons = _fast_polygons(records, lambda k, parts: [ScoredLabeledPolygon(part, labels[k], scores[k])
                                                         for part in parts])
    if polygons is None:
        return None
    texts = _box_texts(records, np.column_stack([x, y, right, bottom]), labels, keep_bbox, ("image_id", "score"),
                       score)
    if texts is None:
        return None
    boxes, image_polygons, _ = _by_image(rows, texts, labels, polygons, len(image_ids))
    del texts  # joined into boxes
    return encoded_objects(["bboxes", "polygons"], [boxes, image_polygons], Encoded)  # type: ignore[return-value]


def _images(sources: Iterable[Union[TestSuite, TestCase]]) -> Tuple[List[str], List[Any]]:
    """The locators and COCO image ids of the samples of test suites or cases (each once, in order of first
    appearance; the test cases' latest versions), read without their ground truths."""
    locators: Dict[str, Any] = {}
    for source in sources:
        for test_case in source.test_cases if isinstance(source, TestSuite) else [source]:
            frame = catalog.samples_frame(test_case.name)
            if len(frame):
                ids = frame["id"].tolist() if "id" in frame else [None] * len(frame)
                for locator, image_id in zip(frame["locator"].tolist(), ids):
                    locators.setdefault(locator, image_id)
    return list(locators), list(locators.values())


def _categories(sources: Iterable[Union[TestSuite, TestCase]],
                members: Callable[[], List[Tuple[Any, Any]]]) -> List[dict]:
    """The categories an import kept in its suite's description (a test case's description names the suite); else
    those the ground truths of ``members()`` name, with their ids."""
    for source in sources:
        text = source.description
        if text.startswith(SUITE_REFERENCE):
            try:
                text = catalog.test_suite_info(json.loads(text[len(SUITE_REFERENCE):])).description
            except (NotFoundError, ValueError):
                continue
        if text.startswith(CATEGORIES_MARKER):
            return json.loads(text[len(CATEGORIES_MARKER):])
    found: Dict[Any, str] = {}
    for _, ground_truth in members():
        for box in ground_truth.bboxes:
            found.setdefault(getattr(box, "category_id", box.label), box.label)
    return [{"id": k, "name": v} for k, v in found.items()]


def to_coco(source: Union[TestCase, TestSuite, ImportedDataset, str], path: Optional[PathLike] = None, *,
            model: Union[Model, str, None] = None) -> Union[dict, list]:
    """The ground truths of a test case or suite (an object, an ``ImportedDataset``, or a name: a suite's first) as
    a COCO annotation file (``images``, ``annotations`` sorted by id, ``categories``); with ``model`` (an object or a
    name), that model's stored inferences of those images as a COCO results list instead. Written to ``path`` as
    JSON when given."""
    sources = [_source(source)]
    if model is None:
        members = members_of(sources)
        categories = _categories(sources, lambda: members)
        ids = {c["name"]: c["id"] for c in categories}
        annotations = [_record(box, sample.metadata.get("id"), ids) for sample, gt in members for box in gt.bboxes]
        if all(is_int(a.get("id")) for a in annotations):
            annotations.sort(key=lambda a: a["id"])
        out: Union[dict, list] = {"images": [dict(sample.metadata) for sample, _ in members],
                                  "annotations": annotations, "categories": categories}
    else:
        workflow = sources[0].workflow
        if isinstance(model, str):
            model = bound_classes(workflow)[2].load(model)
        locators, image_ids = _images(sources)
        ids = {c["name"]: c["id"] for c in _categories(sources, lambda: members_of(sources))}
        inferences = stored_inferences(model, [workflow.test_sample_type(locator=loc) for loc in locators])
        out = [_record(box, image_id, ids) for image_id, inf in zip(image_ids, inferences) if inf is not None
               for box in inf.bboxes]
    if path is not None:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(out, file)
    return out


def _source(source: Union[TestCase, TestSuite, ImportedDataset, str]) -> Union[TestCase, TestSuite]:
    if isinstance(source, ImportedDataset):
        return source.test_suite
    if isinstance(source, (TestCase, TestSuite)):
        return source
    if not isinstance(source, str):
        raise InputValidationError(f"to_coco takes a test case, a test suite, an ImportedDataset or a name; got "
                                   f"{type(source).__name__} {shown(source)}")
    try:
        info = catalog.test_suite_info(source)
        return bound_classes(workflow_of(info.workflow, DETECTION_TYPES))[1].load(source)
    except NotFoundError:
        info = catalog.test_case_info(source)
        return bound_classes(workflow_of(info.workflow, DETECTION_TYPES))[0].load(source)


def _record(box: Any, image_id: Any, category_ids: Dict[str, Any]) -> dict:
    """A box as its COCO record: the attributes it was imported with, the image id, and what a box made elsewhere
    lacks (``bbox`` from its corners, ``category_id`` from its label)."""
    data = _serialize(box)
    record: Dict[str, Any] = {"image_id": image_id}
    for key, value in data.items():
        if key in _SHAPE_FIELDS:
            continue
        record[key[5:] if key.startswith("coco_") and key[5:] in _CLASHING else key] = value
    if "bbox" not in record:
        x, y = box.top_left
        record["bbox"] = [x, y, box.bottom_right[0] - x, box.bottom_right[1] - y]
    if "category_id" not in record:
        record["category_id"] = category_ids.get(box.label, box.label)
    if hasattr(box, "score"):
        record["score"] = box.score
    return record
