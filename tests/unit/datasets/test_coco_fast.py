"""The column-wise COCO import stores exactly what the object path stores: test samples (identity keys, metadata),
test case members (ground truths), test cases and suites, byte for byte."""
import json
import sqlite3

import pytest

import kolena_lab
from kolena_lab.datasets import coco, from_coco

from . import _coco

_QUERIES = {
    "samples": "SELECT id, key, metadata FROM kl_test_samples ORDER BY id",
    "members": "SELECT c.name, v.version, m.position, m.sample_id, m.ground_truth FROM kl_test_case_members m "
               "JOIN kl_test_case_versions v ON v.id = m.version_id JOIN kl_test_cases c ON c.id = v.test_case_id "
               "ORDER BY c.name, v.version, m.position",
    "test cases": "SELECT name, description, latest_version FROM kl_test_cases ORDER BY name",
    "suites": "SELECT s.name, s.description, v.version, c.name FROM kl_test_suite_members m "
              "JOIN kl_test_suite_versions v ON v.id = m.suite_version_id JOIN kl_test_suites s ON s.id = v.suite_id "
              "JOIN kl_test_case_versions cv ON cv.id = m.test_case_version_id "
              "JOIN kl_test_cases c ON c.id = cv.test_case_id ORDER BY s.name, v.version, m.position",
}


def _varied(seed: int) -> dict:
    """A generated file with crowd boxes, polygons, RLE, extra keys in varying order, integer and float boxes, boxes
    whose ``bbox`` the corners do not give back exactly, a key named like a box field, unicode labels."""
    data = _coco.dataset(60, seed=seed, crowd_p=0.3)
    data["categories"][0]["name"] = "zebra \u00e9 \"q\" %s"
    for k, ann in enumerate(data["annotations"]):
        if k % 3 == 0:
            ann["note"] = ["a", {"b": k}] if k % 2 else "caf\u00e9"
        if k % 4 == 1:
            x, y, w, h = ann["bbox"]
            ann["bbox"] = [int(x), int(y), int(w), int(h)]
        if k % 5 == 2:
            ann["bbox"][2] = ann["bbox"][2] + 0.1  # (x + w) - x != w for some
        if k % 7 == 3:
            ann["label"] = "clash"
        if k % 6 == 4:
            data["annotations"][k] = dict(reversed(list(ann.items())))
    data["annotations"][1]["iscrowd"] = True
    return data


def _rows(path) -> dict:
    with sqlite3.connect(path) as conn:
        return {name: conn.execute(query).fetchall() for name, query in _QUERIES.items()}


@pytest.mark.parametrize("split_by", [None, "category", "split"])
def test_fast_path_stores_what_the_object_path_stores(tmp_path, monkeypatch, split_by):
    data = _varied(seed=3)
    (tmp_path / "images").mkdir()
    (tmp_path / "a.json").write_text(json.dumps(data))
    stored = {}
    for path in ("fast", "object"):
        if path == "object":
            monkeypatch.setattr(coco, "_fast_annotations", lambda *args: None)
        store = kolena_lab.initialize(url=f"sqlite:///{tmp_path / path}.db")
        try:
            imported = from_coco(tmp_path / "a.json", tmp_path / "images", "coco", split_by=split_by)
        finally:
            store.dispose()
        assert imported.samples == 60
        stored[path] = _rows(tmp_path / f"{path}.db")
    assert stored["fast"]["members"] and any('"segmentation":{"counts"' in r[4] for r in stored["fast"]["members"])
    assert any('"data_type":"ANNOTATION/POLYGON"' in r[4] for r in stored["fast"]["members"])
    for table in _QUERIES:
        assert stored["fast"][table] == stored["object"][table], table


def test_a_file_without_annotations(tmp_path, monkeypatch):
    data = _coco.dataset(4, seed=5)
    data["annotations"] = []
    (tmp_path / "images").mkdir()
    stored = {}
    for path in ("fast", "object"):
        if path == "object":
            monkeypatch.setattr(coco, "_fast_annotations", lambda *args: None)
        store = kolena_lab.initialize(url=f"sqlite:///{tmp_path / path}.db")
        try:
            from_coco(data, tmp_path / "images", "empty", split_by="category")
        finally:
            store.dispose()
        stored[path] = _rows(tmp_path / f"{path}.db")
    assert stored["fast"] == stored["object"] and len(stored["fast"]["samples"]) == 4


