"""Typed placeholder images for media without a picture (video, audio, documents, ...) and for failures.

Each is an icon and a title drawn with Pillow, with a caption: the file name, or for an error the reason as plain
text. Text drawn into pixels cannot inject markup, whatever the locator or reason contains.
"""
import math
from typing import Callable, Dict, Optional, Tuple

from PIL import Image, ImageDraw

from kolena_lab.media._text import font, wrap
from kolena_lab.media.kinds import MediaKind

Size = Tuple[int, int]
Box = Tuple[float, float, float, float]
Color = Tuple[int, int, int]

_BACKGROUND: Color = (243, 244, 246)
_ERROR_BACKGROUND: Color = (254, 242, 242)
_ERROR_COLOR: Color = (200, 30, 30)
_TEXT_COLOR: Color = (55, 65, 81)


def _centred_text(draw: ImageDraw.ImageDraw, centre: Tuple[float, float], text: str, fill: Color, size: int) -> None:
    face = font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=face)
    draw.text((centre[0] - (left + right) / 2, centre[1] - (top + bottom) / 2), text, fill=fill, font=face)


def _document(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    left, right, fold = x0 + 0.18 * s, x1 - 0.18 * s, 0.2 * s
    width = max(2, round(s / 24))
    draw.polygon([(left, y0), (right - fold, y0), (right, y0 + fold), (right, y1), (left, y1)], outline=color,
                 width=width)
    draw.line([(right - fold, y0), (right - fold, y0 + fold), (right, y0 + fold)], fill=color, width=width)
    for i in range(3):
        y = y0 + (0.45 + 0.15 * i) * s
        draw.line([(left + 0.12 * s, y), (right - 0.12 * s, y)], fill=color, width=width)


def _text(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    height = max(2, s / 12)
    for i, length in enumerate((1.0, 0.85, 0.95, 0.6)):
        y = y0 + 0.15 * s + i * 0.2 * s
        draw.rounded_rectangle([x0, y, x0 + length * s, y + height], radius=height / 2, fill=color)


def _audio(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    bars = 9
    step = s / bars
    mid = (y0 + y1) / 2
    for i in range(bars):
        half = s * (0.1 + 0.35 * abs(math.sin(i * 1.3 + 0.4)))
        x = x0 + i * step + step * 0.2
        draw.rounded_rectangle([x, mid - half, x + step * 0.6, mid + half], radius=step * 0.3, fill=color)


def _point_cloud(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    r = max(1.5, s / 40)
    for i in range(60):  # a deterministic spiral of points, denser at the centre
        angle = i * 2.39996
        radius = 0.48 * s * math.sqrt(i / 60)
        x = (x0 + x1) / 2 + radius * math.cos(angle)
        y = (y0 + y1) / 2 + 0.6 * radius * math.sin(angle)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color)


def _video(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    draw.rounded_rectangle([x0, y0 + 0.15 * s, x1, y1 - 0.15 * s], radius=s / 10, outline=color,
                           width=max(2, round(s / 24)))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    draw.polygon([(cx - 0.12 * s, cy - 0.17 * s), (cx - 0.12 * s, cy + 0.17 * s), (cx + 0.18 * s, cy)], fill=color)


def _mesh(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    width = max(1, round(s / 40))
    rows = 4
    for row in range(rows + 1):  # a triangulated triangle
        y = y0 + 0.1 * s + row * 0.8 * s / rows
        half = row * 0.5 * s / rows
        cx = (x0 + x1) / 2
        draw.line([(cx - half, y), (cx + half, y)], fill=color, width=width)
    apex, base = ((x0 + x1) / 2, y0 + 0.1 * s), y0 + 0.9 * s
    for k in range(rows + 1):
        x = x0 + k * s / rows
        draw.line([apex, (x, base)], fill=color, width=width)


def _binary(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    draw.rounded_rectangle([x0 + 0.1 * s, y0 + 0.1 * s, x1 - 0.1 * s, y1 - 0.1 * s], radius=s / 10, outline=color,
                           width=max(2, round(s / 24)))
    _centred_text(draw, ((x0 + x1) / 2, (y0 + y1) / 2), "01", color, max(8, round(s / 3)))


def _image(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    top, bottom = y0 + 0.15 * s, y1 - 0.15 * s
    draw.rounded_rectangle([x0, top, x1, bottom], radius=s / 12, outline=color, width=max(2, round(s / 24)))
    draw.polygon([(x0 + 0.1 * s, bottom - 0.08 * s), (x0 + 0.4 * s, top + 0.3 * s), (x0 + 0.6 * s, bottom - 0.25 * s),
                  (x0 + 0.72 * s, top + 0.45 * s), (x1 - 0.1 * s, bottom - 0.08 * s)], fill=color)
    r = 0.08 * s
    draw.ellipse([x1 - 0.3 * s - r, top + 0.18 * s - r, x1 - 0.3 * s + r, top + 0.18 * s + r], fill=color)


def _error(draw: ImageDraw.ImageDraw, box: Box, color: Color) -> None:
    x0, y0, x1, y1 = box
    s = x1 - x0
    draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=color)
    _centred_text(draw, ((x0 + x1) / 2, y0 + 0.62 * s), "!", (255, 255, 255), max(8, round(s / 1.8)))


_ICONS: Dict[Optional[MediaKind], Tuple[str, Color, Callable[[ImageDraw.ImageDraw, Box, Color], None]]] = {
    MediaKind.IMAGE: ("IMAGE", (75, 85, 99), _image),
    MediaKind.VIDEO: ("VIDEO", (79, 70, 229), _video),
    MediaKind.AUDIO: ("AUDIO", (5, 150, 105), _audio),
    MediaKind.DOCUMENT: ("DOCUMENT", (37, 99, 235), _document),
    MediaKind.TEXT: ("TEXT", (75, 85, 99), _text),
    MediaKind.POINT_CLOUD: ("POINT CLOUD", (217, 119, 6), _point_cloud),
    MediaKind.MESH: ("3D MESH", (124, 58, 237), _mesh),
    MediaKind.BINARY: ("FILE", (75, 85, 99), _binary),
    None: ("CANNOT SHOW", _ERROR_COLOR, _error),
}


def _draw(kind: Optional[MediaKind], size: Size, caption: str) -> Image.Image:
    width, height = max(16, int(size[0])), max(16, int(size[1]))
    title, color, icon = _ICONS[kind]
    image = Image.new("RGB", (width, height), _BACKGROUND if kind else _ERROR_BACKGROUND)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    pad = max(2, round(unit / 16))
    side = unit * (0.26 if kind is None else 0.34)
    icon(draw, ((width - side) / 2, pad, (width + side) / 2, pad + side), color)
    y = pad * 1.5 + side
    for text, face, fill, max_lines in ((title, font(max(8, round(unit / 14))), color, 1),
                                        (caption, font(max(8, round(unit / 19))), _TEXT_COLOR, None)):
        line_height = face.getbbox("Ag")[3] * 1.25
        lines = max_lines or max(1, int((height - y - pad / 2) // line_height))
        for line in wrap(text, face, width - 2 * pad, lines):
            draw.text(((width - face.getlength(line)) / 2, y), line, fill=fill, font=face)
            y += line_height
        y += pad / 4
    return image


def placeholder(kind: MediaKind, size: Size = (256, 256), caption: Optional[str] = None) -> Image.Image:
    """An RGB placeholder for ``kind`` of ``size`` (width, height): icon, kind name and ``caption``."""
    return _draw(kind, size, caption or "")


def error_placeholder(reason: str, size: Size = (256, 256)) -> Image.Image:
    """An RGB placeholder for a failure, showing ``reason`` (plain text, wrapped to fit)."""
    return _draw(None, size, reason)
