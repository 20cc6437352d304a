"""The 15 ImageNet-C corruptions at severities 1-5.

Hendrycks, D. and Dietterich, T. (2019), "Benchmarking Neural Network Robustness to Common Corruptions and
Perturbations", ICLR. The severity parameters below are the paper's published ones; the code is kolena_lab's own.
Differences from the paper's release, all deliberate:

- Any image size: the paper's code assumes 224x224. Lengths in pixels (blur radii and sigmas, glass blur's pixel
  displacement, elastic and snow scales) are multiplied by ``min(height, width) / 224``; relative sizes (zoom
  factors, pixelation) are kept.
- frost: the paper blends photographs of frost that are not distributed with kolena_lab; this blends a procedurally
  generated frost texture (fractal haze and ice-crystal strokes, bluish white) with the paper's blend weights.
- glass_blur: the paper swaps each pixel with a random neighbour one pixel at a time; this does the same swaps in
  vectorised batches of pixels far enough apart not to interfere (a different order, the same local shuffle).
- motion_blur and snow's streaks: the paper calls ImageMagick's motion blur; this convolves with the equivalent
  one-sided Gaussian-weighted line kernel.

Severity 0 is the clean image. Every corruption is deterministic given its seed. A higher severity moves further
from the clean image (mean absolute difference) except where the paper's parameters do not: frost trades image for
frost (its mean difference can fall while the image's share falls), elastic_transform's severities 1-2 are large
smooth warps and 3-5 small local ones, and pixelate's severities 4 and 5 (0.3 and 0.25 of the size) can swap. On
images under about 200 pixels, glass_blur's displacement rounds to the same 1-2 pixels for several severities and
their order is lost; defocus_blur's radius is at least one pixel.
"""
import io
from typing import Callable, Dict, Tuple

import numpy as np
from PIL import Image

from kolena_lab.stress._extra import require

CORRUPTIONS: Tuple[str, ...] = (
    "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
    "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression")

Corruption = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]
_CORRUPT: Dict[str, Corruption] = {}


