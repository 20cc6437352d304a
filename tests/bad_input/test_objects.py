"""Bad field values of data objects, test case members and model metadata: refused on construction, nothing stored."""
import dataclasses
import math
from typing import List, Optional

import pytest

from kolena_lab.errors import InputValidationError, WorkflowMismatchError
from kolena_lab.workflow import (
    GroundTruth,
    Image,
    ImagePair,
    Inference,
    Metadata,
    MetricsTestCase,
    MetricsTestSample,
    MetricsTestSuite,
    Text,
    Video,
    define_workflow,
)
from kolena_lab.workflow.annotation import (
    BoundingBox,
    BoundingBox3D,
    ClassificationLabel,
    Keypoints,
    Keypoints3D,
    LabeledBoundingBox,
    Polygon,
    ScoredBoundingBox,
    ScoredClassificationLabel,
    ScoredPolygon,
    SegmentationMask,
    TextSegment,
    TimeSegment,
)
from kolena_lab.workflow.asset import VideoAsset

NAN, INF = math.nan, math.inf
SQUARE = [(0, 0), (1, 0), (1, 1)]


@dataclasses.dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel
    boxes: List[LabeledBoundingBox] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Inf(Inference):
    label: ClassificationLabel


@dataclasses.dataclass(frozen=True)
class Photo(Image):
    width: int = 0
    night: bool = False
    exposure: Optional[float] = None
    tags: List[str] = dataclasses.field(default_factory=list)
    metadata: Metadata = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class PerClass(MetricsTestCase):
    label: str
    ap: float


@dataclasses.dataclass(frozen=True)
class SampleMetrics(MetricsTestSample):
    score: float
    count: int = 0


@dataclasses.dataclass(frozen=True)
class CaseMetrics(MetricsTestCase):
    n: int
    accuracy: float
    per_class: List[PerClass] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class SuiteMetrics(MetricsTestSuite):
    mean: float


_, TestCase, _, Model = define_workflow("Bad Objects", Image, GT, Inf)
_, PhotoTestCase, _, _ = define_workflow("Bad Photo Objects", Photo, GT, Inf)
BOX = LabeledBoundingBox((0, 0), (1, 1), "a")
CAT = ClassificationLabel("cat")

