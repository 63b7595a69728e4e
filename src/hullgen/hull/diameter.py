"""Exact diameter of a point set (= the diameter of its convex hull), without all the pairs.

Rows are centred and sorted by radius (distance from the mean), largest first, and cut into
blocks (:mod:`hullgen.hull.diameter_bounds`). Block pairs are visited best first, by the
radius bound (r_A + r_B)^2 of their largest radii, and the search stops at the first whose
bound cannot reach the best squared distance decided so far. Within a block pair, rows
whose radius cannot reach it are dropped; the projection bound on the top principal
directions drops the pairs it rules out; the float32 products screen the rest; and every
pair that the products' a-priori error leaves in reach of the best is decided in float64,
from the input rows. So the diameter is exact, and it is the largest pair in float64 (the
first in row order among equals), as an all-pairs search would return it.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from hullgen.hull.diameter_bounds import PASS_VALUES, DiameterRows, centred_rows
from hullgen.hull.inputs import as_matrix, check_finite

# Rows per block: the bounds prune block by block, so smaller blocks prune finer, down to
# where the products' and the compiled passes' fixed costs show (on rows of equal radius,
# 1,024 took half the time of 4,096; benchmarks/README.md has the diameter's timings).
BLOCK = 1024


@dataclass
class DiameterSearch:
    """What :func:`diameter_search` found, and how much of the work it did.

    ``diameter`` is the distance between input rows ``i`` < ``j``. Block pairs are pairs
    (A, B), A <= B, of the ``block``-row blocks in radius order; a multiplied one had float32
    products computed. ``row_pairs_multiplied`` counts those products (the seed's included;
    a block with itself counts every ordered pair), ``pairs_decided`` the pairs computed
    in float64.
    """

    diameter: float
    i: int
    j: int
    n: int
    block: int
    projection_dims: int
    block_pairs: int
    block_pairs_multiplied: int
    row_pairs_multiplied: int
    pairs_decided: int

    @property
    def multiplied_share(self) -> float:
        """Share of the block pairs whose products were computed."""
        return self.block_pairs_multiplied / max(1, self.block_pairs)

    @property
    def row_pair_share(self) -> float:
        """Row pairs multiplied, as a share of all n (n - 1) / 2."""
        return self.row_pairs_multiplied / max(1, self.n * (self.n - 1) // 2)


class _Search:
    """The best pair so far (float64, lexicographically first among equals), and counts."""

    def __init__(self, points, rows: DiameterRows):
        self.points, self.rows = points, rows
        self.best, self.i, self.j = -np.inf, 0, 1
        self.multiplied = self.row_pairs = self.decided = 0

    @property
    def best_scaled(self) -> float:
        """The best squared distance in the units of the bounds (exact: a power of 4)."""
        return self.best * self.rows.unit**2

    def screen(self, P: np.ndarray, Q: np.ndarray, same: bool) -> bool:
        """Screen the pairs of rows (P[a], Q[b]) (``same``: P is Q, each pair once) and
        decide those in reach of the best; whether products were computed."""
        first, second, products = self.rows.screen(P, Q, same, self.best_scaled)
        self.row_pairs += products
        if len(first):
            self.decide(first, second)
        return products > 0

    def decide(self, first: np.ndarray, second: np.ndarray) -> None:
        """Squared distances of input rows (first[m], second[m]) in float64 from the input's
        rows; keep the largest (the first (i, j), i < j, among equals)."""
        low, high = np.minimum(first, second), np.maximum(first, second)
        needed = np.unique(np.concatenate([low, high]))
        gathered = np.asarray(self.points[needed], dtype=np.float64)
        at_low, at_high = np.searchsorted(needed, low), np.searchsorted(needed, high)
        step = max(1, PASS_VALUES // max(1, gathered.shape[1]))
        for start in range(0, len(low), step):
            part = slice(start, start + step)
            diff = gathered[at_low[part]] - gathered[at_high[part]]
            squared = np.einsum("ij,ij->i", diff, diff)
            top = float(squared.max())
            if top < self.best:
                continue
            tied = np.flatnonzero(squared == top)
            first_tied = tied[np.lexsort((high[part][tied], low[part][tied]))[0]]
            pair = (int(low[part][first_tied]), int(high[part][first_tied]))
            if top > self.best or pair < (self.i, self.j):
                self.best, (self.i, self.j) = top, pair
        self.decided += len(low)


def diameter_search(points, block: int = BLOCK) -> DiameterSearch:
    """The exact diameter of the rows of ``points``, the pair, and the work done.

    Parameters
    ----------
    points : array_like, shape (n, d)
        Real rows (any integer or float dtype; a memory map is read in row blocks).
    block : int
        Rows per block: the products are computed on blocks of up to ``block`` x ``block``
        pairs, and the bounds decide which blocks are multiplied.

    Returns
    -------
    DiameterSearch
        The diameter and its pair (as :func:`hull_diameter`), the numbers of block pairs
        in all and multiplied, of row pairs multiplied and of pairs decided in float64.

    Examples
    --------
    >>> found = diameter_search([[0, 0], [3, 4], [1, 1]])
    >>> found.diameter, found.i, found.j, found.block_pairs_multiplied
    (5.0, 0, 1, 1)
    """
    if block < 1:
        raise ValueError(f"block must be at least 1, got {block}")
    points = as_matrix(points, "training")
    check_finite(points, "training")
    n = len(points)
    if n == 0:
        raise ValueError("the point set is empty")
    if n == 1:
        return DiameterSearch(0.0, 0, 0, 1, block, 0, 0, 0, 0, 0)
    rows = centred_rows(points)
    search = _Search(points, rows)
    k = rows.projected32.shape[1]
    # The rows at both ends of each top direction: the farthest pair is often among them,
    # and a good best early is what lets the bounds prune.
    ends = np.concatenate([rows.projected32.argmin(axis=0), rows.projected32.argmax(axis=0)])
    seed = np.unique(ends)
    search.screen(seed, seed, same=True)
    starts = np.arange(0, n, block)
    largest = rows.radius[starts]
    # A k-way merge of the block pairs by bound: row A's pairs (A, B) fall as B grows, and
    # row A + 1 joins when (A, A) is taken, its pairs never above that one.
    heap = [(-4 * largest[0] ** 2, 0, 0)]
    while heap:
        negative_bound, a, b = heapq.heappop(heap)
        if a == b and a + 1 < len(starts):
            heapq.heappush(heap, (-4 * largest[a + 1] ** 2, a + 1, a + 1))
        if b + 1 < len(starts):
            heapq.heappush(heap, (-((largest[a] + largest[b + 1]) ** 2), a, b + 1))
        if -negative_bound + rows.radius_error < search.best_scaled:
            break  # every pair left is bounded lower
        if search.screen(*_reaching(rows, search.best_scaled, starts, block, a, b), a == b):
            search.multiplied += 1
    return DiameterSearch(
        diameter=float(np.sqrt(search.best)),
        i=search.i,
        j=search.j,
        n=n,
        block=block,
        projection_dims=k,
        block_pairs=len(starts) * (len(starts) + 1) // 2,
        block_pairs_multiplied=search.multiplied,
        row_pairs_multiplied=search.row_pairs,
        pairs_decided=search.decided,
    )


def _reaching(rows: DiameterRows, best: float, starts, block: int, a: int, b: int):
    """The rows of blocks a and b whose radius can reach ``best`` with the other block's
    largest radius: a prefix of each block, since radii fall along it."""
    n = len(rows.radius)
    spans = []
    for this, other in ((a, b), (b, a)):
        radii = rows.radius[starts[this] : min(n, starts[this] + block)]
        reach = np.square(radii + rows.radius[starts[other]]) + rows.radius_error >= best
        spans.append(rows.order[starts[this] : starts[this] + int(reach.sum())])
    return spans


def hull_diameter(points, block: int = BLOCK) -> tuple[float, int, int]:
    """Return (diameter, i, j): the largest distance between two rows, and the pair.

    Exact: every pair that the bounds and the float32 products leave in reach of the largest
    is decided in float64 from the input rows (see :func:`diameter_search`, which also
    says how many products it computed). Sub-quadratic in practice: row blocks are visited
    by radius, largest first, and only block pairs whose bound can reach the best are
    multiplied. Memory: one float32 centred copy of the rows, plus O(block^2 + n k + d^2).

    Parameters
    ----------
    points : array_like, shape (n, d)
        Real rows (any integer or float dtype); a memory map is read in row blocks.
    block : int
        Rows per block of the float32 products.

    Returns
    -------
    tuple of (float, int, int)
        The diameter and the rows ``i < j`` at that distance (the first such pair in row
        order when several are); ``(0.0, 0, 0)`` for a single row.

    Raises
    ------
    ValueError
        For anything but a 2-d array of real numbers, an empty one, a row holding NaN or
        Inf (named by row and column: a diameter of such rows would be NaN, not an answer),
        or a block below 1.

    Examples
    --------
    >>> hull_diameter([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    (5.0, 0, 1)
    """
    found = diameter_search(points, block)
    return found.diameter, found.i, found.j
