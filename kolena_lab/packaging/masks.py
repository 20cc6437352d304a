"""A boolean mask as a polygon: the outline (along pixel edges) of its largest 4-connected region, holes ignored."""
from typing import Dict, List, Optional, Tuple

import numpy as np

Run = Tuple[int, int, int]  # row, first column, column after the last


def _runs(mask: np.ndarray) -> List[Run]:
    """The horizontal runs of True pixels, row by row."""
    runs = []
    for row in np.flatnonzero(mask.any(axis=1)):
        line = np.concatenate(([False], mask[row], [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(line))
        runs.extend((int(row), int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]))
    return runs


def largest_region(mask: np.ndarray) -> Optional[np.ndarray]:
    """The largest 4-connected region of ``mask`` as a mask (None when ``mask`` is empty), found by joining
    overlapping runs of consecutive rows."""
    runs = _runs(mask)
    if not runs:
        return None
    parent = list(range(len(runs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_row: Dict[int, List[int]] = {}
    for i, (row, start, stop) in enumerate(runs):
        for j in by_row.get(row - 1, ()):
            _, other_start, other_stop = runs[j]
            if other_start < stop and start < other_stop:
                parent[root(i)] = root(j)
        by_row.setdefault(row, []).append(i)
    sizes: Dict[int, int] = {}
    for i, (_, start, stop) in enumerate(runs):
        sizes[root(i)] = sizes.get(root(i), 0) + stop - start
    best = max(sizes, key=lambda r: (sizes[r], -r))
    region = np.zeros(mask.shape, dtype=bool)
    for i, (row, start, stop) in enumerate(runs):
        if root(i) == best:
            region[row, start:stop] = True
    return region


def mask_polygon(mask: np.ndarray) -> Optional[List[Tuple[float, float]]]:
    """The outline of the mask's largest region as ``(x, y)`` corners in pixel coordinates (a pixel ``(row, col)``
    covers ``[col, col + 1] × [row, row + 1]``), clockwise on screen; None when the mask is empty."""
    region = largest_region(np.asarray(mask, dtype=bool))
    if region is None:
        return None
    height, width = region.shape

    def inside(x: float, y: float) -> bool:  # the pixel containing the point (x, y)
        col, row = int(np.floor(x)), int(np.floor(y))
        return 0 <= row < height and 0 <= col < width and bool(region[row, col])

    rows, cols = np.nonzero(region)
    start = (int(cols[0]), int(rows[0]))  # top-left corner of the first pixel in raster order
    x, y = start
    dx, dy = 1, 0  # walking east along its top edge, the region on the right (screen coordinates, y down)
    points: List[Tuple[float, float]] = []
    while True:
        # the two pixels beside the next edge, ahead of the corner (x, y): on the right and on the left
        mx, my = x + dx + dx * 0.5, y + dy + dy * 0.5
        right = inside(mx - dy * 0.5, my + dx * 0.5)
        left = inside(mx + dy * 0.5, my - dx * 0.5)
        x, y = x + dx, y + dy
        if not right:
            turn = (-dy, dx)  # turn right
        elif left:
            turn = (dy, -dx)  # turn left
        else:
            turn = (dx, dy)
        if turn != (dx, dy):
            points.append((float(x), float(y)))
        dx, dy = turn
        if (x, y) == start and (dx, dy) == (1, 0):
            return points
