"""iou / iou_matrix for boxes, and exact polygon intersection against an independent triangulate-and-clip reference."""
import warnings

import numpy as np
import pytest

from kolena_lab.metrics import InputValidationError, intersection_area, iou, iou_matrix, polygon_area

from ._helpers import Box


def shoelace(p):
    p = np.asarray(p, dtype=float)
    return 0.5 * float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))


def ccw(p):
    return list(p) if shoelace(p) > 0 else list(p)[::-1]


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def ear_clip(poly):
    """Triangles of a simple CCW polygon (O(n^3) ear clipping; test-sized inputs only)."""
    pts, tris = list(poly), []
    while len(pts) > 3:
        n = len(pts)
        for i in range(n):
            a, b, c = pts[i - 1], pts[i], pts[(i + 1) % n]
            if cross(a, b, c) <= 0:
                continue
            others = [p for p in pts if p not in (a, b, c)]
            if any(cross(a, b, p) >= 0 and cross(b, c, p) >= 0 and cross(c, a, p) >= 0 for p in others):
                continue
            tris.append((a, b, c))
            pts.pop(i)
            break
        else:
            raise AssertionError("no ear found")
    tris.append(tuple(pts))
    return tris


def clip_convex(subject, clip):
    """Sutherland-Hodgman: the part of convex ``subject`` inside convex CCW ``clip``."""
    out = list(subject)
    for i in range(len(clip)):
        a, b = clip[i], clip[(i + 1) % len(clip)]
        inp, out = out, []
        for j in range(len(inp)):
            p, q = inp[j], inp[(j + 1) % len(inp)]
            pin, qin = cross(a, b, p) >= 0, cross(a, b, q) >= 0
            if pin:
                out.append(p)
            if pin != qin:
                d1, d2 = cross(a, b, p), cross(a, b, q)
                t = d1 / (d1 - d2)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        if not out:
            return []
    return out


def reference_intersection(p, q):
    total = 0.0
    for s in ear_clip(ccw(p)):
        for t in ear_clip(ccw(q)):
            piece = clip_convex(s, t)
            if len(piece) >= 3:
                total += abs(shoelace(piece))
    return total


def star(rng, n, center, radius):
    angles = (np.arange(n) + rng.uniform(0, 0.9, n)) * 2 * np.pi / n  # gaps < pi: a simple star-shaped polygon
    radii = rng.uniform(0.3, 1.0, n) * radius
    pts = [(float(center[0] + r * np.cos(a)), float(center[1] + r * np.sin(a))) for a, r in zip(angles, radii)]
    return pts if rng.random() < 0.5 else pts[::-1]  # both orientations


def test_box_closed_form():
    assert iou([0, 0, 10, 10], [5, 5, 15, 15]) == pytest.approx(25 / 175)
    assert iou([0, 0, 10, 10], [10, 0, 20, 10]) == 0.0  # touching
    assert iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0  # degenerate
    assert iou(Box((0, 0), (2, 2)), [1, 0, 3, 2]) == pytest.approx(2 / 6)
    assert iou([0.5, 0.5, 1.5, 1.5], [1.0, 1.0, 2.0, 2.0]) == pytest.approx(0.25 / 1.75)


def test_iou_matrix_equals_scalar_iou():
    rng = np.random.default_rng(0)
    a = np.sort(rng.integers(0, 20, (30, 2, 2)), axis=1).transpose(0, 2, 1).reshape(30, 4)[:, [0, 2, 1, 3]]
    b = np.sort(rng.integers(0, 20, (20, 2, 2)), axis=1).transpose(0, 2, 1).reshape(20, 4)[:, [0, 2, 1, 3]]
    m = iou_matrix(a, b)
    assert m.shape == (30, 20)
    expected = np.array([[iou(list(x), list(y)) for y in b] for x in a])
    np.testing.assert_array_equal(m, expected)
    assert iou_matrix(np.zeros((0, 4)), b).shape == (0, 20)
    assert iou_matrix([Box((0, 0), (1, 1))], [[0, 0, 1, 1]])[0, 0] == 1.0


@pytest.mark.parametrize("seed", range(60))
def test_polygon_intersection_equals_reference(seed):
    rng = np.random.default_rng(seed)
    n1, n2 = int(rng.integers(3, 11)), int(rng.integers(3, 11))
    p = star(rng, n1, rng.uniform(0, 4, 2), rng.uniform(1, 5))
    q = star(rng, n2, rng.uniform(0, 4, 2), rng.uniform(1, 5))
    ref = reference_intersection(p, q)
    assert intersection_area(p, q) == pytest.approx(ref, rel=1e-9, abs=1e-9)
    union = abs(shoelace(p)) + abs(shoelace(q)) - ref
    assert iou(p, q) == pytest.approx(ref / union, rel=1e-9, abs=1e-12)


