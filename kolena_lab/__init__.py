"""kolena_lab: a local ML model-testing workbench in JupyterLab with Kolena's workflow API on an embedded store."""
from kolena_lab import errors
from kolena_lab.store import initialize

__version__ = "0.1.0"

__all__ = ["errors", "initialize", "__version__"]
