"""Detection and keypoints packages: boxes and masks become the prebuilt detection workflow's scored boxes and
polygons, keypoints the keypoints workflow's top-scoring face; Efemarai's own file shape runs unmodified."""
import numpy as np
from PIL import Image as PILImage

from kolena_lab._experimental.object_detection import GroundTruth, ObjectDetectionEvaluator, TestCase, TestSample
from kolena_lab._experimental.object_detection import Model, TestSuite, ThresholdConfiguration
from kolena_lab.evaluators import KeypointsEvaluator
from kolena_lab.packaging import load_package, model_from_package
from kolena_lab.workflow import load_test_case_metrics, test
from kolena_lab.workflow.annotation import Keypoints, LabeledBoundingBox, ScoredLabeledBoundingBox
from kolena_lab.workflow.annotation import ScoredLabeledPolygon
from tests.unit.model_packages import _packages as P

# Efemarai's documented model definition, as its docs show it (the `efemarai` import is the only change: none here)
DETECTOR_YAML = '''
models:
  - name: bright-detector
    description: Boxes around bright regions
    version: "0.3"
    repository:
      url: https://example.org/detector.git
      branch: main
    runtime:
      image: pytorch/pytorch:1.9.1-cuda11.1-cudnn8-runtime
      device: gpu
      batch:
        max_size: 2
      load:
        entrypoint: inference:get_model  # inference.py is in model repository
        inputs:
          - name: config_url
            value: cfg/threshold.cfg
          - name: params_url
            value: ${model.files.params.url}
        output:
          name: model
      predict:
        entrypoint: inference:predict
        inputs:
          - name: model
            value: ${model.runtime.load.output.model}
          - name: datapoints
            value: ${datapoints}
        output:
          name: predictions
          keys: [classes, scores, boxes]
    files:
      - name: params
        url: params.txt
        upload: True
      - name: weights
        url: s3://trained-models/yolor_p6.pt
        credentials: "${AWS_KEY}:${AWS_SECRET}"
'''

DETECTOR = '''
import numpy as np


def get_model(config_url, params_url, device):
    with open(params_url) as f:
        threshold = float(f.read())
    return {"threshold": threshold, "config": config_url, "device": device}


def predict(model, datapoints, device, emit="boxes"):
    assert device == "gpu" and model["device"] == "gpu"
    out = []
    for dp in datapoints:
        bright = dp["image"].mean(axis=2) > model["threshold"]
        if not bright.any():
            out.append({"classes": [], "scores": [], emit: np.zeros((0, 4) if emit == "boxes" else (0, 1, 1))})
            continue
        ys, xs = np.nonzero(bright)
        shapes = [[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]] if emit == "boxes" else bright[None]
        out.append({"classes": [0], "scores": [0.9], emit: shapes})
    return out
'''


def _rect_image(path, box, size=(32, 24)):
    pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    if box is not None:
        x1, y1, x2, y2 = box
        pixels[y1:y2, x1:x2] = 240
    PILImage.fromarray(pixels).save(path)
    return str(path)


def _detection_suite(tmp_path, boxes):
    members = []
    for i, box in enumerate(boxes):
        locator = _rect_image(tmp_path / f"d{i}.png", box)
        gt = [LabeledBoundingBox(box[:2], box[2:], "spot")] if box is not None else []
        members.append((TestSample(locator=locator), GroundTruth(bboxes=gt)))
    return TestSuite("spots", test_cases=[TestCase("spots :: all", test_samples=members)]), members


