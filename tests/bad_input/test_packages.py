"""Bad model packages: each a ``ModelPackageError`` naming the YAML file and line (or the datapoint's index and
locator), raised before anything is stored; a predict failing on a batch stores nothing of it."""
import re
from dataclasses import dataclass
from typing import Dict, List, Tuple

import pytest

from kolena_lab.errors import ModelPackageError
from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.packaging import load_package, model_from_package
from kolena_lab.workflow import GroundTruth, Inference, define_workflow, test
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel

from ..unit.model_packages import _packages as P
from .conftest import store_contents
from .test_inferences import nothing_stored  # noqa: F401  (the fixture)

GOOD = P.CLASSIFIER_YAML.format(name="bad", batch=4).lstrip("\n")


def _line(text: str, fragment: str) -> int:
    """The 1-based line of ``fragment`` in ``text``."""
    return text[:text.index(fragment)].count("\n") + 1


# a change of the good YAML (old text, new text; a missing old text appends), the fragment whose line the message
# names (None: no line), and the message
YAML_CASES: Dict[str, Tuple[str, str, str, str]] = {
    "a syntax error": ("      device: cpu", "      device: [cpu", "      batch:",
                       r"not valid YAML: expected ',' or '\]', but got ':' \(while parsing a flow sequence, line 7\)"),
    "an unknown key": ("      device: cpu", "      devise: cpu", "devise",
                       "unknown key 'devise' in 'runtime': did you mean 'device'?"),
    "an unknown model key": ("    description:", "    descripton:", "descripton",
                             "unknown key 'descripton' in a model: did you mean 'description'?"),
    "a missing entrypoint": ("        entrypoint: inference:load_model\n", "", "      load:",
                             "'load' is missing the required key 'entrypoint'"),
    "a missing file url": ("        url: ./params.npz", "        upload: true", "      - name: params\n",
                           "a file is missing the required key 'url'"),
    "a batch of the wrong type": ("        max_size: 4", "        max_size: many", "many",
                                  "the batch size must be an integer, got str 'many'"),
    "an input without a value": ("            value: ${model.files.params.url}\n", "", "- name: params_url",
                                 "an input of 'load' is missing the required key 'value'"),
    "inputs not a list": ("        inputs:\n          - name: params_url\n            value: ${model.files.params.url}",
                          "        inputs: ${model.files.params.url}", "inputs:",
                          "'load' inputs must be a list, got str"),
    "a zero batch": ("        max_size: 4", "        max_size: 0", "max_size: 0", "the batch size must be at least 1"),
    "an unknown device": ("      device: cpu", "      device: tpu", "tpu", "'device' must be one of cpu, gpu"),
    "an undefined variable": ("${model.files.params.url}", "${model.files.parms.url}", "parms",
                              r"undefined variable \$\{model.files.parms.url\}; did you mean "
                              r"\$\{model.files.params.url\}\?"),
    "the load output in load": ("${model.files.params.url}", "${model.runtime.load.output.model}", "load.output",
                                r"undefined variable \$\{model.runtime.load.output.model\}"),
    "an unset environment variable": ("./params.npz", "${NO_SUCH_PACKAGE_VARIABLE}/params.npz", "NO_SUCH",
                                      r"the environment variable \$\{NO_SUCH_PACKAGE_VARIABLE\} is not set"),
    "a missing local file": ("./params.npz", "./weights/missing.npz", "missing.npz",
                             r"file 'params' not found: .*weights/missing.npz"),
    "an entrypoint without a colon": ("inference:load_model", "inference.load_model", "inference.load_model",
                                      "'load' entrypoint must look like 'module:function'"),
    "a module that does not import": ("inference:predict", "broken:predict", "broken:predict",
                                      "predict entrypoint broken:predict: module 'broken' does not import from .*: "
                                      "ZeroDivisionError: division by zero"),
    "a missing module": ("inference:predict", "nowhere:predict", "nowhere:predict",
                         "predict entrypoint nowhere:predict: no module 'nowhere' in .*pkg$"),
    "a missing function": ("inference:predict", "inference:predictt", "inference:predictt",
                           "predict entrypoint inference:predictt: module 'inference' has no 'predictt'"),
    "a signature that does not take the inputs": (
        "          - name: datapoints\n", "          - name: points\n", "inference:predict",
        r"predict function inference:predict\(model, datapoints, device\) does not take the inputs the YAML gives "
        r"it \(model, points, device\)"),
    "a duplicate key": ("      device: cpu", "      device: cpu\n      device: gpu", "device: gpu",
                        "'device' appears twice"),
    "load given twice": ("    files:", "    load: {entrypoint: 'inference:load_model'}\n    files:", "load: {",
                         "'load' is given twice"),
    "no predict": ("      predict:\n        entrypoint: inference:predict", "      other:\n        entrypoint: x:y",
                   "other:", "unknown key 'other' in 'runtime'"),
    "labels under load": ("          name: model\n", "          name: model\n          labels: [a]\n", "output:",
                          "'keys' and 'labels' describe predictions"),
}


