"""``SampleBrowser``: see, filter, sort and select the samples of a test case, suite, workflow, DataFrame or a model's
results, and curate the selection into versioned test cases — inside the notebook.

Python holds the table, the selection and every action; the thumbnail grid is a thin anywidget. Each control is a
method that can also be typed (``browser.filter("brightness > 0.5")``, ``browser.create_test_case("dark")``).
"""
import html
import threading
from typing import Any, Dict, List, Optional, Sequence, Union

import ipywidgets as w
import pandas as pd

from kolena_lab.errors import QueryError
from kolena_lab.media import FetchOptions, thumbnail
from kolena_lab.ui._cards import Cards
from kolena_lab.ui._confidence_controls import ConfidenceControls
from kolena_lab.ui._curation import Curation
from kolena_lab.ui._filter_controls import FilterControls
from kolena_lab.ui._gallery import Gallery
from kolena_lab.ui._jobs import JobStatus
from kolena_lab.ui._loading import loaded as _loaded
from kolena_lab.ui._sample_html import detail_html, gallery_html, legend_html
from kolena_lab.ui._selection import Selection, SelectionActions
from kolena_lab.ui._rows import GROUND_TRUTH, INFERENCE, METRICS, SampleRows, head_rows_of, sample_rows_of
from kolena_lab.ui._widget import Panel, html_table
from kolena_lab.ui.suggestions import SNAPSHOT_COLUMNS, Suggestions
from kolena_lab.workflow import (
    SAMPLE_ID,
    CurationDiff,
    CurationResult,
    EvaluatorConfiguration,
    Model,
    TestCase,
    Workflow,
)
from kolena_lab.workflow.query import Filter, SampleView
from kolena_lab.workflow.slices import directed_metrics

_SNAPSHOT_ITEMS = 24
_DETAIL_SIZE = 480
_DETAIL_TAGS = 12  # label and score tags on the detail image while it draws at most this many shapes
BACKGROUND_MIN_SAMPLES = 100_000  # a test case this big that must be read from the store opens on its first page


