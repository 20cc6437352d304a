"""Ready evaluators on a local Dask cluster (two worker processes): per-sample work mapped over partitions, stored
metrics and plots identical (``==``) to the single-process run, on SQLite and PostgreSQL; small suites stay here;
bad input raises the single-process error; a failing partition is retried, a bad-input one is not, and one lost with
its worker is recomputed."""
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from kolena_lab.errors import InputValidationError  # noqa: E402
from kolena_lab.evaluators import (  # noqa: E402
    DetectionConfiguration,
    ObjectDetectionEvaluator,
    TextConfiguration,
    TextEvaluator,
    _partitions,
    detection,
    text,
)
from kolena_lab.workflow import (  # noqa: E402
    GroundTruth,
    Inference,
    define_workflow,
    executor,
    load_test_case_metrics,
    load_test_case_plots,
    load_test_sample_metrics,
    load_test_suite_metrics,
    test,
)
from kolena_lab.workflow.annotation import LabeledPolygon, ScoredLabeledBoundingBox, ScoredLabeledPolygon  # noqa: E402
from tests.unit.evaluators import _data  # noqa: E402



@dataclass(frozen=True)
class PolyGT(GroundTruth):
    shapes: List[LabeledPolygon]


@dataclass(frozen=True)
class PolyInf(Inference):
    shapes: List[ScoredLabeledPolygon]


CONFIGS = [DetectionConfiguration(), DetectionConfiguration(mode="coco", threshold_strategy=0.4),
           DetectionConfiguration(iou_threshold=0.3, min_confidence_score=0.2, threshold_strategy=0.5)]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def small_partitions(monkeypatch):
    """Every suite goes to the cluster, in partitions of 10 samples."""
    monkeypatch.setattr(detection, "DISTRIBUTED_MIN_IMAGES", 1)
    monkeypatch.setattr(text, "DISTRIBUTED_MIN_SAMPLES", 1)
    monkeypatch.setattr(_partitions, "MIN_PARTITION", 10)


def _tasks(client, fn, *args):
    """``fn(*args)`` on the cluster and the number of tasks it ran there."""
    with distributed.get_task_stream(client) as stream, executor.using(client):
        out = fn(*args)
    return out, len(stream.data)


def _same_results(a, b) -> None:
    np.testing.assert_equal(asdict(a.metrics_test_suite), asdict(b.metrics_test_suite))
    assert len(a.metrics_test_sample) == len(b.metrics_test_sample)
    for (sa, ma), (sb, mb) in zip(a.metrics_test_sample, b.metrics_test_sample):
        assert sa == sb
        np.testing.assert_equal(asdict(ma), asdict(mb))
    for (ca, ma), (cb, mb) in zip(a.metrics_test_case, b.metrics_test_case):
        assert ca == cb
        np.testing.assert_equal(asdict(ma), asdict(mb))
    for (ca, pa), (cb, pb) in zip(a.plots_test_case, b.plots_test_case):
        assert ca == cb
        np.testing.assert_equal([asdict(p) for p in pa], [asdict(p) for p in pb])


