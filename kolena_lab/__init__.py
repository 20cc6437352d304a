"""kolena_lab: a local ML model-testing workbench in JupyterLab with Kolena's workflow API on an embedded store."""
from kolena_lab import automation  # registers the trigger policy with kolena_lab.workflow.hooks
from kolena_lab import errors
from kolena_lab import packaging  # attaches Model.from_package
from kolena_lab._version import __version__
from kolena_lab.media import set_data_root
from kolena_lab.store import ENV_URL, initialize

__all__ = ["ENV_URL", "automation", "errors", "packaging", "initialize", "set_data_root", "__version__"]
