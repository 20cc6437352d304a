"""Optional dependencies of stress testing (the `stress` extra), imported when a perturbation first needs them."""
import importlib
from types import ModuleType

from kolena_lab.errors import IncorrectUsageError

_EXTRA = "stress testing needs the `stress` extra: pip install 'kolena_lab[stress]'"


def require(module: str) -> ModuleType:
    """Import ``module`` (albumentations, cv2, scipy...), or raise an error saying which extra installs it."""
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        raise IncorrectUsageError(f"{_EXTRA} ({module} cannot be imported: {error})") from None
    return found
