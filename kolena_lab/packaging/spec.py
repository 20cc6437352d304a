"""Reading a package's ``model.yaml`` (Efemarai's model definition) into a checked ``ModelSpec``; nothing is imported
or run here."""
import dataclasses
import difflib
import hashlib
import keyword
import os
import re
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from kolena_lab.errors import ModelPackageError, shown
from kolena_lab.packaging.yaml_nodes import (
    REFERENCE,
    Located,
    Source,
    check_keys,
    expect_type,
    items,
    text,
)

FILE_NAMES = ("model.yaml", "model.yml")
DEVICES = ("cpu", "gpu")
ROOT_KEYS = ("models", "project", "datasets", "domains")  # Efemarai's file keys; only `models` is read
MODEL_KEYS = ("name", "description", "version", "repository", "runtime", "files", "load", "predict")
RUNTIME_KEYS = ("image", "device", "batch", "load", "predict")
FUNCTION_KEYS = ("entrypoint", "inputs", "output")
OUTPUT_KEYS = ("name", "keys", "labels")
FILE_KEYS = ("name", "url", "upload", "credentials")
UNUSED_KEYS = ("repository", "image", "upload", "credentials")  # accepted, not used: their variables need not be set
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_REMOTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@dataclasses.dataclass(frozen=True)
class Input:
    """A named input of a function; ``value`` may hold ``${...}`` variables, resolved when the function is called."""

    name: str
    value: Any
    line: int


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """The ``load`` or ``predict`` function: ``module:function``, its inputs and its output's name (and, for predict,
    the keys every prediction must hold and the class labels, by class id)."""

    role: str
    entrypoint: str
    line: int
    inputs: Tuple[Input, ...]
    output: str
    keys: Tuple[str, ...] = ()
    labels: Optional[Dict[Any, str]] = None

    @property
    def module(self) -> str:
        return self.entrypoint.partition(":")[0]

    @property
    def function(self) -> str:
        return self.entrypoint.partition(":")[2]


@dataclasses.dataclass(frozen=True)
class FileSpec:
    """A model file: ``location`` is an absolute path for a local file (which must exist) or the URL as given."""

    name: str
    url: str
    location: str
    local: bool


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model as its ``model.yaml`` declares it."""

    name: str
    description: str
    version: str
    device: str
    batch_size: int
    image: Optional[str]
    files: Tuple[FileSpec, ...]
    load: Optional[FunctionSpec]
    predict: FunctionSpec
    yaml_path: str
    root: str
    sha256: str
    source: Source = dataclasses.field(compare=False, repr=False)


def find_yaml(path: "os.PathLike[str] | str") -> str:
    """The package's YAML file: ``path`` itself, or ``model.yaml`` (or ``model.yml``) in the directory ``path``."""
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if os.path.isdir(path):
        for name in FILE_NAMES:
            candidate = os.path.join(path, name)
            if os.path.isfile(candidate):
                return candidate
        raise ModelPackageError(f"no model.yaml in the package directory {path}")
    if not os.path.exists(path):
        raise ModelPackageError(f"model package not found: {path} (give the package directory or its model.yaml)")
    return path