SHARED_EDGE_CASES = [
    # L-shape and a square sharing two edges (same direction on the boundary)
    ([(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)], [(0, 0), (2, 0), (2, 2), (0, 2)], 4.0),
    # a square in the notch of an L: two shared edges with opposite orientation, no overlap
    ([(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)], [(2, 2), (4, 2), (4, 4), (2, 4)], 0.0),
    # a block in a U's notch, overlapping one prong: shared edges of both orientations
    ([(0, 0), (6, 0), (6, 4), (4, 4), (4, 2), (2, 2), (2, 4), (0, 4)], [(1, 2), (4, 2), (4, 6), (1, 6)], 2.0),
    ([(0, 0), (6, 0), (6, 4), (4, 4), (4, 2), (2, 2), (2, 4), (0, 4)], [(1, 1), (4, 1), (4, 6), (1, 6)], 5.0),
    # squares side by side: shared edge with opposite orientation, no overlap
    ([(0, 0), (2, 0), (2, 2), (0, 2)], [(2, 0), (4, 0), (4, 2), (2, 2)], 0.0),
    # identical concave polygons
    ([(0, 0), (4, 0), (4, 4), (2, 1), (0, 4)], [(0, 0), (4, 0), (4, 4), (2, 1), (0, 4)], 10.0),
    # U-shape and a bar across its prongs
    ([(0, 0), (6, 0), (6, 4), (4, 4), (4, 2), (2, 2), (2, 4), (0, 4)], [(-1, 3), (7, 3), (7, 5), (-1, 5)], 4.0),
    # vertex of one polygon exactly on the edge of the other
    ([(0, 0), (4, 0), (4, 4), (0, 4)], [(2, 4), (4, 6), (0, 6)], 0.0),
    ([(0, 0), (4, 0), (4, 4), (0, 4)], [(2, 2), (6, 2), (6, 6), (2, 6)], 4.0),
]


@pytest.mark.parametrize("p, q, expected", SHARED_EDGE_CASES)
def test_polygon_degenerate_contacts(p, q, expected):
    assert intersection_area(p, q) == pytest.approx(expected, abs=1e-12)
    assert intersection_area(q, p) == pytest.approx(expected, abs=1e-12)
    assert intersection_area(p, q) == pytest.approx(reference_intersection(p, q), abs=1e-9)


def test_box_as_polygon_matches_box_iou():
    rng = np.random.default_rng(1)
    for _ in range(50):
        a = sorted(rng.uniform(0, 10, 2)) + sorted(rng.uniform(0, 10, 2))
        b = sorted(rng.uniform(0, 10, 2)) + sorted(rng.uniform(0, 10, 2))
        a = [a[0], a[2], a[1], a[3]]
        b = [b[0], b[2], b[1], b[3]]
        poly = [(b[0], b[1]), (b[2], b[1]), (b[2], b[3]), (b[0], b[3])]
        assert iou(a, poly) == pytest.approx(iou(a, b), rel=1e-9, abs=1e-12)


def test_polygon_area_and_zero_area_polygon():
    assert polygon_area([(0, 0), (3, 0), (3, 2)]) == 3.0
    assert iou([(0, 0), (1, 0), (2, 0)], [0, 0, 1, 1]) == 0.0  # collinear "polygon": no area


@pytest.mark.parametrize("a, b, match", [
    ([5, 0, 1, 1], [0, 0, 1, 1], "x2 < x1"),
    ([0, 0, 1, float("nan")], [0, 0, 1, 1], "NaN"),
    ([0, 0, 1], [0, 0, 1, 1], "neither|must be"),
    ([(0, 0), (2, 2), (2, 0), (0, 2)], [0, 0, 1, 1], "simple"),  # bow-tie
    ([(0, 0), (1, 1)], [0, 0, 1, 1], "must be"),
    ("abc", [0, 0, 1, 1], "neither|must be"),
])
def test_bad_geometry(a, b, match):
    with pytest.raises(InputValidationError, match=match):
        iou(a, b)


def test_iou_matrix_bad_input():
    with pytest.raises(InputValidationError, match="a_boxes"):
        iou_matrix([[0, 0, 1]], [[0, 0, 1, 1]])
    with pytest.raises(InputValidationError, match="b_boxes"):
        iou_matrix([[0, 0, 1, 1]], [[2, 0, 1, 1]])


def test_polygon_many_vertices():
    rng = np.random.default_rng(7)
    p = star(rng, 40, (0.0, 0.0), 5.0)
    q = star(rng, 33, (1.5, -1.0), 4.0)
    assert intersection_area(p, q) == pytest.approx(reference_intersection(p, q), rel=1e-9)


def test_boxes_whose_areas_overflow_have_iou_zero_without_warnings():
    huge = [0.0, 0.0, 1e200, 1e200]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from numpy
        assert iou(huge, huge) == 0.0  # degenerate, as a box of area 0 is
        assert iou_matrix([huge, [0, 0, 2, 2]], [huge]).tolist() == [[0.0], [0.0]]
