"""Model packages written on disk for the tests: real numpy models behind Efemarai-shaped model.yaml files, colour
images, and small workflows (classification, detection, keypoints) with their suites."""
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image as PILImage

from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow
from kolena_lab.workflow.annotation import ClassificationLabel, Keypoints, ScoredClassificationLabel  # noqa: F401

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220)}

# a nearest-colour classifier: the class whose reference colour is nearest to the image's mean colour; the scores
# are a softmax of the negative distances; `calls.log` records each load and each predict batch size
CLASSIFIER = '''
import json
import os

import numpy as np

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls.log")


def _log(entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\\n")


def load_model(params_url, device, extra="none"):
    data = np.load(params_url)
    _log({"load": device, "extra": extra})
    return {"names": [str(n) for n in data["names"]], "colours": data["colours"].astype(float)}


def predict(model, datapoints, device):
    _log({"predict": len(datapoints), "device": device})
    out = []
    for dp in datapoints:
        mean = dp["image"].reshape(-1, 3).mean(axis=0)
        distance = np.linalg.norm(model["colours"] - mean, axis=1)
        scores = np.exp(-distance / 50.0)
        scores = scores / scores.sum()
        out.append({"classes": model["names"], "scores": scores})
    return out
'''

CLASSIFIER_YAML = '''
models:
  - name: {name}
    description: Nearest mean colour
    version: 1.0
    runtime:
      image: python:3.11-slim
      device: cpu
      batch:
        max_size: {batch}
      load:
        entrypoint: inference:load_model
        inputs:
          - name: params_url
            value: ${{model.files.params.url}}
        output:
          name: model
      predict:
        entrypoint: inference:predict
        inputs:
          - name: model
            value: ${{model.runtime.load.output.model}}
          - name: datapoints
            value: ${{datapoints}}
        output:
          name: predictions
          keys: [classes, scores]
    files:
      - name: params
        url: ./params.npz
'''


def write_package(root: Path, files: Dict[str, str], params: bool = True) -> Path:
    """A package directory: each file's text (dedented), and params.npz with the reference colours."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(content).lstrip("\n"))
    if params:
        np.savez(root / "params.npz", names=np.array(list(COLOURS)), colours=np.array(list(COLOURS.values())))
    return root


def classifier_package(root: Path, name: str = "colour-classifier", batch: int = 4,
                       yaml_text: Optional[str] = None) -> Path:
    return write_package(root, {"inference.py": CLASSIFIER,
                                "model.yaml": yaml_text or CLASSIFIER_YAML.format(name=name, batch=batch)})


def calls(root: Path) -> List[dict]:
    import json

    log = root / "calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def write_image(path: Path, colour: Sequence[int], size: Tuple[int, int] = (12, 10), seed: int = 0) -> str:
    """An image of one colour with a little noise; its path."""
    rng = np.random.default_rng(seed)
    pixels = np.clip(np.array(colour)[None, None, :] + rng.integers(-10, 10, (size[1], size[0], 3)), 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(pixels.astype(np.uint8)).save(path)
    return str(path)


@dataclass(frozen=True)
class ColourImage(Image):
    pass


@dataclass(frozen=True)
class ColourLabel(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class ColourPrediction(Inference):
    inferences: List[ScoredClassificationLabel]


classification, ColourTestCase, ColourTestSuite, ColourModel = define_workflow(
    "Package Colours", ColourImage, ColourLabel, ColourPrediction)


def colour_suite(tmp: Path, n: int = 9, name: str = "colours"):
    """A suite of ``n`` one-colour images (cycling red, green, blue) in two test cases."""
    names = list(COLOURS)
    members = [(ColourImage(locator=write_image(tmp / "images" / f"{i:03d}.png", COLOURS[names[i % 3]], seed=i)),
                ColourLabel(label=ClassificationLabel(names[i % 3]))) for i in range(n)]
    cases = [ColourTestCase(f"{name} :: all", test_samples=members),
             ColourTestCase(f"{name} :: red", test_samples=[m for m in members if m[1].label.label == "red"])]
    return ColourTestSuite(name, test_cases=cases), members


@dataclass(frozen=True)
class FaceImage(Image):
    pass


@dataclass(frozen=True)
class FacePoints(GroundTruth):
    face: Keypoints
    normalization_factor: float


@dataclass(frozen=True)
class FacePrediction(Inference):
    face: Optional[Keypoints] = None
    confidence: Optional[float] = None


keypoints_workflow, FaceTestCase, FaceTestSuite, FaceModel = define_workflow(
    "Package Faces", FaceImage, FacePoints, FacePrediction)


def accuracy_evaluator():
    """The evaluator an automation job names (``module:attribute``, with a configuration)."""
    from kolena_lab.evaluators import ClassificationEvaluator

    return ClassificationEvaluator()


EVALUATOR = accuracy_evaluator()
