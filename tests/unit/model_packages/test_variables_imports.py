"""Variables, environment, the device argument, module isolation between packages, several models in one file, and
masks traced into polygons."""
import importlib

import numpy as np
import pytest

from kolena_lab.errors import ModelPackageError
from kolena_lab.packaging import load_package, mask_polygon
from tests.unit.model_packages import _packages as P

ECHO = '''
def load(device, **options):
    return {"device": device, **options}


def predict(model, datapoints, label="x", note=""):
    return [{"classes": [label], "scores": [1.0], "model": model, "note": note, "n": len(datapoints)}
            for _ in datapoints]
'''

ECHO_YAML = '''
name: echo
version: 2
runtime:
  device: gpu
  batch: ${ECHO_BATCH}
  load:
    entrypoint: echo:load
    inputs:
      - name: token
        value: ${ECHO_TOKEN}
      - name: where
        value: "${model.files.weights.url}"
      - name: nested
        value: {name: "${model.name}", sizes: [1, "${model.version}"]}
  predict:
    entrypoint: echo:predict
    inputs:
      - name: model
        value: ${model.runtime.load.output.model}
      - name: datapoints
        value: ${datapoints}
      - name: note
        value: "model ${model.name} v${model.version} on ${model.runtime.device} with
          ${model.runtime.load.inputs.token}"
files:
  - name: weights
    url: https://example.org/w.bin
'''


def _datapoints(n):
    return [{"image": np.zeros((2, 2, 3), np.uint8), "locator": f"/x/{i}.png", "sample": None, "index": i}
            for i in range(n)]


def test_environment_and_runtime_variables_are_substituted(tmp_path, monkeypatch):
    monkeypatch.setenv("ECHO_BATCH", "2")
    monkeypatch.setenv("ECHO_TOKEN", "s3cr3t")
    package = load_package(P.write_package(tmp_path / "echo", {"echo.py": ECHO, "model.yaml": ECHO_YAML},
                                           params=False))
    assert package.batch_size == 2 and package.version == "2"  # `batch: ${ECHO_BATCH}` is a number
    predictions = package.predict(_datapoints(3))
    assert [p["n"] for p in predictions] == [2, 2, 1]
    model = predictions[0]["model"]
    assert model == {"device": "gpu", "token": "s3cr3t", "where": "https://example.org/w.bin",
                     "nested": {"name": "echo", "sizes": [1, "2"]}}
    assert predictions[0]["note"] == "model echo v2 on gpu with s3cr3t"
    assert package.load() is model  # loaded once


def test_device_is_passed_when_taken_and_not_given_and_load_shares_its_module_with_predict(tmp_path):
    code = '''
STATE = {}


def load(device):
    STATE["loaded"] = device
    return device


def predict(model, datapoints, device):
    return [{"classes": [STATE["loaded"] + "/" + device], "scores": [1]} for _ in datapoints]
'''
    yaml_text = '''
name: dev
runtime:
  load: {entrypoint: "m:load"}
  predict:
    entrypoint: m:predict
    inputs:
      - {name: model, value: "${model.runtime.load.output.model}"}
      - {name: datapoints, value: "${datapoints}"}
      - {name: device, value: given}
'''
    package = load_package(P.write_package(tmp_path / "dev", {"m.py": code, "model.yaml": yaml_text}, params=False))
    assert package.predict(_datapoints(1))[0]["classes"] == ["cpu/given"]


def test_two_packages_with_the_same_module_name_do_not_collide(tmp_path):
    packages = []
    for label in ("first", "second"):
        code = f'def predict(datapoints):\n    return [{{"classes": ["{label}"], "scores": [1]}} for _ in datapoints]\n'
        yaml_text = ("name: twin\nruntime:\n  predict:\n    entrypoint: inference:predict\n    inputs:\n"
                     "      - name: datapoints\n        value: ${datapoints}\n")
        packages.append(load_package(P.write_package(tmp_path / label, {"inference.py": code, "model.yaml": yaml_text},
                                                     params=False)))
    assert [p.predict(_datapoints(1))[0]["classes"] for p in packages] == [["first"], ["second"]]
    assert packages[0].load() is None  # no load function
    code = (tmp_path / "first" / "inference.py").read_text()
    (tmp_path / "first" / "inference.py").write_text(code.replace('"first"', '"edited"'))
    importlib.invalidate_caches()
    assert load_package(tmp_path / "first").predict(_datapoints(1))[0]["classes"] == ["edited"]  # imported afresh
    assert packages[0].predict(_datapoints(1))[0]["classes"] == ["first"]  # a package keeps its functions


def test_one_model_of_several_is_picked_by_name(tmp_path):
    two = P.CLASSIFIER_YAML.format(name="a", batch=1) + P.CLASSIFIER_YAML.format(name="b", batch=8).replace(
        "models:\n", "")
    root = P.write_package(tmp_path / "two", {"inference.py": P.CLASSIFIER, "model.yaml": two})
    assert load_package(root, model="b").batch_size == 8
    with pytest.raises(ModelPackageError, match=r"declares 2 models \(a, b\): name the one to use"):
        load_package(root)
    with pytest.raises(ModelPackageError, match=r"no model named 'c'; it declares \['a', 'b'\]"):
        load_package(root, model="c")


def test_mask_polygon_traces_the_largest_region():
    mask = np.zeros((8, 10), bool)
    mask[1:6, 1:3] = True  # an L: a column and a foot
    mask[4:6, 3:6] = True
    mask[7, 8] = True  # a speck, smaller
    assert mask_polygon(mask) == [(3.0, 1.0), (3.0, 4.0), (6.0, 4.0), (6.0, 6.0), (1.0, 6.0), (1.0, 1.0)]
    ring = np.zeros((5, 5), bool)
    ring[0:5, 0:5] = True
    ring[2, 2] = False  # a hole is ignored
    assert sorted(mask_polygon(ring)) == [(0.0, 0.0), (0.0, 5.0), (5.0, 0.0), (5.0, 5.0)]
    diagonal = np.eye(3, dtype=bool)  # diagonal pixels are separate regions: the first one is kept
    assert mask_polygon(diagonal) == [(1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    assert mask_polygon(np.zeros((3, 3), bool)) is None
