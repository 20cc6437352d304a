"""Throughput of every perturbation on one core: images per second on 256x256 RGB images.

Times each transform of `kolena_lab.stress.TRANSFORMS` at a representative setting (the outdoor domain's upper
range) and each ImageNet-C corruption at severity 3, each on ``--images`` different 256x256 images (a new seed per
image), after one warm-up call. OpenCV is held to one thread so the figure is per core. Prints a table.

Usage: python benchmarks/bench_transforms.py [--images 40] [--size 256]
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kolena_lab.stress.corruptions import CORRUPTIONS  # noqa: E402
from kolena_lab.stress.transforms import TRANSFORMS, apply  # noqa: E402

SETTINGS = {
    "brightness": {"delta": 0.2}, "contrast": {"delta": 0.3}, "gamma": {"gamma": 1.5},
    "hue_saturation": {"hue": 10, "saturation": 40}, "blur": {"sigma": 5}, "gaussian_noise": {"std": 25},
    "jpeg": {"quality": 40}, "fog": {"intensity": 0.8}, "rain": {"intensity": 0.7}, "snow": {"intensity": 0.3},
    "motion_blur": {"length": 15, "angle": 30}, "rotate": {"degrees": 10}, "scale": {"factor": 1.1},
    "translate": {"dx": 0.1, "dy": -0.1}, "hflip": {"flip": 1},
    **{f"corruption_{name}": {"severity": 3} for name in CORRUPTIONS},
}


def images(count: int, size: int) -> list:
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:size, 0:size] / size
    base = np.stack([xs * 200 + 30, ys * 180 + 40, (xs + ys) * 75 + 60], -1)
    return [np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    import cv2
    cv2.setNumThreads(1)
    batch = images(args.images, args.size)
    missing = sorted(set(TRANSFORMS) - set(SETTINGS))
    if missing:
        raise SystemExit(f"no benchmark setting for {', '.join(missing)}")
    print(f"{'transform':32s} {'parameters':28s} {'images/s':>10s} {'ms/image':>9s}")
    for name in TRANSFORMS:
        params = SETTINGS[name]
        apply(name, batch[0], params, seed=0)
        start = time.perf_counter()
        for seed, image in enumerate(batch):
            apply(name, image, params, seed=seed)
        seconds = (time.perf_counter() - start) / len(batch)
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        print(f"{name:32s} {shown:28s} {1 / seconds:10.0f} {seconds * 1000:9.2f}")


if __name__ == "__main__":
    main()
