"""from_coco / model_from_coco / to_coco: the round trip is exact, the import's shape (samples, metadata, crowd
regions, splits), and the detection evaluator's COCO numbers on imported data equal pycocotools on the same files."""
import contextlib
import io
import json

import numpy as np
import pytest

from kolena_lab.datasets import ImportedDataset, from_coco, model_from_coco, to_coco
from kolena_lab.errors import NameConflictError
from kolena_lab.evaluators import DetectionConfiguration, ObjectDetectionEvaluator
from kolena_lab.workflow import load_test_case_metrics, test

from . import _coco


def _write(tmp_path, data, name="annotations.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    (tmp_path / "images").mkdir(exist_ok=True)
    return path


def test_round_trip_is_exact(sqlite_store, tmp_path):
    data = _coco.dataset(40, seed=1)
    imported = from_coco(_write(tmp_path, data), tmp_path / "images", "coco rt")
    assert isinstance(imported, ImportedDataset)
    assert imported.samples == 40 and [tc.name for tc in imported.test_cases] == ["coco rt"]
    out = to_coco(imported, tmp_path / "out.json")
    assert out == data
    assert json.loads((tmp_path / "out.json").read_text()) == data
    assert to_coco("coco rt") == data  # by name (the suite)


def test_samples_metadata_and_ground_truths(sqlite_store, tmp_path):
    data = _coco.dataset(10, seed=2, crowd_p=0.3)
    imported = from_coco(_write(tmp_path, data), tmp_path / "images", "coco shape")
    members = imported.test_cases[0].load_test_samples()
    assert [s.locator for s, _ in members] == [str(tmp_path / "images" / im["file_name"]) for im in data["images"]]
    for (sample, gt), image in zip(members, data["images"]):
        assert sample.metadata == image
        assert isinstance(sample.metadata["width"], int) and isinstance(sample.metadata["brightness"], float)
        anns = [a for a in data["annotations"] if a["image_id"] == image["id"]]
        assert [b.id for b in gt.bboxes] == [a["id"] for a in anns]
        for box, ann in zip(gt.bboxes, anns):
            x, y, w, h = ann["bbox"]
            assert box.top_left == (x, y) and box.bottom_right == (x + w, y + h)
            assert box.iscrowd == ann["iscrowd"] and box.coco_area == ann["area"]
        polygons = [a for a in anns if isinstance(a.get("segmentation"), list)]
        assert [p.id for p in gt.polygons] == [a["id"] for a in polygons]
    assert any(b.iscrowd for _, gt in members for b in gt.bboxes)


def test_split_by_image_key_and_by_category(sqlite_store, tmp_path):
    data = _coco.dataset(20, seed=3)
    path = _write(tmp_path, data)
    by_split = from_coco(path, tmp_path / "images", "coco split", split_by="split", test_suite="coco split suite")
    assert by_split.test_suite.name == "coco split suite"
    assert [tc.name for tc in by_split.test_cases] == ["coco split :: train", "coco split :: val"]
    for tc in by_split.test_cases:
        split = tc.name.split(" :: ")[1]
        assert [s.metadata["id"] for s, _ in tc.load_test_samples()] == \
            [im["id"] for im in data["images"] if im["split"] == split]
    out = to_coco(by_split)
    assert sorted(out["images"], key=lambda im: im["id"]) == data["images"]
    assert out["annotations"] == data["annotations"] and out["categories"] == data["categories"]

    by_cat = from_coco(path, tmp_path / "images", "coco cat", split_by="category")
    names = {c["id"]: c["name"] for c in data["categories"]}
    for tc in by_cat.test_cases:
        group = tc.name.split(" :: ")[1]
        ids = {a["image_id"] for a in data["annotations"] if names[a["category_id"]] == group}
        if group == "(no objects)":
            ids = {im["id"] for im in data["images"]} - {a["image_id"] for a in data["annotations"]}
        assert {s.metadata["id"] for s, _ in tc.load_test_samples()} == ids


def test_a_taken_name_is_refused_before_writing(sqlite_store, tmp_path):
    path = _write(tmp_path, _coco.dataset(3))
    from_coco(path, tmp_path / "images", "coco twice")
    with pytest.raises(NameConflictError, match="coco twice"):
        from_coco(path, tmp_path / "images", "coco twice")


def test_model_results_round_trip_and_empty_inferences(sqlite_store, tmp_path):
    data = _coco.dataset(25, seed=4)
    dets = _coco.results(data, seed=4)
    imported = from_coco(_write(tmp_path, data), tmp_path / "images", "coco model")
    model = model_from_coco(dets, imported, "detector", metadata={"source": "coco"})
    assert model.metadata == {"source": "coco"}
    order = {im["id"]: i for i, im in enumerate(data["images"])}
    expected = sorted(dets, key=lambda d: order[d["image_id"]])  # image order, file order within an image
    assert to_coco(imported, model=model) == expected
    assert to_coco("coco model", model="detector") == expected
    with_dets = {d["image_id"] for d in dets}
    inferences = model.load_inferences(imported.test_cases[0])
    assert len(inferences) == 25
    assert all(len(inf.bboxes) == 0 for s, _, inf in inferences if s.metadata["id"] not in with_dets)
    again = model_from_coco(dets[:5], "coco model", "detector 2")  # the dataset by its workflow's name
    assert sum(len(inf.bboxes) for _, _, inf in again.load_inferences(imported.test_cases[0])) == 5


def _pycocotools(data, dets):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = json.loads(json.dumps(data))
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(json.loads(json.dumps(dets))), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


@pytest.mark.parametrize("seed", [5, 6])
def test_coco_numbers_of_the_imported_data_equal_pycocotools(sqlite_store, tmp_path, seed):
    pytest.importorskip("pycocotools")
    data = _coco.dataset(60, seed=seed, crowd_p=0.15)
    dets = _coco.results(data, seed=seed)
    imported = from_coco(_write(tmp_path, data), tmp_path / "images", "coco eval")
    model = model_from_coco(dets, imported, "coco eval model")
    thresholds = np.linspace(0.5, 0.95, 10)
    configs = [DetectionConfiguration(mode="coco", iou_threshold=float(t)) for t in thresholds]
    test(model, imported.test_suite, ObjectDetectionEvaluator(configs, name="coco"))
    frame = load_test_case_metrics(model, imported.test_suite)
    by_config = {c.display_name(): row for c in configs for _, row in frame.iterrows()
                 if row["configuration"] == c.display_name()}
    mean_ap = [by_config[c.display_name()]["mean_ap"] for c in configs]
    ev = _pycocotools(data, dets)
    assert np.mean(mean_ap) == pytest.approx(ev.stats[0], abs=1e-12)  # AP@[.5:.95]
    assert mean_ap[0] == pytest.approx(ev.stats[1], abs=1e-12)  # AP50
    assert mean_ap[5] == pytest.approx(ev.stats[2], abs=1e-12)  # AP75
    cat_index = {c["name"]: k for k, c in enumerate(data["categories"])}
    for t, c in enumerate(configs):
        for row in by_config[c.display_name()]["per_class"]:
            if row.objects:
                column = ev.eval["precision"][t, :, cat_index[row.label], 0, 2]
                assert row.ap == pytest.approx(float(np.mean(column)), abs=1e-12)


def test_import_results_and_export_on_sqlite_and_postgresql(lab, tmp_path):
    data = _coco.dataset(15, seed=8)
    dets = _coco.results(data, seed=8)
    imported = from_coco(_write(tmp_path, data), tmp_path / "images", "coco store", split_by="category")
    model = model_from_coco(dets, imported, "coco store model")
    assert to_coco(imported) == {**data, "images": to_coco(imported)["images"]}
    assert sorted(to_coco(imported)["images"], key=lambda im: im["id"]) == data["images"]
    order = {im["id"]: i for i, im in enumerate(to_coco(imported)["images"])}
    assert to_coco(imported, model=model) == sorted(dets, key=lambda d: order[d["image_id"]])


def test_round_trip_keeps_integer_boxes_extra_keys_and_short_polygons(sqlite_store, tmp_path):
    data = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50, "tags": ["x", "y"], "meta": {"k": 1}},
                   {"id": 2, "file_name": "b.jpg", "width": 10.5, "height": 20}],
        "annotations": [
            {"id": 7, "image_id": 1, "category_id": 3, "bbox": [0, 0, 100, 50], "attributes": {"occluded": True}},
            {"id": 9, "image_id": 1, "category_id": 3, "bbox": [0.1, 0.2, 0.3, 0.4], "segmentation": [[1, 2, 3, 4]],
             "label": "raw", "area": 0.12},
            {"id": 8, "image_id": 2, "category_id": 4, "bbox": [1.5, 2.5, 9.0, 17.5], "iscrowd": 1,
             "segmentation": {"counts": "abc", "size": [20, 10]}}],
        "categories": [{"id": 3, "name": "person"}, {"id": 4, "name": "crowd"}, {"id": 5, "name": "unused"}],
    }
    imported = from_coco(json.dumps(data).encode(), tmp_path, "coco keys")
    out = to_coco(imported)
    assert out["images"] == data["images"] and out["categories"] == data["categories"]
    assert out["annotations"] == sorted(data["annotations"], key=lambda a: a["id"])
    box = imported.test_cases[0].load_test_samples()[0][1].bboxes[1]
    assert (box.label, box.coco_label, box.coco_area) == ("person", "raw", 0.12)


def test_to_coco_of_one_test_case_holds_its_images_only(sqlite_store, tmp_path, capsys):
    data = _coco.dataset(10, seed=9)
    imported = from_coco(_write(tmp_path, data), tmp_path / "images", "coco case", split_by="split", progress=True)
    assert "writing" in capsys.readouterr().err
    val = next(tc for tc in imported.test_cases if tc.name == "coco case :: val")
    ids = {im["id"] for im in data["images"] if im["split"] == "val"}
    out = to_coco(val)
    assert out["images"] == [im for im in data["images"] if im["id"] in ids]
    assert out["annotations"] == [a for a in data["annotations"] if a["image_id"] in ids]
    assert out["categories"] == data["categories"]
    assert to_coco("coco case :: val") == out
