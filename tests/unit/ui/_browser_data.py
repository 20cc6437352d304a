"""Real image files, bad files and a workflow for the sample browser tests."""
import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import numpy as np
from PIL import Image as PILImage

from kolena_lab.workflow import GroundTruth, Image, Inference, LabeledBoundingBox, define_workflow


@dataclass(frozen=True)
class BrowserGT(GroundTruth):
    label: str
    boxes: Optional[List[LabeledBoundingBox]] = None


@dataclass(frozen=True)
class BrowserInf(Inference):
    label: str
    score: float


def workflow_classes(name: str = "Browser Test"):
    return define_workflow(name, Image, BrowserGT, BrowserInf)


def write_images(folder: Path, n: int, size=(64, 48)) -> List[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        rng = np.random.default_rng(i)
        path = folder / f"img_{i:03d}.jpg"
        PILImage.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path, "JPEG")
        paths.append(str(path))
    return paths


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` pixels, compressed row by row (small on disk)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes(width)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def bad_files(folder: Path) -> dict:
    """Locators that cannot be shown, by what is wrong with them."""
    folder.mkdir(parents=True, exist_ok=True)
    good = io.BytesIO()
    PILImage.new("RGB", (400, 300), (200, 30, 30)).save(good, "JPEG")
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(good.getvalue()[: len(good.getvalue()) // 3])
    not_image = folder / "notes.jpg"
    not_image.write_bytes(b"these bytes are plain text, not a picture\n" * 20)
    huge = folder / "huge.png"
    huge.write_bytes(huge_png(20000, 20000))
    html_name = folder / "<img src=x onerror=alert(1)>.jpg"
    return {
        "missing": str(folder / "does-not-exist.jpg"),
        "not_image": str(not_image),
        "truncated": str(truncated),
        "huge": str(huge),
        "html": str(html_name),
    }
