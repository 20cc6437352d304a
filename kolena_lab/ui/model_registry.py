"""ModelRegistry: a workflow's models with their metadata and tags; create models, edit them, or import an
inference CSV (the lookup-infer pattern: a table of precomputed outputs keyed by locator)."""
import dataclasses
import html
import io
import json
import typing
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Type, Union

import ipywidgets
import pandas as pd

from kolena_lab import store
from kolena_lab.errors import NameConflictError
from kolena_lab.ui._widget import Panel, html_table
from kolena_lab.workflow import Model, TestRun, TestSample, TestSuite, Workflow, no_op_evaluator
from kolena_lab.workflow.io import dataframe_from_csv
from kolena_lab.workflow._bound import bind

NAMING_GUIDANCE = (
    "Model names are unique in the store. Name what changes the outputs: architecture, input size, framework and "
    "run, e.g. <code>resnet50-224px-torch-run7</code> or <code>yolov8s-640-onnx-2026-11-23</code>."
)
_MODES = ("Key/value rows", "Raw JSON")


def bound_classes(workflow: Union[Workflow, Type[Model]]) -> Tuple[Type[Model], Type[TestSuite]]:
    """The Model and TestSuite classes of a workflow (given as a Workflow or a bound Model class)."""
    if isinstance(workflow, type) and issubclass(workflow, Model):
        workflow = workflow.workflow
    if not isinstance(workflow, Workflow):
        raise TypeError(f"expected a Workflow or a bound Model class, got {workflow!r}")
    return bind(Model, workflow), bind(TestSuite, workflow)


def list_models(model_class: Type[Model]) -> List[Model]:
    """Every stored model of the class's workflow, by name."""
    with store.get_store().read() as conn:
        rows = store.models.list_all(conn, model_class.workflow.name)
    return [model_class.load(row.name) for row in rows]


def sample_key(sample: TestSample) -> str:
    """What an inference CSV's key column holds for a sample: its locator (or text for text samples)."""
    for attribute in ("locator", "text"):
        value = getattr(sample, attribute, None)
        if isinstance(value, str):
            return value
    raise ValueError(f"test sample {sample!s} has neither a locator nor a text to look its inference up by")


def _optional_inner(tp: Any) -> Tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else tp), True
    return tp, False


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


class InferenceTable:
    """Builds inferences of a workflow from table rows: a column per inference field (``<field>`` or
    ``inference.<field>``; JSON cells for annotations), or the columns of a single annotation's own fields (e.g.
    ``label,score`` for a ``ScoredClassificationLabel`` field)."""

    def __init__(self, inference_type: type, columns: Sequence[str]):
        self.inference_type = inference_type
        self.columns = list(columns)
        hints = typing.get_type_hints(inference_type)
        self.plan: List[Tuple[str, str, Any]] = []  # (field, how: column|object|default, detail)
        for field in dataclasses.fields(inference_type):
            if not field.init:
                continue
            tp, optional = _optional_inner(hints.get(field.name, field.type))
            column = next((c for c in (field.name, f"inference.{field.name}") if c in self.columns), None)
            if column is not None:
                self.plan.append((field.name, "column", column))
            elif dataclasses.is_dataclass(tp) and self._covers(tp):
                self.plan.append((field.name, "object", tp))
            elif optional or field.default is not dataclasses.MISSING or \
                    field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                self.plan.append((field.name, "default", None))
            else:
                raise ValueError(f"inference field '{field.name}' ({getattr(tp, '__name__', tp)}) has no column: "
                                 f"expected '{field.name}' or the columns of its own fields; got {self.columns}")

    def _covers(self, tp: type) -> bool:
        required = [f.name for f in dataclasses.fields(tp) if f.init and f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]  # type: ignore[misc]
        return bool(required) and all(name in self.columns for name in required)

    def build(self, row: Dict[str, Any]) -> Any:
        """The inference of one row."""
        values: Dict[str, Any] = {}
        for name, how, detail in self.plan:
            if how == "column":
                value = row[detail]
                values[name] = None if _missing(value) else value
            elif how == "object":
                names = [f.name for f in dataclasses.fields(detail) if f.init and f.name in self.columns]
                cells = {n: row[n] for n in names if not _missing(row[n])}
                values[name] = detail(**cells)
        return self.inference_type(**values)


@dataclasses.dataclass
class CsvImport:
    """What an inference CSV import did: the model, how many inferences were stored, and what did not match."""

    model: Model
    stored: int
    missing: List[TestSample]  # samples of the suite without a row in the CSV
    unmatched: List[str]  # CSV keys that are no sample of the suite

    def summary(self) -> str:
        text = f"model '{self.model.name}': {self.stored} inferences stored"
        if self.missing:
            text += f"; {len(self.missing)} samples have no inference"
        if self.unmatched:
            text += f"; {len(self.unmatched)} CSV rows match no sample of the suite"
        return text


