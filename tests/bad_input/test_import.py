"""Imports of faulty files (COCO annotations and results, CSV tables, image folders): each is refused with an error
naming the record (index, id or line) and the value, and nothing is written."""
import copy
import json

import pandas as pd
import pytest

from kolena_lab.datasets import from_coco, from_csv, from_image_folder, model_from_coco, model_from_csv
from kolena_lab.errors import InputValidationError

from tests.unit.datasets import _coco


def _coco_file(tmp_path, data, name="a.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    (tmp_path / "images").mkdir(exist_ok=True)
    return path


def _good():
    return _coco.dataset(6, seed=11, crowd_p=0.0)


def _edit(change):
    data = copy.deepcopy(_good())
    change(data)
    return data


def _first_ann(data):
    return data["annotations"][0]


COCO_CASES = {
    "malformed JSON": ('{"images": [', r"not valid JSON: .* at line 1, column 13"),
    "empty file": ("  \n", r"is empty"),
    "not an object": ("[1, 2]", r"is a JSON object with 'images'"),
    "no images": (_edit(lambda d: d.pop("images")), r"has no 'images' list"),
    "no annotations": (_edit(lambda d: d.pop("annotations")), r"has no 'annotations' list"),
    "no images at all": (_edit(lambda d: d.update(images=[], annotations=[])), r"has no images"),
    "annotation not an object": (_edit(lambda d: d["annotations"].append(7)), r"annotations\[\d+\] must be an object"),
    "annotation without bbox": (_edit(lambda d: _first_ann(d).pop("bbox")), r"annotations\[0\] \(id 1\) has no 'bbox'"),
    "image without width": (_edit(lambda d: d["images"][2].pop("width")), r"images\[2\] \(id 104\) has no 'width'"),
    "unknown image id": (_edit(lambda d: _first_ann(d).update(image_id=999)),
                         r"annotations\[0\] \(id 1\): image_id 999 is no image of the file"),
    "unknown category id": (_edit(lambda d: _first_ann(d).update(category_id=5)),
                            r"annotations\[0\] \(id 1\): category_id 5 is no category"),
    "duplicate image id": (_edit(lambda d: d["images"][3].update(id=100)), r"images\[3\]: duplicate image id 100"),
    "duplicate file name": (_edit(lambda d: d["images"][1].update(file_name="img0000.jpg")),
                            r"images\[1\]: duplicate file_name 'img0000.jpg'"),
    "duplicate annotation id": (_edit(lambda d: d["annotations"][2].update(id=1)),
                                r"annotations\[2\] \(id 1\): duplicate annotation id 1"),
    "duplicate category id": (_edit(lambda d: d["categories"][1].update(id=10)),
                              r"categories\[1\]: duplicate category id 10"),
    "duplicate category name": (_edit(lambda d: d["categories"][1].update(name="class0")),
                                r"categories\[1\]: duplicate category name 'class0'"),
    "box outside the image": (_edit(lambda d: _first_ann(d).update(bbox=[70.0, 5.0, 300.0, 10.0])),
                              r"annotations\[0\] \(id 1\): bbox \[70.0, 5.0, 300.0, 10.0\] lies outside image"),
    "negative x": (_edit(lambda d: _first_ann(d).update(bbox=[-1, 5, 10, 10])), r"lies outside image"),
    "zero width": (_edit(lambda d: _first_ann(d).update(bbox=[1, 5, 0, 10])),
                   r"annotations\[0\] \(id 1\): bbox \[1, 5, 0, 10\] must have a positive width and height"),
    "negative height": (_edit(lambda d: _first_ann(d).update(bbox=[1, 5, 3, -2])), r"positive width and height"),
    "NaN": (json.dumps(_good()).replace('"area": ', '"area": NaN, "x": ', 1), r"holds NaN at line 1"),
    "Infinity in a box": (json.dumps(_good()).replace('"bbox": [', '"bbox": [Infinity, ', 1), r"holds Infinity"),
    "string id": (_edit(lambda d: d["images"][0].update(id="abc")),
                  r"images\[0\] \(id 'abc'\): 'id' must be an integer, got 'abc'"),
    "bbox of 3 numbers": (_edit(lambda d: _first_ann(d).update(bbox=[1, 2, 3])),
                          r"'bbox' must be \[x, y, width, height\]"),
    "boolean category id": (_edit(lambda d: _first_ann(d).update(category_id=True)), r"'category_id' must be an int"),
    "iscrowd 2": (_edit(lambda d: _first_ann(d).update(iscrowd=2)), r"'iscrowd' must be 0 or 1, got 2"),
    "bad polygon": (_edit(lambda d: _first_ann(d).update(segmentation=[[1, 2, "x", 4, 5, 6]])),
                    r"annotations\[0\] \(id 1\): segmentation polygon 0 must be a flat list"),
    "RLE without counts": (_edit(lambda d: _first_ann(d).update(segmentation={"size": [1, 1]})),
                           r"RLE 'segmentation' needs 'counts' and 'size'"),
    "reserved image key": (_edit(lambda d: d["images"][0].update(locator="x")), r"key 'locator' is reserved"),
}


@pytest.mark.parametrize("case", list(COCO_CASES))
def test_bad_coco_annotation_files(unchanged, tmp_path, case):
    data, match = COCO_CASES[case]
    path = _coco_file(tmp_path, data)
    with unchanged(InputValidationError, match=match):
        from_coco(path, tmp_path / "images", "bad coco", split_by="split")


def test_missing_files_and_directories(unchanged, tmp_path):
    path = _coco_file(tmp_path, _good())
    with unchanged(InputValidationError, match=r"images directory not found: '.*nowhere'"):
        from_coco(path, tmp_path / "nowhere", "bad coco")
    with unchanged(InputValidationError, match=r"COCO annotation file not found"):
        from_coco(tmp_path / "none.json", tmp_path / "images", "bad coco")


def test_split_by_a_key_some_image_lacks(unchanged, tmp_path):
    path = _coco_file(tmp_path, _edit(lambda d: d["images"][4].pop("split")))
    with unchanged(InputValidationError, match=r"split_by='split': images\[4\] \(id 108\) has no such key"):
        from_coco(path, tmp_path / "images", "bad coco", split_by="split")


def test_a_later_test_case_name_taken_is_refused_before_the_first_is_written(sqlite_store, unchanged, tmp_path):
    path = _coco_file(tmp_path, _good())
    from_csv(pd.DataFrame({"locator": ["x"], "label": ["y"]}), "bad coco :: val")
    with unchanged(Exception, match=r"test case 'bad coco :: val' exists"):
        from_coco(path, tmp_path / "images", "bad coco", split_by="split")


RESULT_CASES = {
    "image not in the dataset": ({"image_id": 555}, r"results\[3\]: image_id 555 is no image of dataset 'coco ds'"),
    "unknown category": ({"category_id": 4}, r"results\[3\]: category_id 4 is no category"),
    "score above 1": ({"score": 1.5}, r"results\[3\]: 'score' must be a number in \[0, 1\], got 1.5"),
    "no score": ({"score": None}, r"results\[3\]: 'score' must be"),
    "negative width": ({"bbox": [1, 1, -3, 4]}, r"results\[3\]: bbox .* positive width and height"),
    "string image id": ({"image_id": "100"}, r"results\[3\]: 'image_id' must be an integer"),
}


@pytest.mark.parametrize("case", list(RESULT_CASES))
def test_bad_coco_results_files(sqlite_store, unchanged, tmp_path, case):
    data = _good()
    from_coco(_coco_file(tmp_path, data), tmp_path / "images", "coco ds")
    results = _coco.results(data)
    change, match = RESULT_CASES[case]
    results[3].update(change)
    with unchanged(InputValidationError, match=match):
        model_from_coco(results, "coco ds", "bad model")


def test_bad_results_file_shapes(sqlite_store, unchanged, tmp_path):
    imported = from_coco(_coco_file(tmp_path, _good()), tmp_path / "images", "coco ds")
    with unchanged(InputValidationError, match=r"a COCO results file is a JSON list"):
        model_from_coco({"annotations": []}, imported, "bad model")
    (tmp_path / "r.json").write_text("")
    with unchanged(InputValidationError, match=r"COCO results file '.*r.json' is empty"):
        model_from_coco(tmp_path / "r.json", imported, "bad model")


def _csv(tmp_path, text, name="t.csv"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


CSV_CASES = {
    "no locator column": ("path,label\na.png,cat\n", {}, r"has no column 'locator' \(locator='locator'\)"),
    "no label column": ("locator,y\na.png,cat\n", {}, r"has no column 'label'"),
    "empty label cell": ("locator,label\na.png,cat\nb.png,\nc.png,dog\n", {}, r"empty 'label' cell at line 3"),
    "empty locator cell": ("locator,label\na.png,cat\n,dog\n", {}, r"empty 'locator' cell at line 3"),
    "repeated locator": ("locator,label\na.png,cat\nb.png,dog\na.png,dog\n", {},
                         r"repeats locator 'a.png' at line 4"),
    "empty file": ("", {}, r"CSV file '.*t.csv' is empty"),
    "header only": ("locator,label\n", {}, r"CSV file '.*t.csv' has no rows"),
    "malformed": ('locator,label\n"a.png,cat\n', {}, r"is not a valid CSV file"),
    "fractional label": ("locator,label\na.png,1.5\n", {}, r"labels must be text or integers; line 2 holds 1.5"),
    "empty split cell": ("locator,label,s\na.png,cat,x\nb.png,dog,\n", {"split_by": "s"},
                         r"empty 's' cell at line 3"),
    "reserved column": ("file,label,locator\na.png,cat,z\n", {"locator": "file"}, r"column 'locator', a name kept"),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv_files(unchanged, tmp_path, case):
    text, kwargs, match = CSV_CASES[case]
    with unchanged(InputValidationError, match=match):
        from_csv(_csv(tmp_path, text), "bad csv", **kwargs)


PREDICTION_CASES = {
    "no score column": ("locator,label\na.png,cat\n", r"has no column 'score'"),
    "unknown locator": ("locator,label,score\na.png,cat,0.5\nzzz.png,dog,0.5\n",
                        r"line 3: locator 'zzz.png' is no image of dataset 'csv ds'"),
    "score above 1": ("locator,label,score\na.png,cat,0.5\nb.png,dog,3\n", r"line 3 holds 3"),
    "text score": ("locator,label,score\na.png,cat,high\n", r"line 2 holds 'high'"),
    "empty label": ("locator,label,score\na.png,,0.5\n", r"empty 'label' cell at line 2"),
}


@pytest.mark.parametrize("case", list(PREDICTION_CASES))
def test_bad_prediction_csv_files(sqlite_store, unchanged, tmp_path, case):
    from_csv(_csv(tmp_path, "locator,label\na.png,cat\nb.png,dog\n", "data.csv"), "csv ds")
    text, match = PREDICTION_CASES[case]
    with unchanged(InputValidationError, match=match):
        model_from_csv(_csv(tmp_path, text), "csv ds", "bad model")


def test_bad_image_folders(unchanged, tmp_path):
    (tmp_path / "empty").mkdir()
    with unchanged(InputValidationError, match=r"has no class folders"):
        from_image_folder(tmp_path / "empty", "bad folder")
    (tmp_path / "empty" / "cat").mkdir()
    (tmp_path / "empty" / "cat" / "notes.txt").write_text("x")
    with unchanged(InputValidationError, match=r"has no images in its class folders \['cat'\]"):
        from_image_folder(tmp_path / "empty", "bad folder")
    with unchanged(InputValidationError, match=r"image folder not found"):
        from_image_folder(tmp_path / "nowhere", "bad folder")


def test_a_workflow_of_other_types_is_refused(sqlite_store, unchanged, tmp_path):
    from kolena_lab.errors import WorkflowMismatchError

    from_csv(pd.DataFrame({"locator": ["a.png"], "label": ["cat"]}), "taken")
    with unchanged(WorkflowMismatchError, match=r"workflow 'taken' holds other types"):
        from_coco(_coco_file(tmp_path, _good()), tmp_path / "images", "taken", test_suite="other suite")
    with unchanged(WorkflowMismatchError, match=r"workflow 'taken' holds other types"):
        model_from_coco([], "taken", "m")


def test_split_values_that_make_bad_or_equal_test_case_names(unchanged, tmp_path):
    table = "locator,label,s\na.png,cat,x\nb.png,dog,x \nc.png,dog,y\n"
    with unchanged(InputValidationError, match=r"two test cases of the import would be named 'split :: x'"):
        from_csv(_csv(tmp_path, table), "split", split_by="s")
    data = _edit(lambda d: d["images"][3].update(split="val\x07"))
    with unchanged(InputValidationError, match=r"test case name must not contain control characters"):
        from_coco(_coco_file(tmp_path, data), tmp_path / "images", "bad coco", split_by="split")
