"""A page of thumbnails from 1024x768 JPEGs on local disk: cold (empty thumbnail cache) and warm (all cached).

Targets: a page of 100 in <= 1.5 s cold and <= 100 ms warm on 2 cores. The source files are generated once in a
temporary directory (gradients, shapes and sensor-like noise, ~100-200 KB each), so after the first run they are in
the OS page cache: "cold" means the thumbnail cache is empty, not the disk. Each configuration is timed --repeat
times and the median is reported; imports and Pillow's plugin loading happen before timing.

Usage: python benchmarks/bench_thumbnails.py [--count 100] [--size 256] [--workers 1,2,4,8] [--repeat 5]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import List

import numpy as np
from PIL import Image, ImageDraw

from kolena_lab.media import DiskCache, thumbnail, thumbnails

COLD_TARGET_S = 1.5
WARM_TARGET_S = 0.1


def _photo(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:768, 0:1024].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    ramp = (x * np.cos(angle) + y * np.sin(angle)) / 1280
    base = np.stack([ramp * rng.uniform(80, 255), (1 - ramp) * rng.uniform(80, 255),
                     np.full_like(ramp, rng.uniform(40, 200))], axis=-1)
    image = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = rng.integers(0, 1024), rng.integers(0, 768)
        w, h = rng.integers(20, 300, 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=colour)
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 6, (768, 1024, 3))
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def _make_images(root: Path, count: int) -> List[str]:
    root.mkdir()
    paths = []
    for i in range(count):
        path = root / f"img_{i:04d}.jpg"
        _photo(i).save(path, quality=85)
        paths.append(str(path))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kolena-lab-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        paths = _make_images(root / "images", args.count)
        sizes = [Path(p).stat().st_size for p in paths]
        print(f"{args.count} JPEGs 1024x768, {statistics.mean(sizes) / 1e3:.0f} KB on average "
              f"({min(sizes) / 1e3:.0f}-{max(sizes) / 1e3:.0f} KB), made in {time.perf_counter() - started:.1f} s")
        thumbnail(paths[0], args.size, cache=False)  # imports, plugin loading, fonts

        print(f"thumbnail size {args.size}, median of {args.repeat}; targets: cold <= {COLD_TARGET_S} s, "
              f"warm <= {WARM_TARGET_S * 1e3:.0f} ms")
        for workers in (int(w) for w in args.workers.split(",")):
            cold, warm = [], []
            for run in range(args.repeat):
                cache = DiskCache(root / f"cache-{workers}-{run}")
                started = time.perf_counter()
                page = thumbnails(paths, args.size, workers=workers, cache=cache)
                cold.append(time.perf_counter() - started)
                assert not any(t.error or t.cached for t in page), "cold page had errors or cache hits"
                started = time.perf_counter()
                page = thumbnails(paths, args.size, workers=workers, cache=cache)
                warm.append(time.perf_counter() - started)
                assert all(t.cached for t in page), "warm page missed the cache"
            cold_s, warm_s = statistics.median(cold), statistics.median(warm)
            print(f"workers={workers}: cold {cold_s:.3f} s ({'ok' if cold_s <= COLD_TARGET_S else 'OVER'}), "
                  f"warm {warm_s * 1e3:.1f} ms ({'ok' if warm_s <= WARM_TARGET_S else 'OVER'})"
                  f"   [cold min {min(cold):.3f} max {max(cold):.3f}; warm min {min(warm) * 1e3:.1f} "
                  f"max {max(warm) * 1e3:.1f} ms]")


if __name__ == "__main__":
    main()
