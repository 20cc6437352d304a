"""A stress test killed with SIGKILL mid-run continues when run again: only what is missing is inferred, and the
results equal an uninterrupted run's."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import kolena_lab
from kolena_lab.stress import Domain, stress_test

from tests.unit.stress import _models as m

pytest.importorskip("albumentations")

DOMAIN = """
name: light
axes:
  - name: brightness
    transform: brightness
    parameters:
      delta: {low: -0.3, high: 0.3}
"""
ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import kolena_lab
    from tests.unit.stress import _models as m
    from kolena_lab.stress import Domain, stress_test

    folder, marks = Path(sys.argv[1]), Path(sys.argv[2])
    kolena_lab.initialize(url=f"sqlite:///{folder / 'lab.db'}")
    classifier = m.BrightnessClassifier()

    def slow(samples):
        out = classifier(samples)
        with open(marks, "a") as f:
            f.write(f"{len(samples)}\\n")
        time.sleep(0.3)
        return out

    model = m.CLS[3]("clf", infer_batch=slow)
    test_case = m.CLS[1].load("gray")
    stress_test(model, test_case, Domain.from_yaml(sys.argv[3]), budget=6, seed=5, batch_size=4)
""")


def _frame(results):
    frame = results.to_dataframe()
    return frame.assign(locator=[p.rsplit("/", 1)[-1] for p in frame["locator"]],
                        parent=[p.rsplit("/", 1)[-1] for p in frame["parent"]])


def test_a_killed_run_resumes_with_only_the_missing_inferences(tmp_path):
    store = kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'lab.db'}")
    m.classification_case(tmp_path / "images")
    store.dispose()
    marks = tmp_path / "marks.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path), str(marks), DOMAIN], cwd=ROOT, env=env,
                               stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and (not marks.exists() or len(marks.read_text().split()) < 4):
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    inferred_before = sum(map(int, marks.read_text().split()))
    assert 0 < inferred_before < 6 + 36

    kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'lab.db'}")
    classifier = m.BrightnessClassifier()
    model = m.CLS[3]("clf", infer_batch=classifier)
    resumed = stress_test(model, m.CLS[1].load("gray"), Domain.from_yaml(DOMAIN), budget=6, seed=5, batch_size=4)
    # batches stored before the kill are reused (a batch in flight may be inferred again)
    assert classifier.samples <= 6 + 36 - inferred_before + 4
    assert classifier.samples < 6 + 36

    kolena_lab.initialize(url=f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh = stress_test(m.CLS[3]("clf", infer_batch=m.BrightnessClassifier()),
                        m.classification_case(tmp_path / "images"), Domain.from_yaml(DOMAIN), budget=6, seed=5,
                        batch_size=4)
    pd.testing.assert_frame_equal(_frame(resumed), _frame(fresh))
    assert [(tc.name, tc.version) for tc in resumed.test_cases] == [(tc.name, tc.version) for tc in fresh.test_cases]
