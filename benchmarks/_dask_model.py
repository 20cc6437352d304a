"""The workflow and the CPU-bound, single-threaded numpy model of bench_dask.py, in a module the Dask workers import."""
import zlib
from dataclasses import dataclass

import numpy as np

from kolena_lab.workflow import GroundTruth, Image, Inference, define_workflow


@dataclass(frozen=True)
class Label(GroundTruth):
    label: str


@dataclass(frozen=True)
class Prediction(Inference):
    label: str
    score: float


workflow, TestCase, TestSuite, Model = define_workflow("Dask Benchmark", Image, Label, Prediction)


class MatrixModel:
    """``rounds`` products of 64×64 matrices seeded by the locator (BLAS pinned to one thread by the caller): the
    same prediction wherever it runs."""

    def __init__(self, rounds: int):
        self.rounds = rounds

    def __call__(self, sample: Image) -> Prediction:
        rng = np.random.default_rng(zlib.crc32(sample.locator.encode()))
        x = rng.standard_normal((64, 64)) / 8.0
        y = x
        for _ in range(self.rounds):
            y = np.tanh(y @ x)
        score = float(1.0 / (1.0 + np.exp(-y.sum())))
        return Prediction("cat" if score >= 0.5 else "dog", score)


def trivial(sample: Image) -> Prediction:
    return Prediction("cat", 0.5)
