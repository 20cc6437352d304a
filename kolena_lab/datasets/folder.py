"""A folder of images, one sub-folder per class, as a classification workflow (``from_image_folder``)."""
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import pandas as pd

from kolena_lab._utils import log
from kolena_lab.datasets._common import ImportedDataset, check_dir, split_frames, workflow_of, write_dataset
from kolena_lab.datasets._types import CLASSIFICATION_TYPES
from kolena_lab.errors import InputValidationError, shown

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def from_image_folder(root: Union[str, os.PathLike], name: str, *, split_by: Optional[str] = None,
                      test_suite: Optional[str] = None, extensions: Sequence[str] = IMAGE_EXTENSIONS,
                      reset: bool = False, progress: bool = False) -> ImportedDataset:
    """Import ``root/<class>/**/<image>`` as the classification workflow ``name``: an ``Image`` per file whose
    extension is in ``extensions`` (its locator the absolute path; metadata ``file_name``, the path under ``root``),
    labeled with its class folder's name. One test case ``name``, or with ``split_by="class"`` one
    ``"<name> :: <class>"`` per class, in the suite ``test_suite`` (default ``name``). Other files, and files
    directly in ``root``, are skipped with a warning saying how many; hidden files and folders are ignored.
    ``reset=True`` replaces test cases and a suite of these names (a new version of each) instead of raising
    ``NameConflictError``."""
    base = Path(check_dir(root, "image folder"))
    if split_by not in (None, "class"):
        raise InputValidationError(f"split_by must be None or 'class', got {split_by!r}")
    suffixes = tuple(e.lower() for e in extensions)
    classes = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise InputValidationError(f"image folder {shown(str(base))} has no class folders (root/<class>/<image>)")
    locators: List[str] = []
    labels: List[str] = []
    skipped = [str(p.relative_to(base)) for p in base.iterdir() if p.is_file() and not p.name.startswith(".")]
    for label in classes:
        for directory, folders, files in os.walk(base / label):
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for file in sorted(f for f in files if not f.startswith(".")):
                path = os.path.join(directory, file)
                if file.lower().endswith(suffixes):
                    locators.append(path)
                    labels.append(label)
                else:
                    skipped.append(os.path.relpath(path, base))
    if skipped:
        log.warn(f"image folder {base}: skipped {len(skipped)} file(s) that are not images in a class folder, e.g. "
                 f"{skipped[0]}")
    if not locators:
        raise InputValidationError(f"image folder {shown(str(base))} has no images in its class folders "
                                   f"{shown(classes)} (extensions {', '.join(suffixes)})")
    frame = pd.DataFrame({"locator": locators, "ground_truth.label": labels,
                          "file_name": [os.path.relpath(p, base).replace(os.sep, "/") for p in locators]})
    groups: Optional[Dict[str, List[int]]] = None
    if split_by == "class":
        groups = {}
        for row, label in enumerate(labels):
            groups.setdefault(label, []).append(row)
    workflow = workflow_of(name, CLASSIFICATION_TYPES)
    description = f"Images of {len(classes)} classes from {base}"
    return write_dataset(workflow, split_frames(frame, name, groups), test_suite or name, description, len(frame),
                         CLASSIFICATION_TYPES, progress, reset=reset)
