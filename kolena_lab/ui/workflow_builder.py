"""WorkflowBuilder: define a workflow's types field by field, validated live by ``define_workflow`` itself.

The builder writes a Python module (shown, copyable) and builds the classes by running that module, so what is
registered is exactly what the module defines.
"""
import dataclasses
import html
import keyword
import re
import sys
import types
from typing import Any, Dict, List, Optional, Tuple

import ipywidgets

from kolena_lab.ui._copy import CopyButton
from kolena_lab.ui._widget import Panel, html_table
from kolena_lab.workflow import Workflow, annotation, asset
from kolena_lab.workflow.workflow import trial_definitions

SAMPLE_BASES = ("Image", "Text", "Document", "Video", "PointCloud", "Audio", "Composite")
MEMBER_BASES = tuple(b for b in SAMPLE_BASES if b != "Composite")
SCALARS = ("str", "bool", "int", "float")
ANNOTATIONS = tuple(n for n in annotation.__all__ if n not in ("Annotation",))
ASSETS = tuple(n for n in asset.__all__ if n != "Asset")
FIELD_TYPES = SCALARS + ANNOTATIONS + ASSETS
ROLES = ("test_sample", "ground_truth", "inference")
_ROLE_LABELS = {"test_sample": "Sample field", "ground_truth": "GT field", "inference": "Inference field"}


@dataclasses.dataclass
class FieldSpec:
    """One field: a name, a type from the supported set, and whether it is a list and/or optional."""

    name: str
    type: str
    list: bool = False
    optional: bool = False

    def annotation(self) -> str:
        text = f"List[{self.type}]" if self.list else self.type
        return f"Optional[{text}] = None" if self.optional else text


def _class_prefix(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    prefix = "".join(w[:1].upper() + w[1:] for w in words)
    return prefix if prefix and not prefix[0].isdigit() else f"My{prefix}"


def _check_field_names(role: str, fields: List[FieldSpec], reserved: Tuple[str, ...] = ()) -> None:
    seen = set()
    for i, spec in enumerate(fields, start=1):
        where = f"{_ROLE_LABELS[role].lower()} {i}"
        if not spec.name:
            raise ValueError(f"{where}: give the field a name")
        if not spec.name.isidentifier() or keyword.iskeyword(spec.name):
            raise ValueError(f"{where}: '{spec.name}' is not a valid Python name")
        if spec.name in reserved:
            raise ValueError(f"{where}: '{spec.name}' is already a field of the base type")
        if spec.name in seen:
            raise ValueError(f"{where}: '{spec.name}' is used twice")
        if spec.type not in FIELD_TYPES:
            raise ValueError(f"{where}: unsupported type '{spec.type}' (choose one of {', '.join(FIELD_TYPES)})")
        seen.add(spec.name)


def python_source(name: str, base: str, fields: Dict[str, List[FieldSpec]],
                  members: Optional[List[Tuple[str, str]]] = None) -> str:
    """The Python module defining the workflow's types and calling ``define_workflow``."""
    if base not in SAMPLE_BASES:
        raise ValueError(f"unknown test sample base type '{base}' (choose one of {', '.join(SAMPLE_BASES)})")
    members = members or [] if base == "Composite" else []
    reserved = ("locator", "metadata", "text", "thumbnail", "start", "end")
    for role in ROLES:
        _check_field_names(role, fields.get(role, []), reserved if role == "test_sample" else ())
    for i, (member, member_base) in enumerate(members, start=1):
        if not member.isidentifier() or keyword.iskeyword(member):
            raise ValueError(f"composite member {i}: '{member}' is not a valid Python name")
        if member_base not in MEMBER_BASES:
            raise ValueError(f"composite member {i}: members are one of {', '.join(MEMBER_BASES)}")
    names = [m for m, _ in members] + [f.name for f in fields.get("test_sample", [])]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"test sample fields and members share the names {duplicated}")
    every = [f for role in ROLES for f in fields.get(role, [])]
    used_annotations = sorted({f.type for f in every if f.type in ANNOTATIONS})
    used_assets = sorted({f.type for f in every if f.type in ASSETS})
    typing_names = sorted({"List" for f in every if f.list} | {"Optional" for f in every if f.optional})
    sample_bases = sorted({base, *(b for _, b in members)})
    prefix = _class_prefix(name)
    lines = [f'"""The {name!r} workflow: its test sample, ground truth and inference types."""',
             "from dataclasses import dataclass"]
    if typing_names:
        lines.append(f"from typing import {', '.join(typing_names)}")
    imported = ", ".join(["GroundTruth", "Inference", *sample_bases, "define_workflow"])
    lines += ["", f"from kolena_lab.workflow import {imported}"]
    if used_annotations:
        lines.append(f"from kolena_lab.workflow.annotation import {', '.join(used_annotations)}")
    if used_assets:
        lines.append(f"from kolena_lab.workflow.asset import {', '.join(used_assets)}")
    classes = {"test_sample": (f"{prefix}TestSample", base), "ground_truth": (f"{prefix}GroundTruth", "GroundTruth"),
               "inference": (f"{prefix}Inference", "Inference")}
    for role in ROLES:
        class_name, parent = classes[role]
        body = [f"    {m}: {b}" for m, b in members] if role == "test_sample" else []
        body += [f"    {f.name}: {f.annotation()}" for f in fields.get(role, [])]
        lines += ["", "", "@dataclass(frozen=True, kw_only=True)", f"class {class_name}({parent}):"]
        lines += body or ["    pass"]
    lines += ["", "", "workflow, TestCase, TestSuite, Model = define_workflow(",
              f"    {name!r}, {classes['test_sample'][0]}, {classes['ground_truth'][0]}, {classes['inference'][0]}",
              ")", ""]
    return "\n".join(lines)