def test_fast_path_is_taken_on_valid_files(tmp_path):
    data = _varied(seed=4)
    head = (data["annotations"], [im["id"] for im in data["images"]],
            [(im["width"], im["height"]) for im in data["images"]], {c["id"]: c["name"] for c in data["categories"]})
    assert coco._fast_annotations(*head) is not None
    data["annotations"][7]["bbox"][0] = -1.0
    assert coco._fast_annotations(*head) is None  # the object path names the record


def test_json_texts_are_the_codecs():
    from kolena_lab.workflow import _codec
    from kolena_lab.workflow._dataframe import json_texts

    columns = [[0.1, -0.0, 0.0, 1e300, 2.5e-07, 0.1], [1, -5, 10 ** 30], ["é", "\"x\"", ""], [1, 2.0, True, None],
               [float("nan"), 1.0], [[1, 2], {"counts": "ab", "size": [2, 3]}]]
    for values in columns:
        assert json_texts(values) == [_codec.dumps(v) for v in values]


def test_pre_encoded_ground_truths_need_every_field(sqlite_store):
    import pandas as pd

    from kolena_lab.datasets import DetectionGroundTruth, DetectionInference
    from kolena_lab.errors import InputValidationError
    from kolena_lab.workflow import Image, define_workflow
    from kolena_lab.workflow._dataframe import Encoded

    _, test_case, _, _ = define_workflow("encoded", Image, DetectionGroundTruth, DetectionInference)
    frame = pd.DataFrame({"locator": ["a.png"], "ground_truth.bboxes": pd.Series([Encoded("[]")], dtype=object)})
    with pytest.raises(InputValidationError, match="need every field of DetectionGroundTruth"):
        test_case.from_dataframe("encoded", frame)
    frame["ground_truth.polygons"] = pd.Series([Encoded("[]")], dtype=object)
    assert test_case.from_dataframe("encoded", frame).load_test_samples()[0][1] == DetectionGroundTruth(bboxes=[])


def test_fast_results_store_what_the_object_path_stores(tmp_path, monkeypatch):
    from kolena_lab.datasets import model_from_coco

    data = _varied(seed=6)
    results = _coco.results(data, seed=6)
    for k, det in enumerate(results):
        if k % 4 == 0:
            x, y, w, h = det["bbox"]
            det["segmentation"] = [[x, y, x + w, y, x + w, y + h]]
        if k % 5 == 1:
            det["bbox"] = [int(v) + 1 for v in det["bbox"]]
            det["score"] = 1
        if k % 6 == 2:
            det["extra"] = {"k": k}
        if k % 7 == 3:
            results[k] = dict(reversed(list(det.items())))
    (tmp_path / "images").mkdir()
    inferences = {}
    for path in ("fast", "object"):
        if path == "object":
            monkeypatch.setattr(coco, "_fast_results", lambda *args: None)
        store = kolena_lab.initialize(url=f"sqlite:///{tmp_path / path}.db")
        try:
            imported = from_coco(data, tmp_path / "images", "coco")
            if path == "fast":
                assert coco._fast_results(results, [im["id"] for im in data["images"]],
                                          {c["id"]: c["name"] for c in data["categories"]}) is not None
            model_from_coco(results, imported, "detector")
        finally:
            store.dispose()
        with sqlite3.connect(tmp_path / f"{path}.db") as conn:
            inferences[path] = conn.execute("SELECT sample_id, data FROM kl_inferences ORDER BY sample_id").fetchall()
    assert len(inferences["fast"]) == 60 and any('"score":1.0' in d for _, d in inferences["fast"])
    assert any('ANNOTATION/POLYGON' in d for _, d in inferences["fast"])
    assert inferences["fast"] == inferences["object"]
