"""Datasets in the formats of the field, in one call: COCO detection files, folders of images per class and CSV
tables as workflows with test cases and a suite; model outputs (COCO results, CSV) as stored inferences; test cases
and inferences back as COCO files. See ``docs/import-export.md``."""
from kolena_lab.datasets._common import ImportedDataset
from kolena_lab.datasets._types import (
    ClassificationGroundTruth,
    ClassificationInference,
    DetectionGroundTruth,
    DetectionInference,
)
from kolena_lab.datasets.coco import from_coco, model_from_coco, to_coco
from kolena_lab.datasets.csv import from_csv, model_from_csv
from kolena_lab.datasets.folder import IMAGE_EXTENSIONS, from_image_folder

__all__ = [
    "IMAGE_EXTENSIONS",
    "ClassificationGroundTruth",
    "ClassificationInference",
    "DetectionGroundTruth",
    "DetectionInference",
    "ImportedDataset",
    "from_coco",
    "from_csv",
    "from_image_folder",
    "model_from_coco",
    "model_from_csv",
    "to_coco",
]
