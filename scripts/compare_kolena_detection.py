"""Compare kolena_lab's prebuilt ObjectDetectionEvaluator with Kolena's own client on the same generated inputs.

    python scripts/compare_kolena_detection.py --kolena-python /path/to/venv/bin/python

The other interpreter needs Kolena's client (``pip install kolena==1.69.0 "pydantic<2" scikit-learn``); its evaluator
runs locally, without a server. Both evaluate the same scenes (several labels, ignored boxes, score ties, test cases
whose ground truths differ for the same image, as in Kolena's object detection example) with the same
configurations; every number of every test-sample, test-case and test-suite metric is compared. Prints the largest
difference per level and exits 1 when one exceeds ``--tolerance``.
"""
import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

_LABELS = ("car", "person", "bike")

# Runs in Kolena's interpreter: the scenes as Kolena's objects, its evaluator called as Kolena's test() calls it
# (test case by test case, each configuration, then the suite), the metrics printed as JSON.
_KOLENA_SIDE = r'''
import dataclasses, json, sys, types
from kolena._experimental.object_detection import (GroundTruth, Inference, ObjectDetectionEvaluator, TestSample,
                                                   ThresholdConfiguration)
from kolena.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox

data = json.load(sys.stdin)
def boxes(rows, scored):
    return [ScoredLabeledBoundingBox(r[0:2], r[2:4], r[4], r[5]) if scored else LabeledBoundingBox(r[0:2], r[2:4], r[4])
            for r in rows]
configurations = [ThresholdConfiguration(**c) for c in data["configurations"]]
evaluator = ObjectDetectionEvaluator(configurations=configurations)
results = {"sample": {}, "case": {}, "suite": {}}
case_metrics = {c.display_name(): [] for c in configurations}
for case in data["test_cases"]:
    test_case = types.SimpleNamespace(name=case["name"])
    triples = [(TestSample(locator=s["locator"]),
                GroundTruth(bboxes=boxes(s["bboxes"], False), ignored_bboxes=boxes(s["ignored"], False)),
                Inference(bboxes=boxes(data["inferences"][s["locator"]], True)))
               for s in case["samples"]]
    for configuration in configurations:
        name = configuration.display_name()
        per_sample = evaluator.compute_test_sample_metrics(test_case, triples, configuration)
        metrics = [m for _, m in per_sample]
        tc = evaluator.compute_test_case_metrics(test_case, triples, metrics, configuration)
        case_metrics[name].append((test_case, tc))
        results["sample"][f"{name}|{case['name']}"] = [dataclasses.asdict(m) for m in metrics]
        results["case"][f"{name}|{case['name']}"] = dataclasses.asdict(tc)
for configuration in configurations:
    name = configuration.display_name()
    suite = evaluator.compute_test_suite_metrics(types.SimpleNamespace(name="suite"), case_metrics[name], configuration)
    results["suite"][name] = dataclasses.asdict(suite) if suite is not None else None
json.dump(results, sys.stdout)
'''


def _box(rng: random.Random, label: str) -> List[Any]:
    x, y = rng.uniform(0, 80), rng.uniform(0, 80)
    return [x, y, x + rng.uniform(5, 40), y + rng.uniform(5, 40), label]


def scenes(seed: int, n_images: int, labels: Tuple[str, ...]) -> Dict[str, Any]:
    """Images with ground truths (some ignored), inferences (jittered matches, misses, false positives, tied scores),
    and test cases: all images; small boxes only (larger ones ignored there); the images holding the first label."""
    rng = random.Random(seed)
    images, inferences = [], {}
    for i in range(n_images):
        locator = f"/data/img{i:03d}.png"
        gts = [_box(rng, rng.choice(labels)) for _ in range(rng.randint(0, 5))]
        ignored = [_box(rng, rng.choice(labels)) for _ in range(rng.randint(0, 1))]
        infs = []
        for gt in gts:
            if rng.random() < 0.8:
                x1, y1 = gt[0] + rng.uniform(-4, 4), gt[1] + rng.uniform(-4, 4)
                jitter = [x1, y1, max(x1 + 1, gt[2] + rng.uniform(-4, 4)), max(y1 + 1, gt[3] + rng.uniform(-4, 4))]
                label = gt[4] if rng.random() < 0.85 else rng.choice(labels)
                infs.append([*jitter, label, round(rng.uniform(0.05, 1.0), 1)])  # rounded: ties
        for _ in range(rng.randint(0, 3)):
            infs.append([*_box(rng, rng.choice(labels))[:4], rng.choice(labels), round(rng.uniform(0.0, 0.9), 2)])
        images.append({"locator": locator, "bboxes": gts, "ignored": ignored})
        inferences[locator] = infs

    def area(box: List[Any]) -> float:
        return (box[2] - box[0]) * (box[3] - box[1])

    small = [{"locator": s["locator"], "bboxes": [b for b in s["bboxes"] if area(b) < 600],
              "ignored": s["ignored"] + [b for b in s["bboxes"] if area(b) >= 600]} for s in images]
    first = [s for s in images if any(b[4] == labels[0] for b in s["bboxes"])]
    test_cases = [{"name": "complete", "samples": images}, {"name": "small boxes", "samples": small},
                  {"name": f"with {labels[0]}", "samples": first}]
    return {"test_cases": test_cases, "inferences": inferences}


