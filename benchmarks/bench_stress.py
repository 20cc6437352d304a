"""Stress testing: (1) the engine's overhead over the model's own inference, (2) how many of the failures found by a
long random search a short optuna search finds.

(1) Writes ``--images`` (default 10,000) smooth synthetic 256x256 PNGs (a few KB each), stores them as a test case,
and times a small numpy convolution net (a few ms per image, reading its image from disk as any model does) on them
alone: the model's own throughput. Then times ``stress_test`` with ``--budget`` random perturbations per image on the
"outdoor" domain (perturbing, writing content-addressed PNGs, storing samples and inferences, scoring, test cases),
on a fresh store so that nothing is reused. Overhead = the stress run's time per inference over the model's own, minus
one; target <= 25%. Also printed: the model's share of the run, the CPU time overhead (the engine perturbs the next
batch on a second thread while the model infers, so wall-clock overhead is lower than CPU overhead on an idle
machine), and the engine's own cost per perturbed sample with a model that costs nothing.

(2) A planted-failure classifier whose true-class score sinks smoothly towards a small region of one axis's
parameter (brightness delta in [0.15, 0.2] of [-0.2, 0.2], one axis of twelve) and fails only inside it (it reads
the perturbation from the sample's metadata: the benchmark measures the search, not a vision model). A random search
of ``--random-steps`` (1,000) steps per sample finds the failing samples R; an optuna search of ``--optuna-steps``
(100) per sample finds O. Recall = |O ∩ R| / |R|; target >= 90%.

Usage: python benchmarks/bench_stress.py [--images 10000] [--budget 1] [--model-resolution 128] [--planted-samples 40]
       [--random-steps 1000] [--optuna-steps 100] [--skip-throughput] [--skip-search] [--keep DIR]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kolena_lab  # noqa: E402
from kolena_lab.stress import stress_test  # noqa: E402
from kolena_lab.stress.media import read_image  # noqa: E402
from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow  # noqa: E402
from kolena_lab.workflow.annotation import ClassificationLabel, ScoredClassificationLabel  # noqa: E402

OVERHEAD_TARGET = 0.25
RECALL_TARGET = 0.90
SIZE = 256
CLASSES = [f"class {i}" for i in range(10)]


@dataclass(frozen=True)
class GT(GroundTruth):
    label: ClassificationLabel


@dataclass(frozen=True)
class Inf(Inference):
    scores: List[ScoredClassificationLabel]


WORKFLOW, TestCase, TestSuite, Model = define_workflow("stress benchmark", Image, GT, Inf)


def synthetic(i: int) -> np.ndarray:
    """A smooth 256x256 image (gradients and a disc): compresses to a few KB."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    r = np.random.default_rng(i)
    image = np.stack([(np.sin(x * r.uniform(2, 9) + r.uniform(0, 6)) * 0.5 + 0.5) * 255,
                      y * r.uniform(0.2, 1) * 255, (x + y) / 2 * 255 * r.uniform(0.3, 1)], axis=-1)
    cx, cy, radius = *r.uniform(0.2, 0.8, 2), r.uniform(0.05, 0.2)
    image[(x - cx) ** 2 + (y - cy) ** 2 < radius ** 2] = r.uniform(0, 255, 3)
    return image.astype(np.uint8)


