"""A model package: its spec, its load and predict functions (imported from the package's root, checked against the
inputs the YAML gives them), the loaded model (loaded once), and datapoints built from test samples."""
import inspect
import io
import os
import threading
from types import ModuleType
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
from PIL import Image as PILImage

from kolena_lab._utils.importing import directory_namespace, import_from_directory
from kolena_lab.errors import MediaError, ModelPackageError, shown
from kolena_lab.media import read_locator
from kolena_lab.packaging.predictions import check_predictions
from kolena_lab.packaging.spec import FunctionSpec, ModelSpec, read_spec
from kolena_lab.packaging.yaml_nodes import REFERENCE

_UNSET = object()


class ModelPackage:
    """A model declared by a ``model.yaml``: parsed and checked, its functions imported, not yet loaded.

    ``load()`` runs the load function once (later calls return the same model); ``predict(datapoints)`` runs the
    predict function in batches of ``batch_size`` and checks what it returns; ``datapoints(samples)`` builds the
    datapoints of test samples.
    """

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self._modules: Dict[str, ModuleType] = {}  # imported afresh once per package, shared by load and predict
        self._load_fn = None if spec.load is None else self._function(spec.load)
        self._predict_fn = self._function(spec.predict)
        self._loaded: Any = _UNSET
        self._load_inputs: Dict[str, Any] = {}
        self._lock = threading.Lock()

    name = property(lambda self: self.spec.name, doc="The model's name in the YAML.")
    description = property(lambda self: self.spec.description)
    version = property(lambda self: self.spec.version)
    device = property(lambda self: self.spec.device, doc="``cpu`` or ``gpu``, passed to the functions as ``device``.")
    batch_size = property(lambda self: self.spec.batch_size, doc="How many datapoints one predict call gets.")
    root = property(lambda self: self.spec.root, doc="The package directory (the functions' modules are found here).")
    yaml_path = property(lambda self: self.spec.yaml_path)
    sha256 = property(lambda self: self.spec.sha256, doc="The SHA-256 of the YAML file's bytes.")

    @property
    def files(self) -> Dict[str, str]:
        """Each model file's location by name: an absolute path for a local file, else its URL."""
        return {f.name: f.location for f in self.spec.files}

    @property
    def loaded(self) -> bool:
        return self._loaded is not _UNSET

    def __repr__(self) -> str:
        return f"ModelPackage(name={self.name!r}, version={self.version!r}, root={self.root!r})"

    def describe(self) -> Dict[str, Any]:
        """What a model's metadata records of the package."""
        return {"path": self.root, "yaml": os.path.basename(self.yaml_path), "name": self.name,
                "version": self.version, "sha256": self.sha256, "device": self.device, "batch_size": self.batch_size}

    def _function(self, spec: FunctionSpec) -> Callable[..., Any]:
        """The function ``spec`` names, imported from the package root; its signature must take the inputs."""
        source = self.spec.source
        try:
            module = self._modules.get(spec.module) or import_from_directory(
                spec.module, self.spec.root, isolated=True, fresh=not self._modules)
            self._modules[spec.module] = module
        except ModuleNotFoundError as e:
            if e.name is None or not e.name.startswith(directory_namespace(self.spec.root)):
                raise source.error(spec.line, f"{spec.role} entrypoint {spec.entrypoint}: module '{spec.module}' "
                                              f"does not import: {type(e).__name__}: {e}") from None
            missing = e.name.split(".", 1)[1]
            raise source.error(spec.line, f"{spec.role} entrypoint {spec.entrypoint}: no module '{missing}' in "
                                          f"{self.spec.root}") from None
        except Exception as e:
            raise source.error(spec.line, f"{spec.role} entrypoint {spec.entrypoint}: module '{spec.module}' does "
                                          f"not import from {self.spec.root}: {type(e).__name__}: {e}") from None
        function = getattr(module, spec.function, None)
        if function is None:
            raise source.error(spec.line, f"{spec.role} entrypoint {spec.entrypoint}: module '{spec.module}' has no "
                                          f"'{spec.function}'")
        if not callable(function):
            raise source.error(spec.line, f"{spec.role} entrypoint {spec.entrypoint} is not a function: "
                                          f"{type(function).__name__}")
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            return function  # a builtin without a signature: its call shows what it takes
        names = [i.name for i in spec.inputs]
        if _accepts(signature, "device") and "device" not in names:
            names.append("device")
        try:
            signature.bind(**{n: None for n in names})
        except TypeError as e:
            given = ", ".join(names) or "nothing"
            raise source.error(spec.line, f"{spec.role} function {spec.entrypoint}{signature} does not take the "
                                          f"inputs the YAML gives it ({given}): {e}") from None
        return function

    def _arguments(self, spec: FunctionSpec, function: Callable[..., Any],
                   context: Mapping[str, Any]) -> Dict[str, Any]:
        arguments = {i.name: _resolve(i.value, context) for i in spec.inputs}
        if "device" not in arguments and _takes_device(function):
            arguments["device"] = self.device
        return arguments

    def _context(self) -> Dict[str, Any]:
        context: Dict[str, Any] = {"model.name": self.name, "model.version": self.version,
                                   "model.description": self.description, "model.runtime.device": self.device}
        context.update({f"model.files.{f.name}.url": f.location for f in self.spec.files})
        context.update({f"model.runtime.load.inputs.{k}": v for k, v in self._load_inputs.items()})
        return context

    def load(self) -> Any:
        """Run the load function (once: later calls return what it returned); None without a load function."""
        with self._lock:
            if self._loaded is not _UNSET:
                return self._loaded
            spec = self.spec.load
            if spec is None or self._load_fn is None:
                self._loaded = None
                return None
            arguments = self._arguments(spec, self._load_fn, self._context())
            try:
                loaded = self._load_fn(**arguments)
            except Exception as e:
                raise ModelPackageError(f"load ({spec.entrypoint}) of model package '{self.name}' raised "
                                        f"{type(e).__name__}: {e}") from e
            self._load_inputs, self._loaded = arguments, loaded
            return loaded

    def predict(self, datapoints: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
        """The checked predictions of ``datapoints``, one dict per datapoint (see ``check_predictions``), the predict
        function called on batches of ``batch_size``; loads the model first if needed."""
        model = self.load()
        spec = self.spec.predict
        predictions: List[Dict[str, Any]] = []
        for start in range(0, len(datapoints), self.batch_size):
            batch = list(datapoints[start:start + self.batch_size])
            context = self._context()
            if self.spec.load is not None:
                context[f"model.runtime.load.output.{self.spec.load.output}"] = model
            context["datapoints"] = batch
            context["datapoint.image"] = [dp.get("image") for dp in batch]
            arguments = self._arguments(spec, self._predict_fn, context)
            try:
                output = self._predict_fn(**arguments)
            except Exception as e:
                raise ModelPackageError(f"predict ({spec.entrypoint}) raised {type(e).__name__}: {e} on a batch of "
                                        f"{len(batch)} datapoints starting at datapoint {batch[0].get('index')} "
                                        f"({shown(batch[0].get('locator'))})") from e
            predictions.extend(check_predictions(output, batch, spec.entrypoint, spec.keys, spec.labels))
        return predictions

    def datapoints(self, samples: Sequence[Any]) -> List[Dict[str, Any]]:
        """A datapoint per test sample: ``image`` (H×W×3 uint8 RGB array read from the sample's locator),
        ``locator``, ``sample`` (the test sample itself) and ``index`` (its position in ``samples``)."""
        return [_datapoint(i, sample) for i, sample in enumerate(samples)]


def _datapoint(index: int, sample: Any) -> Dict[str, Any]:
    locator = getattr(sample, "locator", None)
    if not isinstance(locator, str):
        raise ModelPackageError(f"datapoint {index}: test sample {shown(sample)} has no locator (model packages "
                                "infer image test samples)")
    try:
        data = read_locator(locator)
        with PILImage.open(io.BytesIO(data)) as image:
            pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except MediaError as e:
        raise ModelPackageError(f"datapoint {index} ({shown(locator)}): the image cannot be read: {e}") from None
    except (OSError, ValueError, PILImage.DecompressionBombError) as e:
        raise ModelPackageError(f"datapoint {index} ({shown(locator)}): not an image that decodes: {e}") from None
    return {"image": pixels, "locator": locator, "sample": sample, "index": index}


def _accepts(signature: inspect.Signature, name: str) -> bool:
    """Whether a call may pass ``name`` as a keyword."""
    for parameter in signature.parameters.values():
        if parameter.kind == parameter.VAR_KEYWORD:
            return True
        if parameter.name == name and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            return True
    return False


def _takes_device(function: Callable[..., Any]) -> bool:
    try:
        return _accepts(inspect.signature(function), "device")
    except (TypeError, ValueError):
        return False


def _resolve(value: Any, context: Mapping[str, Any]) -> Any:
    """``value`` with its variables replaced: a text that is one variable becomes that variable's value (any object);
    variables inside a longer text are replaced by their text."""
    if isinstance(value, list):
        return [_resolve(v, context) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, context) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    whole = REFERENCE.fullmatch(value.strip())
    if whole is not None:
        return context[whole.group(1).strip()]
    return REFERENCE.sub(lambda m: str(context[m.group(1).strip()]), value)


def load_package(path: "os.PathLike[str] | str", model: Optional[str] = None) -> ModelPackage:
    """The model package at ``path`` (its directory or its ``model.yaml``), parsed, checked and its functions
    imported, not yet loaded; ``model`` names the model when the file declares several."""
    return ModelPackage(read_spec(path, model))


__all__ = ["ModelPackage", "load_package"]
