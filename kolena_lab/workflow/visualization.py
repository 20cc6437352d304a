"""Kolena's ``kolena.workflow.visualization``: colouring an activation map and encoding an array as a PNG file."""
import io
from abc import ABC, abstractmethod
from typing import Any, Optional

import numpy as np
from PIL import Image as PILImage

from kolena_lab.errors import InputValidationError

_MAX = 255.0


class Colormap(ABC):
    """Maps a grayscale intensity (0-255) to red, green, blue and alpha values (0-255).

    With ``fade_low_activation`` (the default) alpha rises along a logistic curve centred on mid-gray, so weak
    activations are transparent in an overlay; without it every pixel is opaque.
    """

    fade_low_activation: bool

    def __init__(self, fade_low_activation: bool = True):
        self.fade_low_activation = fade_low_activation

    @abstractmethod
    def red(self, intensity: Any) -> Any:
        """The red value of an intensity."""

    @abstractmethod
    def green(self, intensity: Any) -> Any:
        """The green value of an intensity."""

    @abstractmethod
    def blue(self, intensity: Any) -> Any:
        """The blue value of an intensity."""

    def alpha(self, intensity: Any) -> Any:
        """The alpha value of an intensity: logistic in the intensity when fading, else 255."""
        if not self.fade_low_activation:
            return np.uint8(_MAX)
        return _MAX / (1.0 + np.exp((_MAX / 2 - np.asarray(intensity, dtype=np.float64)) / 8.0))

    def colorize(self, intensity: Any) -> np.ndarray:
        """``[red, green, blue, alpha]`` of an intensity, as ``uint8`` (fractions truncated)."""
        channels = [self.red(intensity), self.green(intensity), self.blue(intensity), self.alpha(intensity)]
        return np.array([np.clip(np.asarray(c, dtype=np.float64), 0, _MAX) for c in channels]).astype(np.uint8)


def _trapezoid(x: Any) -> np.ndarray:
    """A ramp from 0 up to 255 over [255/8, 3·255/8], flat to 5·255/8, down to 0 at 7·255/8, rounded half to even."""
    x = np.asarray(x, dtype=np.float64)
    rising, falling = 4.0 * (x - _MAX / 8), 4.0 * (7 * _MAX / 8 - x)
    return np.rint(np.clip(np.minimum(np.minimum(rising, falling), _MAX), 0.0, _MAX))


class ColormapJet(Colormap):
    """MATLAB's "Jet" palette: dark blue, blue, cyan, yellow, red, dark red as the intensity rises."""

    def red(self, intensity: Any) -> Any:
        return _trapezoid(np.asarray(intensity, dtype=np.float64) - _MAX / 4)

    def green(self, intensity: Any) -> Any:
        return _trapezoid(intensity)

    def blue(self, intensity: Any) -> Any:
        return _trapezoid(np.asarray(intensity, dtype=np.float64) + _MAX / 4)


def _as_uint8_map(activation_map: np.ndarray) -> np.ndarray:
    """The map as ``(h, w)`` ``uint8``: floats in [0, 1] are scaled to 0-255 and rounded."""
    activation_map = np.asarray(activation_map)
    if activation_map.size == 0:
        raise InputValidationError("activation map is empty")
    if np.issubdtype(activation_map.dtype, np.floating) and ((activation_map >= 0) & (activation_map <= 1)).all():
        activation_map = np.rint(activation_map * _MAX).astype(np.uint8)
    if activation_map.dtype != np.uint8:
        raise InputValidationError(
            f"activation map must be uint8, or float in [0, 1]; got {activation_map.dtype} "
            f"(range {activation_map.min()} to {activation_map.max()})")
    if activation_map.ndim == 3 and activation_map.shape[2] == 1:
        return activation_map[:, :, 0]
    if activation_map.ndim != 2:
        raise InputValidationError(
            f"activation map must be shaped (h, w) or (h, w, 1), got {activation_map.shape}")
    return activation_map


def colorize_activation_map(activation_map: np.ndarray, colormap: Optional[Colormap] = None) -> np.ndarray:
    """An ``(h, w, 4)`` ``uint8`` RGBA image of a one-channel activation map, through ``colormap`` (Jet by default).

    The map is ``(h, w)`` or ``(h, w, 1)``, ``uint8`` or float in [0, 1]; anything else raises
    ``InputValidationError``. The colormap is evaluated once per intensity level, so a colormap written for single
    values works.
    """
    intensities = _as_uint8_map(activation_map)
    colormap = ColormapJet() if colormap is None else colormap
    table = np.stack([np.asarray(colormap.colorize(np.uint8(level)), dtype=np.uint8).reshape(4)
                      for level in range(256)])
    return table[intensities]


def encode_png(image: np.ndarray, mode: str) -> io.BytesIO:
    """An in-memory PNG file (positioned at its start) of an ``(h, w)``, ``(h, w, 1)``, ``(h, w, 3)`` or
    ``(h, w, 4)`` array whose pixels are laid out as the Pillow ``mode`` says (e.g. ``"L"``, ``"RGB"``, ``"RGBA"``)."""
    image = np.asarray(image)
    if image.size == 0:
        raise InputValidationError("image array is empty")
    if image.ndim not in (2, 3):
        raise InputValidationError(
            f"image array must be shaped (h, w), (h, w, 1), (h, w, 3) or (h, w, 4), got {image.shape}")
    height, width = image.shape[:2]
    buffer = io.BytesIO()
    try:
        pil_image = PILImage.frombytes(mode, (width, height), np.ascontiguousarray(image).tobytes())
        if len(pil_image.tobytes()) != image.nbytes:
            raise ValueError(f"mode {mode!r} holds {len(pil_image.tobytes())} bytes, the array {image.nbytes}")
        pil_image.save(buffer, format="PNG")
    except (ValueError, TypeError, OSError) as exc:
        raise InputValidationError(
            f"cannot encode a {image.dtype} array shaped {image.shape} as a PNG of mode {mode!r}: {exc}") from None
    buffer.seek(0)
    return buffer


__all__ = ["Colormap", "ColormapJet", "colorize_activation_map", "encode_png"]