def _same_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) and list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_detection_stores_identical_metrics_and_plots(lab, client, small_partitions):
    samples, gts, infs = _data.detection(150, seed=3, grid=5.0, decimals=2, ignored_p=0.1, crowd_p=0.1)
    shipped = detection._ship([g.bboxes for g in gts], [g.ignored_bboxes for g in gts], [i.bboxes for i in infs],
                              {"c0": 0, "c1": 1, "c2": 2}, 0, 150)
    assert all(isinstance(role, tuple) for role in shipped) and shipped[0][3].any()  # plain boxes, crowds: as arrays
    _, TestCase, TestSuite, Model = define_workflow("Dask Detection", type(samples[0]), _data.DetGT, _data.DetInf)
    groups = _data.overlapping_groups(len(samples), seed=4)
    suite = TestSuite("scenes", test_cases=[TestCase(name, test_samples=[(samples[i], gts[i]) for i in idx])
                                            for name, idx in groups.items()])
    by_locator = {s.locator: inf for s, inf in zip(samples, infs)}
    here, there = (Model(name, infer=lambda s: by_locator[s.locator]) for name in ("in process", "on dask"))
    test(here, suite, ObjectDetectionEvaluator(CONFIGS, ground_truth="bboxes"))
    _, n_tasks = _tasks(client, test, there, suite, ObjectDetectionEvaluator(CONFIGS, ground_truth="bboxes"))
    assert n_tasks >= 3 * len(CONFIGS)  # 150 images in partitions of 10-ish, per configuration

    _same_frames(load_test_suite_metrics(here, suite), load_test_suite_metrics(there, suite))
    _same_frames(load_test_case_metrics(here, suite, expand="per_class"),
                 load_test_case_metrics(there, suite, expand="per_class"))
    _same_frames(load_test_case_metrics(here, suite).drop(columns="per_class"),
                 load_test_case_metrics(there, suite).drop(columns="per_class"))
    for case in suite.test_cases:
        a, b = load_test_sample_metrics(here, case), load_test_sample_metrics(there, case)
        if len(a):
            _same_frames(a, b)
    plots_here, plots_there = load_test_case_plots(here, suite), load_test_case_plots(there, suite)
    assert len(plots_here) == len(plots_there) > 0
    for (ca, ea, fa, pa), (cb, eb, fb, pb) in zip(plots_here, plots_there):
        assert (ca.name, ea, fa) == (cb.name, eb, fb)
        np.testing.assert_equal(asdict(pa), asdict(pb))


def test_polygons_are_sent_as_objects_and_match_the_same(client, small_partitions):
    rng = np.random.default_rng(5)
    samples, gts, infs = _data.detection(60, seed=5)
    square = lambda x, y, s: [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]  # noqa: E731
    polys = [[LabeledPolygon(square(*b.top_left, 40.0), b.label) for b in g.bboxes] for g in gts]
    dets = [[ScoredLabeledPolygon(square(*d.top_left, 40.0 + rng.normal(0, 4)), d.label, d.score) for d in i.bboxes]
            for i in infs]
    gts, infs = [PolyGT(shapes=p) for p in polys], [PolyInf(shapes=d) for d in dets]
    assert isinstance(detection._ship([p for p in polys], [[]] * 60, dets, {"c0": 0, "c1": 1, "c2": 2}, 0, 60)[0],
                      list)  # not plain boxes: sent as the objects
    cases = _data.test_cases(samples, _data.overlapping_groups(60))
    evaluator = ObjectDetectionEvaluator([DetectionConfiguration()])
    local = evaluator(samples, gts, infs, cases, None)
    remote, n_tasks = _tasks(client, evaluator, samples, gts, infs, cases, None)
    assert n_tasks >= 3
    _same_results(local, remote)


@pytest.mark.parametrize("normalize", [True, False])
def test_text_identical_on_the_cluster(client, small_partitions, normalize):
    rng = np.random.default_rng(6)
    words = ["the", "cat", "sat", "on", "a", "mat", "Dog,", "ran", "far", "away!"]
    refs = [" ".join(rng.choice(words, rng.integers(0, 12))) for _ in range(80)]
    hyps = [None if rng.random() < 0.1 else " ".join(rng.choice(words, rng.integers(0, 12))) for _ in range(80)]
    samples = _data.images(80)
    cases = _data.test_cases(samples, _data.overlapping_groups(80))
    evaluator = TextEvaluator([TextConfiguration(normalize=normalize)])
    args = (samples, [_data.TextGT(r) for r in refs], [_data.TextInf(h) for h in hyps], cases, None)
    remote, n_tasks = _tasks(client, evaluator, *args)
    assert n_tasks >= 3
    _same_results(evaluator(*args), remote)


def test_small_suites_stay_in_this_process(client):
    samples, gts, infs = _data.detection(40, seed=7)
    cases = _data.test_cases(samples, _data.overlapping_groups(40))
    evaluator = ObjectDetectionEvaluator([DetectionConfiguration()])
    assert len(samples) < detection.DISTRIBUTED_MIN_IMAGES
    result, n_tasks = _tasks(client, evaluator, samples, gts, infs, cases, None)
    assert n_tasks == 0
    _same_results(evaluator(samples, gts, infs, cases, None), result)