def read_spec(path: "os.PathLike[str] | str", model: Optional[str] = None,
              environ: Optional[Mapping[str, str]] = None) -> ModelSpec:
    """The checked spec of the package at ``path`` (its directory or YAML file); ``model`` picks a model by name when
    the file declares several."""
    yaml_path = find_yaml(path)
    with open(yaml_path, "rb") as f:
        raw = f.read()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelPackageError(f"{yaml_path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    source = Source(yaml_path, os.environ if environ is None else environ)
    document = source.parse(content)
    node = _pick_model(source, document, model)
    return _model(source, node, hashlib.sha256(raw).hexdigest())


def _pick_model(source: Source, document: Located, wanted: Optional[str]) -> Located:
    expect_type(source, document, dict, "the file")
    if "models" not in document.value:
        if "name" not in document.value:
            check_keys(source, document, "the file", ROOT_KEYS)  # a misspelt 'models' is named
            raise source.error(document.line, "expected a list of models under 'models:' or one model's mapping "
                                              "(with 'name', 'runtime', ...)")
        models = [document]
    else:
        check_keys(source, document, "the file", ROOT_KEYS)
        listed = document.value["models"]
        models = [listed] if isinstance(listed.value, dict) else items(source, listed, "'models'")
        if not models:
            raise source.error(listed.line, "'models' is empty: declare one model")
    models = [source.environment(node, skip=UNUSED_KEYS) for node in models]
    for node in models:
        check_keys(source, node, "a model", MODEL_KEYS, required=("name",))
    names = [text(source, node.value["name"], "the model's name") for node in models]
    if wanted is not None:
        if wanted not in names:
            raise ModelPackageError(f"{source.path}: no model named {shown(wanted)}; it declares {names}")
        return models[names.index(wanted)]
    if len(models) > 1:
        raise ModelPackageError(f"{source.path} declares {len(models)} models ({', '.join(names)}): name the one to "
                                "use (model=...)")
    return models[0]


def _model(source: Source, node: Located, sha256: str) -> ModelSpec:
    fields = node.value
    name = text(source, fields["name"], "the model's name").strip()
    if not name:
        raise source.error(fields["name"].line, "the model's name is empty")
    runtime = fields.get("runtime", Located({}, node.line))
    check_keys(source, runtime, "'runtime'", RUNTIME_KEYS)
    device = text(source, runtime.value.get("device"), "'device'", "cpu")
    if device not in DEVICES:
        raise source.error(runtime.value["device"].line, f"'device' must be one of {', '.join(DEVICES)}, got "
                                                         f"{shown(device)}")
    files = _files(source, fields.get("files"), os.path.dirname(source.path))
    load_node, predict_node = (_either_place(source, node, runtime, role) for role in ("load", "predict"))
    if predict_node is None:
        raise source.error(node.line, f"model '{name}' has no predict function: add 'predict' under 'runtime'")
    load = None if load_node is None else _function(source, load_node, "load")
    predict = _function(source, predict_node, "predict")
    common = {"model.name", "model.version", "model.description", "model.runtime.device"}
    common |= {f"model.files.{f.name}.url" for f in files}
    if load is not None:
        common |= {f"model.runtime.load.inputs.{i.name}" for i in load.inputs}
        _check_references(source, load_node, common)
    predict_known = common | {"datapoints", "datapoint.image"}
    if load is not None:
        predict_known.add(f"model.runtime.load.output.{load.output}")
    _check_references(source, predict_node, predict_known)
    return ModelSpec(
        name=name,
        description=text(source, fields.get("description"), "'description'"),
        version=text(source, fields.get("version"), "'version'"),
        device=device,
        batch_size=_batch_size(source, runtime.value.get("batch")),
        image=text(source, runtime.value["image"], "'image'") if "image" in runtime.value else None,
        files=tuple(files),
        load=load,
        predict=predict,
        yaml_path=source.path,
        root=os.path.dirname(source.path),
        sha256=sha256,
        source=source,
    )


def _either_place(source: Source, model: Located, runtime: Located, role: str) -> Optional[Located]:
    """``runtime.<role>`` or the model's own ``<role>`` (Efemarai accepts both), not both."""
    if role in runtime.value and role in model.value:
        raise source.error(model.key_lines[role], f"'{role}' is given twice: under 'runtime' (line "
                                                  f"{runtime.key_lines[role]}) and here; keep one")
    return runtime.value.get(role) or model.value.get(role)


def _batch_size(source: Source, node: Optional[Located]) -> int:
    """``batch: N`` or ``batch: {max_size: N}``; without it, one datapoint at a time."""
    if node is None:
        return 1
    if isinstance(node.value, dict):
        check_keys(source, node, "'batch'", ("max_size",), required=("max_size",))
        node = node.value["max_size"]
    expect_type(source, node, int, "the batch size")
    if node.value < 1:
        raise source.error(node.line, f"the batch size must be at least 1, got {node.value}")
    return node.value


def _files(source: Source, node: Optional[Located], root: str) -> List[FileSpec]:
    files: List[FileSpec] = []
    for item in items(source, node, "'files'"):
        check_keys(source, item, "a file", FILE_KEYS, required=("name", "url"))
        name = _identifier(source, item.value["name"], "a file's name")
        if name in {f.name for f in files}:
            raise source.error(item.value["name"].line, f"the file name '{name}' is used twice")
        url = text(source, item.value["url"], f"file '{name}' url").strip()
        if not url:
            raise source.error(item.value["url"].line, f"file '{name}' has an empty url")
        if _REMOTE.match(url) and not url.startswith("file://"):
            files.append(FileSpec(name, url, url, local=False))
            continue
        location = os.path.normpath(os.path.join(root, os.path.expanduser(url.removeprefix("file://"))))
        if not os.path.exists(location):
            raise source.error(item.value["url"].line, f"file '{name}' not found: {location}")
        files.append(FileSpec(name, url, location, local=True))
    return files


def _function(source: Source, node: Located, role: str) -> FunctionSpec:
    what = f"'{role}'"
    check_keys(source, node, what, FUNCTION_KEYS, required=("entrypoint",))
    entry = node.value["entrypoint"]
    entrypoint = text(source, entry, f"{what} entrypoint").strip()
    module, colon, function = entrypoint.partition(":")
    if not colon or not _MODULE.fullmatch(module) or not function.isidentifier():
        raise source.error(entry.line, f"{what} entrypoint must look like 'module:function' (e.g. "
                                       f"inference:{role}), got {shown(entrypoint)}")
    inputs: List[Input] = []
    for item in items(source, node.value.get("inputs"), f"{what} inputs"):
        check_keys(source, item, f"an input of {what}", ("name", "value"), required=("name", "value"))
        name = _identifier(source, item.value["name"], f"an input name of {what}")
        if name in {i.name for i in inputs}:
            raise source.error(item.value["name"].line, f"the input '{name}' of {what} is given twice")
        inputs.append(Input(name, item.value["value"].plain(), item.value["value"].line))
    output = node.value.get("output", Located({}, node.line))
    check_keys(source, output, f"{what} output", OUTPUT_KEYS)
    name = _identifier(source, output.value["name"], f"{what} output name") if "name" in output.value else \
        ("model" if role == "load" else "predictions")
    keys = tuple(text(source, k, f"{what} output key") for k in items(source, output.value.get("keys"),
                                                                       f"{what} output keys"))
    labels = _labels(source, output.value["labels"]) if "labels" in output.value else None
    if role == "load" and (keys or labels is not None):
        raise source.error(output.line, "'keys' and 'labels' describe predictions: give them under 'predict'")
    return FunctionSpec(role, entrypoint, entry.line, tuple(inputs), name, keys, labels)


def _labels(source: Source, node: Located) -> Dict[Any, str]:
    """Class labels by class id: a list (ids 0, 1, ...) or a mapping from id to label."""
    pairs = enumerate(node.value) if isinstance(node.value, list) else node.value.items() \
        if isinstance(node.value, dict) else None
    if pairs is None:
        raise source.error(node.line, "'labels' must be a list of class names (ids 0, 1, ...) or a mapping from "
                                      "class id to name")
    labels = {}
    for key, item in pairs:
        if isinstance(key, str) and key.lstrip("-").isdigit():
            key = int(key)
        labels[key] = text(source, item, f"the label of class {key}")
    return labels


def _identifier(source: Source, node: Located, what: str) -> str:
    value = text(source, node, what)
    if not value.isidentifier() or keyword.iskeyword(value):
        raise source.error(node.line, f"{what} must be a Python name (letters, digits, underscores), got "
                                      f"{shown(value)}")
    return value


def _strings(node: Located) -> Iterator[Tuple[str, int]]:
    """Every text value under ``node`` with its line."""
    if isinstance(node.value, dict):
        for child in node.value.values():
            yield from _strings(child)
    elif isinstance(node.value, list):
        for child in node.value:
            yield from _strings(child)
    elif isinstance(node.value, str):
        yield node.value, node.line


def _check_references(source: Source, function: Located, known: Sequence[str]) -> None:
    """Every ``${...}`` in the function's inputs must be a variable it can use."""
    inputs = function.value.get("inputs")
    if inputs is None:
        return
    for value, line in _strings(inputs):
        for match in REFERENCE.finditer(value):
            name = match.group(1).strip()
            if name not in known:
                near = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"; did you mean ${{{near[0]}}}?" if near else ""
                raise source.error(line, f"undefined variable ${{{name}}}{hint} (known here: "
                                         f"{', '.join('${' + k + '}' for k in sorted(known))}; other names are "
                                         "environment variables)")


__all__ = ["FILE_NAMES", "FileSpec", "FunctionSpec", "Input", "ModelSpec", "find_yaml", "read_spec"]
