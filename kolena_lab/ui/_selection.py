"""Which rows of a table are selected, the last clicked row that a shift-click extends from, and the sample
browser's selection actions (clicks, ranges, boxes and keys of the grid, select all, invert, clear)."""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np
import pandas as pd

from kolena_lab.ui._loading import loaded
from kolena_lab.ui._rows import sample_rows
from kolena_lab.workflow import GroundTruth, TestSample, Workflow, frame_members
from kolena_lab.workflow.query import SampleView


class Selection:
    """A mask over a table's rows plus the anchor of the last click. Positions are rows of the table; ``order`` is
    the displayed order (the matching rows, sorted), which a shift-click range follows."""

    def __init__(self, size: int):
        self.mask = np.zeros(size, dtype=bool)
        self.anchor: Optional[int] = None

    @property
    def count(self) -> int:
        return int(self.mask.sum())

    def positions(self, positions: Union[int, Sequence[int]]) -> np.ndarray:
        """``positions`` as an array, checked to be rows of the table."""
        index = np.atleast_1d(np.asarray(positions, dtype=np.int64))
        if index.size and (index.min() < 0 or index.max() >= len(self.mask)):
            raise IndexError(f"row positions must be within 0..{len(self.mask) - 1}")
        return index

    def set(self, positions: Union[int, Sequence[int]], selected: bool = True) -> None:
        index = self.positions(positions)
        self.mask[index] = selected
        if len(index):
            self.anchor = int(index[-1])

    def click(self, position: int, shift: bool, order: np.ndarray) -> None:
        """Toggle one row; with ``shift``, select the displayed range from the last click."""
        position = int(self.positions(position)[0])
        where, anchor = _index_in(order, position), _index_in(order, self.anchor)
        if shift and anchor is not None and where is not None:
            lo, hi = sorted((anchor, where))
            self.mask[order[lo:hi + 1]] = True
        else:
            self.mask[position] = not self.mask[position]
        self.anchor = position

    def add(self, positions: np.ndarray) -> None:
        self.mask[positions] = True

    def invert(self, positions: np.ndarray) -> None:
        self.mask[positions] = ~self.mask[positions]

    def clear(self) -> None:
        self.mask[:] = False
        self.anchor = None

    def carried_to(self, old: pd.DataFrame, new: pd.DataFrame, column: Optional[str]) -> "Selection":
        """The same rows in a re-read table: matched by ``column`` (``sample_id``, else the locator), else by
        position."""
        carried = Selection(len(new))
        if column:
            carried.mask = new[column].isin(set(old[column].to_numpy()[self.mask])).to_numpy()
        else:
            n = min(len(self.mask), len(new))
            carried.mask[:n] = self.mask[:n]
        return carried


_Self = TypeVar("_Self", bound="SelectionActions")


class SelectionActions:
    """What the sample browser's selection controls and grid events do (a part of ``SampleBrowser``)."""

    view: SampleView
    selection: Selection
    page: int
    page_size: int
    _message: str
    _refresh_selection: Callable[[], Any]  # returns the browser
    _refresh_status: Callable[[], None]
    _require_workflow: Callable[[], Workflow]

    @property
    @loaded
    def selected(self) -> pd.DataFrame:
        """The selected samples' rows, in table order (the index is the row's position in the table)."""
        return self.view.frame.iloc[np.flatnonzero(self.selection.mask)]

    @property
    def selected_count(self) -> int:
        return self.selection.count

    @loaded
    def selected_test_samples(self) -> List[Tuple[TestSample, Optional[GroundTruth]]]:
        """The selection as ``(test sample, ground truth)`` pairs, metadata attached (needs a workflow)."""
        return frame_members(sample_rows(self.selected), self._require_workflow())

    @loaded
    def select(self: _Self, positions: Union[int, Sequence[int]], selected: bool = True) -> _Self:
        """Select (or with ``selected=False`` deselect) rows by their position in the table."""
        self.selection.set(positions, selected)
        return self._refresh_selection()

    @loaded
    def click(self: _Self, position: int, shift: bool = False) -> _Self:
        """What a click does: toggle one row; with ``shift``, select the displayed range from the last click."""
        self.selection.click(position, shift, self.view.positions)
        return self._refresh_selection()

    @loaded
    def select_all_matching(self: _Self) -> _Self:
        """Add every sample matching the filters to the selection."""
        self.selection.add(self.view.positions)
        return self._refresh_selection()

    @loaded
    def invert_selection(self: _Self) -> _Self:
        """Flip the selection of every matching sample (others keep theirs)."""
        self.selection.invert(self.view.positions)
        return self._refresh_selection()

    @loaded
    def clear_selection(self: _Self) -> _Self:
        self.selection.clear()
        return self._refresh_selection()

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
                self.show_details(int(event["index"]))  # type: ignore[attr-defined]
            elif kind == "page":
                self.go_to_page(self.page + int(event.get("delta", 0)))  # type: ignore[attr-defined]
            elif kind == "select_all":
                self.select_all_matching()
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            self._message = f"Ignored a {kind} event: {exc}"
            self._refresh_status()


def _index_in(order: np.ndarray, position: Optional[int]) -> Optional[int]:
    if position is None:
        return None
    hits = np.flatnonzero(order == position)
    return int(hits[0]) if hits.size else None
