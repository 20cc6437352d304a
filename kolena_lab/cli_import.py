"""``kolena-lab import`` commands: COCO files, image folders and CSV tables as workflows, and model outputs as
stored inferences (added to ``cli.main``); ``kolena-lab export-coco`` writes them back."""
import json
from typing import Any, Optional

import click

from kolena_lab import datasets
from kolena_lab._cli_common import emit, errors, json_option
from kolena_lab.errors import InputValidationError

_DATASET_COLUMNS = ["workflow", "test_suite", "test_cases", "samples"]


@click.group("import")
def import_group() -> None:
    """Import data in the formats of the field: COCO, a folder of images per class, a CSV table; and model outputs."""


def _emit_dataset(imported: datasets.ImportedDataset, as_json: bool) -> None:
    emit([{"workflow": imported.workflow.name, "test_suite": imported.test_suite.name,
           "test_cases": ", ".join(tc.name for tc in imported.test_cases), "samples": imported.samples}],
         as_json, _DATASET_COLUMNS)


def _metadata(text: Optional[str]) -> Optional[dict]:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputValidationError(f"--metadata is not JSON: {e.msg}") from None
    if not isinstance(value, dict):
        raise InputValidationError(f"--metadata must be a JSON object, got {text!r}")
    return value


def _emit_model(model: Any, dataset: str, as_json: bool) -> None:
    emit([{"model": model.name, "workflow": dataset}], as_json, ["model", "workflow"])


name_option = click.option("--name", required=True, help="The workflow's name (also its test suite's, by default).")
suite_option = click.option("--test-suite", default=None, help="The test suite's name (default: --name).")
dataset_option = click.option("--dataset", required=True, help="The workflow an import wrote (its --name).")
model_option = click.option("--model", "model_name", required=True, help="The model's name (created if needed).")
metadata_option = click.option("--metadata", default=None, metavar="JSON", help="The model's metadata, a JSON object.")
reset_option = click.option("--reset", is_flag=True,
                            help="Replace test cases and a suite of these names (a new version of each).")


@import_group.command("coco")
@click.argument("annotations", type=click.Path(dir_okay=False))
@click.argument("images_dir", type=click.Path(file_okay=False))
@name_option
@click.option("--split-by", default=None, help="An image key (e.g. split) or 'category': a test case per value.")
@suite_option
@reset_option
@json_option
def import_coco(annotations: str, images_dir: str, name: str, split_by: Optional[str], test_suite: Optional[str],
                reset: bool, as_json: bool) -> None:
    """A COCO annotation file as a detection workflow with its test case(s) and suite."""
    with errors():
        _emit_dataset(datasets.from_coco(annotations, images_dir, name, split_by=split_by, test_suite=test_suite,
                                         reset=reset, progress=not as_json), as_json)


@import_group.command("coco-results")
@click.argument("results", type=click.Path(dir_okay=False))
@dataset_option
@model_option
@metadata_option
@json_option
def import_coco_results(results: str, dataset: str, model_name: str, metadata: Optional[str], as_json: bool) -> None:
    """A COCO results file as a model's inferences on every image of a COCO import."""
    with errors():
        _emit_model(datasets.model_from_coco(results, dataset, model_name, metadata=_metadata(metadata)), dataset,
                    as_json)


@import_group.command("folder")
@click.argument("root", type=click.Path(file_okay=False))
@name_option
@click.option("--split-by", type=click.Choice(["class"]), default=None, help="A test case per class.")
@suite_option
@reset_option
@json_option
def import_folder(root: str, name: str, split_by: Optional[str], test_suite: Optional[str], reset: bool,
                  as_json: bool) -> None:
    """A folder of images, one sub-folder per class, as a classification workflow."""
    with errors():
        _emit_dataset(datasets.from_image_folder(root, name, split_by=split_by, test_suite=test_suite, reset=reset,
                                                 progress=not as_json), as_json)


locator_option = click.option("--locator", default="locator", show_default=True, help="The column of locators.")
label_option = click.option("--label", default="label", show_default=True, help="The column of labels.")


@import_group.command("csv")
@click.argument("path", type=click.Path(dir_okay=False))
@name_option
@locator_option
@label_option
@click.option("--split-by", default=None, help="A column: a test case per value.")
@suite_option
@reset_option
@json_option
def import_csv(path: str, name: str, locator: str, label: str, split_by: Optional[str], test_suite: Optional[str],
               reset: bool, as_json: bool) -> None:
    """A CSV table of locators and labels (other columns: metadata) as a classification workflow."""
    with errors():
        _emit_dataset(datasets.from_csv(path, name, locator=locator, label=label, split_by=split_by,
                                        test_suite=test_suite, reset=reset, progress=not as_json), as_json)


@import_group.command("csv-results")
@click.argument("path", type=click.Path(dir_okay=False))
@dataset_option
@model_option
@locator_option
@click.option("--label", default="label", show_default=True, help="The column of predicted labels.")
@click.option("--score", default="score", show_default=True, help="The column of the predictions' scores.")
@metadata_option
@json_option
def import_csv_results(path: str, dataset: str, model_name: str, locator: str, label: str, score: str,
                       metadata: Optional[str], as_json: bool) -> None:
    """A CSV table of predictions (locator, label, score) as a model's inferences on a classification import."""
    with errors():
        _emit_model(datasets.model_from_csv(path, dataset, model_name, locator=locator, label=label, score=score,
                                            metadata=_metadata(metadata)), dataset, as_json)


@click.command("export-coco")
@click.argument("source")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="The JSON file to write.")
@click.option("--model", "model_name", default=None, help="Write this model's inferences as a COCO results file.")
def export_coco(source: str, output: str, model_name: Optional[str]) -> None:
    """A test suite's (or test case's) ground truths as a COCO annotation file, or a model's inferences of it."""
    with errors():
        out = datasets.to_coco(source, output, model=model_name)
        count = len(out) if isinstance(out, list) else len(out["annotations"])
        click.echo(f"wrote {count} {'detections' if isinstance(out, list) else 'annotations'} to {output}")
