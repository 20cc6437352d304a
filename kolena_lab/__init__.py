"""kolena_lab: a local ML model-testing workbench in JupyterLab with Kolena's workflow API on an embedded store."""
__version__ = "0.1.0"  # before the imports: kolena_lab.workflow reads it

from pathlib import Path
from typing import Union

from kolena_lab import errors
from kolena_lab.store import initialize
from kolena_lab import automation  # registers the trigger policy with kolena_lab.workflow.hooks


def export_html(notebook: Union[str, Path], output: Union[str, Path, None] = None) -> Path:
    """Write an executed notebook as HTML that shows every table and chart offline (see ``kolena_lab.ui``)."""
    from kolena_lab.ui.export import export_html as _export  # imported on use: plotly and nbconvert are heavy

    return _export(notebook, output)


__all__ = ["automation", "errors", "export_html", "initialize", "__version__"]
