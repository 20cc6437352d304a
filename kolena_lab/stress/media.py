"""Images of a stress test: reading a sample's image, and writing each perturbed image once as a content-addressed
PNG (named by the sha256 of its bytes) under the store's media folder (``catalog.media_folder()``)."""
import hashlib
import io
import os
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from kolena_lab.errors import ImageDecodeError, LocatorError, shown
from kolena_lab.media.locators import read_locator

FOLDER = "stress"
PNG_COMPRESSION = 1  # zlib level: fast, and the bytes (so the names) stay the same for the same image


def read_image(locator: str) -> np.ndarray:
    """The image at ``locator`` as HxWx3 uint8 RGB; ``ImageDecodeError`` naming it when it is no image."""
    try:
        with PILImage.open(io.BytesIO(read_locator(locator))) as image:
            return np.asarray(image.convert("RGB"))
    except LocatorError:
        raise
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageDecodeError(f"test sample {shown(locator)} is not a readable image: {e}") from None


def png_bytes(image: np.ndarray) -> bytes:
    """An HxWx3 uint8 image as PNG bytes (deterministic)."""
    out = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(out, format="PNG",
                                                                         compress_level=PNG_COMPRESSION)
    return out.getvalue()


def write_png(image: np.ndarray, folder: Path) -> str:
    """Write the image under ``folder/stress/<2 hex>/<sha256>.png`` unless it is there; its path (the locator)."""
    data = png_bytes(image)
    digest = hashlib.sha256(data).hexdigest()
    path = folder / FOLDER / digest[:2] / f"{digest}.png"
    if not path.exists():
        temporary = path.with_name(f".{digest}.{uuid.uuid4().hex}.tmp")
        try:
            temporary.write_bytes(data)
        except FileNotFoundError:  # the folder's first image
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
        os.replace(temporary, path)  # atomic: a reader never sees half a file
    return str(path)


class ImageCache:
    """Parent images by locator, the most recently used kept up to ``max_bytes``."""

    def __init__(self, max_bytes: int = 512 << 20):
        self.max_bytes, self._bytes = max_bytes, 0
        self._images: "OrderedDict[str, np.ndarray]" = OrderedDict()

    def get(self, locator: str) -> Any:
        image = self._images.get(locator)
        if image is not None:
            self._images.move_to_end(locator)
            return image
        image = read_image(locator)
        self._images[locator] = image
        self._bytes += image.nbytes
        while self._bytes > self.max_bytes and len(self._images) > 1:
            _, dropped = self._images.popitem(last=False)
            self._bytes -= dropped.nbytes
        return image
