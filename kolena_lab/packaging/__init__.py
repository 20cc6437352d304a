"""Model packages: a model declared once in a ``model.yaml`` (Efemarai's model definition: ``runtime.load`` and
``runtime.predict`` entrypoints, inputs with ``${...}`` variables, files, device, batch size) and tested as a
workflow's model (``model_from_package`` or ``Model.from_package``). See docs/model-packages.md."""
from kolena_lab.packaging.inferences import DefaultConverter, ToInference
from kolena_lab.packaging.masks import mask_polygon
from kolena_lab.packaging.package import ModelPackage, load_package
from kolena_lab.packaging.predictions import check_predictions
from kolena_lab.packaging.registration import (
    METADATA_KEY,
    attach_package,
    attach_to_model_class,
    model_from_package,
    package_of,
    stored_workflow,
)

attach_to_model_class()

__all__ = [
    "METADATA_KEY",
    "DefaultConverter",
    "ModelPackage",
    "ToInference",
    "attach_package",
    "check_predictions",
    "load_package",
    "mask_polygon",
    "model_from_package",
    "package_of",
    "stored_workflow",
]