# (what is built, a pattern its message must match)
OBJECTS = {
    "locator is an int": (lambda: Image(locator=12345), r"Image.locator must be a str, got int 12345"),
    "locator is None": (lambda: Image(locator=None), r"Image.locator must be a str, got NoneType"),
    "locator is a list": (lambda: Image(locator=["a.png"]), r"Image.locator must be a str, got list"),
    "locator is bytes": (lambda: Image(locator=b"a.png"), r"Image.locator must be a str, got bytes"),
    "locator is empty": (lambda: Image(locator=""), r"Image.locator '' is not a locator: empty locator"),
    "locator holds a NUL": (lambda: Image(locator="a\x00b.png"), r"is not a locator: holds the control character"),
    "locator holds a newline": (lambda: Image(locator="a.png\nb.png"), r"control character '\\n'"),
    "locator of 5,000 characters": (lambda: Image(locator="s3://b/" + "x" * 5000), r"too long \(5,007 characters"),
    "locator is a malformed URL": (lambda: Image(locator="http://[::1"), r"is not a locator: malformed URL"),
    "text is a float": (lambda: Text(text=3.5), r"Text.text must be a str, got float 3.5"),
    "label is a str where a ClassificationLabel is declared": (
        lambda: GT(label="cat"), r"GT.label must be a ClassificationLabel, got str 'cat'"),
    "label is None": (lambda: GT(label=None), r"GT.label must be a ClassificationLabel, got NoneType"),
    "label is a dict": (lambda: GT(label={"label": "cat"}), r"GT.label must be a ClassificationLabel, got dict"),
    "a single box where a list is declared": (lambda: GT(label=CAT, boxes=BOX), r"GT.boxes must be a list"),
    "a string among the boxes": (lambda: GT(label=CAT, boxes=[BOX, "box"]), r"GT.boxes\[1\] must be a Labeled"),
    "None among the boxes": (lambda: GT(label=CAT, boxes=(BOX, None)), r"GT.boxes\[1\] must be"),
    "NaN and inf in a box": (lambda: LabeledBoundingBox((NAN, 0), (10, INF), "a"),
                             r"LabeledBoundingBox.top_left must hold finite numbers, got \(nan, 0\)"),
    "inf in a box corner": (lambda: BoundingBox((0, 0), (10, INF)), r"BoundingBox.bottom_right must hold finite"),
    "a box label that is an int": (lambda: LabeledBoundingBox((0, 0), (1, 1), 5),
                                   r"LabeledBoundingBox.label must be a str, got int 5"),
    "a box corner with one coordinate": (lambda: BoundingBox((0,), (1, 1)), r"BoundingBox.top_left must have 2"),
    "a box corner that is a string": (lambda: BoundingBox("ab", (1, 1)), r"BoundingBox.top_left must be a sequence"),
    "a polygon of two points": (lambda: Polygon([(0, 0), (1, 1)]), r"at least three points \(2 provided\)"),
    "NaN in a polygon": (lambda: Polygon([(0, 0), (1, NAN), (1, 1)]), r"Polygon.points\[1\] must hold finite"),
    "a polygon given a number": (lambda: Polygon(5), r"Polygon.points must be a list of points, got 5"),
    "inf in keypoints": (lambda: Keypoints([(0, INF)]), r"Keypoints.points\[0\] must hold finite"),
    "2D points in 3D keypoints": (lambda: Keypoints3D([(0, 0)]), r"Keypoints3D.points\[0\] must have 3"),
    "NaN in a 3D box": (lambda: BoundingBox3D((0, 0, 0), (1, NAN, 1), (0, 0, 0)), r"BoundingBox3D.dimensions"),
    "a NaN score": (lambda: ScoredClassificationLabel("cat", NAN), r"ScoredClassificationLabel.score must be a finite"),
    "a score as a string": (lambda: ScoredClassificationLabel("cat", "0.9"), r"score must be a number, got '0.9'"),
    "a score of None": (lambda: ScoredBoundingBox((0, 0), (1, 1), None), r"ScoredBoundingBox.score must be a number"),
    "a NaN polygon score": (lambda: ScoredPolygon(SQUARE, NAN), r"ScoredPolygon.score must be a finite number"),
    "a time segment ending before it starts": (lambda: TimeSegment(3, 1), r"start \(3\) must not be after end"),
    "a time segment of strings": (lambda: TimeSegment("a", 1), r"TimeSegment.start must be a number, got 'a'"),
    "a text segment at a fraction": (lambda: TextSegment("text", 0.5, 3), r"TextSegment start must be an int"),
    "a mask keyed by names": (lambda: SegmentationMask({"a": "cat"}, "m.png"), r"labels keys must be pixel values"),
    "a classification label that is an int": (lambda: ClassificationLabel(7),
                                              r"ClassificationLabel.label must be a str"),
    "metadata keyed by an int": (lambda: Image("a.png", metadata={1: "x"}), r"Image.metadata keys must each be a str"),
    "metadata that is a list": (lambda: Image("a.png", metadata=["x"]), r"Image.metadata must be a dict"),
    "a declared Metadata field holding a dict": (lambda: Photo("a.png", metadata={"k": {"n": 1}}),
                                                 r"Photo.metadata\['k'\] must be None or a str"),
    "an int field given 2.5": (lambda: Photo("a.png", width=2.5), r"Photo.width must be an int, got float 2.5"),
    "a bool field given 'true'": (lambda: Photo("a.png", night="true"), r"Photo.night must be a bool, got str"),
    "a bool field given 1": (lambda: Photo("a.png", night=1), r"Photo.night must be a bool, got int 1"),
    "an Optional[float] given a string": (lambda: Photo("a.png", exposure="1/60"), r"Photo.exposure must be a number"),
    "a List[str] given a string": (lambda: Photo("a.png", tags="a,b"), r"Photo.tags must be a list"),
    "a List[str] holding an int": (lambda: Photo("a.png", tags=["a", 2]), r"Photo.tags\[1\] must be a str"),
    "a video clip starting at a string": (lambda: Video("v.mp4", start="1"), r"Video.start must be a number or None"),
    "a video clip ending before it starts": (lambda: Video("v.mp4", start=3, end=1), r"must not be after end"),
    "a video asset at 0 frames per second": (lambda: VideoAsset("v.mp4", frame_rate=0), r"frame_rate must be > 0"),
    "an image pair holding a text": (lambda: ImagePair(a=Image("a.png"), b=Text("b")), r"ImagePair.b must be an Image"),
    "a sample metric that is a string": (lambda: SampleMetrics(score="0.5"), r"SampleMetrics.score must be a number"),
    "a case metric that is a list": (lambda: CaseMetrics(n=[1, 2], accuracy=0.5), r"CaseMetrics.n must be an int"),
    "per-class rows as dicts": (lambda: CaseMetrics(n=1, accuracy=0.5, per_class=[{"label": "a", "ap": 1.0}]),
                                r"CaseMetrics.per_class\[0\] must be a PerClass"),
    "a suite metric that is a string": (lambda: SuiteMetrics(mean="high"), r"SuiteMetrics.mean must be a number"),
}


@pytest.mark.parametrize("name", list(OBJECTS))
def test_a_wrong_value_is_refused_before_the_test_case_is_written(unchanged, name):
    build, match = OBJECTS[name]
    with unchanged(InputValidationError, match=match):
        TestCase(f"case {name}", test_samples=[(build(), GT(CAT))])


