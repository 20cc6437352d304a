"""kolena_lab: a local ML model-testing workbench in JupyterLab with Kolena's workflow API on an embedded store."""
from pathlib import Path
from typing import Union

from kolena_lab import errors
from kolena_lab.store import initialize

__version__ = "0.1.0"


def export_html(notebook: Union[str, Path], output: Union[str, Path, None] = None) -> Path:
    """Write an executed notebook as HTML that shows every table and chart offline (see ``kolena_lab.ui``)."""
    from kolena_lab.ui.export import export_html as _export  # imported on use: plotly and nbconvert are heavy

    return _export(notebook, output)


__all__ = ["errors", "export_html", "initialize", "__version__"]
