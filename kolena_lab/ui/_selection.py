"""Which rows of a table are selected, and the last clicked row that a shift-click extends from."""
from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd


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
        """The same rows in a re-read table: matched by ``column`` (the locator), else by position."""
        carried = Selection(len(new))
        if column:
            carried.mask = new[column].isin(set(old[column].to_numpy()[self.mask])).to_numpy()
        else:
            n = min(len(self.mask), len(new))
            carried.mask[:n] = self.mask[:n]
        return carried


def _index_in(order: np.ndarray, position: Optional[int]) -> Optional[int]:
    if position is None:
        return None
    hits = np.flatnonzero(order == position)
    return int(hits[0]) if hits.size else None