def model_from_inference_csv(
    model_class: Type[Model],
    name: str,
    csv: Union[str, Path, bytes, pd.DataFrame],
    test_suite: TestSuite,
    key_column: str = "locator",
    metadata: Optional[Dict[str, Any]] = None,
    tags: Optional[Set[str]] = None,
) -> CsvImport:
    """Create (or load) a model whose inferences come from a CSV of precomputed outputs, store them for the suite's
    samples, and report the samples the CSV has no row for. The model's ``infer`` looks samples up in the table, so
    ``test()`` runs on it in this kernel; it raises ``KeyError`` naming a sample the table lacks."""
    frame = _read_table(csv)
    if key_column not in frame.columns:
        raise ValueError(f"the CSV has no '{key_column}' column (columns: {list(frame.columns)})")
    keys = frame[key_column].astype(str)
    duplicated = sorted(set(keys[keys.duplicated()]))
    if duplicated:
        raise ValueError(f"the CSV has several rows for {len(duplicated)} keys, e.g. '{duplicated[0]}'")
    table = InferenceTable(model_class.workflow.inference_type, [c for c in frame.columns if c != key_column])
    rows = dict(zip(keys, frame.drop(columns=[key_column]).to_dict("records")))
    inferences = {key: table.build(row) for key, row in rows.items()}

    def infer(sample: TestSample) -> Any:
        key = sample_key(sample)
        if key not in inferences:
            raise KeyError(f"no inference in the CSV for test sample '{key}'")
        return inferences[key]

    model_class(name, metadata=metadata, tags=tags)
    model = model_class.load(name, infer=infer)
    run = TestRun(model, test_suite, no_op_evaluator, reset=True)
    samples = run.load_test_samples()
    found = [(s, inferences[sample_key(s)]) for s in samples if sample_key(s) in inferences]
    missing = [s for s in samples if sample_key(s) not in inferences]
    run.upload_inferences(found)
    known = {sample_key(s) for s in samples}
    return CsvImport(model, len(found), missing, [k for k in inferences if k not in known])


