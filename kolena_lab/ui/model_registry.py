"""ModelRegistry: a workflow's models with their metadata and tags; create models, edit them, or import an
inference CSV (the lookup-infer pattern: a table of precomputed outputs keyed by locator)."""
import html
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Type, Union

import ipywidgets
import pandas as pd

from kolena_lab.errors import InputValidationError, NameConflictError, NotFoundError
from kolena_lab.ui._widget import Panel, error_text, html_table
from kolena_lab.workflow import Model, TestSuite, Workflow, bound_classes, catalog
from kolena_lab.workflow.io import InferenceCsvImport, csv_key, model_from_inference_csv

NAMING_GUIDANCE = (
    "Model names are unique in the store. Name what changes the outputs: architecture, input size, framework and "
    "run, e.g. <code>resnet50-224px-torch-run7</code> or <code>yolov8s-640-onnx-2026-11-23</code>."
)
_MODES = ("Key/value rows", "Raw JSON")


def parse_value(text: str) -> Any:
    """A metadata value typed in a row: JSON when it parses (numbers, true/false, lists, quoted text), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def format_value(value: Any) -> str:
    """The row text of a metadata value, so that ``parse_value(format_value(v)) == v``."""
    if isinstance(value, str):
        return json.dumps(value) if parse_value(value) != value else value
    return json.dumps(value)


def metadata_text(metadata: Dict[str, Any]) -> str:
    """Metadata for people: ``key: value`` pairs in key order, values as a row would show them."""
    return " · ".join(f"{key}: {format_value(value)}" for key, value in sorted(metadata.items()))


VAGUE_NAMES = frozenset({"test", "tmp", "temp", "model", "new", "foo", "bar", "untitled", "my-model", "mymodel",
                         "final", "latest", "x", "a", "m"})


class _Row(ipywidgets.HBox):
    def __init__(self, index: int, key: str, value: str, on_remove: Any):
        self.key = ipywidgets.Text(key, description=f"Key {index}", placeholder="e.g. framework",
                                   layout=ipywidgets.Layout(width="260px"))
        self.value = ipywidgets.Text(value, description=f"Value {index}", placeholder='e.g. torch, 224, [1, 2]',
                                     layout=ipywidgets.Layout(width="340px"))
        self.remove = ipywidgets.Button(description="Remove", tooltip=f"Remove row {index}",
                                        layout=ipywidgets.Layout(width="80px"))
        self.remove.on_click(lambda _: on_remove(self))
        super().__init__([self.key, self.value, self.remove])


class ModelRegistry(Panel):
    """The models of a workflow: a list with metadata and tags, a form to create one (with naming guidance), an
    editor of the selected model's metadata (key/value rows or raw JSON) and tags, and an inference-CSV import."""

    title = "Models"

    def __init__(self, workflow: Union[Workflow, Type[Model]], test_suites: Optional[Sequence[TestSuite]] = None):
        if isinstance(workflow, type) and issubclass(workflow, Model):
            workflow = workflow.workflow
        if not isinstance(workflow, Workflow):
            raise TypeError(f"expected a Workflow or a bound Model class, got {workflow!r}")
        _, self.suite_class, self.model_class = bound_classes(workflow)
        self.title = f"Models of {self.model_class.workflow.name}"
        self._test_suites = list(test_suites) if test_suites is not None else None
        self.models_table = ipywidgets.HTML()
        self.select = ipywidgets.Select(description="Model", rows=6, layout=ipywidgets.Layout(width="420px"))
        self.edit_status = ipywidgets.HTML()
        self.create_status = ipywidgets.HTML()
        self.csv_status = ipywidgets.HTML()
        self._target = self.edit_status  # where the running action reports

        self.new_name = ipywidgets.Text(description="New model", placeholder="resnet50-224px-torch-run7",
                                        continuous_update=True, layout=ipywidgets.Layout(width="420px"))
        self.name_help = ipywidgets.HTML(f"<small>{NAMING_GUIDANCE}</small>")
        self.create_button = ipywidgets.Button(description="Create model", button_style="primary")
        self.new_name.observe(lambda _: self._check_new_name(), "value")
        self.create_button.on_click(lambda _: self._act(self.create_status, lambda: self.create(self.new_name.value)))

        self.mode = ipywidgets.ToggleButtons(options=_MODES, description="Edit as")
        self.rows_box = ipywidgets.VBox()
        self.add_row_button = ipywidgets.Button(description="Add row", tooltip="Add a metadata row")
        self.json_text = ipywidgets.Textarea(description="Metadata", placeholder='{"framework": "torch"}',
                                             layout=ipywidgets.Layout(width="600px", height="140px"))
        self.tags_text = ipywidgets.Text(description="Tags", placeholder="comma-separated, e.g. baseline, prod",
                                         layout=ipywidgets.Layout(width="600px"))
        self.save_button = ipywidgets.Button(description="Save", button_style="success",
                                             tooltip="Save metadata and tags of the selected model")
        self.editor = ipywidgets.VBox()
        self.add_row_button.on_click(lambda _: self._add_row("", ""))
        self.mode.observe(self._on_mode, "value")
        self.save_button.on_click(lambda _: self._act(self.edit_status, self.save))
        self.select.observe(lambda _: self._load_editor(), "value")

        self.csv_path = ipywidgets.Text(description="CSV path", placeholder="inferences.csv (locator,label,score)",
                                        layout=ipywidgets.Layout(width="420px"))
        self.csv_upload = ipywidgets.FileUpload(accept=".csv", description="Upload CSV", multiple=False)
        self.csv_key = ipywidgets.Text("locator", description="Key column")
        self.csv_suite = ipywidgets.Dropdown(description="Test suite")
        self.csv_button = ipywidgets.Button(description="Create from CSV", tooltip="Create the new model from the CSV")
        self.csv_report = ipywidgets.HTML()
        self.csv_button.on_click(lambda _: self._act(self.csv_status, self._import_from_widgets))

        def section(text: str) -> ipywidgets.HTML:
            return ipywidgets.HTML(f"<h4 style='margin:8px 0 2px'>{html.escape(text)}</h4>")

        super().__init__([
            self.models_table, self.select,
            section("Edit the selected model"), self.mode, self.editor, self.tags_text,
            ipywidgets.HBox([self.save_button, self.edit_status]),
            section("Create a model"), self.new_name, self.name_help,
            ipywidgets.HBox([self.create_button, self.create_status]),
            section("Create a model from an inference CSV"),
            ipywidgets.HBox([self.csv_path, self.csv_upload]), ipywidgets.HBox([self.csv_key, self.csv_suite]),
            ipywidgets.HBox([self.csv_button, self.csv_status]), self.csv_report,
        ])
        for control in (self.json_text, self.tags_text, self.select):
            control.observe(lambda _: self._say(self.edit_status, ""), "value")
        self.csv_path.observe(lambda _: self._say(self.csv_status, ""), "value")
        self.refresh()

    @staticmethod
    def _say(target: ipywidgets.HTML, text: str, error: bool = False) -> None:
        """Show ``text`` (HTML) beside the button of its section; an empty text clears it."""
        style = "color:#a40e26" if error else "color:inherit"
        target.value = f"<span role='status' style='{style};margin-left:8px;line-height:28px'>{text}</span>" \
            if text else ""

    def _act(self, target: ipywidgets.HTML, action: Any) -> None:
        """Run a button's action, reporting its error beside that button."""
        self._target = target
        self._guard(action)

    def _show_error(self, exc: BaseException) -> None:
        self._say(self._target, html.escape(error_text(exc)), error=True)

    # -- listing ------------------------------------------------------------------------------------------------

    def models(self) -> List[Model]:
        """The workflow's stored models."""
        return self.model_class.list()

    def test_suites(self) -> List[TestSuite]:
        """The suites offered for CSV imports: those given, or every suite of the workflow."""
        return self._test_suites if self._test_suites is not None else self.suite_class.list()

    def refresh(self, select: Optional[str] = None) -> None:
        """Reload the models (and suites) from the store; select ``select`` or keep the selection."""
        models = self.models()
        self._models = {m.name: m for m in models}
        self.models_table.value = html_table(
            ["model", "metadata", "tags"],
            [[m.name, metadata_text(m.metadata), ", ".join(sorted(m.tags))] for m in models],
            caption=f"{len(models)} models")
        current = select or self.select.value
        self.select.options = list(self._models)
        if current in self._models:
            self.select.value = current
        elif models:
            self.select.value = models[0].name
        suites = self.test_suites()
        self._suites = {s.name: s for s in suites}
        chosen = self.csv_suite.value
        self.csv_suite.options = list(self._suites)
        self.csv_suite.value = chosen if chosen in self._suites else next(iter(self._suites), None)
        self._load_editor()

    @property
    def selected(self) -> Optional[Model]:
        """The selected model."""
        return self._models.get(self.select.value) if self.select.value else None

    # -- creating -----------------------------------------------------------------------------------------------

    def check_name(self, name: str) -> Optional[str]:
        """Why the name cannot be used for a new model, or None when it can."""
        stripped = name.strip()
        if not stripped:
            return "type a name"
        try:
            catalog.model_info(stripped)
        except NotFoundError:
            return None
        return f"a model named '{stripped}' already exists; names are unique"

    @staticmethod
    def name_advice(name: str) -> Optional[str]:
        """A warning for a name that says nothing about the model (it can still be used), or None."""
        stripped = name.strip()
        if stripped.lower() in VAGUE_NAMES or (0 < len(stripped) < 4):
            return f"'{stripped}' says nothing about the model: name what changes its outputs (see below)"
        return None

    def _check_new_name(self) -> None:
        problem = self.check_name(self.new_name.value) if self.new_name.value else None
        self.create_button.disabled = problem is not None
        advice = None if problem else self.name_advice(self.new_name.value)
        if problem:
            warning = f"<div style='color:#a40e26'>⚠ {html.escape(problem)}</div>"
        elif advice:
            warning = f"<div style='color:#9a6700'>⚠ {html.escape(advice)}</div>"
        else:
            warning = ""
        self.name_help.value = f"{warning}<small>{NAMING_GUIDANCE}</small>"
        self._say(self.create_status, "")

    def create(self, name: str, metadata: Optional[Dict[str, Any]] = None, tags: Optional[Set[str]] = None) -> Model:
        """Create a model (``Model.create``; a taken name raises ``NameConflictError``) and select it."""
        model = self.model_class.create(name, metadata=metadata, tags=tags)
        self.new_name.value = ""
        self.refresh(select=model.name)
        self._say(self.create_status, f"Created model <b>{html.escape(model.name)}</b>.")
        return model

    def create_from_csv(self, name: str, csv: Union[str, Path, bytes, pd.DataFrame], test_suite: TestSuite,
                        key_column: str = "locator", metadata: Optional[Dict[str, Any]] = None) -> InferenceCsvImport:
        """``io.model_from_inference_csv`` for this workflow under a new name, then show its report (samples without
        inference)."""
        problem = self.check_name(name)
        if problem:
            raise NameConflictError(problem) if "exists" in problem else ValueError(problem)
        result = model_from_inference_csv(self.model_class, csv, test_suite, name=name, key_column=key_column,
                                          metadata=metadata)
        self.refresh(select=result.model.name)
        missing = [[csv_key(s, key_column)] for s in result.missing[:50]]
        more = f" (first 50 of {len(result.missing)})" if len(result.missing) > 50 else ""
        self.csv_report.value = (f"<p>{html.escape(result.summary())}.</p>"
                                 + (html_table(["sample without inference" + more], missing) if missing else ""))
        return result

    def _import_from_widgets(self) -> None:
        if not self.csv_suite.value:
            raise InputValidationError("choose the test suite whose samples the CSV covers")
        uploads = self.csv_upload.value
        source: Union[str, bytes] = bytes(uploads[0]["content"]) if uploads else self.csv_path.value.strip()
        if not source:
            raise InputValidationError("give a CSV path or upload a CSV")
        self.create_from_csv(self.new_name.value, source, self._suites[self.csv_suite.value], self.csv_key.value)
        self.new_name.value = ""

    # -- editing ------------------------------------------------------------------------------------------------

    def _add_row(self, key: str, value: str) -> None:
        self.rows_box.children = (*self.rows_box.children, _Row(len(self.rows_box.children) + 1, key, value,
                                                                 self._remove_row))

    def _remove_row(self, row: _Row) -> None:
        kept = [(r.key.value, r.value.value) for r in self.rows_box.children if r is not row]
        self._set_rows(dict(kept), raw=True)

    def _set_rows(self, metadata: Dict[str, Any], raw: bool = False) -> None:
        self.rows_box.children = ()
        for key, value in metadata.items():
            self._add_row(key, value if raw else format_value(value))

    def _show_editor(self) -> None:
        rows = self.mode.value == _MODES[0]
        self.editor.children = [self.rows_box, self.add_row_button] if rows else [self.json_text]

    def _load_editor(self) -> None:
        model = self.selected
        metadata = model.metadata if model else {}
        self._set_rows(metadata)
        self.json_text.value = json.dumps(metadata, indent=2, sort_keys=True)
        self.tags_text.value = ", ".join(sorted(model.tags)) if model else ""
        self.save_button.disabled = model is None
        self._show_editor()

    def _on_mode(self, change: Dict[str, Any]) -> None:
        try:
            metadata = self._metadata_from(change["old"])
        except ValueError as e:
            self.mode.unobserve(self._on_mode, "value")
            self.mode.value = change["old"]
            self.mode.observe(self._on_mode, "value")
            self._say(self.edit_status, html.escape(str(e)), error=True)
            return
        self._set_rows(metadata)
        self.json_text.value = json.dumps(metadata, indent=2, sort_keys=True)
        self._show_editor()

    def _metadata_from(self, mode: str) -> Dict[str, Any]:
        if mode == _MODES[1]:
            try:
                metadata = json.loads(self.json_text.value or "{}")
            except ValueError as e:
                raise InputValidationError(f"metadata is not valid JSON: {e}") from None
            if not isinstance(metadata, dict):
                raise InputValidationError("metadata must be a JSON object ({...})")
            return metadata
        metadata = {}
        for i, row in enumerate(self.rows_box.children, start=1):
            key = row.key.value.strip()
            if not key and not row.value.value.strip():
                continue
            if not key:
                raise InputValidationError(f"metadata row {i} has a value but no key")
            if key in metadata:
                raise InputValidationError(f"metadata key '{key}' appears twice (rows)")
            metadata[key] = parse_value(row.value.value)
        return metadata

    def edited_metadata(self) -> Dict[str, Any]:
        """The metadata as the editor holds it now (rows or JSON, whichever is shown)."""
        return self._metadata_from(self.mode.value)

    def edited_tags(self) -> Set[str]:
        """The tags as typed (comma-separated)."""
        return {t.strip() for t in self.tags_text.value.split(",") if t.strip()}

    def save(self, metadata: Optional[Dict[str, Any]] = None, tags: Optional[Set[str]] = None) -> Model:
        """Store metadata and tags of the selected model (``Model.update``); by default what the editor holds."""
        model = self.selected
        if model is None:
            raise InputValidationError("no model selected")
        model.update(metadata=self.edited_metadata() if metadata is None else metadata,
                     tags=self.edited_tags() if tags is None else tags)
        self.refresh(select=model.name)
        self._say(self.edit_status, f"Saved <b>{html.escape(model.name)}</b>.")
        return model

    def snapshot_body(self) -> str:
        return self.models_table.value + (f"<div>{self.csv_report.value}</div>" if self.csv_report.value else "")


__all__ = ["ModelRegistry", "NAMING_GUIDANCE", "format_value", "parse_value"]
