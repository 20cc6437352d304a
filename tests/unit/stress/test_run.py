"""stress_test on a real SQLite store with real images and albumentations: determinism, budgets, stored samples and
test cases, moved ground truths, reuse of inferences, cancel."""
import json
import threading

import numpy as np
import pandas as pd
import pytest

from kolena_lab.errors import CancelledError
from kolena_lab.stress import Domain, load_stress_results, stress_test
from kolena_lab.stress.media import read_image
from kolena_lab.workflow import Image, catalog
from kolena_lab.workflow.annotation import LabeledBoundingBox
from kolena_lab.workflow.io import stored_inferences

from tests.unit.stress import _models as m

pytest.importorskip("albumentations")

BRIGHTNESS = m.light_domain(0.3)


@pytest.fixture
def case(lab, tmp_path):
    """The gray test case, in a store on a SQLite file and (marked postgres) on a PostgreSQL server."""
    return m.classification_case(tmp_path / "images")


def _model(name="clf"):
    classifier = m.BrightnessClassifier()
    return m.CLS[3](name, infer_batch=classifier), classifier


def _comparable(results):
    frame = results.to_dataframe()
    return frame.drop(columns=["locator", "parent"]).assign(image=[p.rsplit("/", 1)[-1] for p in frame["locator"]])


def test_random_run_scores_each_perturbation_against_its_parent_and_stores_test_cases(case):
    model, classifier = _model()
    results = stress_test(model, case, BRIGHTNESS, budget=4, seed=0, batch_size=5)
    frame = results.to_dataframe()
    assert len(frame) == 6 * 4
    assert set(frame["axis"]) <= {"brightness", "noise"}
    # scores are the built-in "correct": 1 when the top label is the true one
    parents = {s.locator: gt.label.label for s, gt in case.load_test_samples()}
    for row in frame.itertuples():
        inference = classifier.one(Image(row.locator))
        top = max(inference.scores, key=lambda s: s.score).label
        assert row.score == float(top == parents[row.parent])
        assert row.drop == row.clean_score - row.score
        assert row.failure == (row.clean_score == 1 and row.score == 0)
        assert list(row.params) == ["delta" if row.axis == "brightness" else "std"]
    assert frame["failure"].any()
    # each perturbed image is a content-addressed PNG under the store's media folder
    folder = catalog.media_folder()
    for locator in frame["locator"]:
        assert locator.startswith(str(folder / "stress"))
        assert read_image(locator).shape == (16, 16, 3)
    # failures per axis and the worst 5% are test cases of a suite beside the original test case
    names = [tc.name for tc in results.test_cases]
    assert names == ["gray · stress: brightness", "gray · stress: noise", "gray · stress: worst 5%"]
    assert [tc.name for tc in results.suite.test_cases] == ["gray", *names]
    failed = frame[frame["failure"] & (frame["axis"] == "brightness")]
    stored = results.test_cases[0].load_test_samples()
    assert sorted(s.locator for s, _ in stored) == sorted(set(failed["locator"]))
    for sample, gt in stored:
        row = failed[failed["locator"] == sample.locator].iloc[0]
        assert sample.metadata["stress_parent"] == row["parent"]
        assert sample.metadata["stress_axis"] == "brightness"
        assert sample.metadata["stress_params"] == row["params"]
        assert sample.metadata["stress_seed"] == row["seed"]
        assert sample.metadata["stress_run"] == "gray · stress"
        assert gt.label.label == parents[row["parent"]]
    worst = results.test_cases[-1].load_test_samples()
    expected = frame[frame["drop"] > 0].sort_values("drop", ascending=False, kind="stable")
    assert [s.locator for s, _ in worst] == list(dict.fromkeys(expected["locator"].head(2)))  # ceil(5% of 24)
    # every perturbed sample's inference is stored
    assert all(i is not None for i in stored_inferences(model, [Image(loc) for loc in frame["locator"]]))


def test_same_seed_gives_the_same_run_and_no_new_versions(case):
    model, classifier = _model()
    first = stress_test(model, case, BRIGHTNESS, budget=3, seed=7)
    versions = [(tc.name, tc.version) for tc in first.test_cases]
    suite_version = first.suite.version
    calls = classifier.samples
    again = stress_test(model, case, BRIGHTNESS, budget=3, seed=7)
    assert classifier.samples == calls  # every inference reused
    pd.testing.assert_frame_equal(first.to_dataframe(), again.to_dataframe())
    assert [(tc.name, tc.version) for tc in again.test_cases] == versions
    assert again.suite.version == suite_version
    other = stress_test(model, case, BRIGHTNESS, budget=3, seed=8, name="other")
    assert not _comparable(other).equals(_comparable(first))


def test_same_seed_gives_the_same_perturbations_in_another_store(case, lab, tmp_path):
    import kolena_lab

    model, _ = _model()
    here = _comparable(stress_test(model, case, BRIGHTNESS, budget=3, seed=2))
    other = kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'other.db'}")
    try:
        other_case = m.classification_case(tmp_path / "images2")
        other_model, _ = _model()
        there = _comparable(stress_test(other_model, other_case, BRIGHTNESS, budget=3, seed=2))
    finally:
        other.dispose()
        kolena_lab.initialize(url=lab.url)
    pd.testing.assert_frame_equal(here, there)


