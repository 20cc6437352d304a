"""One-call imports at scale: a generated CSV (default 1,000,000 rows) through ``from_csv`` and a generated COCO
annotation file (default 200,000 images, 1,000,000 boxes) through ``from_coco``, beside the bulk path they build on
(``TestCase.from_dataframe`` of the CSV's rows, already in memory) as the reference.

Each import runs in a fresh process on a fresh SQLite store (or, with --url, on an empty database you name) and the
time covers the whole call: reading and checking the file, building the samples and ground truths, writing them.
The process's CPU time (all its threads) and peak resident memory (the file's parsed content included) are printed
beside it; on a shared machine the CPU time is the steadier figure. ``from_coco`` runs
twice: on its column-wise path and, for comparison, forced onto the object path (each box a ``LabeledBoundingBox``),
which it takes for files the column-wise checks refuse.
With --results, ``model_from_coco`` is also timed (both paths) on a results file of one detection per box (boxes/s:
detections/s).
Usage: python benchmarks/bench_import.py [--rows 1000000] [--images 200000] [--boxes 1000000] [--results] [--url URL]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _table(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "locator": [f"s3://bucket/images/{i:08d}.jpg" for i in range(n)],
        "label": rng.choice(["cat", "dog", "bird", "car"], n),
        "width": rng.integers(320, 1920, n),
        "height": rng.integers(240, 1080, n),
        "brightness": rng.random(n).round(4),
        "weather": rng.choice(["sun", "rain", "snow", "fog"], n),
        "is_night": rng.random(n) < 0.3,
    })


def _coco(n_images: int, n_boxes: int) -> dict:
    rng = np.random.default_rng(0)
    images = [{"id": i + 1, "file_name": f"{i:08d}.jpg", "width": 640, "height": 480,
               "split": "val" if i % 5 == 0 else "train"} for i in range(n_images)]
    img = np.sort(rng.integers(1, n_images + 1, n_boxes))
    xy = rng.integers(0, 400, (n_boxes, 2)).astype(float)
    wh = rng.integers(2, 80, (n_boxes, 2)).astype(float) + 0.5
    cat = rng.integers(1, 81, n_boxes)
    annotations = [{"id": k + 1, "image_id": int(i), "category_id": int(c), "bbox": [x, y, w, h], "area": w * h,
                    "iscrowd": 0} for k, (i, c, (x, y), (w, h)) in
                   enumerate(zip(img.tolist(), cat.tolist(), xy.tolist(), wh.tolist()))]
    categories = [{"id": c, "name": f"class{c}", "supercategory": "thing"} for c in range(1, 81)]
    return {"images": images, "annotations": annotations, "categories": categories}


def _run(mode: str, folder: str, url: str) -> dict:
    import kolena_lab
    from kolena_lab.datasets import from_coco, from_csv

    kolena_lab.initialize(url=url)
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "csv":
        imported = from_csv(f"{folder}/table.csv", "Import Benchmark CSV")
    elif mode in ("coco", "coco-objects"):
        if mode == "coco-objects":  # the object path: every box built as a LabeledBoundingBox, as before
            from kolena_lab.datasets import coco

            coco._fast_images = coco._fast_annotations = lambda *args: None
        imported = from_coco(f"{folder}/annotations.json", f"{folder}/images", "Import Benchmark COCO")
    elif mode in ("results", "results-objects"):  # a COCO import first (not timed), then its results file
        from kolena_lab.datasets import coco, model_from_coco

        if mode == "results-objects":  # the object path: every detection built as a ScoredLabeledBoundingBox
            coco._fast_results = lambda *args: None
        imported = from_coco(f"{folder}/annotations.json", f"{folder}/images", "Import Benchmark COCO")
        started, cpu = time.perf_counter(), time.process_time()
        model_from_coco(f"{folder}/results.json", imported, "Import Benchmark Detector")
    else:  # the bulk path itself, the rows already in memory
        from kolena_lab.datasets import ClassificationGroundTruth, ClassificationInference
        from kolena_lab.workflow import Image, define_workflow

        frame = pd.read_csv(f"{folder}/table.csv").rename(columns={"label": "ground_truth.label"})
        _, test_case, _, _ = define_workflow("Import Benchmark Bulk", Image, ClassificationGroundTruth,
                                             ClassificationInference)
        started, cpu = time.perf_counter(), time.process_time()
        test_case.from_dataframe("bulk", frame)
        imported = None
    return {"mode": mode, "samples": len(frame) if imported is None else imported.samples,
            "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "peak_mib": _peak()}


def _peak() -> float:
    """The process's peak resident memory (Linux), in MiB."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--images", type=int, default=200_000)
    parser.add_argument("--boxes", type=int, default=1_000_000)
    parser.add_argument("--url", help="store URL of an empty database (default: a temporary SQLite file per run)")
    parser.add_argument("--results", action="store_true",
                        help="also time model_from_coco on a results file of one detection per box")
    parser.add_argument("--child", choices=["bulk", "csv", "coco", "coco-objects", "results", "results-objects"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run(args.child, args.folder, args.url)))
        return
    with tempfile.TemporaryDirectory() as folder:
        _table(args.rows).to_csv(f"{folder}/table.csv", index=False)
        data = _coco(args.images, args.boxes)
        Path(folder, "annotations.json").write_text(json.dumps(data))
        if args.results:
            Path(folder, "results.json").write_text(json.dumps([
                {"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
                 "score": (a["id"] % 100) / 100} for a in data["annotations"]]))
        del data
        Path(folder, "images").mkdir()
        print(f"imports on {'the given store' if args.url else 'SQLite'}: CSV of {args.rows:,} rows (6 metadata "
              f"columns + a label); COCO file of {args.images:,} images and {args.boxes:,} boxes")
        print(f"{'path':<34}{'seconds':>10}{'CPU s':>8}{'samples/s':>14}{'boxes/s':>14}{'peak RSS MiB':>15}")
        runs = [("bulk", "TestCase.from_dataframe (memory)"), ("csv", "from_csv"), ("coco", "from_coco"),
                ("coco-objects", "from_coco, object path")]
        results = [("results", "model_from_coco"), ("results-objects", "model_from_coco, object path")]
        for mode, title in runs + (results if args.results else []):
            with tempfile.TemporaryDirectory() as store:
                url = args.url or f"sqlite:///{store}/lab.db"
                out = subprocess.run([sys.executable, __file__, "--child", mode, "--folder", folder, "--url", url],
                                     check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            per_box = mode.startswith(("coco", "results"))
            boxes = f"{args.boxes / r['seconds']:>14,.0f}" if per_box else f"{'':>14}"
            rate = r["samples"] / r["seconds"]
            print(f"{title:<34}{r['seconds']:>10.2f}{r['cpu']:>8.2f}{rate:>14,.0f}{boxes}{r['peak_mib']:>15,.0f}")


if __name__ == "__main__":
    main()
