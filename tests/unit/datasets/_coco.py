"""Generated COCO annotation and results files: boxes inside their images on a coarse grid (so that IoU ties occur),
crowd regions, polygon and RLE segmentations, extra image keys."""
from typing import Any, Dict, List

import numpy as np


def dataset(n_images: int = 30, seed: int = 0, classes: int = 4, crowd_p: float = 0.1) -> Dict[str, Any]:
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    categories = [{"id": 10 + 3 * k, "name": f"class{k}", "supercategory": "thing"} for k in range(classes)]
    for i in range(n_images):
        width, height = int(rng.integers(80, 200)), int(rng.integers(80, 200))
        image_id = 100 + 2 * i
        images.append({"id": image_id, "file_name": f"img{i:04d}.jpg", "width": width, "height": height,
                       "split": ["train", "val"][i % 2], "brightness": round(float(rng.random()), 3),
                       "date_captured": "2013-11-14 11:18:45"})
        for _ in range(int(rng.integers(0, 6))):
            w, h = float(rng.integers(4, 40)) + 0.5, float(rng.integers(4, 40))
            x, y = float(rng.integers(0, width - 41)) + 0.25, float(rng.integers(0, height - 41))
            crowd = int(rng.random() < crowd_p)
            ann = {"id": len(annotations) + 1, "image_id": image_id,
                   "category_id": categories[int(rng.integers(classes))]["id"], "bbox": [x, y, w, h],
                   "area": w * h * 0.8, "iscrowd": crowd}
            if crowd:
                ann["segmentation"] = {"counts": [0, 5, 10], "size": [height, width]}
            elif rng.random() < 0.5:
                ann["segmentation"] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
            annotations.append(ann)
    return {"images": images, "annotations": annotations, "categories": categories}


def results(data: Dict[str, Any], seed: int = 0) -> List[Dict[str, Any]]:
    """Detections: most ground truths found with jitter, some relabelled, some false positives; scores on a coarse
    grid (ties)."""
    rng = np.random.default_rng(seed + 1)
    sizes = {im["id"]: (im["width"], im["height"]) for im in data["images"]}
    cats = [c["id"] for c in data["categories"]]
    out = []
    for ann in data["annotations"]:
        if rng.random() < 0.8:
            x, y, w, h = ann["bbox"]
            dx, dy = rng.integers(-3, 4, 2)
            cat = ann["category_id"] if rng.random() < 0.85 else cats[int(rng.integers(len(cats)))]
            out.append({"image_id": ann["image_id"], "category_id": cat, "bbox": [x + float(dx), y + float(dy), w, h],
                        "score": round(float(rng.random()), 1)})
    for image_id, (width, height) in sizes.items():
        for _ in range(int(rng.integers(0, 3))):
            x, y = float(rng.integers(0, width - 20)), float(rng.integers(0, height - 20))
            out.append({"image_id": image_id, "category_id": cats[int(rng.integers(len(cats)))],
                        "bbox": [x, y, 15.0, 12.0], "score": round(float(rng.random()), 1)})
    return out
