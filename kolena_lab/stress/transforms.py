"""The perturbations a stress test applies to an image, by name (`TRANSFORMS`), and `apply`.

Every transform takes an HxWx3 uint8 RGB image and returns a `Perturbed` of the same size, and is deterministic
given its parameters and a seed. Photometric transforms are albumentations' functions with fixed parameters (the
random parts, such as rain drops or fog discs, are drawn from a generator seeded by `seed`; gamma and Gaussian
noise are computed here to round instead of truncate); they leave coordinates where they were (identity matrix).
The ImageNet-C corruptions are registered as ``corruption_<name>`` with one parameter, ``severity`` (0-5). Geometric transforms compute their 2x3 affine matrix here and warp the image
with OpenCV, so `Perturbed.matrix` is exact for the image and the annotations alike.

Coordinates are continuous pixel coordinates, as in COCO and kolena_lab's annotations: the image's top-left corner
is (0, 0) and pixel (column i, row j) covers [i, i+1) x [j, j+1), its centre at (i + 0.5, j + 0.5). Geometric
transforms fill the area that leaves the frame with black (a constant border): a reflected border would show
copies of objects that have no ground truth.
"""
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import numpy as np

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.stress._extra import require
from kolena_lab.stress.corruptions import CORRUPTIONS, corrupt

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class Perturbed:
    """A perturbed image and the affine map from the input's pixel coordinates (x, y) to the output's."""

    image: np.ndarray
    matrix: np.ndarray = field(default_factory=IDENTITY.copy)

    def move_points(self, xy: np.ndarray) -> np.ndarray:
        """Nx2 points (x, y) of the input image -> where they are in the perturbed image."""
        points = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return points @ self.matrix[:, :2].T + self.matrix[:, 2]


