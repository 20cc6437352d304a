"""The sample browser's typed filter controls: pick a field, set the control of its kind (a number's range, a
category's values, text to contain, true or false), and see each active filter as a chip that removes it.

The controls only describe filters; the browser applies them (``add_filter`` / ``remove_filter``).
"""
import html
from typing import Any, Callable, List, Sequence, Tuple

import ipywidgets as w

from kolena_lab.errors import QueryError
from kolena_lab.ui._sample_html import cell_text
from kolena_lab.workflow.query import Filter, SampleView

_OPERATOR = {"number": "between", "category": "in", "text": "contains", "boolean": "=="}


class FilterControls:
    """Typed filter widgets over the view that ``view()`` returns. ``add`` and ``remove`` apply a filter; ``guard``
    runs an action and reports its error instead of raising it."""

    def __init__(self, fields: Sequence[str], view: Callable[[], SampleView], add: Callable[[Filter], Any],
                 remove: Callable[[Filter], Any], guard: Callable[..., None]):
        initial = {"description_width": "initial"}
        self.field_box = w.Dropdown(options=_options(fields), value="", description="Filter by",
                                    layout=w.Layout(width="auto"))
        self.min_box = w.FloatText(description="Minimum", style=initial, layout=w.Layout(width="170px"))
        self.max_box = w.FloatText(description="Maximum", style=initial, layout=w.Layout(width="170px"))
        self.values_box = w.Box(layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.contains_box = w.Text(description="Contains", placeholder="Text", style=initial,
                                   layout=w.Layout(width="220px"))
        self.truth_box = w.Dropdown(options=[("true", True), ("false", False)], description="Value", style=initial,
                                    layout=w.Layout(width="140px"))
        self.add_button = w.Button(description="Add filter", layout=w.Layout(width="auto"))
        self.chips = w.Box(layout=w.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px"))
        self._label = w.HTML("Filters:")
        self._shown: Tuple[Filter, ...] = ()
        self._view, self._remove, self._guard = view, remove, guard
        self.field_box.observe(lambda c: guard(self.show, c["new"]), names="value")
        self.add_button.on_click(lambda _: guard(lambda: add(self.described())))
        self.show("")

    @property
    def inputs(self) -> List[w.Widget]:
        """The widgets of the filter row, in order."""
        return [self.field_box, self.min_box, self.max_box, self.values_box, self.contains_box, self.truth_box,
                self.add_button]

    def set_fields(self, fields: Sequence[str]) -> None:
        """Offer ``fields`` (after a reload), keeping the chosen one if it is still there."""
        field = self.field_box.value if self.field_box.value in fields else ""
        self.field_box.options = _options(fields)
        self.field_box.value = field
        self.show(field)

    def show(self, field: str) -> None:
        """Show the control of ``field``'s kind, set to its filter if it has one, else to everything."""
        view = self._view()
        summary = view.summary(field) if field else None
        kind = summary.kind if summary is not None else ""
        for control, shown in ((self.min_box, "number"), (self.max_box, "number"), (self.values_box, "category"),
                               (self.contains_box, "text"), (self.truth_box, "boolean")):
            control.layout.display = "" if kind == shown else "none"
        if summary is None:
            return
        current = next((f.value for f in reversed(view.filters) if (f.field, f.op) == (field, _OPERATOR[kind])),
                       None)
        if kind == "number":
            low, high = current if isinstance(current, tuple) and len(current) == 2 else (None, None)
            self.min_box.value = summary.low if low is None else float(low)
            self.max_box.value = summary.high if high is None else float(high)
        elif kind == "category":
            chosen = set(current) if isinstance(current, tuple) else set()
            _close(self.values_box.children)
            self.values_box.children = [
                w.Checkbox(value=value in chosen, description=f"{cell_text(value)} ({count:,})", indent=False,
                           layout=w.Layout(width="auto")) for value, count in summary.values]
        elif kind == "text":
            self.contains_box.value = current if isinstance(current, str) else ""
        elif isinstance(current, bool):
            self.truth_box.value = current

    def described(self) -> Filter:
        """The filter the controls describe."""
        field = self.field_box.value
        if not field:
            raise QueryError("choose a field to filter on")
        summary = self._view().summary(field)
        if summary.kind == "number":
            low, high = self.min_box.value, self.max_box.value
            if low > high:
                raise QueryError(f"the minimum of '{field}' ({low:g}) is above its maximum ({high:g})")
            if summary.integer:
                low, high = (int(v) if float(v).is_integer() else v for v in (low, high))
            return Filter(field, "between", (low, high))
        if summary.kind == "category":
            chosen = [value for (value, _), box in zip(summary.values, self.values_box.children) if box.value]
            if not chosen:
                raise QueryError(f"tick at least one value of '{field}'")
            return Filter(field, "in", chosen)
        if summary.kind == "boolean":
            return Filter(field, "==", self.truth_box.value)
        if not self.contains_box.value.strip():
            raise QueryError(f"type the text that '{field}' should contain")
        return Filter(field, "contains", self.contains_box.value.strip())

    def show_chips(self, filters: Sequence[Filter]) -> None:
        """One chip per filter, with a button that removes it; chips of filters that stay are kept."""
        filters = tuple(filters)
        if filters == self._shown:
            return
        old = list(zip(self._shown, self.chips.children[1:]))
        chips = []
        for flt in filters:
            hit = next((i for i, (kept, _) in enumerate(old) if kept == flt), None)
            chips.append(old.pop(hit)[1] if hit is not None else self._chip(flt))
        _close([chip for _, chip in old])
        self._shown = filters
        self.chips.children = [self._label, *chips] if chips else []

    def _chip(self, flt: Filter) -> w.Widget:
        text = html.escape(str(flt))
        remove = w.Button(icon="times", tooltip=f"Remove filter {flt}", layout=w.Layout(width="26px"))
        remove.on_click(lambda _: self._guard(self._remove, flt))
        chip = w.HBox([w.HTML(f'<span class="kl-chip-text" title="{text}">{text}</span>'), remove])
        chip.add_class("kl-chip")
        return chip


def _options(fields: Sequence[str]) -> List[Tuple[str, str]]:
    return [("(choose a field)", "")] + [(f, f) for f in fields]


def _close(widgets: Sequence[w.Widget]) -> None:
    """Close widgets and what they hold (their comms would otherwise live as long as the kernel)."""
    for widget in widgets:
        _close(getattr(widget, "children", ()))
        widget.close()