@pytest.mark.parametrize("case", list(YAML_CASES))
def test_a_bad_model_yaml_names_its_line(unchanged, tmp_path, case):
    old, new, fragment, message = YAML_CASES[case]
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    root = P.write_package(tmp_path / "pkg", {"inference.py": P.CLASSIFIER, "model.yaml": text,
                                              "broken.py": "x = 1 / 0\n"})
    expected = re.escape(f"{root / 'model.yaml'}, line {_line(text, fragment)}: ")
    with unchanged(ModelPackageError, match=expected + message):
        model_from_package(root, P.ColourModel)


def test_a_missing_or_empty_yaml(unchanged, tmp_path):
    (tmp_path / "empty").mkdir()
    with unchanged(ModelPackageError, match=r"no model.yaml in the package directory .*empty"):
        model_from_package(tmp_path / "empty", P.ColourModel)
    with unchanged(ModelPackageError, match=r"model package not found: .*nowhere"):
        load_package(tmp_path / "nowhere")
    (tmp_path / "empty" / "model.yaml").write_text("# nothing\n")
    with unchanged(ModelPackageError, match=r"model.yaml: the file is empty"):
        load_package(tmp_path / "empty")
    (tmp_path / "empty" / "model.yaml").write_text("models: []\n")
    with unchanged(ModelPackageError, match=r"model.yaml, line 1: 'models' is empty"):
        load_package(tmp_path / "empty")
    (tmp_path / "empty" / "model.yaml").write_text("# models\nmodles:\n  - name: x\n")
    with unchanged(ModelPackageError, match=r"model.yaml, line 2: unknown key 'modles' in the file: did you mean "
                                            r"'models'\?"):
        load_package(tmp_path / "empty")
    (tmp_path / "empty" / "model.yaml").write_text("- a\n- b\n")
    with unchanged(ModelPackageError, match=r"model.yaml, line 1: the file must be a mapping, got a list"):
        load_package(tmp_path / "empty")


@pytest.mark.parametrize("case", ["a syntax error", "an unknown key"])
def test_the_cli_reports_the_line_and_stores_nothing(sqlite_store, tmp_path, case):
    from click.testing import CliRunner

    from kolena_lab.cli import main

    old, new, fragment, message = YAML_CASES[case]
    text = GOOD.replace(old, new, 1)
    root = P.write_package(tmp_path / "pkg", {"inference.py": P.CLASSIFIER, "model.yaml": text})
    P.colour_suite(tmp_path, n=1)
    before = store_contents(sqlite_store)
    result = CliRunner().invoke(main, ["--url", sqlite_store.url, "model", "register", "--package", str(root),
                                       "--workflow", "Package Colours"])
    assert result.exit_code == 2 and f"model.yaml, line {_line(text, fragment)}: " in result.output
    assert store_contents(sqlite_store) == before


