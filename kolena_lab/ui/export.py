"""HTML exports of executed notebooks that show every table and chart offline, without JavaScript."""
from pathlib import Path
from typing import Optional, Union

import nbformat

from kolena_lab.errors import InputValidationError

# Static renderings first: a chart's PNG and a table's HTML win over plotly JSON and widget views, which need
# JavaScript (and, for widgets, a CDN) to show anything.
STATIC_PRIORITY = [
    "text/html",
    "image/png",
    "image/svg+xml",
    "image/jpeg",
    "text/markdown",
    "text/latex",
    "text/plain",
]


def export_html(notebook: Union[str, Path, nbformat.NotebookNode], output: Optional[Union[str, Path]] = None) -> Path:
    """Write ``notebook`` (a path or a notebook object) as HTML preferring static renderings; returns the path.

    ``output`` defaults to the notebook's path with ``.html``. Widget state is left out: the page would otherwise
    try to load widget code from the network; widgets' own static snapshots (``text/html``) are shown instead.
    """
    from nbconvert import HTMLExporter

    if isinstance(notebook, nbformat.NotebookNode):
        nb = notebook
        if output is None:
            raise ValueError("output is required when exporting a notebook object")
    else:
        source = Path(notebook)
        if not source.is_file():
            raise FileNotFoundError(f"no notebook at '{source}'")
        nb = _read(source)
        output = source.with_suffix(".html") if output is None else output
    nb = nbformat.from_dict(nb)  # a copy: the caller's notebook keeps its widget state
    nb.metadata.pop("widgets", None)
    exporter = HTMLExporter()
    exporter.display_data_priority = STATIC_PRIORITY
    html, _ = exporter.from_notebook_node(nb)
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target


def _read(source: Path) -> nbformat.NotebookNode:
    """The notebook at ``source`` as nbformat 4, or an ``InputValidationError`` saying why it is not one."""
    try:
        nb = nbformat.read(source, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
        return nb
    except UnicodeDecodeError:
        reason = "it is not text (a binary file?)"
    except nbformat.reader.NotJSONError:
        reason = "it is not JSON"
    except Exception as e:  # an unknown or future nbformat, or JSON that is not a notebook (nbformat raises many kinds)
        reason = f"it is not a notebook this nbformat {nbformat.__version__} can read ({_first_line(e)})"
    raise InputValidationError(f"cannot export '{source}': {reason}")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line if len(line) <= 160 else line[:157] + "..."


__all__ = ["export_html", "STATIC_PRIORITY"]
