"""The base of kolena_lab's widgets: ipywidgets composed in Python, displayed with a script-free HTML snapshot.

A live JupyterLab renders the widget; a saved notebook opened without a kernel, GitHub, nbviewer and
``export_html`` show the ``text/html`` snapshot of the moment it was displayed.
"""
import html
from typing import Any, Callable, Dict, Iterable, Optional, Sequence, Tuple, Type

import ipywidgets

from kolena_lab.errors import KolenaError

REVEAL_CLASS = "kl-reveal"  # a widget opened by a click: the JupyterLab extension scrolls it into view
SNAPSHOT_STYLE = (
    "font-family:system-ui,sans-serif;font-size:13px;border:1px solid #d0d7de;border-radius:6px;"
    "padding:8px 12px;max-width:100%;overflow-x:auto"
)


def error_text(exc: BaseException) -> str:
    """An error as a widget shows it: the message alone for kolena_lab's errors (written for the user), the
    exception's type first for anything else (a fault in the user's code, say)."""
    return str(exc) if isinstance(exc, KolenaError) else f"{type(exc).__name__}: {exc}"


class Panel(ipywidgets.VBox):
    """A vertical box of ipywidgets whose display bundle also carries :meth:`snapshot_html`."""

    title = "kolena_lab"
    _guarded: Tuple[Type[BaseException], ...] = (Exception,)  # the errors ``_guard`` shows instead of raising

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_class("kl-panel")  # the extension's style lets its rows wrap in a narrow notebook

    def _guard(self, action: Callable[..., Any], *args: Any) -> None:
        """Run a control's action: an error it raises is shown in the widget (``_show_error``) rather than lost in a
        callback; the Python methods behind the controls raise as usual. The stored snapshot is refreshed after it,
        so a notebook saved afterwards shows the outcome."""
        try:
            action(*args)
        except self._guarded as exc:
            self._show_error(exc)
        self.update_displays()

    def _show_error(self, exc: BaseException) -> None:
        """Show an action's error, in the widget's ``status`` HTML by default."""
        self.status.value = f"<span style='color:#a40e26'>{html.escape(error_text(exc))}</span>"

    def snapshot_html(self) -> str:
        """Script-free HTML of the widget's current state (override ``snapshot_body``)."""
        return (f'<div class="kolena-lab-snapshot" style="{SNAPSHOT_STYLE}">'
                f"<strong>{html.escape(self.title)}</strong>{self.snapshot_body()}</div>")

    def snapshot_body(self) -> str:
        """The HTML under the title: what a reader of the shared notebook needs to see."""
        return ""

    def _repr_mimebundle_(self, **kwargs: Any) -> Dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.snapshot_html()
        return bundle

    def close(self) -> None:
        """Close the widget and the parts that work in the background (following evaluation jobs, say)."""
        for part in self.__dict__.get("_background_parts", []):
            part.close()
        super().close()

    def _owned(self, part: Any) -> Any:
        """``part``, closed with this widget."""
        self.__dict__.setdefault("_background_parts", []).append(part)
        return part

    def _ipython_display_(self) -> None:
        from IPython.display import display

        data, metadata = self._bundle()
        handle = display(data, metadata=metadata, raw=True, display_id=True)
        if handle is not None:
            self.__dict__.setdefault("_display_handles", []).append(handle)

    def update_displays(self) -> None:
        """Refresh the snapshot stored with every display of this widget, so a saved notebook shows its latest
        state (call after a change a reader of the shared notebook should see)."""
        handles = self.__dict__.get("_display_handles", [])
        if handles:
            data, metadata = self._bundle()
            for handle in handles:
                handle.update(data, metadata=metadata, raw=True)

    def _bundle(self) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        bundle = self._repr_mimebundle_()
        return bundle if isinstance(bundle, tuple) else (bundle, {})


def html_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], caption: Optional[str] = None) -> str:
    """A plain, escaped HTML table; the first column (a name) does not wrap."""
    head = "".join(f'<th style="text-align:left;padding:2px 8px">{html.escape(str(c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f'<td style="padding:2px 8px{";white-space:nowrap" if i == 0 else ""}">'
                         f"{html.escape(_cell(v))}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    cap = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return f'<table style="border-collapse:collapse;margin-left:0">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