def test_grid_and_optuna_respect_their_budgets(case):
    pytest.importorskip("optuna")
    model, classifier = _model()
    grid = stress_test(model, case, BRIGHTNESS, search="grid", budget=7, name="grid")
    frame = grid.to_dataframe()
    assert len(frame) == 6 * 6  # 3 values per axis fit 7 steps, 4 would not
    assert sorted(set(frame.loc[frame["axis"] == "brightness", "param.delta"])) == pytest.approx([-0.3, 0, 0.3])
    before = classifier.calls
    optuna = stress_test(model, case, BRIGHTNESS, search="optuna", budget=5, batch_size=64, name="optuna",
                         metric="true_score")
    assert len(optuna.to_dataframe()) == 6 * 5
    assert classifier.calls - before <= 5  # one batched inference per step over all samples (clean ones stored)
    assert sorted(optuna.to_dataframe().groupby("step").size().tolist()) == [6] * 5


def test_a_rotated_box_is_stored_moved_exactly(sqlite_store, tmp_path):
    boxes = [(4, 8, 12, 20), (10, 2, 30, 6)]
    locators = m.square_images(tmp_path / "squares", boxes)
    test_case = m.DET[1]("squares", test_samples=[
        (Image(loc), m.DetGT([LabeledBoundingBox(b[:2], b[2:], "box")])) for loc, b in zip(locators, boxes)])
    fixed = {loc: tuple(map(float, b)) for loc, b in zip(locators, boxes)}
    model = m.DET[3]("fixed detector", infer_batch=m.BoxDetector(fixed))
    domain = Domain.from_yaml("name: turn\naxes:\n  - {name: rotate, transform: rotate, parameters: "
                              "{degrees: {choices: [90]}}}\n")
    results = stress_test(model, test_case, domain, search="grid", budget=1)
    stored = results.test_cases[0].load_test_samples()
    assert len(stored) == 2  # the fixed detector misses every moved box
    expected = {locators[0]: (8, 20, 20, 28), locators[1]: (2, 2, 6, 22)}  # (x, y) -> (y, 32 - x)
    for sample, gt in stored:
        (box,) = gt.boxes
        assert (*box.top_left, *box.bottom_right) == pytest.approx(expected[sample.metadata["stress_parent"]],
                                                                   abs=1e-9)
        assert box.label == "box"
        assert m.bright_box(sample.locator) == pytest.approx((*box.top_left, *box.bottom_right))


def test_detection_f1_follows_moved_boxes(sqlite_store, tmp_path):
    boxes = [(4, 8, 12, 20)]
    locators = m.square_images(tmp_path / "squares", boxes)
    test_case = m.DET[1]("square", test_samples=[(Image(locators[0]), m.DetGT([LabeledBoundingBox((4, 8), (12, 20),
                                                                                                    "box")]))])
    model = m.DET[3]("detector", infer_batch=m.BoxDetector())
    domain = Domain.from_yaml("name: shift\naxes:\n  - {name: shift, transform: translate, parameters: "
                              "{dx: {choices: [0.25]}, dy: {choices: [-0.125]}}}\n")
    results = stress_test(model, test_case, domain, search="grid", budget=1)
    assert results.to_dataframe()["score"].tolist() == [1.0]
    assert results.clean == 1.0


def test_cancel_keeps_what_was_inferred_and_a_rerun_continues(case):
    model, classifier = _model()
    cancel = threading.Event()
    seen = []

    def progress(done, total, message):
        seen.append((done, total))
        if done >= 12:
            cancel.set()

    with pytest.raises(CancelledError, match="cancelled after 12 of 30 perturbations"):
        stress_test(model, case, BRIGHTNESS, budget=4, batch_size=6, progress=progress, cancel=cancel)
    assert seen[0] == (0, 30) and classifier.samples == 12
    with pytest.raises(Exception):
        load_stress_results("gray · stress")
    results = stress_test(model, case, BRIGHTNESS, budget=4, batch_size=6)
    assert classifier.samples == 30  # the first 12 (6 clean, 6 perturbed) were reused
    assert len(results.to_dataframe()) == 24


def test_a_run_reloads_by_name(case):
    model, _ = _model()
    results = stress_test(model, case, BRIGHTNESS, budget=3, name="reload me")
    loaded = load_stress_results("reload me")
    pd.testing.assert_frame_equal(loaded.to_dataframe(), results.to_dataframe())
    assert loaded.record == results.record
    assert loaded.record["domain"] == BRIGHTNESS.to_dict() and loaded.record["seed"] == 0
    assert [tc.name for tc in loaded.test_cases] == [tc.name for tc in results.test_cases]
    assert loaded.suite.name == "reload me"
    description = json.loads(catalog.test_case_info("reload me: worst 5%").description)
    assert description["kolena_lab.stress"]["model"] == "clf"
    assert np.isclose(loaded.clean, 1.0)


def test_a_given_suite_keeps_its_other_test_cases(case):
    model, _ = _model()
    other = m.CLS[1]("other", test_samples=case.load_test_samples()[:1])
    m.CLS[2]("mine", test_cases=[other])
    results = stress_test(model, case, BRIGHTNESS, budget=2, suite="mine")
    assert [tc.name for tc in results.suite.test_cases] == ["other", "gray", *[tc.name for tc in results.test_cases]]
    assert results.suite.version == 2
    assert stress_test(model, case, BRIGHTNESS, budget=2, suite="mine").suite.version == 2