@dataclass(frozen=True)
class Accepts:
    """The values a transform accepts for one parameter: a closed range (integers when ``integer``)."""

    low: float
    high: float
    integer: bool = False

    def check(self, transform: str, name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise InputValidationError(f"{transform}: parameter {name!r} must be a number, got {shown(value)}")
        if not np.isfinite(value) or not self.low <= value <= self.high:
            raise InputValidationError(
                f"{transform}: parameter {name!r} must be in [{self.low:g}, {self.high:g}], got {shown(value)}")
        if self.integer and value != int(value):
            raise InputValidationError(f"{transform}: parameter {name!r} must be an integer, got {shown(value)}")
        return int(value) if self.integer else float(value)


Function = Callable[[np.ndarray, Dict[str, Any], np.random.Generator], Tuple[np.ndarray, Optional[np.ndarray]]]


@dataclass(frozen=True)
class Transform:
    """A named perturbation: what it does (``doc``), the parameters it accepts and the values that change nothing.

    Calling it (``TRANSFORMS["rotate"](image, {"degrees": 5}, seed=0)``) is `apply`.
    """

    name: str
    function: Function
    accepts: Mapping[str, Accepts]
    neutral: Mapping[str, Any]
    doc: str
    geometric: bool = False

    def checked(self, params: Mapping[str, Any]) -> Dict[str, Any]:
        """Parameters checked against what the transform accepts, with neutral values for those not given."""
        unknown = sorted(set(params) - set(self.accepts))
        if unknown:
            raise InputValidationError(f"{self.name}: unknown parameter {shown(unknown[0])}; it accepts "
                                       f"{', '.join(self.accepts)}")
        values = dict(self.neutral)
        for name, value in params.items():
            values[name] = self.accepts[name].check(self.name, name, value)
        return values

    def __call__(self, image: np.ndarray, params: Mapping[str, Any], seed: int = 0) -> "Perturbed":
        image = _checked_image(image)
        out, matrix = self.function(image, self.checked(params), np.random.default_rng(seed))
        out = np.ascontiguousarray(out if out.dtype == np.uint8 else np.clip(np.round(out), 0, 255).astype(np.uint8))
        return Perturbed(out, IDENTITY.copy() if matrix is None else np.asarray(matrix, dtype=np.float64))


def _checked_image(image: Any) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8 or 0 in array.shape:
        raise InputValidationError(f"image must be an HxWx3 uint8 RGB array, got shape {array.shape} "
                                   f"of {array.dtype}")
    return array


TRANSFORMS: Dict[str, Transform] = {}


def register(name: str, accepts: Mapping[str, Accepts], neutral: Mapping[str, Any],
             geometric: bool = False) -> Callable[[Function], Function]:
    """Add a transform to `TRANSFORMS` under ``name``; its function's docstring documents it."""
    def add(function: Function) -> Function:
        TRANSFORMS[name] = Transform(name, function, dict(accepts), dict(neutral), (function.__doc__ or "").strip(),
                                     geometric)
        return function
    return add


def apply(transform: str, image: np.ndarray, params: Mapping[str, Any], seed: int = 0) -> Perturbed:
    """Apply the transform named ``transform`` with ``params`` (missing ones take their neutral value) to an HxWx3
    uint8 RGB image; the same seed gives the same image."""
    if transform not in TRANSFORMS:
        raise InputValidationError(f"unknown transform {shown(transform)}; known: {', '.join(sorted(TRANSFORMS))}")
    return TRANSFORMS[transform](image, params, seed)


def _functional() -> ModuleType:
    return require("albumentations.augmentations.functional")


# photometric ---------------------------------------------------------------------------------------------------

@register("brightness", {"delta": Accepts(-1, 1)}, {"delta": 0.0})
def _brightness(image, p, rng):
    """delta in [-1, 1]: adds delta * 255 to every channel (albumentations' brightness, by max). Neutral 0."""
    return _functional().brightness_contrast_adjust(image, alpha=1.0, beta=p["delta"], beta_by_max=True), None


@register("contrast", {"delta": Accepts(-1, 1)}, {"delta": 0.0})
def _contrast(image, p, rng):
    """delta in [-1, 1]: multiplies every channel by 1 + delta (albumentations' contrast). Neutral 0."""
    return _functional().brightness_contrast_adjust(image, alpha=1.0 + p["delta"], beta=0.0), None


@register("gamma", {"gamma": Accepts(0.2, 5)}, {"gamma": 1.0})
def _gamma(image, p, rng):
    """gamma in [0.2, 5]: each channel v -> 255 (v / 255) ** gamma; above 1 darkens. Neutral 1."""
    if p["gamma"] == 1.0:
        return image.copy(), None
    table = np.clip(np.round((np.arange(256) / 255.0) ** p["gamma"] * 255), 0, 255).astype(np.uint8)
    return require("cv2").LUT(image, table), None


@register("hue_saturation", {"hue": Accepts(-90, 90), "saturation": Accepts(-255, 255)},
          {"hue": 0.0, "saturation": 0.0})
def _hue_saturation(image, p, rng):
    """hue in [-90, 90] (OpenCV's 180-step hue circle: 90 is half a turn), saturation in [-255, 255] added to
    the HSV saturation (albumentations' HueSaturationValue). Neutral 0, 0."""
    return _functional().shift_hsv(image, int(round(p["hue"])), int(round(p["saturation"])), 0), None


@register("blur", {"sigma": Accepts(0, 10)}, {"sigma": 0.0})
def _blur(image, p, rng):
    """sigma in [0, 10] pixels: Gaussian blur, kernel of 2 * ceil(3 sigma) + 1. Neutral 0."""
    if p["sigma"] == 0:
        return image.copy(), None
    size = 2 * int(np.ceil(3 * p["sigma"])) + 1
    return require("albumentations.augmentations.blur.functional").gaussian_blur(image, size, p["sigma"]), None


@register("gaussian_noise", {"std": Accepts(0, 128)}, {"std": 0.0})
def _gaussian_noise(image, p, rng):
    """std in [0, 128] grey levels: adds zero-mean Gaussian noise drawn per pixel and channel, rounded to the
    nearest level (albumentations' noise truncates, which darkens by half a level). Neutral 0."""
    return image + np.float32(p["std"]) * rng.standard_normal(image.shape, dtype=np.float32), None


@register("jpeg", {"quality": Accepts(1, 100, integer=True)}, {"quality": 100})
def _jpeg(image, p, rng):
    """quality in [1, 100]: encodes and decodes as JPEG. 100 stands for no compression (the clean image), so the
    axis has an exact clean reference; 99 is the highest quality that actually encodes."""
    if p["quality"] == 100:
        return image.copy(), None
    return _functional().image_compression(image, p["quality"], ".jpg"), None


@register("fog", {"intensity": Accepts(0, 1)}, {"intensity": 0.0})
def _fog(image, p, rng):
    """intensity in [0, 1]: white haze discs over the image, denser towards the centre (albumentations' fog, its
    fog coefficient = intensity, alpha 0.08). Its discs are width / 3 * intensity pixels wide and only drawn from
    10 pixels: on small images low intensities change little. Neutral 0."""
    fog = p["intensity"]
    if fog == 0:
        return image.copy(), None
    height, width = image.shape[:2]
    hw = max(1, int(width // 3 * fog))
    haze, midx, midy, index = [], width // 2 - 2 * hw, height // 2 - hw, 1
    while midx > -hw or midy > -hw:
        count = hw // 10 * index
        if count:
            xs = rng.integers(midx, max(midx, width - midx - hw) + 1, size=count)
            ys = rng.integers(midy, max(midy, height - midy - hw) + 1, size=count)
            haze.extend(zip(xs.tolist(), ys.tolist()))
        midx -= 3 * hw * width // (width + height)
        midy -= 3 * hw * height // (width + height)
        index += 1
    return _functional().add_fog(image, fog, 0.08, haze), None


@register("rain", {"intensity": Accepts(0, 1)}, {"intensity": 0.0})
def _rain(image, p, rng):
    """intensity in [0, 1]: slanted grey rain streaks (one per 300 / intensity pixels, length 5 + 35 intensity
    pixels), a box blur of 1 + round(2 intensity) pixels and a darkening by 30% intensity (albumentations' rain).
    Neutral 0."""
    rain = p["intensity"]
    if rain == 0:
        return image.copy(), None
    height, width = image.shape[:2]
    length = min(height - 1, int(round(5 + 35 * rain)))
    slant = int(rng.integers(-10, 11))
    count = int(height * width * rain / 300)
    xs = rng.integers(max(0, -slant), max(1, width - max(0, slant)), size=count)
    ys = rng.integers(0, max(1, height - length), size=count)
    drops = list(zip(xs.tolist(), ys.tolist()))
    blur = 1 + int(round(2 * rain))
    return _functional().add_rain(image, slant, length, 1, (200, 200, 200), blur, 1.0 - 0.3 * rain, drops), None


@register("snow", {"intensity": Accepts(0, 1)}, {"intensity": 0.0})
def _snow(image, p, rng):
    """intensity in [0, 1]: brightens the pixels whose lightness is below 85 + 127.5 intensity by a factor of
    1 + 1.5 intensity (albumentations' snow; its default factor 2.5 at intensity 1), so the change grows from
    nothing. Neutral 0."""
    if p["intensity"] == 0:
        return image.copy(), None
    return _functional().add_snow(image, p["intensity"], 1.0 + 1.5 * p["intensity"]), None


@register("motion_blur", {"length": Accepts(0, 50, integer=True), "angle": Accepts(-180, 180)},
          {"length": 0, "angle": 0.0})
def _motion_blur(image, p, rng):
    """length in [0, 50] pixels along angle in [-180, 180] degrees (0 = horizontal): averages the image along a
    line segment centred on each pixel (albumentations' convolution with a line kernel). Neutral length 0 or 1."""
    length = p["length"]
    if length <= 1:
        return image.copy(), None
    cv2 = require("cv2")
    kernel = np.zeros((length, length), dtype=np.float32)
    centre = (length - 1) / 2
    dx, dy = np.cos(np.radians(p["angle"])) * centre, -np.sin(np.radians(p["angle"])) * centre
    cv2.line(kernel, (int(round(centre - dx)), int(round(centre - dy))),
             (int(round(centre + dx)), int(round(centre + dy))), 1.0, 1)
    return _functional().convolve(image, kernel / kernel.sum()), None


# geometric -----------------------------------------------------------------------------------------------------

def _warp(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Warp with a matrix of continuous coordinates: OpenCV samples at pixel centres, half a pixel away."""
    cv2 = require("cv2")
    to_centres = matrix.copy()
    to_centres[:, 2] += matrix[:, :2] @ np.array([0.5, 0.5]) - 0.5
    height, width = image.shape[:2]
    return cv2.warpAffine(image, to_centres, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def _about_centre(linear: np.ndarray, image: np.ndarray) -> np.ndarray:
    centre = np.array([image.shape[1] / 2, image.shape[0] / 2])
    return np.hstack([linear, (centre - linear @ centre)[:, None]])


def _geometric(image: np.ndarray, matrix: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    if np.array_equal(matrix, IDENTITY):
        return image.copy(), matrix
    return _warp(image, matrix), matrix


@register("rotate", {"degrees": Accepts(-180, 180)}, {"degrees": 0.0}, geometric=True)
def _rotate(image, p, rng):
    """degrees in [-180, 180]: rotates about the image centre, counter-clockwise as seen on screen. Neutral 0."""
    angle = np.radians(p["degrees"])
    # exact zeros at multiples of 90 degrees, so a quarter turn moves points to whole coordinates
    cos, sin = (0.0 if abs(v) < 1e-12 else float(v) for v in (np.cos(angle), np.sin(angle)))
    return _geometric(image, _about_centre(np.array([[cos, sin], [-sin, cos]]), image))


@register("scale", {"factor": Accepts(0.1, 10)}, {"factor": 1.0}, geometric=True)
def _scale(image, p, rng):
    """factor in [0.1, 10]: zooms about the image centre (above 1 enlarges and crops). Neutral 1."""
    return _geometric(image, _about_centre(np.eye(2) * p["factor"], image))


@register("translate", {"dx": Accepts(-1, 1), "dy": Accepts(-1, 1)}, {"dx": 0.0, "dy": 0.0}, geometric=True)
def _translate(image, p, rng):
    """dx, dy in [-1, 1]: shifts right by dx * width and down by dy * height pixels. Neutral 0, 0."""
    height, width = image.shape[:2]
    return _geometric(image, np.array([[1.0, 0.0, p["dx"] * width], [0.0, 1.0, p["dy"] * height]]))


@register("hflip", {"flip": Accepts(0, 1, integer=True)}, {"flip": 0}, geometric=True)
def _hflip(image, p, rng):
    """flip 0 or 1: 1 mirrors left-right (x -> width - x). Neutral 0."""
    if not p["flip"]:
        return image.copy(), IDENTITY.copy()
    return image[:, ::-1].copy(), np.array([[-1.0, 0.0, float(image.shape[1])], [0.0, 1.0, 0.0]])


# ImageNet-C ----------------------------------------------------------------------------------------------------

def _corrupting(name: str) -> Function:
    def function(image, p, rng):
        return corrupt(name, image, p["severity"], rng), None
    function.__doc__ = (f"severity 0-5: ImageNet-C's {name.replace('_', ' ')} at the paper's severity "
                        f"(see kolena_lab.stress.corruptions). Neutral 0, the clean image.")
    return function


for _name in CORRUPTIONS:
    register(f"corruption_{_name}", {"severity": Accepts(0, 5, integer=True)}, {"severity": 0})(_corrupting(_name))
