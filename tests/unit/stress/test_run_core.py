"""What the stress engine adds to the core: the store's media folder, storing and reading inferences of any samples of
a workflow, and content-addressed images."""
import hashlib
import os

import numpy as np
import pytest

from kolena_lab import store
from kolena_lab.errors import InputValidationError
from kolena_lab.stress.media import png_bytes, read_image, write_png
from kolena_lab.workflow import Image, catalog
from kolena_lab.workflow.annotation import ScoredClassificationLabel
from kolena_lab.workflow.io import store_inferences, stored_inferences

from tests.unit.stress import _models as m


def test_media_folder_is_beside_a_sqlite_file_else_a_cache_folder_per_store_id(lab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = catalog.media_folder()
    assert folder.is_dir() and catalog.media_folder() == folder
    if lab.is_sqlite:
        assert folder == tmp_path / "media"
    else:
        with lab.read() as conn:
            store_id = store.meta.store_id(conn)
        assert folder == tmp_path / "cache" / "kolena_lab" / "media" / store_id


def test_store_and_read_inferences_registering_new_samples(sqlite_store):
    model = m.CLS[3]("model")
    samples = [Image("a.png", metadata={"k": 1}), Image("b.png")]
    inferences = [m.ClsInf([ScoredClassificationLabel("x", 0.25)]), m.ClsInf([])]
    assert stored_inferences(model, samples) == [None, None]
    store_inferences(model, samples, inferences)
    assert stored_inferences(model, [samples[1], Image("c.png"), samples[0]]) == [inferences[1], None, inferences[0]]
    replaced = m.ClsInf([ScoredClassificationLabel("y", 1.0)])
    store_inferences(model, [samples[0]], [replaced])
    assert stored_inferences(model, samples) == [replaced, inferences[1]]


def test_store_inferences_checks_everything_before_writing(sqlite_store):
    model = m.CLS[3]("model")
    good = m.ClsInf([])
    with pytest.raises(InputValidationError, match="the inference of test sample 'b.png' is a str"):
        store_inferences(model, [Image("a.png"), Image("b.png")], [good, "nope"])
    with pytest.raises(InputValidationError, match=r"samples\[0\] must be a Image of workflow"):
        store_inferences(model, ["a.png"], [good])
    with pytest.raises(InputValidationError, match="got 1 samples and 2 inferences"):
        store_inferences(model, [Image("a.png")], [good, good])
    assert stored_inferences(model, [Image("a.png")]) == [None]


def test_png_is_written_once_under_its_sha256(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, size=(8, 10, 3), dtype=np.uint8)
    path = write_png(image, tmp_path)
    digest = hashlib.sha256(png_bytes(image)).hexdigest()
    assert path == str(tmp_path / "stress" / digest[:2] / f"{digest}.png")
    assert np.array_equal(read_image(path), image)
    written = os.stat(path).st_mtime_ns
    assert write_png(image.copy(), tmp_path) == path and os.stat(path).st_mtime_ns == written
    assert os.listdir(os.path.dirname(path)) == [f"{digest}.png"]