def run_source(source: str, module_name: str, keep: bool = True) -> types.ModuleType:
    """Run a generated module as a real module (so its classes have a home for pickling and inspection); with
    ``keep=False`` it is not left in ``sys.modules``."""
    module = types.ModuleType(module_name)
    module.__file__ = f"<{module_name}>"
    sys.modules[module_name] = module
    try:
        exec(compile(source, module.__file__, "exec"), module.__dict__)
    finally:
        if not keep:
            del sys.modules[module_name]
    return module


class _FieldRow(ipywidgets.HBox):
    def __init__(self, role: str, index: int, spec: FieldSpec, on_change: Any, on_remove: Any):
        label = f"{_ROLE_LABELS[role]} {index}"
        self.name = ipywidgets.Text(spec.name, description=label, placeholder="name", continuous_update=True,
                                    style={"description_width": "110px"}, layout=ipywidgets.Layout(width="300px"))
        self.type = ipywidgets.Dropdown(options=FIELD_TYPES, value=spec.type, description="type",
                                        style={"description_width": "40px"}, layout=ipywidgets.Layout(width="300px"))
        self.list = ipywidgets.Checkbox(spec.list, description="List", indent=False,
                                        layout=ipywidgets.Layout(width="60px"))
        self.optional = ipywidgets.Checkbox(spec.optional, description="Optional", indent=False,
                                            layout=ipywidgets.Layout(width="90px"))
        self.remove = ipywidgets.Button(description="Remove", tooltip=f"Remove {label.lower()}",
                                        layout=ipywidgets.Layout(width="80px"))
        for control in (self.name, self.type, self.list, self.optional):
            control.observe(lambda _: on_change(), "value")
        self.remove.on_click(lambda _: on_remove(self))
        super().__init__([self.name, self.type, self.list, self.optional, self.remove])
        self.add_class(f"kl-field-{role.replace('_', '-')}-{index}")

    def spec(self) -> FieldSpec:
        return FieldSpec(self.name.value.strip(), self.type.value, self.list.value, self.optional.value)


class _MemberRow(ipywidgets.HBox):
    def __init__(self, index: int, name: str, base: str, on_change: Any, on_remove: Any):
        self.name = ipywidgets.Text(name, description=f"Member {index}", placeholder="e.g. left",
                                    style={"description_width": "110px"}, layout=ipywidgets.Layout(width="300px"))
        self.base = ipywidgets.Dropdown(options=MEMBER_BASES, value=base, description="type",
                                        style={"description_width": "40px"}, layout=ipywidgets.Layout(width="220px"))
        self.remove = ipywidgets.Button(description="Remove", tooltip=f"Remove member {index}",
                                        layout=ipywidgets.Layout(width="80px"))
        for control in (self.name, self.base):
            control.observe(lambda _: on_change(), "value")
        self.remove.on_click(lambda _: on_remove(self))
        super().__init__([self.name, self.base, self.remove])


