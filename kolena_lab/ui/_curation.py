"""The sample browser's curation: controls that preview an action on the selection (a new test case, samples added
to or removed from one, optionally into a suite), confirm it, and log what was committed, with thumbnails.

What each control does is a call of ``kolena_lab.workflow.curation`` (``preview_curation``, ``apply_curation``).
"""
import html
from typing import Callable, List, Optional

import ipywidgets as w
import pandas as pd

from kolena_lab.errors import QueryError
from kolena_lab.ui._loading import loaded
from kolena_lab.ui._rows import SampleRows, sample_rows
from kolena_lab.workflow import CurationDiff, CurationResult, Workflow, catalog
from kolena_lab.workflow.curation import apply_curation, preview_curation

_NO_SUITE = "(no test suite)"


def _test_case_names(workflow: Optional[Workflow]) -> List[str]:
    return [info.name for info in catalog.list_test_cases(workflow.name)] if workflow is not None else []


def _test_suite_names(workflow: Optional[Workflow]) -> List[str]:
    return sorted(info.name for info in catalog.list_test_suites(workflow.name)) if workflow is not None else []


class Curation:
    """The sample browser's curation controls and actions (a part of ``SampleBrowser``)."""

    workflow: Optional[Workflow]
    table: SampleRows
    selected: pd.DataFrame
    _message: str
    _pending: Optional[CurationDiff]
    _history: List[CurationResult]
    _guard: Callable[..., None]
    _refresh_status: Callable[[], None]

    def _build_curation_controls(self, layout: w.Layout) -> None:
        initial = {"description_width": "initial"}
        self.name_box = w.Text(description="Test case name", placeholder="Test case name", style=initial)
        self.description_box = w.Text(description="Description", placeholder="Description (optional)", style=initial)
        self.create_button = w.Button(description="Create test case", button_style="primary", layout=layout)
        self.target_box = w.Dropdown(options=_test_case_names(self.workflow), value=None,
                                     description="Existing test case", style=initial)
        self.add_button = w.Button(description="Add to test case", layout=layout)
        self.remove_button = w.Button(description="Remove from test case", layout=layout)
        self.suite_box = w.Combobox(options=_test_suite_names(self.workflow), placeholder=_NO_SUITE,
                                    description="Test suite", ensure_option=False, style=initial)
        self.diff_view = w.HTML()
        self.confirm_button = w.Button(description="Confirm", button_style="success",
                                       layout=w.Layout(width="auto", display="none"))
        self.cancel_button = w.Button(description="Cancel", layout=w.Layout(width="auto", display="none"))
        self.curation_message = w.HTML()
        self.curation_message.add_class("kl-curation-message")
        self.curation_log = w.HTML()
        self.create_button.on_click(lambda _: self._propose("create", self.name_box.value))
        self.add_button.on_click(lambda _: self._propose("add", self.target_box.value))
        self.remove_button.on_click(lambda _: self._propose("remove", self.target_box.value))
        self.confirm_button.on_click(lambda _: self._confirm_from_control())
        self.cancel_button.on_click(lambda _: self.cancel())
        for control in (self.name_box, self.target_box, self.suite_box):
            control.observe(lambda _: self._note(""), "value")

    def _curation_layout(self, row: w.Layout) -> List[w.Widget]:
        if self.workflow is None:
            return []
        return [
            w.HTML("<strong>Curate the selection</strong>"),
            w.Box([self.name_box, self.description_box, self.create_button], layout=row),
            w.Box([self.target_box, self.add_button, self.remove_button], layout=row),
            w.Box([self.suite_box], layout=row),
            self.curation_message,
            w.Box([self.diff_view, self.confirm_button, self.cancel_button], layout=row),
            self.curation_log,
        ]

    def _note(self, text: str, error: bool = False) -> None:
        """Show ``text`` right below the curation buttons (in red for an error); an empty text clears it."""
        colour = "#a40e26" if error else "inherit"
        self.curation_message.value = (f'<div role="status" style="color:{colour};margin:2px 0">'
                                       f"{html.escape(text)}</div>" if text else "")

    def _confirm_from_control(self) -> None:
        try:
            self.confirm()
        except (ValueError, QueryError, RuntimeError) as exc:  # e.g. the name was taken meanwhile
            self._note(f"Cannot confirm: {exc}", error=True)
            self.update_displays()  # type: ignore[attr-defined]

    @loaded
    def preview(self, action: str, test_case: str, description: str = "",
                test_suite: Optional[str] = None, reset: bool = False) -> CurationDiff:
        """What ``create`` / ``add`` / ``remove`` with the selection would change, without changing anything."""
        return preview_curation(self._require_workflow(), sample_rows(self.selected), action, test_case,
                                description, test_suite, reset, locator_column=self.table.locator_column)

    def create_test_case(self, name: str, description: str = "", test_suite: Optional[str] = None,
                         reset: bool = False) -> CurationResult:
        """Create a test case holding the selection (``TestCase.from_dataframe``), optionally put in a suite.

        With ``reset=True`` an existing test case of that name gets exactly the selection as a new version (so a
        notebook cell can be re-run), as with ``TestCase(..., reset=True)``.
        """
        return self._commit(self.preview("create", name, description, test_suite, reset))

    def add_to_test_case(self, name: str, test_suite: Optional[str] = None) -> CurationResult:
        """Add the selection to an existing test case (a new version unless all are in it already)."""
        return self._commit(self.preview("add", name, test_suite=test_suite))

    def remove_from_test_case(self, name: str, test_suite: Optional[str] = None) -> CurationResult:
        """Remove the selection from an existing test case (a new version unless none are in it)."""
        return self._commit(self.preview("remove", name, test_suite=test_suite))

    def confirm(self) -> Optional[CurationResult]:
        """Commit the action previewed by the curation buttons."""
        if self._pending is None:
            return None
        diff, self._pending = self._pending, None
        self._show_pending(False)
        return self._commit(diff)

    def cancel(self) -> None:
        self._pending = None
        self._show_pending(False)
        self._message = "Cancelled."
        self._note("Cancelled: nothing was changed.")
        self._refresh_status()

    @property
    def history(self) -> List[CurationResult]:
        """The actions committed from this browser, oldest first."""
        return list(self._history)

    def _history_html(self, newest_first: bool = False) -> str:
        results = reversed(self._history) if newest_first else iter(self._history)
        return "".join(r._repr_html_() for r in results)

    def _propose(self, action: str, name: Optional[str]) -> None:
        try:
            suite = self.suite_box.value.strip() or None
            self._pending = self.preview(action, name or "", self.description_box.value, suite)
        except (ValueError, QueryError) as exc:
            self._pending = None
            self._show_pending(False)
            self._message = f"Cannot {action}: {exc}"
            self._note(self._message, error=True)
            self._refresh_status()
            return
        self.diff_view.value = self._pending._repr_html_()
        self._show_pending(True)
        self._message = "Review the change below, then Confirm or Cancel."  # the diff view heads with its summary
        self._note(self._message)
        self._refresh_status()

    def _show_pending(self, on: bool) -> None:
        self.confirm_button.layout.display = "" if on else "none"
        self.cancel_button.layout.display = "" if on else "none"
        if not on:
            self.diff_view.value = ""

    def _commit(self, diff: CurationDiff) -> CurationResult:
        result = apply_curation(self._require_workflow(), diff)
        self._history.append(result)
        self._message = result.summary()
        self.curation_log.value = self._history_html(newest_first=True)
        cases = _test_case_names(self.workflow)
        self.target_box.options = cases
        self.target_box.value = result.test_case.name if result.test_case.name in cases else None
        if self.workflow is not None:
            self.suite_box.options = _test_suite_names(self.workflow)
        self._note(self._message)
        self._refresh_status()
        self.update_displays()  # type: ignore[attr-defined]
        return result

    def _require_workflow(self) -> Workflow:
        if self.workflow is None:
            raise ValueError("curation needs a workflow: open a test case or suite, or pass workflow= with a "
                             "DataFrame")
        return self.workflow