def _predict_package(tmp_path, body: str, labels: str = ""):
    """A package whose predict runs ``body`` (with ``datapoints`` and ``out``, the good predictions) in batches of 4."""
    good_end = "        out.append({\"classes\": model[\"names\"], \"scores\": scores})\n"
    code = P.CLASSIFIER.replace(good_end + "    return out", good_end
                                + "\n".join("    " + line for line in body.strip().splitlines()))
    assert code != P.CLASSIFIER
    text = GOOD.replace("          keys: [classes, scores]", "          keys: [classes, scores]" + labels)
    return P.write_package(tmp_path / "pkg", {"inference.py": code, "model.yaml": text})


# the end of predict (the good predictions are in `out`) and the message naming the datapoint
PREDICT_CASES: Dict[str, Tuple[str, str]] = {
    "raising": ("raise RuntimeError('out of memory')",
                r"predict \(inference:predict\) raised RuntimeError: out of memory on a batch of 3 datapoints "
                r"starting at datapoint 0 \('.*000.png'\)"),
    "the wrong length": ("return out[:2]", r"returned 2 predictions for a batch of 3 datapoints"),
    "not a list": ("return {'classes': []}", r"must return a list with one dict per datapoint, got dict"),
    "not a dict": ("out[1] = ['red']\nreturn out", r"datapoint 1 \('.*001.png'\): a prediction must be a dict"),
    "no classes": ("del out[1]['classes']\nreturn out",
                   r"datapoint 1 \('.*001.png'\): the prediction has no 'classes' \(it has \['scores'\]\)"),
    "a missing declared key": ("out[2]['boxes'] = None\nreturn [{'classes': o['classes'], 'scores': o['scores']} "
                               "for o in out]", r"datapoint 0 .*the prediction has no 'boxes'"),
    "scores of another length": ("out[1]['scores'] = out[1]['scores'][:2]\nreturn out",
                                 r"datapoint 1 .*'scores' must have shape \(3,\) \(one row per class\), got \(2,\)"),
    "boxes of the wrong shape": ("out[2]['boxes'] = [[0, 0, 1]] * 3\nreturn out",
                                 r"datapoint 2 \('.*002.png'\): 'boxes' must have shape \(3, 4\)"),
    "a NaN score": ("out[1]['scores'][0] = float('nan')\nreturn out",
                    r"datapoint 1 .*'scores' holds NaN or infinite values"),
    "infinite keypoints": ("out[0]['keypoints'] = [[[0, float('inf')]]] * 3\nreturn out",
                           r"datapoint 0 .*'keypoints' holds NaN or infinite values"),
    "ragged masks": ("out[0]['masks'] = [[[True]], [[True, False]], [[True]]]\nreturn out",
                     r"datapoint 0 .*'masks' is not"),
    "text scores": ("out[0]['scores'] = ['high'] * 3\nreturn out", r"datapoint 0 .*'scores' must hold numbers"),
}


@pytest.mark.parametrize("case", list(PREDICT_CASES))
def test_bad_predictions_name_the_datapoint_and_store_nothing(nothing_stored, tmp_path, case):  # noqa: F811
    body, message = PREDICT_CASES[case]
    if case == "a missing declared key":
        root = _predict_package(tmp_path, body)
        (root / "model.yaml").write_text((root / "model.yaml").read_text().replace("keys: [classes, scores]",
                                                                                   "keys: [classes, scores, boxes]"))
    else:
        root = _predict_package(tmp_path, body)
    suite, _ = P.colour_suite(tmp_path, n=3)
    model = model_from_package(root, P.ColourModel)
    with nothing_stored(ModelPackageError, match=message):
        test(model, suite, ClassificationEvaluator())