class SampleBrowser(ConfidenceControls, SelectionActions, Curation, Panel):
    """A paged grid of thumbnails with filters, sort, selection, a detail view and curation.

    ``source`` is a ``TestCase`` (any version), ``TestSuite``, ``Workflow`` or pandas DataFrame; with ``model`` the
    model's inferences and per-sample metrics (``evaluator`` / ``configuration`` pick one result) are columns too.
    A DataFrame can be curated when its ``workflow`` is given. Typed filters (a number's range, a category's values,
    text to contain, true or false; each shown as a removable chip) and the query all apply together. Plain click
    toggles a sample, shift-click selects the range from the last click, dragging a box selects what it touches,
    arrows and space do the same by keyboard, double-click or Enter opens the detail view. ``fetch`` sets timeouts
    for remote locators.

    With a model whose inferences are scored boxes or polygons, overlays show the evaluator's operating point:
    inferences under the threshold its metrics used are hidden (found in the stored per-sample metrics, else the
    ``configuration``'s ``min_confidence_score``; ``configuration`` is the stored name or the configuration object).
    A confidence slider draws another threshold and shows the test case's precision, recall and F1 there, live.
    A test case with a model also lists suggested test cases (``suggestions``): the slices where the model does
    significantly worse (``find_slices``); "Show" applies a slice's query, "Create test case" curates it
    (``suggest=False`` leaves them out).

    A test case of ``BACKGROUND_MIN_SAMPLES`` or more whose table is not in its snapshot yet opens at once on its
    first page while the rest is read in a background thread; the controls are enabled, and every method runs, when
    it is loaded.
    """

    title = "Sample browser"
    _guarded = (QueryError, ValueError)  # a bad filter or query is shown in the status line

    def __init__(self, source: Any, *, workflow: Optional[Workflow] = None, model: Optional[Model] = None,
                 evaluator: Optional[str] = None,
                 configuration: Union[str, EvaluatorConfiguration, None] = None, page_size: int = 100,
                 thumbnail_size: int = 160, caption_fields: Optional[Sequence[str]] = None,
                 show_thumbnails: bool = True, overlays: bool = True, fetch: Optional[FetchOptions] = None,
                 suggest: bool = True):
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self._configuration = configuration
        if isinstance(configuration, EvaluatorConfiguration):
            configuration = configuration.display_name()
        self._source = (source, dict(workflow=workflow, model=model, evaluator=evaluator, configuration=configuration))
        head = head_rows_of(source, page_size, BACKGROUND_MIN_SAMPLES, **self._source[1])
        self.table = head[0] if head is not None else sample_rows_of(source, **self._source[1])
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
        self._detail_position: Optional[int] = None
        self._threshold: Optional[float] = None
        self._measure_live(model is not None)
        self._build_controls(fields)
        self.jobs = (self._owned(JobStatus([model.name], None, on_finished=lambda _: self.reload()))
                     if model is not None else None)
        self.suggestions = (Suggestions(lambda: (model, source, evaluator, configuration),
                                        lambda query: self.filter(query, filters=[]),
                                        on_change=self.update_displays, metrics=self._metric_names)
                            if suggest and model is not None and isinstance(source, TestCase) else None)
        super().__init__(children=self._layout())
        self._render_page()
        if self._loading is not None:
            self._set_enabled(False)
            self._loader = threading.Thread(target=self._load_rest, name="kolena-lab-browser-load", daemon=True)
            self._loader.start()

    # ---------------------------------------------------------------- building the panel
    def _default_captions(self, fields: Sequence[str]) -> List[str]:
        """The first scalar ground-truth and inference columns (annotations show as the cards' tags instead)."""
        columns = [f for f in fields if f in self.view.frame.columns]
        picks = [next((f for f in columns if f.startswith(prefix)), None) for prefix in (GROUND_TRUTH, INFERENCE)]
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
        self.detail.add_class("kl-detail-view")
        self.close_detail_button = w.Button(description="Close details", layout=w.Layout(width="auto",
                                                                                          display="none"))
        self._build_confidence_controls()
        self._build_curation_controls(layout)

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

    def _layout(self) -> List[w.Widget]:
        row = w.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px")
        self.status.add_class("kl-status")
        return [
            w.HTML(f"<strong>{html.escape(self.table.title)}</strong>"),
            w.Box([self.query_box], layout=row),
            w.Box([*self.filter_controls.inputs, self.clear_filters_button], layout=row),
            self.filter_controls.chips,
            w.Box([self.sort_box, self.order_box], layout=row),
            self.confidence_row,
            w.Box([self.select_all_button, self.invert_button, self.clear_button, self.previous_button,
                   self.page_label, self.next_button], layout=row),
            self.status,
            *([self.jobs] if self.jobs is not None else []),
            self.gallery,
            w.Box([self.detail, self.close_detail_button], layout=row),
            *self._curation_layout(row),
            *([self.suggestions] if self.suggestions is not None else []),
        ]

    def _metric_names(self) -> List[str]:
        """The table's per-sample metrics that declare a direction (what suggestions can search)."""
        columns = [c for c in self.view.frame.columns if str(c).startswith(METRICS)]
        return directed_metrics(self.view.frame[columns].rename(columns=lambda c: str(c)[len(METRICS):]),
                                self._source[1]["evaluator"])

    # ---------------------------------------------------------------- background load
    def _load_rest(self) -> None:
        try:
            table = sample_rows_of(self._source[0], **self._source[1])
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
        if enabled:
            self._refresh_status()  # the page buttons: none before the first page or after the last

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
        if filters is not None:  # the control of the chosen field shows its filter now, or the whole range
            self.filter_controls.show(self.filter_controls.field_box.value)
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
        self.filter_controls.show(self.filter_controls.field_box.value)
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
        keeping the query, filters, sort, page and the selected samples (by ``sample_id``, else locator)."""
        self._wait_loaded()
        return self._swap(sample_rows_of(self._source[0], **self._source[1]))

    def _swap(self, table: SampleRows) -> "SampleBrowser":
        """Show ``table``, keeping the query, filters, sort, page and the selected samples (by ``sample_id``, else
        locator)."""
        old = self.view
        both = SAMPLE_ID in old.frame.columns and SAMPLE_ID in table.frame.columns
        column = SAMPLE_ID if both else self.table.locator_column
        self.table = table
        self.view = SampleView(self.table.frame)
        try:
            self.view.set(filters=old.filters, query=old.query, sort_field=old.sort_field, ascending=old.ascending)
        except QueryError as e:  # a field is gone: show everything, and say why
            self._message = f"Filters cleared on reload: {e}"
        self.selection = self.selection.carried_to(old.frame, self.view.frame, column)
        self._measure_live(self.live is not None or self._source[1]["model"] is not None)
        self._refresh_confidence()
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

    # ---------------------------------------------------------------- details
    @_loaded
    def show_details(self, position: int) -> "SampleBrowser":
        """Open the detail view of one row: a large image with overlays, and every field."""
        position = int(self.selection.positions(position)[0])
        row = self.view.frame.iloc[position]
        cards = self._cards()
        record = row.to_dict()
        source, overlay = cards.source(record, position, _DETAIL_TAGS)
        big = thumbnail(source, _DETAIL_SIZE, overlay=overlay, fetch=self.fetch)
        legend = legend_html(overlay, self._threshold_text()) if self.live is not None or overlay else ""
        self.detail.value = detail_html(cards.locator(record), big, row, _DETAIL_SIZE, legend)
        self.close_detail_button.layout.display = ""
        self._detail_position = position
        return self

    def close_details(self) -> "SampleBrowser":
        self._detail_position = None
        self.detail.value = ""
        self.close_detail_button.layout.display = "none"
        return self

    # ---------------------------------------------------------------- rendering
    def _guard(self, action: Any, *args: Any) -> None:
        """Run a control's action unless the controls are being synced from code; a bad filter or query is
        reported in the status line, not raised."""
        if not self._syncing:
            super()._guard(action, *args)

    def _show_error(self, exc: BaseException) -> None:
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
        return Cards(self.workflow, self.table.locator_column, self.overlays, self.fetch, self.live,
                     self.confidence_threshold)

    def _render_page(self) -> None:
        positions = self.view.page(self.page, self.page_size)
        rows = self.view.rows(positions).to_dict("records")
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
        if self._loading is None:  # while loading, _set_enabled holds every control
            self.previous_button.disabled = self.page == 0
            self.next_button.disabled = self.page + 1 >= pages
        self.filter_controls.show_chips(self.view.filters)

    # ---------------------------------------------------------------- shared notebooks
    def snapshot_body(self) -> str:
        """Source, filters, counts and the current page's first thumbnails, as escaped script-free HTML."""
        facts = [("source", self.table.title), ("query", self.view.query or "—"),
                 ("filters", "; ".join(map(str, self.view.filters)) or "—"),
                 ("sort", f"{self.view.sort_field} ({'ascending' if self.view.ascending else 'descending'})"
                  if self.view.sort_field else "table order"),
                 ("status", self.status_text())]
        counts = self.live_metrics()
        if counts is not None:
            facts.append(("confidence", f"{self._threshold_text()}: precision {counts.precision:.3f}, recall "
                                        f"{counts.recall:.3f}, F1 {counts.f1:.3f}"))
        gallery = gallery_html(self._page_items, set(self.gallery.selected), min(self.thumbnail_size, 120),
                               _SNAPSHOT_ITEMS)
        history = self._history_html()
        suggested = self.suggestions.snapshot_rows() if self.suggestions is not None else []
        listed = html_table(SNAPSHOT_COLUMNS, suggested) if suggested else ""
        return html_table(["", ""], facts) + gallery + history + listed

    def __repr__(self) -> str:
        return f"SampleBrowser({self.table.title}: {self.status_text()})"