def _read_table(csv: Union[str, Path, bytes, pd.DataFrame]) -> pd.DataFrame:
    if isinstance(csv, pd.DataFrame):
        return csv
    if isinstance(csv, (bytes, bytearray, memoryview)):
        return dataframe_from_csv(io.StringIO(bytes(csv).decode("utf-8")))
    return dataframe_from_csv(str(csv))


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
        self.model_class, self.suite_class = bound_classes(workflow)
        self.title = f"Models of {self.model_class.workflow.name}"
        self._test_suites = list(test_suites) if test_suites is not None else None
        self.models_table = ipywidgets.HTML()
        self.select = ipywidgets.Select(description="Model", rows=6, layout=ipywidgets.Layout(width="420px"))
        self.status = ipywidgets.HTML()

        self.new_name = ipywidgets.Text(description="New model", placeholder="resnet50-224px-torch-run7",
                                        continuous_update=True, layout=ipywidgets.Layout(width="420px"))
        self.name_help = ipywidgets.HTML(f"<small>{NAMING_GUIDANCE}</small>")
        self.create_button = ipywidgets.Button(description="Create model", button_style="primary")
        self.new_name.observe(lambda _: self._check_new_name(), "value")
        self.create_button.on_click(lambda _: self._guard(lambda: self.create(self.new_name.value)))

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
        self.save_button.on_click(lambda _: self._guard(self.save))
        self.select.observe(lambda _: self._load_editor(), "value")

        self.csv_path = ipywidgets.Text(description="CSV path", placeholder="inferences.csv (locator,label,score)",
                                        layout=ipywidgets.Layout(width="420px"))
        self.csv_upload = ipywidgets.FileUpload(accept=".csv", description="Upload CSV", multiple=False)
        self.csv_key = ipywidgets.Text("locator", description="Key column")
        self.csv_suite = ipywidgets.Dropdown(description="Test suite")
        self.csv_button = ipywidgets.Button(description="Create from CSV", tooltip="Create the new model from the CSV")
        self.csv_report = ipywidgets.HTML()
        self.csv_button.on_click(lambda _: self._guard(self._import_from_widgets))

        def section(text: str) -> ipywidgets.HTML:
            return ipywidgets.HTML(f"<h4 style='margin:8px 0 2px'>{html.escape(text)}</h4>")

        super().__init__([
            self.models_table, self.select,
            section("Edit the selected model"), self.mode, self.editor, self.tags_text, self.save_button,
            section("Create a model"), self.new_name, self.name_help, self.create_button,
            section("Create a model from an inference CSV"),
            ipywidgets.HBox([self.csv_path, self.csv_upload]), ipywidgets.HBox([self.csv_key, self.csv_suite]),
            self.csv_button, self.csv_report, self.status,
        ])
        self.refresh()

    # -- listing ------------------------------------------------------------------------------------------------

    def models(self) -> List[Model]:
        """The workflow's stored models."""
        return list_models(self.model_class)

    def test_suites(self) -> List[TestSuite]:
        """The suites offered for CSV imports: those given, or every suite of the workflow."""
        return self._test_suites if self._test_suites is not None else self.suite_class.load_all()

    def refresh(self, select: Optional[str] = None) -> None:
        """Reload the models (and suites) from the store; select ``select`` or keep the selection."""
        models = self.models()
        self._models = {m.name: m for m in models}
        self.models_table.value = html_table(
            ["model", "metadata", "tags"],
            [[m.name, json.dumps(m.metadata, sort_keys=True), ", ".join(sorted(m.tags))] for m in models],
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
        with store.get_store().read() as conn:
            taken = store.models.get(conn, stripped) is not None
        return f"a model named '{stripped}' already exists; names are unique" if taken else None

    def _check_new_name(self) -> None:
        problem = self.check_name(self.new_name.value) if self.new_name.value else None
        self.create_button.disabled = problem is not None
        warning = f"<div style='color:#a40e26'>⚠ {html.escape(problem)}</div>" if problem else ""
        self.name_help.value = f"{warning}<small>{NAMING_GUIDANCE}</small>"

    def create(self, name: str, metadata: Optional[Dict[str, Any]] = None, tags: Optional[Set[str]] = None) -> Model:
        """Create a model (``Model.create``; a taken name raises ``NameConflictError``) and select it."""
        model = self.model_class.create(name, metadata=metadata, tags=tags)
        self.new_name.value = ""
        self.refresh(select=model.name)
        self.status.value = f"Created model <b>{html.escape(model.name)}</b>."
        return model

    def create_from_csv(self, name: str, csv: Union[str, Path, bytes, pd.DataFrame], test_suite: TestSuite,
                        key_column: str = "locator", metadata: Optional[Dict[str, Any]] = None) -> CsvImport:
        """``model_from_inference_csv`` for this workflow, then show the report (samples without inference)."""
        problem = self.check_name(name)
        if problem:
            raise NameConflictError(problem) if "exists" in problem else ValueError(problem)
        result = model_from_inference_csv(self.model_class, name, csv, test_suite, key_column, metadata)
        self.refresh(select=result.model.name)
        missing = [[sample_key(s)] for s in result.missing[:50]]
        more = f" (first 50 of {len(result.missing)})" if len(result.missing) > 50 else ""
        self.csv_report.value = (f"<p>{html.escape(result.summary())}.</p>"
                                 + (html_table(["sample without inference" + more], missing) if missing else ""))
        return result

    def _import_from_widgets(self) -> None:
        if not self.csv_suite.value:
            raise ValueError("choose the test suite whose samples the CSV covers")
        uploads = self.csv_upload.value
        source: Union[str, bytes] = bytes(uploads[0]["content"]) if uploads else self.csv_path.value.strip()
        if not source:
            raise ValueError("give a CSV path or upload a CSV")
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
            self.status.value = f"<span style='color:#a40e26'>{html.escape(str(e))}</span>"
            return
        self._set_rows(metadata)
        self.json_text.value = json.dumps(metadata, indent=2, sort_keys=True)
        self._show_editor()

    def _metadata_from(self, mode: str) -> Dict[str, Any]:
        if mode == _MODES[1]:
            try:
                metadata = json.loads(self.json_text.value or "{}")
            except ValueError as e:
                raise ValueError(f"metadata is not valid JSON: {e}") from None
            if not isinstance(metadata, dict):
                raise ValueError("metadata must be a JSON object ({...})")
            return metadata
        metadata = {}
        for i, row in enumerate(self.rows_box.children, start=1):
            key = row.key.value.strip()
            if not key and not row.value.value.strip():
                continue
            if not key:
                raise ValueError(f"metadata row {i} has a value but no key")
            if key in metadata:
                raise ValueError(f"metadata key '{key}' appears twice (rows)")
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
            raise ValueError("no model selected")
        model.update(metadata=self.edited_metadata() if metadata is None else metadata,
                     tags=self.edited_tags() if tags is None else tags)
        self.refresh(select=model.name)
        self.status.value = f"Saved <b>{html.escape(model.name)}</b>."
        return model

    def _guard(self, action: Any) -> None:
        try:
            action()
        except Exception as e:  # shown where the user clicked; the Python API raises
            self.status.value = f"<span style='color:#a40e26'>{html.escape(f'{type(e).__name__}: {e}')}</span>"

    def snapshot_body(self) -> str:
        return self.models_table.value + (f"<div>{self.csv_report.value}</div>" if self.csv_report.value else "")


__all__ = ["CsvImport", "InferenceTable", "ModelRegistry", "model_from_inference_csv", "NAMING_GUIDANCE"]
