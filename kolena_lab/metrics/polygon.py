"""Exact intersection area of two simple polygons (convex or concave), by Green's theorem on the clipped boundaries.

The boundary of ``P ∩ Q`` is made of the pieces of ``P``'s boundary inside ``Q``, the pieces of ``Q``'s boundary inside
``P``, and the stretches the two boundaries share with the same orientation. Each edge is split at every point where it
meets the other polygon's boundary, each piece is classified by its midpoint, and the shoelace terms of the kept pieces
are summed. Arithmetic is float64 on coordinates shifted to a local origin; shared (collinear) edges are recognised with
a relative tolerance of 1e-12. Limits: polygons must be simple (no self-intersections, no holes) — a self-intersecting
polygon raises ``InputValidationError``; a polygon of zero area intersects nothing.
"""
from typing import Any

import numpy as np

from kolena_lab.metrics._validation import InputValidationError, float_array

_EPS = 1e-12


def _cross(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    return ax * by - ay * bx


def signed_area(points: np.ndarray) -> float:
    """Shoelace area of a closed ring, positive when counter-clockwise (y up)."""
    x, y = points[:, 0], points[:, 1]
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def as_polygon(points: Any, name: str) -> np.ndarray:
    """A ``(K, 2)`` float array of distinct consecutive vertices (K >= 3), validated to be finite."""
    arr = float_array(points, name)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputValidationError(f"'{name}' must be a sequence of (x, y) points, got shape {arr.shape}")
    if len(arr):
        keep = np.any(arr != np.roll(arr, 1, axis=0), axis=1)
        arr = arr[keep] if keep.any() else arr[:1]
    if len(arr) < 3:
        raise InputValidationError(f"'{name}' must have at least three distinct points, got {len(arr)}")
    return arr


def _segments_intersect(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Whether segments p1p2 and q1q2 (arrays of shape (..., 2)) touch or cross."""

    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        ab, ac = b - a, c - a
        return np.sign(_cross(ab[..., 0], ab[..., 1], ac[..., 0], ac[..., 1]))

    def within(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:  # c on the bounding box of ab
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        return np.all((c >= lo) & (c <= hi), axis=-1)

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    proper = (d1 * d2 < 0) & (d3 * d4 < 0)
    touch = ((d1 == 0) & within(q1, q2, p1)) | ((d2 == 0) & within(q1, q2, p2))
    touch |= ((d3 == 0) & within(p1, p2, q1)) | ((d4 == 0) & within(p1, p2, q2))
    return proper | touch


def check_simple(points: np.ndarray, name: str) -> None:
    """Raise if the ring self-intersects (non-adjacent edges meet, or adjacent edges fold back on each other)."""
    n = len(points)
    a, b = points, np.roll(points, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))
    i, j = i[keep], j[keep]
    hit = _segments_intersect(a[i], b[i], a[j], b[j])
    # adjacent edges: the only allowed contact is the shared vertex, i.e. no fold-back onto the previous edge
    d_prev = b - a
    d_next = np.roll(d_prev, -1, axis=0)
    turn = _cross(d_prev[:, 0], d_prev[:, 1], d_next[:, 0], d_next[:, 1])
    folded = (turn == 0) & (np.sum(d_prev * d_next, axis=1) < 0)
    if hit.any() or folded.any():
        raise InputValidationError(f"'{name}' is not a simple polygon (its boundary intersects itself)")


def _boundary_inside(p: np.ndarray, q: np.ndarray, keep_shared: bool) -> float:
    """Twice the Green's-theorem integral of the pieces of ``p``'s boundary inside ``q`` (both CCW)."""
    n = len(p)
    a, d = p, np.roll(p, -1, axis=0) - p
    b, e = q, np.roll(q, -1, axis=0) - q
    ax, ay, dx, dy = a[:, 0:1], a[:, 1:2], d[:, 0:1], d[:, 1:2]
    bx, by, ex, ey = b[None, :, 0], b[None, :, 1], e[None, :, 0], e[None, :, 1]
    wx, wy = bx - ax, by - ay  # (n, m): from edge start of p to edge start of q
    denom = _cross(dx, dy, ex, ey)
    dlen = np.hypot(dx, dy)
    elen = np.hypot(ex, ey)
    parallel = np.abs(denom) <= _EPS * dlen * elen
    offline = _cross(wx, wy, dx, dy)
    collinear = parallel & (np.abs(offline) <= _EPS * dlen * (np.hypot(wx, wy) + elen + dlen))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = _cross(wx, wy, ex, ey) / denom
        u = offline / denom
    crossing = ~parallel & (u >= 0) & (u <= 1) & (t > 0) & (t < 1)
    dd = (dx * dx + dy * dy)
    t0 = (wx * dx + wy * dy) / dd
    t1 = ((wx + ex) * dx + (wy + ey) * dy) / dd

    edge_ids = [np.arange(n), np.arange(n)]
    params = [np.zeros(n), np.ones(n)]
    ci, cj = np.nonzero(crossing)
    edge_ids.append(ci)
    params.append(t[ci, cj])
    li, lj = np.nonzero(collinear)
    for tt in (t0, t1):
        v = tt[li, lj]
        inside = (v > 0) & (v < 1)
        edge_ids.append(li[inside])
        params.append(v[inside])
    eid = np.concatenate(edge_ids)
    par = np.concatenate(params)
    order = np.lexsort((par, eid))
    eid, par = eid[order], par[order]
    seg = (eid[1:] == eid[:-1]) & (par[1:] > par[:-1])
    s_edge, s_lo, s_hi = eid[:-1][seg], par[:-1][seg], par[1:][seg]
    if not len(s_edge):
        return 0.0
    mid = 0.5 * (s_lo + s_hi)
    mx = a[s_edge, 0] + mid * d[s_edge, 0]
    my = a[s_edge, 1] + mid * d[s_edge, 1]

    # pieces lying on a collinear edge of q: kept (once, from p) only when both boundaries run the same way
    shared = np.zeros(len(s_edge), dtype=bool)
    same_way = np.zeros(len(s_edge), dtype=bool)
    if len(li):
        lo = np.minimum(t0[li, lj], t1[li, lj])
        hi = np.maximum(t0[li, lj], t1[li, lj])
        direction = (d[li, 0] * e[lj, 0] + d[li, 1] * e[lj, 1]) > 0
        # match every piece against every collinear pair of its own edge
        on = (s_edge[:, None] == li[None, :]) & (mid[:, None] >= lo[None, :]) & (mid[:, None] <= hi[None, :])
        shared = on.any(axis=1)
        same_way = (on & direction[None, :]).any(axis=1)

    # crossing-number test of the midpoints against q
    y0, y1 = b[:, 1][None, :], (b[:, 1] + e[:, 1])[None, :]
    x0, x1 = b[:, 0][None, :], (b[:, 0] + e[:, 0])[None, :]
    straddle = (y0 > my[:, None]) != (y1 > my[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        xcross = x0 + (my[:, None] - y0) * (x1 - x0) / (y1 - y0)
    inside = (np.count_nonzero(straddle & (mx[:, None] < xcross), axis=1) % 2) == 1

    keep = np.where(shared, same_way & keep_shared, inside)
    sx0 = a[s_edge, 0] + s_lo * d[s_edge, 0]
    sy0 = a[s_edge, 1] + s_lo * d[s_edge, 1]
    sx1 = a[s_edge, 0] + s_hi * d[s_edge, 0]
    sy1 = a[s_edge, 1] + s_hi * d[s_edge, 1]
    return float(np.sum(_cross(sx0, sy0, sx1, sy1)[keep]))


def _collinear(points: np.ndarray) -> bool:
    """All vertices on one line: a degenerate polygon of zero area (it intersects nothing)."""
    d = points[1:] - points[0]
    return bool(np.all(_cross(d[:1, 0], d[:1, 1], d[:, 0], d[:, 1]) == 0)) if np.any(d[0] != 0) else True


def _oriented(points: np.ndarray, name: str) -> np.ndarray:
    check_simple(points, name)
    return points if signed_area(points) > 0 else points[::-1]


def intersection_area(p: Any, q: Any, *, names: tuple = ("a", "b")) -> float:
    """Area of the intersection of two simple polygons given as ``(K, 2)`` vertex sequences."""
    p = as_polygon(p, names[0])
    q = as_polygon(q, names[1])
    if _collinear(p) or _collinear(q):
        return 0.0
    p, q = _oriented(p, names[0]), _oriented(q, names[1])
    lo = np.minimum(p.min(axis=0), q.min(axis=0))
    hi = np.maximum(p.max(axis=0), q.max(axis=0))
    plo, phi, qlo, qhi = p.min(axis=0), p.max(axis=0), q.min(axis=0), q.max(axis=0)
    if np.any(plo >= qhi) or np.any(qlo >= phi):
        return 0.0
    origin = 0.5 * (lo + hi)
    p, q = p - origin, q - origin
    twice = _boundary_inside(p, q, keep_shared=True) + _boundary_inside(q, p, keep_shared=False)
    return max(0.0, 0.5 * twice)


def polygon_area(points: Any, name: str = "points") -> float:
    """Unsigned area of a polygon."""
    return abs(signed_area(as_polygon(points, name)))
