"""``kolena_lab.workflow.visualization``: the Jet colormap, activation maps, and PNG encoding."""
import numpy as np
import pytest
from PIL import Image as PILImage

from kolena_lab.errors import InputValidationError
from kolena_lab.workflow.visualization import Colormap, ColormapJet, colorize_activation_map, encode_png


def _jet(level: float, shift: float) -> int:
    """Jet's channel by its definition: a linear ramp through 1/8, 3/8, 5/8 and 7/8 of 255, rounded half to even."""
    x = level + shift
    knots = [0, 255 / 8, 3 * 255 / 8, 5 * 255 / 8, 7 * 255 / 8, 10 * 255]
    values = [0, 0, 255, 255, 0, 0]
    return int(round(float(np.interp(x, knots, values))))


def test_jet_equals_its_definition_at_every_level():
    out = colorize_activation_map(np.arange(256, dtype=np.uint8).reshape(16, 16), ColormapJet(False))
    for level in range(256):
        r, g, b, a = out.reshape(256, 4)[level].tolist()
        assert (r, g, b, a) == (_jet(level, -255 / 4), _jet(level, 0), _jet(level, 255 / 4), 255), level


def test_known_colours_and_fading():
    opaque = colorize_activation_map(np.array([[0, 32, 128, 255]], dtype=np.uint8), ColormapJet(False))
    assert opaque.tolist() == [[[0, 0, 128, 255], [0, 0, 255, 255], [130, 255, 126, 255], [128, 0, 0, 255]]]
    faded = colorize_activation_map(np.array([[0, 95, 128, 255]], dtype=np.uint8))
    # alpha = 255 / (1 + exp((127.5 - level) / 8)), fractions dropped
    assert faded[0, :, 3].tolist() == [int(255 / (1 + np.exp((127.5 - v) / 8))) for v in (0, 95, 128, 255)]
    assert faded[0, :, 3].tolist() == [0, 4, 131, 254]
    assert faded.dtype == np.uint8 and faded.shape == (1, 4, 4)


def test_inputs_floats_and_shapes():
    levels = np.array([[0, 51, 102], [153, 204, 255]], dtype=np.uint8)
    expected = colorize_activation_map(levels)
    assert np.array_equal(colorize_activation_map(levels / 255.0), expected)
    assert np.array_equal(colorize_activation_map(levels[:, :, None]), expected)
    original = levels.copy()
    colorize_activation_map(levels)
    assert np.array_equal(levels, original)


@pytest.mark.parametrize("bad", [
    np.array([], dtype=np.uint8),
    np.zeros((0, 3), dtype=np.uint8),
    np.array([[0.4], [-0.4]]),  # floats outside [0, 1]
    np.array([[1.5]]),
    np.array([[np.nan]]),
    np.array([[1, 2]], dtype=np.int64),
    np.zeros((2, 2, 3), dtype=np.uint8),
    np.zeros((2,), dtype=np.uint8),
    np.zeros((1, 2, 2, 1), dtype=np.uint8),
])
def test_bad_activation_maps_raise(bad):
    with pytest.raises(InputValidationError):
        colorize_activation_map(bad)


def test_a_colormap_written_for_single_values_works():
    class Threshold(Colormap):
        def red(self, intensity):
            return 255 if intensity > 100 else 0

        def green(self, intensity):
            return 0

        def blue(self, intensity):
            return 255 - intensity

    out = colorize_activation_map(np.array([[10, 200]], dtype=np.uint8), Threshold(fade_low_activation=False))
    assert out.tolist() == [[[0, 0, 245, 255], [255, 0, 55, 255]]]


@pytest.mark.parametrize("shape, mode", [((4, 5), "L"), ((4, 5, 1), "L"), ((4, 5, 3), "RGB"), ((4, 5, 4), "RGBA")])
def test_encode_png_round_trips(shape, mode):
    image = np.random.default_rng(1).integers(0, 256, size=shape, dtype=np.uint8)
    buffer = encode_png(image, mode)
    assert buffer.tell() == 0 and buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    decoded = PILImage.open(buffer)
    assert (decoded.format, decoded.mode, decoded.size) == ("PNG", mode, (5, 4))
    assert np.array_equal(np.asarray(decoded), image.reshape(4, 5, -1).squeeze(axis=2) if mode == "L" else image)


def test_encode_png_of_a_colorized_map():
    rgba = colorize_activation_map(np.linspace(0, 1, 12).reshape(3, 4))
    assert np.array_equal(np.asarray(PILImage.open(encode_png(rgba, "RGBA"))), rgba)


@pytest.mark.parametrize("image, mode", [
    (np.zeros((0, 3), dtype=np.uint8), "L"),
    (np.zeros((3,), dtype=np.uint8), "L"),
    (np.zeros((1, 2, 3, 4), dtype=np.uint8), "RGBA"),
    (np.zeros((2, 3), dtype=np.uint8), "RGB"),  # too little data for the mode
    (np.zeros((2, 3, 4), dtype=np.uint8), "L"),  # more data than the mode holds
    (np.zeros((2, 3, 3)), "RGB"),  # float64 pixels
    (np.zeros((2, 3), dtype=np.uint8), "no such mode"),
])
def test_encode_png_rejects_what_it_cannot_encode(image, mode):
    with pytest.raises(InputValidationError):
        encode_png(image, mode)