@pytest.mark.parametrize("bad", ["score", "box"])
def test_bad_input_raises_the_single_process_error(client, small_partitions, bad):
    samples, gts, infs = _data.detection(60, seed=8)
    i = next(i for i in range(45, 60) if infs[i].bboxes)
    d = infs[i].bboxes[0]
    if bad == "score":
        broken = ScoredLabeledBoundingBox(d.top_left, d.bottom_right, d.label, 1.5)
    else:
        broken = ScoredLabeledBoundingBox(d.bottom_right, d.top_left, d.label, d.score)  # x2 < x1
    infs[i] = _data.DetInf(bboxes=[broken] + infs[i].bboxes[1:])
    cases = _data.test_cases(samples, _data.overlapping_groups(60))
    evaluator = ObjectDetectionEvaluator([DetectionConfiguration()])
    with pytest.raises(InputValidationError) as local:
        evaluator(samples, gts, infs, cases, None)
    assert samples[i].locator in str(local.value)
    with pytest.raises(InputValidationError) as remote, executor.using(client):
        evaluator(samples, gts, infs, cases, None)
    assert str(remote.value) == str(local.value)


def _flaky(part: List[int], start: int, marker: str) -> List[int]:
    """Fails the first time it runs on the partition starting at 10 (a marker file remembers)."""
    path = Path(marker) / f"attempt-{start}"
    attempts = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(attempts))
    if start == 10 and attempts == 1:
        raise RuntimeError("transient failure")
    return [v * 2 for v in part]


def _refuses(part: List[int], start: int, marker: str) -> List[int]:
    path = Path(marker) / f"attempt-{start}"
    path.write_text(str(int(path.read_text()) + 1 if path.exists() else 1))
    if start == 10:
        raise InputValidationError(f"value {part[0]} is bad")
    return part


def test_partitions_in_order_retried_and_bad_input_not_retried(client, monkeypatch, tmp_path):
    monkeypatch.setattr(_partitions, "MIN_PARTITION", 10)
    values = list(range(45))
    assert [list(r) for r in _partitions.partition_bounds(45, 2)] == [values[0:11], values[11:22], values[22:34],
                                                                      values[34:45]]
    assert _partitions.map_partitions(_flaky, 45, lambda a, b: values[a:b], min_items=1, marker=str(tmp_path)) is None
    monkeypatch.setattr(_partitions, "partition_bounds", lambda n, _: [range(0, 10), range(10, 30), range(30, n)])
    with executor.using(client):
        parts = _partitions.map_partitions(_flaky, 45, lambda a, b: values[a:b], min_items=1, marker=str(tmp_path))
        assert sum(parts, []) == [v * 2 for v in values]
        assert (tmp_path / "attempt-10").read_text() == "2"  # retried once
        assert _partitions.map_partitions(_flaky, 45, lambda a, b: values[a:b], min_items=46,
                                          marker=str(tmp_path)) is None  # too few: run here
        refused = tmp_path / "refused"
        refused.mkdir()
        with pytest.raises(InputValidationError, match="value 10 is bad"):
            _partitions.map_partitions(_refuses, 45, lambda a, b: values[a:b], min_items=1, marker=str(refused))
        assert (refused / "attempt-10").read_text() == "1"  # not retried


def _dies_once(part: List[int], start: int, marker: str) -> List[int]:
    """Kills its worker process the first time it runs on the partition starting at 10."""
    path = Path(marker) / "died"
    if start == 10 and not path.exists():
        path.write_text("1")
        os._exit(1)
    return [v + 1 for v in part]


def test_a_partition_lost_with_its_worker_is_recomputed(client, monkeypatch, tmp_path):
    monkeypatch.setattr(_partitions, "partition_bounds", lambda n, _: [range(0, 10), range(10, 30), range(30, n)])
    values = list(range(45))
    with executor.using(client):
        parts = _partitions.map_partitions(_dies_once, 45, lambda a, b: values[a:b], min_items=1, marker=str(tmp_path))
    assert sum(parts, []) == [v + 1 for v in values]
    assert (tmp_path / "died").exists()
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it
