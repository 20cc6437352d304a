"""from_image_folder, from_csv and model_from_csv: samples, labels and metadata as written, splits, the predictions
stored, and the classification evaluator's numbers on them equal scikit-learn's."""
import numpy as np
import pandas as pd
import pytest

from kolena_lab.datasets import from_csv, from_image_folder, model_from_csv
from kolena_lab.evaluators import ClassificationEvaluator
from kolena_lab.workflow import load_test_case_metrics, test


def _folder(tmp_path, counts):
    root = tmp_path / "data"
    for label, n in counts.items():
        (root / label / "sub").mkdir(parents=True)
        for i in range(n):
            (root / label / ("sub" if i % 2 else "") / f"{i}.png").write_bytes(b"x")
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "README.md").write_text("top level")
    return root


def test_image_folder_labels_each_image_by_its_class_folder(sqlite_store, tmp_path, capsys):
    root = _folder(tmp_path, {"cat": 3, "dog": 2})
    imported = from_image_folder(root, "pets")
    assert "skipped 2 file(s)" in capsys.readouterr().err
    members = imported.test_cases[0].load_test_samples()
    got = sorted((s.metadata["file_name"], gt.label) for s, gt in members)
    assert got == [("cat/0.png", "cat"), ("cat/2.png", "cat"), ("cat/sub/1.png", "cat"), ("dog/0.png", "dog"),
                   ("dog/sub/1.png", "dog")]
    assert all(s.locator == str(root / s.metadata["file_name"]) for s, _ in members)
    per_class = from_image_folder(root, "pets by class", split_by="class")
    assert [(tc.name, len(tc.load_test_samples())) for tc in per_class.test_cases] == [
        ("pets by class :: cat", 3), ("pets by class :: dog", 2)]


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "path": [f"/data/img{i:04d}.jpg" for i in range(n)],
        "class": rng.choice(["a", "b", "c"], n),
        "brightness": rng.random(n).round(3),
        "count": rng.integers(0, 5, n),
        "split": rng.choice(["train", "val"], n),
        "note": [None if i % 3 else "x" for i in range(n)],
    })


def test_csv_columns_become_locator_label_and_metadata(sqlite_store, tmp_path):
    table = _table()
    table.to_csv(tmp_path / "t.csv", index=False)
    imported = from_csv(tmp_path / "t.csv", "csv data", locator="path", label="class", split_by="split")
    assert [tc.name for tc in imported.test_cases] == [f"csv data :: {v}" for v in table["split"].unique()]
    rows = {s.locator: (s, gt) for tc in imported.test_cases for s, gt in tc.load_test_samples()}
    assert len(rows) == imported.samples == len(table)
    for record in table.to_dict("records"):
        sample, gt = rows[record["path"]]
        assert gt.label == record["class"]
        expected = {"brightness": record["brightness"], "count": record["count"], "split": record["split"]}
        if isinstance(record["note"], str):
            expected["note"] = record["note"]
        assert sample.metadata == expected
        assert isinstance(sample.metadata["count"], int)


def test_model_from_csv_predictions_evaluate_as_scikit_learn(sqlite_store, tmp_path):
    sklearn = pytest.importorskip("sklearn.metrics")
    table = _table(80, seed=1)
    imported = from_csv(table, "csv eval", locator="path", label="class")
    rng = np.random.default_rng(2)
    predicted = np.where(rng.random(80) < 0.7, table["class"], rng.choice(["a", "b", "c"], 80))
    preds = pd.DataFrame({"path": table["path"], "pred": predicted, "confidence": rng.random(80).round(2)})
    preds.to_csv(tmp_path / "p.csv", index=False)
    model = model_from_csv(tmp_path / "p.csv", "csv eval", "clf", locator="path", label="pred", score="confidence")
    stored = {s.locator: inf.prediction for s, _, inf in model.load_inferences(imported.test_cases[0])}
    assert [stored[p].label for p in table["path"]] == list(predicted)
    assert [stored[p].score for p in table["path"]] == list(preds["confidence"])
    test(model, imported.test_suite, ClassificationEvaluator(name="clf"))
    row = load_test_case_metrics(model, imported.test_suite).iloc[0]
    assert row["accuracy"] == pytest.approx(sklearn.accuracy_score(table["class"], predicted), abs=1e-12)
    assert row["macro_f1"] == pytest.approx(sklearn.f1_score(table["class"], predicted, average="macro"), abs=1e-12)


def test_integer_labels_become_text(sqlite_store):
    imported = from_csv(pd.DataFrame({"locator": ["a.png", "b.png"], "label": [0, 1]}), "digits")
    assert [gt.label for _, gt in imported.test_cases[0].load_test_samples()] == ["0", "1"]
