"""Checking what a model's ``infer`` / ``infer_batch`` returns (or what a user uploads) before it is stored."""
from typing import Any, List, Sequence

from kolena_lab.errors import InputValidationError, shown
from kolena_lab.workflow import _codec
from kolena_lab.workflow._datatypes import DataObject, check_values

from kolena_lab.workflow.test_sample import TestSample, sample_label


def _describe(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def encode_inference(inference: Any, inference_type: type, sample: TestSample) -> str:
    """``inference`` as stored JSON, once it is checked to be an ``inference_type`` whose values fit its field types;
    ``InputValidationError`` naming the sample otherwise."""
    label = shown(sample_label(sample))
    if not isinstance(inference, inference_type):
        message = (f"the inference of test sample {label} is a {type(inference).__name__} ({shown(inference)}), "
                   f"not a {inference_type.__name__}")
        if isinstance(inference, DataObject) and type(inference).__name__ == inference_type.__name__:
            message += f" (class {_describe(type(inference))}, not {_describe(inference_type)})"
        raise InputValidationError(message)
    try:
        check_values(inference)  # again: its values may have been changed in place since it was built
        return _codec.encode(inference)  # type: ignore[return-value]
    except ValueError as e:  # InputValidationError, or a value that cannot be serialised
        raise InputValidationError(f"the inference of test sample {label} is invalid: {e}") from None


def batch_inferences(result: Any, samples: Sequence[TestSample]) -> List[Any]:
    """What ``infer_batch`` returned, as a list of one inference per sample; ``InputValidationError`` when it is not a
    sequence (None, a dict, a single inference) or its length differs."""
    where = f"a batch of {len(samples)} samples starting at {shown(sample_label(samples[0]))}"
    if result is None or isinstance(result, (dict, str, bytes, DataObject)) or not hasattr(result, "__iter__"):
        raise InputValidationError(f"infer_batch must return a list of inferences, one per sample, for {where}; got "
                                   f"{type(result).__name__} {shown(result)}")
    inferences = list(result)
    if len(inferences) != len(samples):
        raise InputValidationError(f"infer_batch returned {len(inferences)} inferences for {where}")
    return inferences
