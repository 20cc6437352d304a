"""A classification workflow on a real store whose ready evaluator stores ``is_correct`` per sample: the model fails
70% of the foggy images and 5% of the others."""
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow, test
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel

CLASSES = ["cat", "dog", "fox"]
N = 600


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    scores: List[ScoredClassificationLabel]


workflow, TestCase, TestSuite, Model = define_workflow("Slice discovery", Image, GT, Inf)


def _members():
    rng = np.random.default_rng(0)
    weather = rng.choice(["sun", "rain", "fog"], N)
    brightness = rng.random(N)
    return [(Image(locator=f"/data/img{i:04d}.png",
                   metadata={"weather": str(weather[i]), "brightness": float(brightness[i]),
                             "camera": int(i % 4)}),
             GT(label=ClassificationLabel(CLASSES[i % 3]))) for i in range(N)]


def classifier(sample: Image) -> Inf:
    i = int(sample.locator[-8:-4])
    wrong = (i * 7919) % 100 < (70 if sample.metadata["weather"] == "fog" else 5)
    top = (i + 1) % 3 if wrong else i % 3
    return Inf(scores=[ScoredClassificationLabel(c, 0.8 if k == top else 0.1) for k, c in enumerate(CLASSES)])


def build() -> Tuple[object, object]:
    """The model, tested, and its test case ``all images`` (in suite ``images``)."""
    case = TestCase("all images", test_samples=_members())
    suite = TestSuite("images", test_cases=[case])
    model = Model("classifier", infer=classifier)
    test(model, suite, ClassificationEvaluator())
    return model, case
