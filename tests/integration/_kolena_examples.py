"""Small real images for the tests that follow the shapes of Kolena's example workflows."""
from pathlib import Path
from typing import List

from PIL import Image as PILImage


def write_images(directory: Path, count: int, size: tuple = (16, 12)) -> List[str]:
    """Write ``count`` small PNGs of distinct colours under ``directory`` and return their paths as locators."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"image_{i:03d}.png"
        PILImage.new("RGB", size, ((37 * i) % 256, (91 * i) % 256, (173 * i) % 256)).save(path)
        paths.append(str(path))
    return paths