@pytest.mark.parametrize("name", ["locator is an int", "label is a str where a ClassificationLabel is declared"])
def test_messages_name_the_value_cut_to_80_characters(name):
    long = "x" * 500
    with pytest.raises(InputValidationError) as info:
        Image(locator=[long]) if name == "locator is an int" else GT(label=long)
    assert long not in str(info.value) and "..." in str(info.value) and len(str(info.value)) < 200


def test_pairs_without_ground_truths_are_refused(unchanged):
    with unchanged(InputValidationError, match=r"test_samples\[0\] must be a \(test sample, ground truth\) pair, "
                                               r"got Image"):
        TestCase("no ground truths", test_samples=[Image("a.png")])


def test_a_single_sample_for_the_list_is_refused(unchanged):
    with unchanged(InputValidationError, match=r"test_samples must be a list of \(test sample, ground truth\) pairs"):
        TestCase("single", test_samples=Image("a.png"))


def test_triples_are_refused(unchanged):
    with unchanged(InputValidationError, match=r"test_samples\[1\] must be a \(test sample, ground truth\) pair"):
        TestCase("triples", test_samples=[(Image("a.png"), GT(CAT)), (Image("b.png"), GT(CAT), "extra")])


def test_create_refuses_samples_without_ground_truths(unchanged):
    with unchanged(InputValidationError, match=r"test_samples\[0\] must be a \(test sample, ground truth\) pair"):
        TestCase.create("created", test_samples=[Image("a.png")])


def test_init_many_refuses_samples_without_ground_truths(unchanged):
    TestCase.init_many([("kept", [(Image("a.png"), GT(CAT))])])
    with unchanged(InputValidationError, match=r"init_many test samples of 'b'\[0\] must be"):
        TestCase.init_many([("a", [(Image("a.png"), GT(CAT))]), ("b", [Image("b.png")])])


def test_init_many_refuses_names_without_samples(unchanged):
    with unchanged(InputValidationError, match=r"init_many data\[0\] must be a \(name, test samples\) pair"):
        TestCase.init_many(["a"])


def test_a_sample_of_another_type_is_refused(unchanged):
    with unchanged(WorkflowMismatchError, match=r"is a Text, not a Image of workflow 'Bad Objects'"):
        TestCase("wrong sample type", test_samples=[(Text("hello"), GT(CAT))])


def test_a_ground_truth_of_another_class_is_refused(unchanged):
    with unchanged(InputValidationError, match=r"ground truth for test sample .* is a Inf, not a GT"):
        TestCase("wrong ground truth", test_samples=[(Image("a.png"), Inf(CAT))])


def test_a_ground_truth_given_as_a_label_is_refused(unchanged):
    with unchanged(InputValidationError, match=r"is a str, not a GT"):
        TestCase("label for ground truth", test_samples=[(Image("a.png"), "cat")])


def test_an_edit_adding_a_wrong_ground_truth_commits_nothing(unchanged):
    test_case = TestCase("edited", test_samples=[(Image("a.png"), GT(CAT))])
    with unchanged(InputValidationError, match=r"is a ClassificationLabel, not a GT"):
        with test_case.edit() as editor:
            editor.add(Image("b.png"), GT(CAT))
            editor.add(Image("c.png"), CAT)


def test_a_declared_field_on_the_test_case_path_is_checked(unchanged):
    with unchanged(InputValidationError, match=r"Photo.width must be an int, got str '640'"):
        PhotoTestCase("photos", test_samples=[(Photo("a.png", width="640"), GT(CAT))])


@pytest.mark.parametrize("metadata, match", [
    ({"lr": NAN}, r"metadata of model 'bad metadata' holds nan at key 'lr': only finite numbers"),
    ({"schedule": [0.1, INF]}, r"metadata of model 'bad metadata' holds inf at key 'schedule'\[1\]"),
    ({"nested": {"x": -INF}}, r"metadata of model 'bad metadata' holds -inf at key 'nested'\['x'\]"),
    ({1: "x"}, r"model metadata keys must be strings, got int 1"),
    (["arch", "resnet"], r"model metadata must be a dict, got list"),
])
def test_model_metadata_that_is_not_json_is_refused(unchanged, metadata, match):
    with unchanged(InputValidationError, match=match):
        Model("bad metadata", metadata=metadata)


@pytest.mark.parametrize("tags, match", [
    ("baseline", r"model tags must be a set of strings, not a string"),
    ({"a", 1}, r"model tags must be strings, got int 1"),
])
def test_model_tags_that_are_not_strings_are_refused(unchanged, tags, match):
    with unchanged(InputValidationError, match=match):
        Model("bad tags", tags=tags)


def test_updating_model_metadata_with_nan_changes_nothing(unchanged):
    model = Model("updated", metadata={"lr": 0.1})
    with unchanged(InputValidationError, match=r"metadata of model 'updated' holds nan at key 'lr'"):
        model.update(metadata={"lr": NAN})
    assert model.metadata == {"lr": 0.1}