class ConvNet:
    """Two 3x3 convolutions (16 and 32 channels) at ``resolution`` (128 by default) on a numpy CPU, global pooling,
    a linear layer."""

    resolution = 128

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.w1 = rng.normal(size=(27, 16)).astype(np.float32) / 5
        self.w2 = rng.normal(size=(144, 32)).astype(np.float32) / 12
        self.w3 = rng.normal(size=(32, len(CLASSES))).astype(np.float32)
        self.seconds = 0.0
        self.count = 0

    @staticmethod
    def _conv(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        patches = sliding_window_view(x, (3, 3), axis=(0, 1))
        h, wd = patches.shape[:2]
        return np.maximum(patches.reshape(h * wd, -1) @ w, 0).reshape(h, wd, -1)

    def logits(self, image: np.ndarray) -> np.ndarray:
        f = SIZE // self.resolution
        x = image.astype(np.float32).reshape(SIZE // f, f, SIZE // f, f, 3).mean(axis=(1, 3)) / 255
        x = self._conv(x, self.w1)
        h = x.shape[0] // 2 * 2
        x = x[:h, :h].reshape(h // 2, 2, h // 2, 2, -1).max(axis=(1, 3))
        return self._conv(x, self.w2).mean(axis=(0, 1)) @ self.w3

    def __call__(self, samples: List[Image]) -> List[Inf]:
        started = time.perf_counter()
        out = []
        for sample in samples:
            logits = self.logits(read_image(sample.locator))
            p = np.exp(logits - logits.max())
            p /= p.sum()
            out.append(Inf([ScoredClassificationLabel(c, float(s)) for c, s in zip(CLASSES, p)]))
        self.seconds += time.perf_counter() - started
        self.count += len(samples)
        return out


def _model_alone(samples: List[Image], batch_size: int) -> Tuple[float, float, List[str]]:
    """Seconds per image of the net alone, reading its images, in batches (wall clock, and CPU time of the process);
    its top labels."""
    net = ConvNet()
    labels = []
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(samples), batch_size):
        labels.extend(max(i.scores, key=lambda s: s.score).label for i in net(samples[start:start + batch_size]))
    own, own_cpu = (time.perf_counter() - started) / len(samples), (time.process_time() - cpu) / len(samples)
    print(f"model alone: {own * 1000:.2f} ms per image ({1 / own:.0f} images/s), CPU {own_cpu * 1000:.2f} ms")
    return own, own_cpu, labels


def throughput(folder: Path, n_images: int, budget: int, batch_size: int) -> None:
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    locators = []
    for i in range(n_images):
        path = images / f"{i:05d}.png"
        if not path.exists():
            PILImage.fromarray(synthetic(i)).save(path, compress_level=6)
        locators.append(str(path))
    print(f"{n_images} images written in {time.perf_counter() - started:.1f} s "
          f"({sum(p.stat().st_size for p in images.iterdir()) / n_images / 1024:.1f} KB each)")

    samples = [Image(loc) for loc in locators]
    own, own_cpu, labels = _model_alone(samples, batch_size)  # the ground truth: the model's labels (clean: 1)
    kolena_lab.initialize(url=f"sqlite:///{folder / 'throughput.db'}")
    test_case = TestCase(f"bench {n_images}", test_samples=[(s, GT(ClassificationLabel(lab)))
                                                            for s, lab in zip(samples, labels)])
    net = ConvNet()
    model = Model("convnet", infer_batch=net)
    started, cpu = time.perf_counter(), time.process_time()
    results = stress_test(model, test_case, "outdoor", budget=budget, seed=0, batch_size=batch_size)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    per_inference = seconds / net.count
    again, again_cpu, _ = _model_alone(samples, batch_size)
    own, own_cpu = min(own, again), min(own_cpu, again_cpu)  # the faster of two passes, before and after the run
    overhead = per_inference / own - 1
    inside = seconds / net.seconds - 1
    print(f"stress run: {net.count} inferences ({n_images} clean + {n_images * budget} perturbed) in {seconds:.1f} s, "
          f"{per_inference * 1000:.2f} ms per inference ({net.count / seconds:.0f}/s); the model's share "
          f"{net.seconds:.1f} s")
    print(f"overhead over the model alone: {overhead:.1%} (target <= {OVERHEAD_TARGET:.0%}); over the model's time "
          f"inside the run: {inside:.1%}; CPU time {cpu / net.count / own_cpu - 1:.1%} over the model's "
          f"({cpu / net.count * 1000:.2f} ms per inference); {int(results.to_dataframe()['failure'].sum())} failures")

    # the engine's own cost: the same run with a model that costs nothing, on a new test case of the first images
    n_engine = min(n_images, 1000)
    constant = Inf([ScoredClassificationLabel(CLASSES[0], 1.0)])
    free = Model("free", infer_batch=lambda batch: [constant] * len(batch))
    engine_case = TestCase(f"bench engine {n_engine}", test_samples=test_case.load_test_samples()[:n_engine])
    started = time.perf_counter()
    stress_test(free, engine_case, "outdoor", budget=budget, seed=1, batch_size=batch_size)
    seconds = time.perf_counter() - started
    print(f"the engine alone (a model that costs nothing): {seconds / (n_engine * budget) * 1000:.2f} ms per "
          f"perturbed sample ({n_engine} images, budget {budget}: perturbing, PNG, storing, scoring, test cases)")


class Planted:
    """Right (true-class score near 1) except near brightness delta 0.175: the score dips smoothly around it and
    falls below 0.5 only for delta in [0.15, 0.2]."""

    def __call__(self, samples: List[Image]) -> List[Inf]:
        out = []
        for sample in samples:
            metadata = sample.metadata
            score = 0.95
            if metadata.get("stress_axis") == "brightness":
                delta = metadata["stress_params"]["delta"]
                score = 0.95 - 0.9 * np.exp(-((delta - 0.175) / 0.06) ** 2)
                if 0.15 <= delta <= 0.2:
                    score = min(score, 0.3)
                else:
                    score = max(score, 0.55)
            out.append(Inf([ScoredClassificationLabel("right", float(score)),
                            ScoredClassificationLabel("wrong", float(1 - score))]))
        return out


def search_recall(folder: Path, n_samples: int, random_steps: int, optuna_steps: int, batch_size: int) -> None:
    kolena_lab.initialize(url=f"sqlite:///{folder / 'search.db'}")
    images = folder / "small"
    images.mkdir(parents=True, exist_ok=True)
    samples = []
    for i in range(n_samples):
        path = images / f"{i:04d}.png"
        PILImage.fromarray(synthetic(i)[::8, ::8]).save(path)
        samples.append(Image(str(path)))
    test_case = TestCase(f"planted {n_samples}", test_samples=[(s, GT(ClassificationLabel("right")))
                                                               for s in samples])
    model = Model("planted", infer_batch=Planted())
    found = {}
    for search, steps in (("random", random_steps), ("optuna", optuna_steps)):
        started = time.perf_counter()
        results = stress_test(model, test_case, "outdoor", search=search, budget=steps, seed=0,
                              metric="true_score", batch_size=batch_size, name=f"planted {search}")
        frame = results.to_dataframe()
        found[search] = set(frame.loc[frame["failure"], "parent"])
        first = frame[frame["failure"]].groupby("parent")["step"].min()
        print(f"{search}: {steps} steps per sample, {len(found[search])}/{n_samples} samples with a failure found "
              f"in {time.perf_counter() - started:.1f} s (median first failure at step "
              f"{first.median() if len(first) else float('nan'):.0f})")
    reference = found["random"]
    recall = len(found["optuna"] & reference) / len(reference) if reference else float("nan")
    print(f"optuna ({optuna_steps} steps) finds {recall:.1%} of the failing samples random search "
          f"({random_steps} steps) finds (target >= {RECALL_TARGET:.0%}); optuna alone: {len(found['optuna'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--budget", type=int, default=1, help="Perturbations per image in the throughput run.")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model-resolution", type=int, choices=(64, 128, 256), default=128,
                        help="The net's input size: 256 costs about 4 times 128.")
    parser.add_argument("--planted-samples", type=int, default=40)
    parser.add_argument("--random-steps", type=int, default=1000)
    parser.add_argument("--optuna-steps", type=int, default=100)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="Work in (and keep) this folder.")
    args = parser.parse_args()
    ConvNet.resolution = args.model_resolution
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-stress-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other processes slow the model and the "
          "run alike, not always equally)")
    try:
        if not args.skip_throughput:
            throughput(folder, args.images, args.budget, args.batch_size)
        if not args.skip_search:
            search_recall(folder, args.planted_samples, args.random_steps, args.optuna_steps, args.batch_size)
    finally:
        print(f"load average {os.getloadavg()[0]:.2f}")
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
