"""An ``EvaluatorConfiguration`` subclass that only annotates its fields (no ``@dataclass``), as Kolena accepts it."""
import dataclasses
from dataclasses import dataclass
from typing import List, Optional

import pytest

from kolena_lab.workflow import (
    EvaluationResults,
    Evaluator,
    EvaluatorConfiguration,
    GroundTruth,
    Image,
    Inference,
    MetricsTestCase,
    MetricsTestSample,
    TestCases,
    define_workflow,
    load_test_case_metrics,
    test,
)
from kolena_lab.workflow.evaluator_function import is_configured


class Segmentation(EvaluatorConfiguration):
    threshold: float

    def display_name(self) -> str:
        return f"T={self.threshold}"


class Detailed(Segmentation):
    label: Optional[str] = None

    def display_name(self) -> str:
        return f"{super().display_name()} {self.label}"


def test_annotated_fields_become_keyword_fields_of_a_frozen_dataclass():
    config = Segmentation(threshold=0.5)
    assert (config.threshold, config.display_name(), str(config)) == (0.5, "T=0.5", "Segmentation(threshold=0.5)")
    assert config == Segmentation(threshold=0.5) != Segmentation(threshold=0.7)
    assert hash(config) == hash(Segmentation(threshold=0.5))
    assert config._to_dict() == {"threshold": 0.5}
    assert Segmentation._from_dict({"threshold": 0.25}) == Segmentation(threshold=0.25)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.threshold = 1.0
    with pytest.raises(TypeError, match="threshold"):
        Segmentation()
    assert Segmentation(threshold=0.5, note="extra").note == "extra"  # extras as on every data object


def test_an_undecorated_subclass_of_an_undecorated_subclass_keeps_both_fields():
    config = Detailed(threshold=0.1, label="cat")
    assert [f.name for f in dataclasses.fields(config)] == ["threshold", "label"]
    assert config.display_name() == "T=0.1 cat"
    assert Detailed(threshold=0.2).label is None


def test_decorated_and_field_less_subclasses_are_unchanged():
    @dataclass(frozen=True)
    class Decorated(EvaluatorConfiguration):
        threshold: float = 0.5

        def display_name(self) -> str:
            return f"decorated {self.threshold}"

    class Plain(EvaluatorConfiguration):
        def display_name(self) -> str:
            return "plain"

    assert Decorated(0.3).display_name() == "decorated 0.3"  # positional, as the dataclass declares
    assert Plain().display_name() == "plain" and dataclasses.fields(Plain()) == ()
    with pytest.raises(TypeError, match="frozen"):
        @dataclass
        class Thawed(EvaluatorConfiguration):
            threshold: float = 0.5

            def display_name(self) -> str:
                return "thawed"

        Thawed()


def test_display_names_key_evaluator_configurations():
    evaluator_configs = [Segmentation(threshold=0.3), Segmentation(threshold=0.7)]

    class Counting(Evaluator):
        def compute_test_sample_metrics(self, test_case, inferences, configuration=None):
            return []

        def compute_test_case_metrics(self, test_case, inferences, metrics, configuration=None):
            return MetricsTestCase()

    assert [c.display_name() for c in Counting(evaluator_configs).configurations] == ["T=0.3", "T=0.7"]
    with pytest.raises(ValueError, match="duplicate display names"):
        Counting([Segmentation(threshold=0.3), Segmentation(threshold=0.3)])


@dataclass(frozen=True)
class Mask(GroundTruth):
    label: str


@dataclass(frozen=True)
class Predicted(Inference):
    score: float


@dataclass(frozen=True)
class Above(MetricsTestSample):
    above: bool


@dataclass(frozen=True)
class Share(MetricsTestCase):
    share: float


_, TestCase, TestSuite, Model = define_workflow("Undecorated Configuration", Image, Mask, Predicted)


def segment(test_samples: List[Image], ground_truths: List[Mask], inferences: List[Predicted], test_cases: TestCases,
            configuration: Segmentation) -> EvaluationResults:
    above = [Above(above=inf.score >= configuration.threshold) for inf in inferences]
    per_case = [(tc, Share(share=sum(m.above for m in metrics) / len(metrics)))
                for tc, _, _, _, metrics in test_cases.iter(test_samples, ground_truths, inferences, above)]
    return EvaluationResults(metrics_test_sample=list(zip(test_samples, above)), metrics_test_case=per_case)


def test_a_function_evaluator_runs_with_undecorated_configurations(sqlite_store):
    assert is_configured(segment)
    members = [(Image(locator=f"/data/{i}.png"), Mask("road")) for i in range(4)]
    suite = TestSuite("suite", test_cases=[TestCase("case", test_samples=members)])
    model = Model("model", infer=lambda sample: Predicted(score=int(sample.locator[6]) / 4))
    test(model, suite, segment, configurations=[Segmentation(threshold=0.5), Segmentation(threshold=0.1)])
    frame = load_test_case_metrics(model, suite)
    assert sorted(frame[["configuration", "share"]].values.tolist()) == [["T=0.1", 0.75], ["T=0.5", 0.5]]
