"""``SampleBrowser``: see, filter, sort and select the samples of a test case, suite, workflow, DataFrame or a model's
results, and curate the selection into versioned test cases — inside the notebook.

Python holds the table, the selection and every action; the thumbnail grid is a thin anywidget. Each control is a
method that can also be typed (``browser.filter("brightness > 0.5")``, ``browser.create_test_case("dark")``).
"""
import functools
import html
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

import ipywidgets as w
import numpy as np
import pandas as pd

from kolena_lab.errors import QueryError
from kolena_lab.media import FetchOptions, thumbnail
from kolena_lab.ui import _curation
from kolena_lab.ui._cards import Cards
from kolena_lab.ui._curation import CurationDiff, CurationResult
from kolena_lab.ui._filter_controls import FilterControls
from kolena_lab.ui._gallery import Gallery
from kolena_lab.ui._jobs import JobStatus
from kolena_lab.ui._sample_html import detail_html, gallery_html
from kolena_lab.ui._selection import Selection
from kolena_lab.ui._table import (
    GROUND_TRUTH,
    INFERENCE,
    build_table,
    head_table,
    row_member,
    Table,
    test_case_names,
    test_suite_names,
)
from kolena_lab.ui._widget import Panel, html_table
from kolena_lab.workflow import GroundTruth, Model, TestSample, Workflow
from kolena_lab.workflow.query import Filter, SampleView

_SNAPSHOT_ITEMS = 24
_DETAIL_SIZE = 480
_NO_SUITE = "(no test suite)"
BACKGROUND_MIN_SAMPLES = 100_000  # a test case this big that must be read from the store opens on its first page
_Method = TypeVar("_Method", bound=Callable[..., Any])