def test_a_class_unknown_to_the_labels(nothing_stored, tmp_path):  # noqa: F811
    root = _predict_package(tmp_path, "out[1]['classes'] = [0, 1, 7]\nreturn out",
                            labels="\n          labels: {0: red, 1: green, 2: blue}")
    suite, _ = P.colour_suite(tmp_path, n=3)
    model = model_from_package(root, P.ColourModel)
    with nothing_stored(ModelPackageError, match=r"datapoint 1 .*class 7 is not one of the package's labels"):
        test(model, suite, ClassificationEvaluator())


def test_load_raising_and_an_unreadable_image(nothing_stored, tmp_path):  # noqa: F811
    root = P.classifier_package(tmp_path / "pkg")
    suite, members = P.colour_suite(tmp_path, n=3)
    model = model_from_package(root, P.ColourModel)
    params = (root / "params.npz").read_bytes()
    (root / "params.npz").write_bytes(b"garbage")
    with nothing_stored(ModelPackageError, match=r"load \(inference:load_model\) of model package "
                                                r"'colour-classifier' raised ValueError: This file contains pickled"):
        test(model, suite, ClassificationEvaluator())
    (root / "params.npz").write_bytes(params)
    (tmp_path / "images" / "001.png").write_bytes(b"not a png")
    with nothing_stored(ModelPackageError, match=r"datapoint 1 \('.*001.png'\): not an image that decodes"):
        test(model, suite, ClassificationEvaluator())
    (tmp_path / "images" / "001.png").unlink()
    with nothing_stored(ModelPackageError, match=r"datapoint 1 \('.*001.png'\): the image cannot be read"):
        test(model, suite, ClassificationEvaluator())


def test_a_failing_batch_stores_nothing_of_it_and_keeps_earlier_batches(sqlite_store, tmp_path):
    root = _predict_package(tmp_path, "if any(dp['index'] == 0 and dp['locator'].endswith('004.png') "
                                      "for dp in datapoints):\n    raise ValueError('bad pixel')\nreturn out")
    (root / "model.yaml").write_text((root / "model.yaml").read_text().replace("max_size: 4", "max_size: 2"))
    suite, _ = P.colour_suite(tmp_path, n=6)
    model = model_from_package(root, P.ColourModel)
    with pytest.raises(ModelPackageError, match="ValueError: bad pixel"):
        test(model, suite, ClassificationEvaluator(), batch_size=2)
    assert len(model.load_inferences(suite.test_cases[0])) == 4  # the two batches before the failing one
    run = test(model, suite, ClassificationEvaluator(), batch_size=2, on_error="skip")
    assert [f.sample.rsplit("/", 1)[1] for f in run.failures] == ["004.png", "005.png"]


@dataclass(frozen=True)
class Score(Inference):
    value: float


@dataclass(frozen=True)
class Noted(Inference):
    inferences: List[ScoredClassificationLabel]
    note: str


@dataclass(frozen=True)
class Truth(GroundTruth):
    label: ClassificationLabel


SCORES = define_workflow("Package Scores", P.ColourImage, Truth, Score)[3]
NOTED = define_workflow("Package Notes", P.ColourImage, Truth, Noted)[3]


def test_an_inference_type_without_a_converter(unchanged, tmp_path):
    root = P.classifier_package(tmp_path / "pkg")
    with unchanged(ModelPackageError, match="inference type 'Score' has no field for predictions .* pass "
                                            "to_inference="):
        model_from_package(root, SCORES)
    with unchanged(ModelPackageError, match=r"inference type 'Noted' has fields a prediction does not fill \(note\)"):
        model_from_package(root, NOTED)


def test_a_sample_without_a_locator(tmp_path):
    from kolena_lab.workflow import Text

    package = load_package(P.classifier_package(tmp_path / "pkg"))
    with pytest.raises(ModelPackageError, match=r"datapoint 0: test sample Text\(text='a review'.*\) has no locator"):
        package.datapoints([Text(text="a review")])
