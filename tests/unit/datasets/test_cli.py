"""`kolena-lab import coco|coco-results|folder|csv|csv-results` and `export-coco` over the public functions."""
import json

import pandas as pd
from click.testing import CliRunner

from kolena_lab.cli import main

from . import _coco


def _run(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    return result.exit_code, result.output


def test_import_and_export_coco(sqlite_store, tmp_path):
    data = _coco.dataset(12, seed=7)
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "r.json").write_text(json.dumps(_coco.results(data, seed=7)))
    (tmp_path / "images").mkdir()
    code, out = _run("import", "coco", tmp_path / "a.json", tmp_path / "images", "--name", "cli coco", "--json")
    assert code == 0 and json.loads(out) == [{"workflow": "cli coco", "test_suite": "cli coco",
                                             "test_cases": "cli coco", "samples": 12}]
    code, out = _run("import", "coco-results", tmp_path / "r.json", "--dataset", "cli coco", "--model", "m",
                     "--metadata", '{"k": 1}')
    assert code == 0 and "m" in out
    code, out = _run("export-coco", "cli coco", "-o", tmp_path / "out.json")
    assert code == 0 and json.loads((tmp_path / "out.json").read_text()) == data
    code, out = _run("import", "coco", tmp_path / "a.json", tmp_path / "missing", "--name", "other")
    assert code == 2 and "images directory not found" in out


def test_import_folder_and_csv(sqlite_store, tmp_path):
    for label in ("a", "b"):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        (tmp_path / "imgs" / label / "1.png").write_bytes(b"x")
    code, out = _run("import", "folder", tmp_path / "imgs", "--name", "cli folder", "--split-by", "class")
    assert code == 0 and "cli folder :: a, cli folder :: b" in out
    pd.DataFrame({"file": ["x.png", "y.png"], "y": ["cat", "dog"]}).to_csv(tmp_path / "t.csv", index=False)
    code, out = _run("import", "csv", tmp_path / "t.csv", "--name", "cli csv", "--locator", "file", "--label", "y")
    assert code == 0 and "cli csv" in out
    pd.DataFrame({"file": ["x.png", "y.png"], "y": ["cat", "cat"], "s": [0.9, 0.4]}).to_csv(tmp_path / "p.csv",
                                                                                          index=False)
    code, out = _run("import", "csv-results", tmp_path / "p.csv", "--dataset", "cli csv", "--model", "clf",
                     "--locator", "file", "--label", "y", "--score", "s")
    assert code == 0, out
    code, out = _run("import", "csv", tmp_path / "t.csv", "--name", "cli csv 2")
    assert code == 2 and "no column 'locator'" in out
