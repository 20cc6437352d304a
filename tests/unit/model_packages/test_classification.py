"""A nearest-colour classifier declared as a package, tested on a real store: stored inferences equal the package's
predictions, load runs once, predict gets batches of the package's size, the device is passed."""
import warnings

import numpy as np
import pytest

import kolena_lab
from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.packaging import attach_package, load_package, model_from_package, package_of
from kolena_lab.workflow import Model, load_test_case_metrics, test
from tests.unit.model_packages import _packages as P


def test_package_is_parsed_without_running_anything(tmp_path):
    root = P.classifier_package(tmp_path / "pkg", batch=4)
    package = load_package(root)
    assert (package.name, package.description, package.version) == ("colour-classifier", "Nearest mean colour", "1.0")
    assert (package.device, package.batch_size, package.root) == ("cpu", 4, str(root))
    assert package.files == {"params": str(root / "params.npz")}
    assert not package.loaded and P.calls(root) == []
    assert load_package(root / "model.yaml").sha256 == package.sha256


def test_model_from_package_infers_and_evaluates(lab, tmp_path):
    root = P.classifier_package(tmp_path / "pkg", batch=4)
    suite, members = P.colour_suite(tmp_path, n=9)
    model = model_from_package(root, P.classification, tags={"package"})
    assert isinstance(model, P.ColourModel) and model.name == "colour-classifier" and model.tags == {"package"}
    recorded = package_of(model)
    assert recorded["path"] == str(root) and recorded["sha256"] == load_package(root).sha256
    assert (recorded["name"], recorded["version"], recorded["device"], recorded["batch_size"]) == \
        ("colour-classifier", "1.0", "cpu", 4)

    test(model, suite, ClassificationEvaluator(), batch_size=5)
    log = P.calls(root)
    assert [c for c in log if "load" in c] == [{"load": "cpu", "extra": "none"}]  # loaded once
    # the core hands infer_batch 5 samples, then 4; the package splits them into batches of at most 4
    assert [c["predict"] for c in log if "predict" in c] == [4, 1, 4]
    assert all(c["device"] == "cpu" for c in log if "predict" in c)

    package = load_package(root)
    expected = package.predict(package.datapoints([s for s, _ in members]))
    stored = {s.locator: inf for s, _, inf in model.load_inferences(suite.test_cases[0])}
    for (sample, _), prediction in zip(members, expected):
        got = stored[sample.locator].inferences
        assert [x.label for x in got] == prediction["classes"] == list(P.COLOURS)
        assert np.allclose([x.score for x in got], prediction["scores"])
    metrics = load_test_case_metrics(model, suite)
    assert metrics["accuracy"].tolist() == [1.0, 1.0]


def test_model_class_from_package_and_attach_in_a_new_process_state(sqlite_store, tmp_path):
    root = P.classifier_package(tmp_path / "pkg", name="colours-v2", batch=2)
    suite, _ = P.colour_suite(tmp_path, n=3)
    model = P.ColourModel.from_package(root)
    assert model.name == "colours-v2"
    assert Model.from_package(root, workflow=P.classification).name == "colours-v2"

    stored = P.ColourModel.load("colours-v2")  # as another process loads it: no infer function
    assert stored.infer_batch is None
    attached = attach_package(stored)
    test(attached, suite, ClassificationEvaluator())
    assert len(attached.load_inferences(suite.test_cases[0])) == 3

    (root / "model.yaml").write_text((root / "model.yaml").read_text().replace("version: 1.0", "version: 1.1"))
    with pytest.warns(UserWarning, match="changed since the model was registered"):
        attach_package(stored)
    with pytest.raises(kolena_lab.errors.InputValidationError, match="no package in its metadata"):
        attach_package(P.ColourModel("plain"))


def test_user_metadata_is_kept_and_to_inference_overrides(sqlite_store, tmp_path):
    root = P.classifier_package(tmp_path / "pkg")
    suite, members = P.colour_suite(tmp_path, n=3)
    seen = []

    def top_only(prediction, sample):
        seen.append(sample)
        best = int(np.argmax(prediction["scores"]))
        return P.ColourPrediction(inferences=[P.ScoredClassificationLabel(prediction["classes"][best], 1.0)])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = model_from_package(root, P.ColourModel, name="top-only", to_inference=top_only,
                                   metadata={"owner": "lab"})
    assert model.metadata["owner"] == "lab" and model.metadata["package"]["name"] == "colour-classifier"
    test(model, suite, ClassificationEvaluator())
    assert seen == [s for s, _ in members]
    assert all(len(inf.inferences) == 1 and inf.inferences[0].score == 1.0
               for _, _, inf in model.load_inferences(suite.test_cases[0]))
