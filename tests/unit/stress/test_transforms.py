"""Transforms: neutral values change nothing, seeds make them deterministic, parameters are checked."""
import sys

import numpy as np
import pytest

from kolena_lab.errors import IncorrectUsageError, InputValidationError
from kolena_lab.stress.transforms import IDENTITY, TRANSFORMS, Perturbed, apply


def scene(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A natural-looking test image: smooth gradients, a few flat shapes and mild texture."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    image = np.stack([xs / width * 200 + 30, ys / height * 180 + 40, (xs + ys) / (width + height) * 150 + 60], -1)
    image[height // 4:height // 2, width // 5:width // 2] = (220, 60, 40)
    image[height // 2:height * 3 // 4, width // 2:width * 4 // 5] = (30, 90, 200)
    image += rng.normal(0, 6, size=image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def some_params(name: str) -> dict:
    """Parameters well away from neutral for every transform."""
    accepts = TRANSFORMS[name].accepts
    out = {}
    for key, accepted in accepts.items():
        value = accepted.low + 0.6 * (accepted.high - accepted.low)
        out[key] = int(round(value)) if accepted.integer else value
    if name == "jpeg":
        out["quality"] = 30
    return out


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_neutral_values_change_nothing(name):
    image = scene()
    neutral = TRANSFORMS[name].neutral
    for params in (neutral, {}):  # given explicitly, or left to their defaults
        out = apply(name, image, params, seed=5)
        assert out.image.shape == image.shape and out.image.dtype == np.uint8
        assert np.abs(out.image.astype(int) - image).max() <= 1
        np.testing.assert_array_equal(out.matrix, IDENTITY)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_a_transform_changes_the_image_keeps_its_size_and_repeats_with_its_seed(name):
    image = scene()
    first = apply(name, image, some_params(name), seed=11)
    again = apply(name, image, some_params(name), seed=11)
    assert first.image.shape == image.shape and first.image.dtype == np.uint8
    assert np.abs(first.image.astype(int) - image).mean() > 0.5
    np.testing.assert_array_equal(first.image, again.image)
    np.testing.assert_array_equal(first.matrix, again.matrix)
    if not TRANSFORMS[name].geometric:
        np.testing.assert_array_equal(first.matrix, IDENTITY)


@pytest.mark.parametrize("name", ["gaussian_noise", "rain", "fog", "corruption_shot_noise", "corruption_frost"])
def test_different_seeds_give_different_noise(name):
    image = scene()
    one = apply(name, image, some_params(name), seed=1).image
    two = apply(name, image, some_params(name), seed=2).image
    assert not np.array_equal(one, two)


def test_photometric_values_follow_their_definition():
    image = scene()
    brighter = apply("brightness", image, {"delta": 0.1}).image.astype(int)
    np.testing.assert_allclose(brighter, np.clip(image.astype(int) + 0.1 * 255, 0, 255), atol=1)
    gamma = apply("gamma", image, {"gamma": 2.0}).image.astype(int)
    np.testing.assert_allclose(gamma, np.round((image / 255.0) ** 2 * 255), atol=1)
    noisy = apply("gaussian_noise", np.full((200, 200, 3), 128, np.uint8), {"std": 10}).image
    assert abs(noisy.std() - 10) < 0.3 and abs(noisy.mean() - 128) < 0.2
    assert apply("jpeg", image, {"quality": 40}).image.tolist() != image.tolist()


def test_perturbed_moves_points_through_its_matrix():
    perturbed = Perturbed(np.zeros((4, 4, 3), np.uint8), np.array([[2.0, 0.0, 1.0], [0.0, 3.0, -1.0]]))
    np.testing.assert_array_equal(perturbed.move_points(np.array([[0, 0], [1, 2]])), [[1, -1], [3, 5]])
    np.testing.assert_array_equal(Perturbed(perturbed.image).move_points([[5, 6]]), [[5, 6]])


@pytest.mark.parametrize("name, params, message", [
    ("blurry", {}, "unknown transform 'blurry'; known: "),
    ("blur", {"radius": 2}, "blur: unknown parameter 'radius'; it accepts sigma"),
    ("blur", {"sigma": 11}, "blur: parameter 'sigma' must be in [0, 10], got 11"),
    ("blur", {"sigma": "2"}, "blur: parameter 'sigma' must be a number, got '2'"),
    ("jpeg", {"quality": 50.5}, "jpeg: parameter 'quality' must be an integer, got 50.5"),
    ("rotate", {"degrees": float("nan")}, "rotate: parameter 'degrees' must be in [-180, 180], got nan"),
])
def test_bad_parameters_are_refused_naming_them(name, params, message):
    with pytest.raises(InputValidationError) as error:
        apply(name, scene(), params)
    assert message in str(error.value)


@pytest.mark.parametrize("image", [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8),
                                   np.zeros((8, 8, 3), np.float32), np.zeros((0, 8, 3), np.uint8)])
def test_images_must_be_rgb_uint8(image):
    with pytest.raises(InputValidationError, match="image must be an HxWx3 uint8 RGB array"):
        apply("blur", image, {"sigma": 1})


def test_without_albumentations_a_transform_says_which_extra_to_install(monkeypatch):
    for module in [m for m in sys.modules if m == "albumentations" or m.startswith("albumentations.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "albumentations", None)
    with pytest.raises(IncorrectUsageError, match=r"pip install 'kolena_lab\[stress\]'"):
        apply("brightness", scene(), {"delta": 0.1})


def test_without_opencv_geometric_transforms_say_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(IncorrectUsageError, match="stress testing needs the `stress` extra"):
        apply("rotate", scene(), {"degrees": 5})


@pytest.mark.parametrize("name", ["rain", "snow", "fog"])
def test_weather_grows_from_nothing_with_its_intensity(name):
    image = scene(192, 256)
    changes = [np.abs(apply(name, image, {"intensity": v}, seed=1).image.astype(int) - image).mean()
               for v in (0.01, 0.3, 0.6, 1.0)]
    assert changes[0] < 2 and all(a < b for a, b in zip(changes, changes[1:])), changes