def corrupt(name: str, image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """ImageNet-C corruption ``name`` of an HxWx3 uint8 RGB image at ``severity`` 0-5 (0: a copy of the image)."""
    if severity == 0:
        return image.copy()
    return _bytes(_CORRUPT[name](image.astype(np.float32) / 255.0, severity, rng))


def _corruption(function: Corruption) -> Corruption:
    _CORRUPT[function.__name__.lstrip("_")] = function
    return function


def _bytes(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def _scale(image: np.ndarray) -> float:
    return min(image.shape[:2]) / 224.0


def _gaussian(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur over the two image axes, truncated at 4 sigma, edges repeated."""
    cv2 = require("cv2")
    size = 2 * int(np.ceil(4 * sigma)) + 1
    return cv2.GaussianBlur(x, (size, size), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)


def _zoom(x: np.ndarray, factor: float) -> np.ndarray:
    """Enlarge by ``factor`` about the centre, keeping the size (the centre crop, bilinearly zoomed)."""
    cv2 = require("cv2")
    height, width = x.shape[:2]
    cx, cy = width / 2 - 0.5, height / 2 - 0.5
    matrix = np.array([[factor, 0, cx - factor * cx], [0, factor, cy - factor * cy]], dtype=np.float64)
    return cv2.warpAffine(x, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _motion_kernel(radius: float, sigma: float, degrees: float) -> np.ndarray:
    """A one-sided line of Gaussian weights (sigma along the line) from the centre towards ``degrees``."""
    reach = max(1, int(np.ceil(radius)))
    size = 2 * reach + 1
    kernel = np.zeros((size, size), dtype=np.float32)
    steps = np.arange(reach + 1, dtype=np.float64)
    xs = np.round(reach + steps * np.cos(np.radians(degrees))).astype(int)
    ys = np.round(reach - steps * np.sin(np.radians(degrees))).astype(int)
    np.add.at(kernel, (ys, xs), np.exp(-steps ** 2 / (2 * max(sigma, 1e-3) ** 2)))
    return kernel / kernel.sum()


def _convolve(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    cv2 = require("cv2")
    return cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT)


def plasma(size: int, decay: float, rng: np.random.Generator) -> np.ndarray:
    """A size x size fractal (diamond-square, wrapping at the edges) scaled to [0, 1]. As in the paper's generator
    the random amplitude starts at 100 squared and is divided by ``decay`` squared at each halving of the step, so a
    larger decay gives a smoother map."""
    side = 1 << max(1, int(np.ceil(np.log2(size))))
    grid = np.zeros((side, side), dtype=np.float64)
    step, amplitude = side, 100.0 ** 2
    while step >= 2:
        half = step // 2
        corners = grid[0::step, 0::step]
        centres = (corners + np.roll(corners, -1, 0) + np.roll(corners, -1, 1) + np.roll(corners, (-1, -1), (0, 1)))
        grid[half::step, half::step] = centres / 4 + rng.uniform(-amplitude, amplitude, centres.shape)
        centres = grid[half::step, half::step]
        # edge midpoints: the two corners beside them and the two centres across them
        across_rows = corners + np.roll(corners, -1, 1) + centres + np.roll(centres, 1, 0)
        grid[0::step, half::step] = across_rows / 4 + rng.uniform(-amplitude, amplitude, across_rows.shape)
        across_cols = corners + np.roll(corners, -1, 0) + centres + np.roll(centres, 1, 1)
        grid[half::step, 0::step] = across_cols / 4 + rng.uniform(-amplitude, amplitude, across_cols.shape)
        step, amplitude = half, amplitude / decay ** 2
    grid = grid[:size, :size]
    grid -= grid.min()
    return grid / max(grid.max(), 1e-12)


# noise ---------------------------------------------------------------------------------------------------------

@_corruption
def _gaussian_noise(x, severity, rng):
    c = (0.08, 0.12, 0.18, 0.26, 0.38)[severity - 1]
    return x + rng.normal(0.0, c, size=x.shape)


@_corruption
def _shot_noise(x, severity, rng):
    c = (60, 25, 12, 5, 3)[severity - 1]
    return rng.poisson(x * c) / c


@_corruption
def _impulse_noise(x, severity, rng):
    amount = (0.03, 0.06, 0.09, 0.17, 0.27)[severity - 1]
    u = rng.random(x.shape)
    out = x.copy()
    out[u < amount / 2] = 1.0
    out[(u >= amount / 2) & (u < amount)] = 0.0
    return out


# blur ----------------------------------------------------------------------------------------------------------

@_corruption
def _defocus_blur(x, severity, rng):
    radius, alias = ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5))[severity - 1]
    radius = max(1.0, radius * _scale(x))  # at least a pixel, so that small images blur too
    reach = max(8, int(np.ceil(radius)))
    ys, xs = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    disk = (xs ** 2 + ys ** 2 <= radius ** 2).astype(np.float32)
    disk /= disk.sum()
    cv2 = require("cv2")
    smooth = 3 if radius <= 8 else 5
    disk = cv2.GaussianBlur(disk, (smooth, smooth), sigmaX=alias)
    return _convolve(x, disk / disk.sum())


@_corruption
def _glass_blur(x, severity, rng):
    sigma, delta, iterations = ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2))[severity - 1]
    scale = _scale(x)
    sigma, delta = sigma * scale, max(1, int(round(delta * scale)))
    x = np.ascontiguousarray(_gaussian(x, sigma))
    height, width = x.shape[:2]
    period = 2 * delta + 1
    for _ in range(iterations):
        # pixels `period` apart have partners within `delta`: their swaps never touch each other's pixels
        for oy in range(period - 1, -1, -1):
            for ox in range(period - 1, -1, -1):
                rows = np.arange(delta + oy, height - delta, period)
                cols = np.arange(delta + ox, width - delta, period)
                if not rows.size or not cols.size:
                    continue
                r, c = np.meshgrid(rows, cols, indexing="ij")
                dy = rng.integers(-delta, delta + 1, size=r.shape)
                dx = rng.integers(-delta, delta + 1, size=r.shape)
                here, there = x[r, c], x[r + dy, c + dx]
                x[r + dy, c + dx] = here
                x[r, c] = there
    return _gaussian(x, sigma)


@_corruption
def _motion_blur(x, severity, rng):
    radius, sigma = ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15))[severity - 1]
    scale = _scale(x)
    return _convolve(x, _motion_kernel(radius * scale, sigma * scale, rng.uniform(-45, 45)))


@_corruption
def _zoom_blur(x, severity, rng):
    top, stride = ((1.11, 0.01), (1.16, 0.01), (1.21, 0.02), (1.26, 0.02), (1.31, 0.03))[severity - 1]
    factors = np.arange(1, top, stride)
    total = np.zeros_like(x)
    for factor in factors:
        total += _zoom(x, factor)
    return (x + total) / (len(factors) + 1)


# weather -------------------------------------------------------------------------------------------------------

@_corruption
def _snow(x, severity, rng):
    loc, spread, zoom, threshold, radius, sigma, blend = (
        (0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
        (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55))[severity - 1]
    cv2 = require("cv2")
    scale = _scale(x)
    flakes = _zoom(rng.normal(loc, spread, size=x.shape[:2]).astype(np.float32), zoom)
    flakes[flakes < threshold] = 0
    flakes = np.clip(flakes, 0, 1)
    flakes = _convolve(flakes, _motion_kernel(radius * scale, sigma * scale, rng.uniform(-135, -45)))[..., None]
    grey = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[..., None]
    x = blend * x + (1 - blend) * np.maximum(x, grey * 1.5 + 0.5)
    return x + flakes + np.rot90(flakes, 2)


def frost_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A procedural frost texture in [0, 1], HxWx3: fractal haze with bright ice-crystal strokes, bluish white."""
    cv2 = require("cv2")
    haze = plasma(max(height, width), 1.6, rng)[:height, :width] ** 1.5
    crystals = np.zeros((height, width), dtype=np.float32)
    count = max(8, int(height * width / 900))
    starts = rng.uniform(0, 1, size=(count, 2)) * (width, height)
    lengths = rng.uniform(0.02, 0.12, size=count) * max(height, width)
    for (sx, sy), length, angle in zip(starts, lengths, rng.uniform(0, 2 * np.pi, size=count)):
        for branch in (0.0, 0.5, -0.5):  # a stroke and two side branches from its middle
            ox, oy = (sx, sy) if branch == 0 else (sx + np.cos(angle) * length / 2, sy + np.sin(angle) * length / 2)
            reach = length if branch == 0 else length / 3
            end = (ox + np.cos(angle + branch) * reach, oy + np.sin(angle + branch) * reach)
            cv2.line(crystals, (int(ox), int(oy)), (int(end[0]), int(end[1])), float(rng.uniform(0.5, 1.0)), 1,
                     cv2.LINE_AA)
    crystals = cv2.GaussianBlur(crystals, (3, 3), 0.7)
    frost = np.clip(0.3 + 0.5 * haze + 0.6 * crystals, 0, 1)[..., None]
    return (frost * np.array([0.86, 0.93, 1.0], dtype=np.float32)).astype(np.float32)


@_corruption
def _frost(x, severity, rng):
    clean, layer = ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75))[severity - 1]
    return clean * x + layer * frost_texture(x.shape[0], x.shape[1], rng)


@_corruption
def _fog(x, severity, rng):
    thickness, decay = ((1.5, 2), (2.0, 2), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4))[severity - 1]
    brightest = x.max()
    haze = plasma(max(x.shape[:2]), decay, rng)[:x.shape[0], :x.shape[1], None]
    return (x + thickness * haze) * brightest / (brightest + thickness)