def test_efemarai_definition_runs_unmodified_as_a_detector(sqlite_store, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_KEY", raising=False)  # the credentials of a file not downloaded need not be set
    root = P.write_package(tmp_path / "detector", {
        "model.yaml": DETECTOR_YAML.replace("keys: [classes, scores, boxes]",
                                            "keys: [classes, scores, boxes]\n          labels: [spot]"),
        "inference.py": DETECTOR, "params.txt": "128", "cfg/threshold.cfg": "x"}, params=False)
    package = load_package(root)
    assert package.device == "gpu" and package.batch_size == 2
    assert package.files["weights"] == "s3://trained-models/yolor_p6.pt"  # recorded, not downloaded
    boxes = [(2, 3, 10, 9), None, (5, 5, 30, 20), (0, 0, 4, 4)]
    suite, members = _detection_suite(tmp_path, boxes)
    model = model_from_package(root, Model)
    test(model, suite, ObjectDetectionEvaluator(configurations=[ThresholdConfiguration(min_confidence_score=0.5)]))
    stored = {s.locator: inf for s, _, inf in model.load_inferences(suite.test_cases[0])}
    for (sample, _), box in zip(members, boxes):
        objects = stored[sample.locator].bboxes
        if box is None:
            assert objects == []
            continue
        assert objects == [ScoredLabeledBoundingBox(box[:2], box[2:], "spot", 0.9)]
    assert load_test_case_metrics(model, suite)["Precision"].tolist() == [1.0]


def test_masks_become_polygons_when_the_list_holds_them(sqlite_store, tmp_path):
    yaml_text = DETECTOR_YAML.replace("        output:\n          name: predictions\n"
                                      "          keys: [classes, scores, boxes]\n",
                                      "          - name: emit\n            value: masks\n")
    root = P.write_package(tmp_path / "masker", {
        "model.yaml": yaml_text,
        "inference.py": DETECTOR, "params.txt": "128", "cfg/threshold.cfg": "x"}, params=False)
    suite, members = _detection_suite(tmp_path, [(2, 3, 10, 9), (5, 5, 30, 20)])
    model = model_from_package(root, Model, name="masker")
    test(model, suite, ObjectDetectionEvaluator())
    for sample, _, inference in model.load_inferences(suite.test_cases[0]):
        (polygon,) = inference.bboxes
        assert isinstance(polygon, ScoredLabeledPolygon) and polygon.label == "0" and polygon.score == 0.9
        box = [b for s, b in zip(members, [(2, 3, 10, 9), (5, 5, 30, 20)]) if s[0].locator == sample.locator][0]
        x1, y1, x2, y2 = box
        assert sorted(polygon.points) == sorted([(x1, y1), (x2, y1), (x2, y2), (x1, y2)])


KEYPOINTS_YAML = '''
name: face-finder
runtime:
  batch: 3
load:
  entrypoint: faces.model:load
  inputs:
    - name: template
      value: [[0.3, 0.4], [0.7, 0.4], [0.5, 0.7]]
predict:
  entrypoint: faces.model:predict
  inputs:
    - name: model
      value: ${model.runtime.load.output.model}
    - name: images
      value: ${datapoint.image}
'''

FACES = '''
import numpy as np


def load(template):
    return np.array(template)


def predict(model, images):
    out = []
    for image in images:
        h, w = image.shape[:2]
        points = model * [w, h]
        out.append({"classes": ["face", "face"], "scores": [0.2, 0.8],
                    "keypoints": np.stack([points + 5, points])})
    return out
'''


def test_keypoints_take_the_top_scoring_instance_and_its_confidence(sqlite_store, tmp_path):
    root = P.write_package(tmp_path / "faces", {"model.yaml": KEYPOINTS_YAML, "faces/__init__.py": "",
                                                "faces/model.py": FACES}, params=False)
    samples = [P.FaceImage(locator=P.write_image(tmp_path / f"f{i}.png", (200, 150, 120), size=(40 + 10 * i, 50)))
               for i in range(4)]
    truth = [P.FacePoints(face=Keypoints(points=[(0.3 * (40 + 10 * i), 20), (0.7 * (40 + 10 * i), 20),
                                                 (0.5 * (40 + 10 * i), 35)]), normalization_factor=10.0)
             for i in range(4)]
    suite = P.FaceTestSuite("faces", test_cases=[P.FaceTestCase("faces :: all", test_samples=list(zip(samples,
                                                                                                      truth)))])
    model = model_from_package(root, P.keypoints_workflow)
    assert model.metadata["package"]["batch_size"] == 3
    test(model, suite, KeypointsEvaluator(normalization="none"))
    for sample, gt, inference in model.load_inferences(suite.test_cases[0]):
        assert inference.confidence == 0.8
        assert np.allclose(inference.face.points, gt.face.points)
    assert load_test_case_metrics(model, suite)["mean_nme"].tolist() == [0.0]
