"""A list of checkboxes for choosing several options with plain clicks (a multiple select needs Ctrl-click)."""
from typing import Any, Sequence, Tuple, Union

import ipywidgets
import traitlets

Option = Union[str, Tuple[str, Any]]


class CheckList(ipywidgets.VBox):
    """Labelled checkboxes, one per option (``"name"`` or ``(label, value)``); ``value`` is the tuple of the ticked
    options' values in option order, observable like any widget's value. Every row is shown: nothing is clipped."""

    value = traitlets.Tuple()
    disabled = traitlets.Bool(False)

    def __init__(self, description: str, options: Sequence[Option] = (), value: Sequence[Any] = ()) -> None:
        self._boxes: Tuple[Tuple[ipywidgets.Checkbox, Any], ...] = ()
        self._syncing = False
        self.label = ipywidgets.HTML(f"<span class='kl-checklist-label'>{description}</span>")
        self.rows = ipywidgets.VBox(layout=ipywidgets.Layout(margin="0 0 0 8px"))
        super().__init__([self.label, self.rows])
        self.add_class("kl-checklist")
        self.observe(self._show_value, "value")
        self.observe(self._show_disabled, "disabled")
        self.set_options(options, value)

    @property
    def options(self) -> Tuple[Tuple[str, Any], ...]:
        """``(label, value)`` of every option, in order."""
        return tuple((box.description, value) for box, value in self._boxes)

    def set_options(self, options: Sequence[Option], value: Sequence[Any] = ()) -> None:
        """Show these options, ticking those in ``value``."""
        pairs = [(o, o) if isinstance(o, str) else (str(o[0]), o[1]) for o in options]
        self._boxes = tuple((ipywidgets.Checkbox(description=label, indent=False, disabled=self.disabled,
                                                 layout=ipywidgets.Layout(width="auto", margin="0")), v)
                            for label, v in pairs)
        for box, _ in self._boxes:
            box.observe(self._on_box, "value")
        self.rows.children = [box for box, _ in self._boxes]
        self._set(tuple(v for _, v in pairs if v in tuple(value)))

    def _set(self, value: Tuple[Any, ...]) -> None:
        if self.value == value:
            self._show_value({"new": value})
        else:
            self.value = value

    def _on_box(self, _: Any) -> None:
        if not self._syncing:
            self.value = tuple(v for box, v in self._boxes if box.value)

    @traitlets.validate("value")
    def _known(self, proposal: Any) -> Tuple[Any, ...]:
        known = {v for _, v in self._boxes}
        unknown = [v for v in proposal["value"] if v not in known]
        if unknown:
            raise traitlets.TraitError(f"not among the options: {sorted(map(str, unknown))}")
        return tuple(proposal["value"])

    def _show_value(self, change: Any) -> None:
        chosen = set(change["new"])
        self._syncing = True
        try:
            for box, v in self._boxes:
                box.value = v in chosen
        finally:
            self._syncing = False

    def _show_disabled(self, change: Any) -> None:
        for box, _ in self._boxes:
            box.disabled = change["new"]