# digital -------------------------------------------------------------------------------------------------------

@_corruption
def _brightness(x, severity, rng):
    cv2 = require("cv2")
    hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV)
    hsv[..., 2] = np.clip(hsv[..., 2] + (0.1, 0.2, 0.3, 0.4, 0.5)[severity - 1], 0, 1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


@_corruption
def _contrast(x, severity, rng):
    c = (0.4, 0.3, 0.2, 0.1, 0.05)[severity - 1]
    means = x.mean(axis=(0, 1), keepdims=True)
    return (x - means) * c + means


@_corruption
def _elastic_transform(x, severity, rng):
    # the paper writes its lengths as multiples of 244 for 224-pixel images; kept relative to the image here
    alpha, sigma, shift = np.array(((2, 0.7, 0.1), (2, 0.08, 0.2), (0.05, 0.01, 0.02), (0.07, 0.01, 0.02),
                                    (0.12, 0.01, 0.02))[severity - 1]) * 244 * _scale(x)
    cv2 = require("cv2")
    ndimage = require("scipy.ndimage")
    height, width = x.shape[:2]
    centre = np.float32((width // 2, height // 2))
    half = min(height, width) // 3
    before = np.float32([centre + half, [centre[0] + half, centre[1] - half], centre - half])
    after = before + rng.uniform(-shift, shift, size=before.shape).astype(np.float32)
    x = cv2.warpAffine(x, cv2.getAffineTransform(before, after), (width, height), borderMode=cv2.BORDER_REFLECT_101)
    dx = ndimage.gaussian_filter(rng.uniform(-1, 1, size=(height, width)), sigma, mode="reflect", truncate=3) * alpha
    dy = ndimage.gaussian_filter(rng.uniform(-1, 1, size=(height, width)), sigma, mode="reflect", truncate=3) * alpha
    ys, xs = np.mgrid[0:height, 0:width]
    return cv2.remap(x, (xs + dx).astype(np.float32), (ys + dy).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


@_corruption
def _pixelate(x, severity, rng):
    c = (0.6, 0.5, 0.4, 0.3, 0.25)[severity - 1]
    height, width = x.shape[:2]
    image = Image.fromarray(_bytes(x))
    small = image.resize((max(1, int(width * c)), max(1, int(height * c))), Image.BOX)
    return np.asarray(small.resize((width, height), Image.BOX), dtype=np.float32) / 255.0


@_corruption
def _jpeg_compression(x, severity, rng):
    quality = (25, 18, 15, 10, 7)[severity - 1]
    buffer = io.BytesIO()
    Image.fromarray(_bytes(x)).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32) / 255.0