def _loaded(method: _Method) -> _Method:
    """Run ``method`` once the browser's background load has finished."""
    @functools.wraps(method)
    def wrapper(self: "SampleBrowser", *args: Any, **kwargs: Any) -> Any:
        self._wait_loaded()
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SampleBrowser(Panel):
    """A paged grid of thumbnails with filters, sort, selection, a detail view and curation.

    ``source`` is a ``TestCase`` (any version), ``TestSuite``, ``Workflow`` or pandas DataFrame; with ``model`` the
    model's inferences and per-sample metrics (``evaluator`` / ``configuration`` pick one result) are columns too.
    A DataFrame can be curated when its ``workflow`` is given. Typed filters (a number's range, a category's values,
    text to contain, true or false; each shown as a removable chip) and the query all apply together. Plain click
    toggles a sample, shift-click selects the range from the last click, dragging a box selects what it touches,
    arrows and space do the same by keyboard, double-click or Enter opens the detail view. ``fetch`` sets timeouts
    for remote locators.

    A test case of ``BACKGROUND_MIN_SAMPLES`` or more whose table is not in its snapshot yet opens at once on its
    first page while the rest is read in a background thread; the controls are enabled, and every method runs, when
    it is loaded.
    """

    title = "Sample browser"

    def __init__(self, source: Any, *, workflow: Optional[Workflow] = None, model: Optional[Model] = None,
                 evaluator: Optional[str] = None, configuration: Optional[str] = None, page_size: int = 100,
                 thumbnail_size: int = 160, caption_fields: Optional[Sequence[str]] = None,
                 show_thumbnails: bool = True, overlays: bool = True, fetch: Optional[FetchOptions] = None):
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self._source = (source, dict(workflow=workflow, model=model, evaluator=evaluator, configuration=configuration))
        head = head_table(source, page_size, BACKGROUND_MIN_SAMPLES, **self._source[1])
        self.table = head[0] if head is not None else build_table(source, **self._source[1])
        self._loading: Optional[int] = head[1] if head is not None else None  # samples being read in the background
        self._loader: Optional[threading.Thread] = None
        self._load_error: Optional[Exception] = None
        self.workflow = self.table.workflow or workflow
        self.view = SampleView(self.table.frame)
        self.page_size = page_size
        self.thumbnail_size = thumbnail_size
        self.show_thumbnails = show_thumbnails
        self.overlays = overlays
        self.fetch = fetch or FetchOptions()
        self.page = 0
        self.selection = Selection(len(self.view.frame))
        self._message = ""
        self._pending: Optional[CurationDiff] = None
        self._history: List[CurationResult] = []
        self._page_items: List[Dict[str, Any]] = []
        self._syncing = False
        fields = self.view.fields
        self.caption_fields = list(caption_fields) if caption_fields is not None else self._default_captions(fields)
        self._build_controls(fields)
        self.jobs = (self._owned(JobStatus([model.name], None, on_finished=lambda _: self.reload()))
                     if model is not None else None)
        super().__init__(children=self._layout())
        self._render_page()
        if self._loading is not None:
            self._set_enabled(False)
            self._loader = threading.Thread(target=self._load_rest, name="kolena-lab-browser-load", daemon=True)
            self._loader.start()

    # ---------------------------------------------------------------- building the panel
    def _default_captions(self, fields: Sequence[str]) -> List[str]:
        picks = [next((f for f in fields if f.startswith(prefix)), None) for prefix in (GROUND_TRUTH, INFERENCE)]
        return [f for f in picks if f is not None]

    def _build_controls(self, fields: List[str]) -> None:
        layout = w.Layout(width="auto")
        self.query_box = w.Text(placeholder="Query, e.g. brightness > 0.5 and weather == 'rain'",
                                description="Query", continuous_update=False, layout=w.Layout(flex="1 1 auto"))
        self.filter_controls = FilterControls(
            fields, lambda: self.view, lambda f: self.add_filter(f.field, f.op, f.value, replace=True),
            self.remove_filter, self._guard)
        self.clear_filters_button = w.Button(description="Clear filters", layout=layout)
        self.sort_box = w.Dropdown(options=[("(table order)", "")] + [(f, f) for f in fields], value="",
                                   description="Sort by", layout=layout)
        self.order_box = w.ToggleButtons(options=[("Ascending", True), ("Descending", False)], value=True,
                                         style={"button_width": "110px"})
        self.previous_button = w.Button(description="Previous page", icon="chevron-left", layout=layout)
        self.next_button = w.Button(description="Next page", icon="chevron-right", layout=layout)
        self.page_label = w.HTML()
        self.select_all_button = w.Button(description="Select all matching", layout=layout)
        self.invert_button = w.Button(description="Invert selection", layout=layout)
        self.clear_button = w.Button(description="Clear selection", layout=layout)
        self.status = w.HTML()
        self.gallery = Gallery(self._on_gallery_event, thumbnail_size=self.thumbnail_size,
                               label=f"Samples of {self.table.title}")
        self.detail = w.HTML()
        self.close_detail_button = w.Button(description="Close details", layout=w.Layout(width="auto",
                                                                                          display="none"))
        self.name_box = w.Text(description="Test case name", placeholder="Test case name",
                               style={"description_width": "initial"})
        self.description_box = w.Text(description="Description", placeholder="Description (optional)",
                                      style={"description_width": "initial"})
        self.create_button = w.Button(description="Create test case", button_style="primary", layout=layout)
        cases = test_case_names(self.workflow) if self.workflow is not None else []
        self.target_box = w.Dropdown(options=cases, value=None, description="Existing test case",
                                     style={"description_width": "initial"})
        self.add_button = w.Button(description="Add to test case", layout=layout)
        self.remove_button = w.Button(description="Remove from test case", layout=layout)
        suites = test_suite_names(self.workflow) if self.workflow is not None else []
        self.suite_box = w.Combobox(options=suites, placeholder=_NO_SUITE, description="Test suite",
                                    ensure_option=False, style={"description_width": "initial"})
        self.diff_view = w.HTML()
        self.confirm_button = w.Button(description="Confirm", button_style="success",
                                       layout=w.Layout(width="auto", display="none"))
        self.cancel_button = w.Button(description="Cancel", layout=w.Layout(width="auto", display="none"))
        self.curation_log = w.HTML()

        self.query_box.observe(lambda c: self._guard(self.filter, c["new"]), names="value")
        self.clear_filters_button.on_click(lambda _: self._guard(self.clear_filters))
        self.sort_box.observe(lambda c: self._guard(self.sort_by, c["new"] or None, self.order_box.value),
                              names="value")
        self.order_box.observe(lambda c: self._guard(self.sort_by, self.sort_box.value or None, c["new"]),
                               names="value")
        self.previous_button.on_click(lambda _: self.previous_page())
        self.next_button.on_click(lambda _: self.next_page())
        self.select_all_button.on_click(lambda _: self.select_all_matching())
        self.invert_button.on_click(lambda _: self.invert_selection())
        self.clear_button.on_click(lambda _: self.clear_selection())
        self.close_detail_button.on_click(lambda _: self.close_details())
        self.create_button.on_click(lambda _: self._propose("create", self.name_box.value))
        self.add_button.on_click(lambda _: self._propose("add", self.target_box.value))
        self.remove_button.on_click(lambda _: self._propose("remove", self.target_box.value))
        self.confirm_button.on_click(lambda _: self._guard(self.confirm))
        self.cancel_button.on_click(lambda _: self.cancel())

    def _layout(self) -> List[w.Widget]:
        row = w.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px")
        curation: List[w.Widget] = []
        if self.workflow is not None:
            curation = [
                w.HTML("<strong>Curate the selection</strong>"),
                w.Box([self.name_box, self.description_box, self.create_button], layout=row),
                w.Box([self.target_box, self.add_button, self.remove_button], layout=row),
                w.Box([self.suite_box], layout=row),
                w.Box([self.diff_view, self.confirm_button, self.cancel_button], layout=row),
                self.curation_log,
            ]
        self.status.add_class("kl-status")
        return [
            w.HTML(f"<strong>{html.escape(self.table.title)}</strong>"),
            w.Box([self.query_box], layout=row),
            w.Box([*self.filter_controls.inputs, self.clear_filters_button], layout=row),
            self.filter_controls.chips,
            w.Box([self.sort_box, self.order_box], layout=row),
            w.Box([self.select_all_button, self.invert_button, self.clear_button, self.previous_button,
                   self.page_label, self.next_button], layout=row),
            self.status,
            *([self.jobs] if self.jobs is not None else []),
            self.gallery,
            w.Box([self.detail, self.close_detail_button], layout=row),
            *curation,
        ]

    # ---------------------------------------------------------------- background load
    def _load_rest(self) -> None:
        try:
            table = build_table(self._source[0], **self._source[1])
        except Exception as exc:  # shown in the status line; every method raises it
            self._load_error = exc
            self._refresh_status()
            return
        self._loading = None
        self._swap(table)
        self._set_enabled(True)
        self.update_displays()

    def _wait_loaded(self) -> None:
        """Block until the background load (if any) has finished; raise what made it fail."""
        loader = self._loader
        if loader is not None and loader is not threading.current_thread():
            loader.join()
        if self._load_error is not None:
            raise RuntimeError(f"the samples of {self.table.title} could not be loaded: {self._load_error}") \
                from self._load_error

    def _set_enabled(self, enabled: bool) -> None:
        controls = [self.query_box, self.sort_box, self.order_box, self.clear_filters_button, self.previous_button,
                    self.next_button, self.select_all_button, self.invert_button, self.clear_button,
                    self.create_button, self.add_button, self.remove_button, *self.filter_controls.inputs]
        for control in controls:
            if hasattr(control, "disabled"):
                control.disabled = not enabled

    # ---------------------------------------------------------------- filters, sort, pages
    @property
    @_loaded
    def matching(self) -> int:
        """How many samples match the filters and query."""
        return len(self.view.positions)

    @property
    @_loaded
    def total(self) -> int:
        return len(self.view.frame)

    @_loaded
    def filter(self, query: Optional[str] = None, filters: Optional[Sequence[Filter]] = None) -> "SampleBrowser":
        """Set the pandas-style query (``""`` clears it) and/or replace the typed filters; back to page 1."""
        self.view.set(query=query, filters=filters)
        if query is not None:
            self._sync(self.query_box, query)
        return self._refresh(reset_page=True)

    @_loaded
    def add_filter(self, field: str, op: str, value: Any = None, replace: bool = False) -> "SampleBrowser":
        """Add a typed filter, e.g. ``add_filter("brightness", "between", (0.2, 0.8))``; ``value`` is typed to the
        field. Typed filters and the query all apply (AND). ``replace`` drops the filters with the same field and
        operator first (what the "Add filter" button does, so adjusting a range replaces it)."""
        if not field:
            raise QueryError("choose a field to filter on")
        new = Filter(field, op, value)
        same = [f == new or (replace and (f.field, f.op) == (field, op)) for f in self.view.filters]
        at = same.index(True) if any(same) else len(same)
        kept = [f for f, drop in zip(self.view.filters, same) if not drop]
        return self.filter(filters=[*kept[:at], new, *kept[at:]])

    @_loaded
    def remove_filter(self, which: Union[int, Filter]) -> "SampleBrowser":
        """Remove one typed filter: the filter itself or its position in ``view.filters``."""
        filters = list(self.view.filters)
        if isinstance(which, Filter):
            if which not in filters:
                raise QueryError(f"no filter {which} to remove")
            which = filters.index(which)
        del filters[which]
        return self.filter(filters=filters)

    @_loaded
    def clear_filters(self) -> "SampleBrowser":
        """Remove the typed filters and the query."""
        self.view.set(filters=[], query="")
        self._sync(self.query_box, "")
        return self._refresh(reset_page=True)

    @_loaded
    def sort_by(self, field: Optional[str], ascending: bool = True) -> "SampleBrowser":
        """Sort by a field (missing values last); ``None`` restores the table's order."""
        self.view.set(sort_field=field, ascending=ascending)
        self._sync(self.sort_box, field or "")
        self._sync(self.order_box, ascending)
        return self._refresh(reset_page=True)

    def reload(self) -> "SampleBrowser":
        """Read the source again (a model's new inferences and metrics, after an evaluation job finished, say),
        keeping the query, filters, sort, page and the selected samples (by locator)."""
        self._wait_loaded()
        return self._swap(build_table(self._source[0], **self._source[1]))

    def _swap(self, table: Table) -> "SampleBrowser":
        """Show ``table``, keeping the query, filters, sort, page and the selected samples (by locator)."""
        column, old = self.table.locator_column, self.view
        self.table = table
        self.view = SampleView(self.table.frame)
        try:
            self.view.set(filters=old.filters, query=old.query, sort_field=old.sort_field, ascending=old.ascending)
        except QueryError as e:  # a field is gone: show everything, and say why
            self._message = f"Filters cleared on reload: {e}"
        self.selection = self.selection.carried_to(old.frame, self.view.frame, column)
        fields = self.view.fields
        self._syncing = True
        try:
            self.filter_controls.set_fields(fields)
            self.sort_box.options = [("(table order)", "")] + [(f, f) for f in fields]
            self.sort_box.value = self.view.sort_field or ""
        finally:
            self._syncing = False
        self.page = min(self.page, self.page_count - 1)
        self._render_page()
        return self

    @property
    def page_count(self) -> int:
        return self.view.page_count(self.page_size)

    @_loaded
    def go_to_page(self, number: int) -> "SampleBrowser":
        """Show page ``number`` (from 0, clamped)."""
        self.page = int(min(max(number, 0), self.page_count - 1))
        return self._refresh()

    def next_page(self) -> "SampleBrowser":
        return self.go_to_page(self.page + 1)

    def previous_page(self) -> "SampleBrowser":
        return self.go_to_page(self.page - 1)

    @_loaded
    def page_rows(self) -> pd.DataFrame:
        """The rows of the current page (their index is the row's position in the table)."""
        return self.view.frame.iloc[self.view.page(self.page, self.page_size)]

    @_loaded
    def matching_rows(self) -> pd.DataFrame:
        """Every matching row, in display order."""
        return self.view.frame.iloc[self.view.positions]

    # ---------------------------------------------------------------- selection
    @property
    @_loaded
    def selected(self) -> pd.DataFrame:
        """The selected samples' rows, in table order (the index is the row's position in the table)."""
        return self.view.frame.iloc[np.flatnonzero(self.selection.mask)]

    @property
    def selected_count(self) -> int:
        return self.selection.count

    @_loaded
    def selected_test_samples(self) -> List[Tuple[TestSample, Optional[GroundTruth]]]:
        """The selection as ``(test sample, ground truth)`` pairs, metadata attached (needs a workflow)."""
        workflow = self._require_workflow()
        return [row_member(row, workflow) for row in self.selected.to_dict("records")]

    @_loaded
    def select(self, positions: Union[int, Sequence[int]], selected: bool = True) -> "SampleBrowser":
        """Select (or with ``selected=False`` deselect) rows by their position in the table."""
        self.selection.set(positions, selected)
        return self._refresh_selection()

    @_loaded
    def click(self, position: int, shift: bool = False) -> "SampleBrowser":
        """What a click does: toggle one row; with ``shift``, select the displayed range from the last click."""
        self.selection.click(position, shift, self.view.positions)
        return self._refresh_selection()

    @_loaded
    def select_all_matching(self) -> "SampleBrowser":
        """Add every sample matching the filters to the selection."""
        self.selection.add(self.view.positions)
        return self._refresh_selection()

    @_loaded
    def invert_selection(self) -> "SampleBrowser":
        """Flip the selection of every matching sample (others keep theirs)."""
        self.selection.invert(self.view.positions)
        return self._refresh_selection()

    @_loaded
    def clear_selection(self) -> "SampleBrowser":
        self.selection.clear()
        return self._refresh_selection()

    # ---------------------------------------------------------------- details
    @_loaded
    def show_details(self, position: int) -> "SampleBrowser":
        """Open the detail view of one row: a large image with overlays, and every field."""
        position = int(self.selection.positions(position)[0])
        row = self.view.frame.iloc[position]
        cards = self._cards()
        source, overlay = cards.source(row.to_dict())
        big = thumbnail(source, _DETAIL_SIZE, overlay=overlay, fetch=self.fetch)
        self.detail.value = detail_html(cards.locator(row.to_dict()), big, row, _DETAIL_SIZE)
        self.close_detail_button.layout.display = ""
        return self

    def close_details(self) -> "SampleBrowser":
        self.detail.value = ""
        self.close_detail_button.layout.display = "none"
        return self

    # ---------------------------------------------------------------- curation
    @_loaded
    def preview(self, action: str, test_case: str, description: str = "",
                test_suite: Optional[str] = None, reset: bool = False) -> CurationDiff:
        """What ``create`` / ``add`` / ``remove`` with the selection would change, without changing anything."""
        return _curation.plan(self._require_workflow(), self.selected, action, test_case,
                              self.table.locator_column, description, test_suite, reset)

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
        self._refresh_status()

    def _propose(self, action: str, name: Optional[str]) -> None:
        try:
            suite = self.suite_box.value.strip() or None
            self._pending = self.preview(action, name or "", self.description_box.value, suite)
        except (ValueError, QueryError) as exc:
            self._pending = None
            self._show_pending(False)
            self._message = f"Cannot {action}: {exc}"
            self._refresh_status()
            return
        self.diff_view.value = self._pending._repr_html_()
        self._show_pending(True)
        self._message = f"Review: {self._pending.summary()}. Confirm or cancel."
        self._refresh_status()

    def _show_pending(self, on: bool) -> None:
        self.confirm_button.layout.display = "" if on else "none"
        self.cancel_button.layout.display = "" if on else "none"
        if not on:
            self.diff_view.value = ""

    def _commit(self, diff: CurationDiff) -> CurationResult:
        result = _curation.commit(self._require_workflow(), diff)
        self._history.append(result)
        self._message = result.summary()
        self.curation_log.value = "".join(r._repr_html_() for r in reversed(self._history))
        cases = test_case_names(self.workflow) if self.workflow is not None else []
        self.target_box.options = cases
        self.target_box.value = result.test_case.name if result.test_case.name in cases else None
        if self.workflow is not None:
            self.suite_box.options = test_suite_names(self.workflow)
        self._refresh_status()
        self.update_displays()
        return result

    @property
    def history(self) -> List[CurationResult]:
        """The actions committed from this browser, oldest first."""
        return list(self._history)

    def _require_workflow(self) -> Workflow:
        if self.workflow is None:
            raise ValueError("curation needs a workflow: open a test case or suite, or pass workflow= with a "
                             "DataFrame")
        return self.workflow

    # ---------------------------------------------------------------- rendering
    def _guard(self, action: Any, *args: Any) -> None:
        """Run a control's action; a bad filter or query is reported in the status line, not raised."""
        if self._syncing:
            return
        try:
            action(*args)
        except (QueryError, ValueError) as exc:
            self._message = str(exc)
            self._refresh_status()

    def _sync(self, control: w.ValueWidget, value: Any) -> None:
        """Show ``value`` in a control without running the control's own action again."""
        self._syncing = True
        try:
            control.value = value
        finally:
            self._syncing = False

    def _refresh(self, reset_page: bool = False) -> "SampleBrowser":
        if reset_page:
            self.page = 0
        self.page = min(self.page, self.page_count - 1)
        self._message = ""
        self._render_page()
        return self

    def _cards(self) -> Cards:
        return Cards(self.workflow, self.table.locator_column, self.overlays, self.fetch)

    def _render_page(self) -> None:
        positions = self.view.page(self.page, self.page_size)
        rows = self.view.frame.iloc[positions].to_dict("records")
        captions = [f for f in [self.view.sort_field, *self.caption_fields] if f]
        items = self._cards().items(rows, positions.tolist(), captions, self.thumbnail_size, self.show_thumbnails)
        self._page_items = items
        self.gallery.page_key = f"{self.page}:{len(self.view.positions)}"
        self.gallery.items = items
        self._refresh_selection()

    def _refresh_selection(self) -> "SampleBrowser":
        on_page = self.view.page(self.page, self.page_size)
        self.gallery.selected = on_page[self.selection.mask[on_page]].tolist()
        self._refresh_status()
        return self

    def status_text(self) -> str:
        """The status line: matching, total, page and selection counts, and the last message."""
        if self._loading is not None:
            shown = f"showing the first {len(self.view.frame):,}"
            if self._load_error is not None:
                return f"{shown} of {self._loading:,} samples: could not load the rest: {self._load_error}"
            return f"Loading {self._loading:,} samples: {shown}; filters, sorting and selection follow when loaded"
        matching = len(self.view.positions)
        first = self.page * self.page_size + 1 if matching else 0
        last = min((self.page + 1) * self.page_size, matching)
        text = (f"{matching:,} of {len(self.view.frame):,} samples match · showing {first:,}–{last:,} · "
                f"{self.selected_count:,} selected")
        return f"{text} · {self._message}" if self._message else text

    def _refresh_status(self) -> None:
        self.status.value = (f'<div role="status" aria-live="polite" class="kl-status-line">'
                             f"{html.escape(self.status_text())}</div>")
        pages = self.page_count if self._loading is None else -(-self._loading // self.page_size)
        self.page_label.value = f"Page {self.page + 1:,} of {pages:,}"
        self.filter_controls.show_chips(self.view.filters)

    def _on_gallery_event(self, event: Dict[str, Any]) -> None:
        kind = event.get("event")
        try:
            if kind == "click":
                self.click(int(event["index"]), shift=bool(event.get("shift")))
            elif kind == "box":
                indices = [int(i) for i in event.get("indices", [])]
                if not event.get("additive"):
                    on_page = self.view.page(self.page, self.page_size)
                    self.selection.mask[on_page] = False
                self.select(indices)
            elif kind == "open":
                self.show_details(int(event["index"]))
            elif kind == "page":
                self.go_to_page(self.page + int(event.get("delta", 0)))
            elif kind == "select_all":
                self.select_all_matching()
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            self._message = f"Ignored a {kind} event: {exc}"
            self._refresh_status()

    # ---------------------------------------------------------------- shared notebooks
    def snapshot_body(self) -> str:
        """Source, filters, counts and the current page's first thumbnails, as escaped script-free HTML."""
        facts = [("source", self.table.title), ("query", self.view.query or "—"),
                 ("filters", "; ".join(map(str, self.view.filters)) or "—"),
                 ("sort", f"{self.view.sort_field} ({'ascending' if self.view.ascending else 'descending'})"
                  if self.view.sort_field else "table order"),
                 ("status", self.status_text())]
        gallery = gallery_html(self._page_items, set(self.gallery.selected), min(self.thumbnail_size, 120),
                               _SNAPSHOT_ITEMS)
        history = "".join(r._repr_html_() for r in self._history)
        return html_table(["", ""], facts) + gallery + history

    def __repr__(self) -> str:
        return f"SampleBrowser({self.table.title}: {self.status_text()})"

