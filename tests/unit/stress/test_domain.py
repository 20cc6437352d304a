"""Operational domains: YAML in, checked with the line of every mistake, and back out as JSON."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kolena_lab.errors import InputValidationError
from kolena_lab.stress.domain import CORRUPTIONS, Axis, Domain, Parameter, apply

OUTDOOR = """\
# a small domain
name: outdoor
axes:
  - name: brightness
    transform: brightness        # a TRANSFORMS key
    parameters:
      delta: {low: -0.2, high: 0.2}
  - name: jpeg
    transform: jpeg
    parameters:
      quality: {low: 40, high: 100, integer: true}
  - name: weather
    transform: fog
    parameters:
      intensity: {choices: [0.1, 0.2, 0.3]}
"""


def test_yaml_round_trips_through_json():
    domain = Domain.from_yaml(OUTDOOR)
    assert [a.name for a in domain.axes] == ["brightness", "jpeg", "weather"]
    assert domain.axis("jpeg").parameters == (Parameter("quality", low=40, high=100, integer=True),)
    assert domain.axis("weather").parameters[0].choices == (0.1, 0.2, 0.3)
    assert domain.axis("jpeg").neutral == {"quality": 100}
    data = json.loads(json.dumps(domain.to_dict()))
    assert Domain.from_dict(data) == domain
    assert data["axes"][0] == {"name": "brightness", "transform": "brightness",
                               "parameters": {"delta": {"low": -0.2, "high": 0.2, "integer": False}}}


def test_a_parameter_of_a_whole_number_transform_is_integer_without_saying_so():
    domain = Domain.from_yaml(axis_yaml("      quality: {low: 40, high: 100}\n", transform="jpeg"))
    assert domain.axes[0].parameters[0] == Parameter("quality", low=40, high=100, integer=True)


def test_yaml_reads_from_a_file(tmp_path):
    path = tmp_path / "outdoor.yaml"
    path.write_text(OUTDOOR)
    assert Domain.from_yaml(path) == Domain.from_yaml(str(path)) == Domain.from_yaml(OUTDOOR)
    with pytest.raises(InputValidationError, match="missing.yaml.* cannot be read"):
        Domain.from_yaml(str(tmp_path / "missing.yaml"))


def test_the_ready_domains_load_and_their_neutral_values_give_the_clean_image():
    image = np.random.default_rng(0).integers(0, 256, size=(32, 48, 3), dtype=np.uint8)
    outdoor = Domain.ready("outdoor")
    assert {"brightness", "contrast", "gamma", "hue_saturation", "rotate", "scale", "blur", "gaussian_noise", "jpeg",
            "fog", "rain", "snow"} <= {a.name for a in outdoor.axes}
    assert outdoor.axis("rotate").parameters[0] == Parameter("degrees", low=-10, high=10)
    corruptions = Domain.ready("corruptions")
    assert tuple(a.name for a in corruptions.axes) == CORRUPTIONS and len(CORRUPTIONS) == 15
    for axis in corruptions.axes:
        assert axis.parameters == (Parameter("severity", choices=(1, 2, 3, 4, 5), integer=True),)
        assert axis.neutral == {"severity": 0}
    for domain in (outdoor, corruptions):
        assert Domain.from_dict(domain.to_dict()).to_dict() == domain.to_dict()
        for axis in domain.axes:
            clean = axis.perturb(image, axis.neutral, seed=3).image
            assert np.abs(clean.astype(int) - image).max() <= 1, axis.name
    with pytest.raises(InputValidationError, match="no ready domain 'indoor'; ready: outdoor, corruptions"):
        Domain.ready("indoor")


def test_an_axis_perturbs_as_apply_does():
    image = np.random.default_rng(1).integers(0, 256, size=(24, 24, 3), dtype=np.uint8)
    axis = Domain.from_yaml(OUTDOOR).axis("weather")
    np.testing.assert_array_equal(axis.perturb(image, {"intensity": 0.3}, seed=4).image,
                                  apply("fog", image, {"intensity": 0.3}, seed=4).image)


def mistake(text: str) -> str:
    with pytest.raises(InputValidationError) as error:
        Domain.from_yaml(text)
    return str(error.value)


def axis_yaml(parameters: str, transform: str = "blur", name: str = "a") -> str:
    return f"name: d\naxes:\n  - name: {name}\n    transform: {transform}\n    parameters:\n{parameters}"


@pytest.mark.parametrize("text, message", [
    ("name: d\naxes: [\n", "<yaml>, line 3: YAML syntax error"),
    ("name: d\naxes:\n  - name: a\n    transfrom: blur\n",
     "<yaml>, line 4 at axes[0].transfrom: unknown key 'transfrom'; did you mean 'transform'?"),
    ("name: d\naxis: []\n", "line 2 at axis: unknown key 'axis'; did you mean 'axes'?"),
    (axis_yaml("      sigma: {low: 0, high: 1}\n", transform="blurr"),
     "line 4 at axes[0].transform: unknown transform 'blurr'; did you mean 'blur'? known: blur, brightness,"),
    (axis_yaml("      radius: {low: 0, high: 1}\n"),
     "line 6 at axes[0].parameters.radius: transform 'blur' has no parameter 'radius'; it accepts sigma"),
    (axis_yaml("      sigma: {low: 3,\n              high: 1}\n"),
     "line 6 at axes[0].parameters.sigma.low: low 3 is above high 1"),
    (axis_yaml("      sigma: {choices: []}\n"), "line 6 at axes[0].parameters.sigma.choices: expected a non-empty"),
    (axis_yaml("      sigma:\n        low: zero\n        high: 1\n"),
     "line 7 at axes[0].parameters.sigma.low: expected a number, got 'zero'"),
    (axis_yaml("      sigma: {choices: [1, 2, true]}\n"),
     "line 6 at axes[0].parameters.sigma.choices[2]: expected a number, got True"),
    (axis_yaml("      sigma: {low: 0, high: 100}\n"),
     "line 6 at axes[0].parameters.sigma.high: blur's sigma must be in [0, 10], got 100"),
    (axis_yaml("      quality: {low: 40.5, high: 90}\n", transform="jpeg"),
     "line 6 at axes[0].parameters.quality.low: jpeg's quality takes whole numbers, got 40.5"),
    (axis_yaml("      sigma: {low: 0, high: 1}\n") + "  - name: a\n    transform: gamma\n"
     "    parameters: {gamma: {low: 1, high: 2}}\n",
     "line 7 at axes[1].name: axis name 'a' is used twice"),
    (axis_yaml("      sigma: {low: 0, high: 1, choices: [1]}\n"), "line 6 at axes[0].parameters.sigma: give a range"),
    (axis_yaml("      sigma: {low: 0}\n"), "line 6 at axes[0].parameters.sigma: missing key 'high' (or give choices)"),
    (axis_yaml("      sigma: {low: 0, high: 1, integer: yes please}\n"),
     "line 6 at axes[0].parameters.sigma.integer: expected true or false"),
    (axis_yaml("      sigma: {low: 0, high: 1, step: 1}\n"),
     "line 6 at axes[0].parameters.sigma.step: unknown key 'step'; expected one of low, high, choices, integer"),
    ("name: d\naxes:\n  - name: a\n    transform: blur\n", "line 3 at axes[0]: missing key 'parameters'"),
    ("name: d\naxes: []\n", "line 2 at axes: expected a non-empty list of axes"),
    ("- just a list\n", "line 1: expected a mapping with name, axes"),
    ("", "<yaml>: the file holds no domain"),
])
def test_every_mistake_names_its_line(text, message):
    assert message in mistake(text)


def test_a_mistake_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(axis_yaml("      sigma: {low: 0, high: 100}\n"))
    assert mistake(path).startswith(f"{path}, line 6 at axes[0].parameters.sigma.high:")


def test_from_dict_checks_as_yaml_does_and_names_the_path():
    with pytest.raises(InputValidationError, match=r"domain at axes\[0\]\.transform: unknown transform 'nope'"):
        Domain.from_dict({"name": "d", "axes": [{"name": "a", "transform": "nope", "parameters": {}}]})


def test_parameter_values_samples_and_unit_mapping():
    delta = Parameter("delta", low=-0.2, high=0.2)
    np.testing.assert_allclose(delta.values(5), [-0.2, -0.1, 0.0, 0.1, 0.2])
    assert delta.values(1) == [-0.2]
    assert delta.from_unit(0) == -0.2 and delta.from_unit(1) == 0.2 and delta.from_unit(0.25) == pytest.approx(-0.1)
    quality = Parameter("quality", low=40, high=100, integer=True)
    assert quality.values(4) == [40, 60, 80, 100]
    assert Parameter("k", low=0, high=2, integer=True).values(10) == [0, 1, 2]
    assert [quality.from_unit(u) for u in (0, 0.5, 0.999, 1)] == [40, 70, 100, 100]
    severity = Parameter("severity", choices=(1, 2, 3, 4, 5), integer=True)
    assert severity.values(2) == [1, 2, 3, 4, 5]
    assert [severity.from_unit(u) for u in (0, 0.2, 0.39, 0.99, 1)] == [1, 2, 2, 5, 5]
    rng = np.random.default_rng(0)
    drawn = [quality.sample(rng) for _ in range(2000)]
    assert min(drawn) == 40 and max(drawn) == 100 and all(isinstance(v, int) for v in drawn)
    assert set(severity.sample(rng) for _ in range(200)) == {1, 2, 3, 4, 5}
    floats = [delta.sample(rng) for _ in range(500)]
    assert -0.2 <= min(floats) < -0.15 and 0.15 < max(floats) <= 0.2


@pytest.mark.parametrize("kwargs, message", [
    ({"low": 1, "high": 0}, "low 1 is above high 0"), ({"choices": ()}, "choices is empty"),
    ({"low": 0}, "needs low and high, or choices"), ({"low": 0, "high": 1, "choices": (1,)}, "not both"),
    ({"low": 0.5, "high": 2, "integer": True}, "integer but low / high are not integers"),
])
def test_parameters_built_in_python_are_checked(kwargs, message):
    with pytest.raises(InputValidationError, match=message):
        Parameter("p", **kwargs)


def test_axes_and_domains_built_in_python_are_checked():
    sigma = Parameter("sigma", low=0, high=1)
    with pytest.raises(InputValidationError, match="axis 'a': unknown transform 'nope'"):
        Axis("a", "nope", (sigma,))
    with pytest.raises(InputValidationError, match="axis 'a': transform 'blur' has no parameter 'radius'"):
        Axis("a", "blur", (Parameter("radius", low=0, high=1),))
    with pytest.raises(InputValidationError, match=r"blur: parameter 'sigma' must be in \[0, 10\], got 20"):
        Axis("a", "blur", (Parameter("sigma", low=0, high=20),))
    with pytest.raises(InputValidationError, match="jpeg: parameter 'quality' must be an integer, got 40.5"):
        Axis("a", "jpeg", (Parameter("quality", choices=(40.5, 60)),))
    with pytest.raises(InputValidationError, match="domain 'd' has no axes"):
        Domain("d", ())
    with pytest.raises(InputValidationError, match="axis name 'a' is used twice"):
        Domain("d", (Axis("a", "blur", (sigma,)), Axis("a", "blur", (sigma,))))
    with pytest.raises(InputValidationError, match="domain 'd' has no axis 'b'; its axes: a"):
        Domain("d", (Axis("a", "blur", (sigma,)),)).axis("b")


def test_domains_load_without_the_stress_extra_and_transforms_then_say_what_to_install():
    script = (
        "import sys\n"
        "sys.modules['albumentations'] = sys.modules['cv2'] = sys.modules['scipy'] = None\n"
        "from kolena_lab.stress.domain import Domain\n"
        "import numpy as np\n"
        "domain = Domain.ready('outdoor')\n"
        "try:\n"
        "    domain.axis('blur').perturb(np.zeros((4, 4, 3), np.uint8), {'sigma': 1})\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n")
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("IncorrectUsageError stress testing needs the `stress` extra: "
                                  "pip install 'kolena_lab[stress]'")
