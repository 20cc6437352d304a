"""ImageNet-C corruptions: size, type and determinism kept, and a higher severity moves further from the clean image."""
import time

import numpy as np
import pytest

from kolena_lab.stress.corruptions import CORRUPTIONS, corrupt, frost_texture, plasma
from kolena_lab.stress.transforms import TRANSFORMS, apply


def natural(height: int = 224, width: int = 224, seed: int = 0) -> np.ndarray:
    """1/f noise per channel (the spectrum of natural images) with two flat objects."""
    rng = np.random.default_rng(seed)
    fy, fx = np.fft.fftfreq(height)[:, None], np.fft.fftfreq(width)[None, :]
    amplitude = 1.0 / np.maximum(np.hypot(fx, fy), 1.0 / max(height, width))
    channels = []
    for _ in range(3):
        field = np.fft.ifft2(amplitude * np.exp(2j * np.pi * rng.random((height, width)))).real
        channels.append((field - field.mean()) / field.std())
    image = 128 + 40 * np.stack(channels, -1)
    image[height // 4:height // 2, width // 5:width // 2] = (220, 60, 40)
    image[height // 2:height * 3 // 4, width // 2:width * 4 // 5] = (30, 90, 200)
    return np.clip(image, 0, 255).astype(np.uint8)


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b).mean())


def decorrelation(a: np.ndarray, b: np.ndarray) -> float:
    return 1.0 - float(np.corrcoef(a.astype(float).ravel(), b.astype(float).ravel())[0, 1])


def by_severity(name: str, image: np.ndarray, distance) -> list:
    return [distance(apply(f"corruption_{name}", image, {"severity": s}, seed=7).image, image) for s in range(6)]


def test_the_fifteen_corruptions_in_the_papers_order_are_transforms():
    assert CORRUPTIONS == ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
                           "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
                           "elastic_transform", "pixelate", "jpeg_compression")
    for name in CORRUPTIONS:
        transform = TRANSFORMS[f"corruption_{name}"]
        assert transform.neutral == {"severity": 0} and not transform.geometric
        assert "ImageNet-C" in transform.doc


@pytest.mark.parametrize("name", CORRUPTIONS)
@pytest.mark.parametrize("shape", [(224, 224), (61, 97)])
def test_every_severity_keeps_size_and_type_and_repeats_with_its_seed(name, shape):
    image = natural(*shape)
    np.testing.assert_array_equal(apply(f"corruption_{name}", image, {"severity": 0}).image, image)
    for severity in range(1, 6):
        out = apply(f"corruption_{name}", image, {"severity": severity}, seed=9).image
        assert out.shape == image.shape and out.dtype == np.uint8
        assert mean_difference(out, image) > (1.0 if shape[0] >= 224 else 0.0), severity
        again = corrupt(name, image, severity, np.random.default_rng(9))
        np.testing.assert_array_equal(out, again)


# frost: its severity trades image for frost (0.4 frost added to the whole image at 1, 0.6 image + 0.75 frost at 5),
# so the mean difference can fall; the image's share falls monotonically, measured by decorrelation.
# elastic_transform: severities 1-2 are large smooth warps, 3-5 small local ones (the paper's parameters).
# pixelate: 0.3 and 0.25 of the size (severities 4, 5) can swap, as block edges fall on the image's edges or not.
ORDERED_BY_DIFFERENCE = [c for c in CORRUPTIONS if c not in ("frost", "elastic_transform", "pixelate")]


@pytest.mark.parametrize("name", ORDERED_BY_DIFFERENCE)
def test_a_higher_severity_moves_further_from_the_clean_image(name):
    for seed in (0, 1):
        distances = by_severity(name, natural(seed=seed), mean_difference)
        assert all(a < b for a, b in zip(distances, distances[1:])), distances


def test_the_exceptions_are_ordered_as_far_as_their_parameters_allow():
    image = natural()
    frost = by_severity("frost", image, decorrelation)
    assert all(a < b for a, b in zip(frost, frost[1:])), frost
    pixelate = by_severity("pixelate", image, mean_difference)
    assert all(a < b for a, b in zip(pixelate[:5], pixelate[1:5])) and min(pixelate[4:]) > pixelate[3], pixelate
    elastic = by_severity("elastic_transform", image, mean_difference)
    assert elastic[1] < elastic[2] and elastic[3] < elastic[4] < elastic[5] < elastic[1], elastic


def test_noise_follows_the_papers_severity_parameters():
    grey = np.full((200, 200, 3), 128, np.uint8)
    for severity, sigma in enumerate((0.08, 0.12, 0.18), start=1):  # above, clipping at 0 and 255 narrows it
        noisy = corrupt("gaussian_noise", grey, severity, np.random.default_rng(0)).astype(float) / 255
        assert noisy.std() == pytest.approx(sigma, rel=0.05)
    for severity, amount in enumerate((0.03, 0.06, 0.09, 0.17, 0.27), start=1):
        salted = corrupt("impulse_noise", grey, severity, np.random.default_rng(0))
        assert np.mean((salted == 0) | (salted == 255)) == pytest.approx(amount, rel=0.05)
    low = corrupt("contrast", natural(), 5, np.random.default_rng(0))
    np.testing.assert_allclose(low.std(axis=(0, 1)), natural().std(axis=(0, 1)) * 0.05, rtol=0.1)


def test_generated_textures_are_in_range_and_seeded():
    field = plasma(100, 2.0, np.random.default_rng(0))
    assert field.shape == (100, 100) and field.min() == 0.0 and field.max() == 1.0
    np.testing.assert_array_equal(field, plasma(100, 2.0, np.random.default_rng(0)))
    frost = frost_texture(50, 70, np.random.default_rng(0))
    assert frost.shape == (50, 70, 3) and 0 <= frost.min() and frost.max() <= 1 and 0.2 < frost.mean() < 0.8


def test_glass_blur_is_vectorised():
    image = natural(256, 256)
    start = time.perf_counter()
    corrupt("glass_blur", image, 5, np.random.default_rng(0))
    assert time.perf_counter() - start < 2.0  # a per-pixel Python loop takes tens of seconds here
