"""Fonts and text wrapping shared by placeholders and overlays."""
import threading
from typing import List, Union

from PIL import ImageFont

Font = Union[ImageFont.FreeTypeFont, ImageFont.ImageFont]
_local = threading.local()  # FreeType faces must not be shared between threads


def font(size: int) -> Font:
    """Pillow's bundled font at ``size`` pixels (a fixed bitmap font when Pillow lacks FreeType)."""
    fonts = _local.__dict__.setdefault("fonts", {})
    if size not in fonts:
        fonts[size] = ImageFont.load_default(size=size)
    return fonts[size]


def wrap(text: str, face: Font, width: float, max_lines: int) -> List[str]:
    """``text`` broken into at most ``max_lines`` lines no wider than ``width``; long words are split, and a cut
    last line ends in '...'."""
    lines: List[str] = []
    line = ""
    for word in " ".join(text.split()).split(" "):
        candidate = f"{line} {word}" if line else word
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:  # a word wider than a line (paths, URLs) breaks anywhere
            if line and face.getlength(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and face.getlength(last + "...") > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "..."]
    return lines
