"""Models backed by a package: ``model_from_package`` makes (or loads) a workflow's model whose ``infer_batch`` runs
the package, recording the package in the model's metadata; ``attach_package`` gives a stored model its package's
``infer_batch`` again (in another process, a worker's job)."""
import os
import warnings
from typing import Any, Dict, List, Optional, Set, Type, Union

from kolena_lab._utils.importing import import_from_directory
from kolena_lab.errors import IncorrectUsageError, InputValidationError, ModelPackageError, NotFoundError, shown
from kolena_lab.packaging.inferences import DefaultConverter, ToInference
from kolena_lab.packaging.package import ModelPackage, load_package
from kolena_lab.workflow.definition import bound_classes
from kolena_lab.workflow.inference import Inference
from kolena_lab.workflow.model import InferBatchFunction, Model
from kolena_lab.workflow import catalog
from kolena_lab.workflow.workflow import Workflow, find_workflow

METADATA_KEY = "package"  # the model metadata key recording the package (see ModelPackage.describe)
PackageSource = Union[str, "os.PathLike[str]", ModelPackage]


def _model_class(workflow: Union[Workflow, type]) -> Type[Model]:
    try:
        return bound_classes(workflow)[2]
    except TypeError:
        raise InputValidationError(f"workflow must be a Workflow or a class bound to one (such as the Model that "
                                   f"define_workflow returned), got {shown(workflow)}") from None


def package_infer_batch(package: ModelPackage, to_inference: ToInference) -> InferBatchFunction:
    """An ``infer_batch`` running ``package`` (loaded on the first call) and converting each prediction with
    ``to_inference(prediction, test_sample)``. It pickles as the package's ``model.yaml`` path: a Dask worker reads
    the package again (from the same path) and loads it once."""
    return _PackageInferBatch(package, to_inference)


class _PackageInferBatch:
    def __init__(self, package: ModelPackage, to_inference: ToInference):
        self.package, self.to_inference = package, to_inference

    def __call__(self, samples: List[Any]) -> List[Inference]:
        datapoints = self.package.datapoints(samples)
        inferences = []
        for datapoint, prediction in zip(datapoints, self.package.predict(datapoints)):
            try:
                inferences.append(self.to_inference(prediction, datapoint["sample"]))
            except Exception as e:
                raise ModelPackageError(f"datapoint {datapoint['index']} ({shown(datapoint['locator'])}): the "
                                        f"prediction does not make an inference: {type(e).__name__}: {e}") from e
        return inferences

    def __reduce__(self) -> tuple:
        return _reloaded, (self.package.yaml_path, self.package.name, self.to_inference)


def _reloaded(yaml_path: str, name: str, to_inference: ToInference) -> _PackageInferBatch:
    return _PackageInferBatch(load_package(yaml_path, name), to_inference)


def model_from_package(
    path: PackageSource,
    workflow: Union[Workflow, type],
    *,
    name: Optional[str] = None,
    to_inference: Optional[ToInference] = None,
    metadata: Optional[Dict[str, Any]] = None,
    tags: Optional[Set[str]] = None,
) -> Model:
    """The workflow's model (created, or loaded when it exists) whose ``infer_batch`` runs the package at ``path``
    (its directory, its ``model.yaml`` or a ``ModelPackage``) in batches of the package's batch size, loading it once.

    ``name`` defaults to the package's model name. ``to_inference(prediction, test_sample)`` builds an inference from
    a prediction dict; without it the ready workflows' inference types are filled (``packaging.inferences``). The
    metadata records the package under ``"package"``: path, name, version, SHA-256 of the YAML, device, batch size.
    """
    model_class = _model_class(workflow)
    package = path if isinstance(path, ModelPackage) else load_package(path)
    convert = to_inference if to_inference is not None else DefaultConverter(model_class.workflow.inference_type)
    recorded = dict(metadata or {})
    recorded[METADATA_KEY] = package.describe()
    return model_class(name or package.name, metadata=recorded, tags=tags,
                       infer_batch=package_infer_batch(package, convert))


def package_of(model: Model) -> Optional[Dict[str, Any]]:
    """What the model's metadata records of its package, or None."""
    recorded = model.metadata.get(METADATA_KEY)
    return recorded if isinstance(recorded, dict) and isinstance(recorded.get("path"), str) else None


def attach_package(model: Model, to_inference: Optional[ToInference] = None) -> Model:
    """The stored ``model`` with the ``infer_batch`` of the package its metadata names (warns when the package's
    ``model.yaml`` changed since it was recorded)."""
    recorded = package_of(model)
    if recorded is None:
        raise InputValidationError(f"model '{model.name}' has no package in its metadata (key '{METADATA_KEY}')")
    package = load_package(os.path.join(recorded["path"], recorded.get("yaml") or "model.yaml"), recorded.get("name"))
    if recorded.get("sha256") and recorded["sha256"] != package.sha256:
        warnings.warn(f"model '{model.name}': {package.yaml_path} changed since the model was registered; "
                      "inferring with the file as it is now", stacklevel=2)
    convert = to_inference if to_inference is not None else DefaultConverter(model.workflow.inference_type)
    return type(model).load(model.name, infer_batch=package_infer_batch(package, convert))


def stored_workflow(name: str, module: Optional[str] = None) -> Workflow:
    """The stored workflow called ``name`` with its types, after importing ``module`` (a module name importable from
    the working directory, or a ``.py`` file) that defines it."""
    if module:
        directory, module_name = os.getcwd(), module
        if module.endswith(".py"):
            directory, module_name = os.path.dirname(os.path.abspath(module)), os.path.basename(module)[:-3]
        try:
            import_from_directory(module_name, directory)
        except Exception as e:
            raise InputValidationError(f"workflow module {shown(module)} does not import: {type(e).__name__}: "
                                       f"{e}") from None
    stored = [w.name for w in catalog.list_workflows()]
    if name not in stored:
        raise NotFoundError(f"workflow {shown(name)} does not exist (stored workflows: {', '.join(stored) or 'none'})")
    workflow = find_workflow(name)
    if workflow is None:
        hint = f"importing {shown(module)} did not define it" if module else "give the module that defines it"
        raise InputValidationError(f"workflow '{name}' is stored, but its types are not defined here: {hint} "
                                   "(--workflow-module)")
    return workflow


def _from_package(cls: Type[Model], path: PackageSource, workflow: Union[Workflow, type, None] = None,
                  **options: Any) -> Model:
    """``Model.from_package(path, workflow=...)``: ``model_from_package`` (on a workflow's Model class, the workflow
    may be left out)."""
    if workflow is None:
        workflow = getattr(cls, "workflow", None)
        if not isinstance(workflow, Workflow):
            raise IncorrectUsageError("Model.from_package needs workflow=... (or call it on a workflow's Model class)")
    return model_from_package(path, workflow, **options)


def attach_to_model_class() -> None:
    """Make ``Model.from_package`` available (the core does not import this package)."""
    Model.from_package = classmethod(_from_package)  # type: ignore[attr-defined]


__all__ = ["METADATA_KEY", "attach_package", "model_from_package", "package_infer_batch", "package_of",
           "stored_workflow"]