class WorkflowBuilder(Panel):
    """Build a workflow: a test sample base type (composites with members), fields for the test sample, ground
    truth and inference, live validation by ``define_workflow``, registration, and the equivalent Python module."""

    title = "Workflow builder"

    def __init__(self, name: str = "", base: str = "Image"):
        self.name_text = ipywidgets.Text(name, description="Workflow name", placeholder="e.g. Car Detection",
                                         style={"description_width": "110px"}, layout=ipywidgets.Layout(width="420px"))
        self.base_select = ipywidgets.Dropdown(options=SAMPLE_BASES, value=base, description="Sample type",
                                               style={"description_width": "110px"})
        self.members_box = ipywidgets.VBox()
        self.add_member_button = ipywidgets.Button(description="Add member", tooltip="Add a composite member")
        self.members_section = ipywidgets.VBox()
        self.rows: Dict[str, ipywidgets.VBox] = {role: ipywidgets.VBox() for role in ROLES}
        self.add_buttons = {role: ipywidgets.Button(description=f"Add {_ROLE_LABELS[role].lower()}")
                            for role in ROLES}
        self.validation = ipywidgets.HTML()
        self.register_button = ipywidgets.Button(description="Register workflow", button_style="primary",
                                                 layout=ipywidgets.Layout(flex="0 0 auto", width="auto"))
        self.code = ipywidgets.HTML()
        self.copy_button = CopyButton(label="Copy module")
        self.status = ipywidgets.HTML(layout=ipywidgets.Layout(flex="1 1 auto", margin="0 0 0 8px"))
        self.workflow: Optional[Workflow] = None
        self.classes: Optional[Tuple[Any, Any, Any, Any]] = None

        self.name_text.observe(lambda _: self._validate(), "value")
        self.base_select.observe(lambda _: self._on_base(), "value")
        self.add_member_button.on_click(lambda _: self.add_member("", "Image"))
        for role in ROLES:
            self.add_buttons[role].on_click(lambda _, r=role: self.add_field(r, "", "str"))
        self.register_button.on_click(lambda _: self._guard(self.register))

        def section(text: str) -> ipywidgets.HTML:
            return ipywidgets.HTML(f"<h4 style='margin:8px 0 2px'>{html.escape(text)}</h4>")

        super().__init__([
            self.name_text, self.base_select, self.members_section,
            section("Test sample fields"), self.rows["test_sample"], self.add_buttons["test_sample"],
            section("Ground truth fields"), self.rows["ground_truth"], self.add_buttons["ground_truth"],
            section("Inference fields"), self.rows["inference"], self.add_buttons["inference"],
            self.validation, ipywidgets.HBox([self.register_button, self.status]),
            ipywidgets.HBox([section("Python module"), self.copy_button],
                            layout=ipywidgets.Layout(align_items="center", grid_gap="12px")), self.code,
        ])
        self._on_base()

    # -- editing ------------------------------------------------------------------------------------------------

    def add_field(self, role: str, name: str, type: str = "str", list: bool = False,
                  optional: bool = False) -> None:
        """Add a field to ``role`` ("test_sample", "ground_truth" or "inference")."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        if type not in FIELD_TYPES:
            raise ValueError(f"unsupported field type '{type}' (choose one of {', '.join(FIELD_TYPES)})")
        box = self.rows[role]
        row = _FieldRow(role, len(box.children) + 1, FieldSpec(name, type, list, optional), self._validate,
                        lambda r, role=role: self._remove_field(role, r))
        box.children = (*box.children, row)
        self._validate()

    def _remove_field(self, role: str, row: _FieldRow) -> None:
        kept = [r.spec() for r in self.rows[role].children if r is not row]
        self.rows[role].children = tuple(
            _FieldRow(role, i, spec, self._validate, lambda r, role=role: self._remove_field(role, r))
            for i, spec in enumerate(kept, start=1))
        self._validate()

    def add_member(self, name: str, base: str = "Image") -> None:
        """Add a member to a composite test sample."""
        row = _MemberRow(len(self.members_box.children) + 1, name, base, self._validate, self._remove_member)
        self.members_box.children = (*self.members_box.children, row)
        self._validate()

    def _remove_member(self, row: _MemberRow) -> None:
        kept = [(r.name.value, r.base.value) for r in self.members_box.children if r is not row]
        self.members_box.children = tuple(_MemberRow(i, name, base, self._validate, self._remove_member)
                                          for i, (name, base) in enumerate(kept, start=1))
        self._validate()

    def _on_base(self) -> None:
        composite = self.base_select.value == "Composite"
        self.members_section.children = [self.members_box, self.add_member_button] if composite else []
        self._validate()

    def fields(self) -> Dict[str, List[FieldSpec]]:
        """The fields as the rows hold them, per role."""
        return {role: [row.spec() for row in self.rows[role].children] for role in ROLES}

    def members(self) -> List[Tuple[str, str]]:
        """Composite members as ``(name, base type)``."""
        if self.base_select.value != "Composite":
            return []
        return [(row.name.value.strip(), row.base.value) for row in self.members_box.children]

    # -- validating and registering -----------------------------------------------------------------------------

    def python_source(self) -> str:
        """The module that defines this workflow (raises ``ValueError`` naming what is wrong)."""
        return python_source(self.name_text.value, self.base_select.value, self.fields(), self.members())

    def module_name(self) -> str:
        """The name under which ``register`` keeps the generated module in ``sys.modules``."""
        return f"kolena_lab_workflow_{re.sub(r'[^0-9A-Za-z_]', '_', self.name_text.value.strip())}"

    def build(self, source: Optional[str] = None, keep: bool = True) -> Tuple[Any, Any, Any, Any]:
        """Run the module: ``(workflow, TestCase, TestSuite, Model)`` as ``define_workflow`` returns them."""
        module = run_source(source or self.python_source(), self.module_name(), keep=keep)
        return module.workflow, module.TestCase, module.TestSuite, module.Model

    def validate(self, source: Optional[str] = None) -> Optional[str]:
        """None when the workflow is valid, else the error ``define_workflow`` (or the builder) gives. Nothing is
        defined: the workflow and its module are forgotten after the check."""
        try:
            with trial_definitions():
                self.build(source, keep=False)
        except (ValueError, TypeError, SyntaxError) as e:
            return str(e)
        return None

    def _validate(self) -> None:
        if not hasattr(self, "children"):
            return
        try:
            source = self.python_source()
        except ValueError as e:
            source = None
            problem: Optional[str] = str(e)
        else:
            problem = self.validate(source)
        if problem is None:
            self.validation.value = "<span style='color:#116329'>✓ valid: define_workflow accepts these types</span>"
        elif not self.name_text.value.strip() and not any(self.fields().values()):
            self.validation.value = "<span style='color:#57606a'>Name the workflow and add its fields.</span>"
        else:
            self.validation.value = f"<span style='color:#a40e26'>✗ {html.escape(problem)}</span>"
        self.register_button.disabled = problem is not None
        self.code.value = (f"<pre style='user-select:text;background:#f6f8fa;padding:8px;border-radius:6px;"
                           f"overflow-x:auto'>{html.escape(source)}</pre>") if source else ""
        self.copy_button.text = source if source and problem is None else ""
        self.status.value = ""

    def register(self) -> Tuple[Any, Any, Any, Any]:
        """Define the workflow in this kernel and record it (with its schema) in the store (``Workflow.register``);
        returns ``(workflow, TestCase, TestSuite, Model)``."""
        workflow, test_case, test_suite, model = self.build()
        workflow.register()
        self.workflow, self.classes = workflow, (workflow, test_case, test_suite, model)
        self.status.value = (f"Registered workflow <b>{html.escape(workflow.name)}</b>. In this kernel: "
                             f"<code>from {html.escape(self.module_name())} import workflow, TestCase, TestSuite, Model</code>; "
                             "elsewhere, copy the module below into a file.")
        return self.classes

    def snapshot_body(self) -> str:
        rows = [[role.replace("_", " "), f.name, f.annotation().replace(" = None", "")]
                for role, specs in self.fields().items() for f in specs]
        return (f"<p>{html.escape(self.name_text.value)} — {html.escape(self.base_select.value)}</p>"
                + html_table(["part", "field", "type"], rows) + self.validation.value + self.code.value)


__all__ = ["FieldSpec", "WorkflowBuilder", "python_source", "FIELD_TYPES", "SAMPLE_BASES"]