def ours(data: Dict[str, Any]) -> Dict[str, Any]:
    """The same evaluation through kolena_lab: a suite on a temporary SQLite store, test(), metrics read back."""
    import kolena_lab
    from kolena_lab._experimental.object_detection import (GroundTruth, Inference, Model, ObjectDetectionEvaluator,
                                                           TestCase, TestSample, TestSuite, ThresholdConfiguration)
    from kolena_lab.workflow import load_test_case_metrics, load_test_sample_metrics, load_test_suite_metrics, test
    from kolena_lab.workflow.annotation import LabeledBoundingBox, ScoredLabeledBoundingBox

    def boxes(rows: List[List[Any]], scored: bool) -> list:
        if scored:
            return [ScoredLabeledBoundingBox(r[0:2], r[2:4], r[4], r[5]) for r in rows]
        return [LabeledBoundingBox(r[0:2], r[2:4], r[4]) for r in rows]

    with tempfile.TemporaryDirectory() as folder:
        store = kolena_lab.initialize(url=f"sqlite:///{Path(folder) / 'lab.db'}")
        cases = [TestCase(case["name"], test_samples=[
            (TestSample(locator=s["locator"]),
             GroundTruth(bboxes=boxes(s["bboxes"], False), ignored_bboxes=boxes(s["ignored"], False)))
            for s in case["samples"]]) for case in data["test_cases"]]
        suite = TestSuite("suite", test_cases=cases)
        by_locator = {loc: Inference(bboxes=boxes(rows, True)) for loc, rows in data["inferences"].items()}
        model = Model("model", infer=lambda sample: by_locator[sample.locator])
        configurations = [ThresholdConfiguration(**c) for c in data["configurations"]]
        test(model, suite, ObjectDetectionEvaluator(configurations=configurations))
        results: Dict[str, Any] = {"sample": {}, "case": {}, "suite": {}}
        case_frame = load_test_case_metrics(model, suite)
        for row in case_frame.to_dict("records"):
            results["case"][f"{row['configuration']}|{row['test_case']}"] = row
        for case in cases:
            frame = load_test_sample_metrics(model, case)
            for name, rows in frame.groupby("configuration", sort=False):
                by_locator_rows = {r["locator"]: r for r in rows.to_dict("records")}
                samples = next(c for c in data["test_cases"] if c["name"] == case.name)["samples"]
                results["sample"][f"{name}|{case.name}"] = [by_locator_rows[s["locator"]] for s in samples]
        for row in load_test_suite_metrics(model, suite).to_dict("records"):
            results["suite"][row["configuration"]] = row
        store.dispose()
    return results


def _numbers(value: Any, path: str = "") -> Iterator[Tuple[str, float]]:
    """Every number in a (nested) metrics record, by path; booleans count as 0/1."""
    if hasattr(value, "_to_dict"):
        value = value._to_dict()
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]")
    elif isinstance(value, bool):
        yield path, float(value)
    elif isinstance(value, (int, float)) and value is not None:
        yield path, float(value)


def compare(theirs: Dict[str, Any], mine: Dict[str, Any], tolerance: float) -> Dict[str, Tuple[float, int, List[str]]]:
    """Per level: the largest difference, how many numbers were compared, and the paths that differ."""
    out = {}
    for level in ("sample", "case", "suite"):
        worst, count, bad = 0.0, 0, []
        for key, expected in theirs[level].items():
            got = mine[level].get(key)
            if got is None:
                bad.append(f"{key}: missing in kolena_lab")
                continue
            ours_numbers = dict(_numbers(got))
            for path, number in _numbers(expected):
                if path not in ours_numbers:
                    bad.append(f"{key} {path}: missing in kolena_lab")
                    continue
                other = ours_numbers[path]
                same = (math.isnan(number) and math.isnan(other)) or abs(number - other) <= tolerance
                worst = worst if same and not math.isnan(number) else max(worst, abs(number - other))
                count += 1
                if not same:
                    bad.append(f"{key} {path}: Kolena {number!r}, kolena_lab {other!r}")
        out[level] = (worst, count, bad)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kolena-python", required=True, help="an interpreter with Kolena's client installed")
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args()
    configurations = [
        {"threshold_strategy": "F1-Optimal", "iou_threshold": 0.5, "min_confidence_score": 0.0},
        {"threshold_strategy": 0.3, "iou_threshold": 0.5, "min_confidence_score": 0.0},
        {"threshold_strategy": "F1-Optimal", "iou_threshold": 0.3, "min_confidence_score": 0.1},
    ]
    failed = False
    for labels in (_LABELS, _LABELS[:1]):
        for seed in range(args.seeds):
            data = {**scenes(seed, args.images, labels), "configurations": configurations}
            run = subprocess.run([args.kolena_python, "-c", _KOLENA_SIDE], input=json.dumps(data), text=True,
                                 capture_output=True)
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 2
            result = compare(json.loads(run.stdout), ours(data), args.tolerance)
            kind = "multiclass" if len(labels) > 1 else "single class"
            summary = ", ".join(f"{level}: {count} numbers, max |diff| {worst:.3g}"
                                for level, (worst, count, _) in result.items())
            print(f"{kind}, seed {seed}: {summary}")
            for level, (_, _, bad) in result.items():
                for line in bad[:10]:
                    failed = True
                    print(f"  {level} differs: {line}")
    print("identical to Kolena's client" if not failed else "DIFFERENT from Kolena's client")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
