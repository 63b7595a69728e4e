"""The hull solver against independent solutions (a full HiGHS QP per point, scipy's LP)."""

import itertools

import numpy as np
import pytest

from hullgen.hull import HullDistance
from hullgen.hull.naive import membership_lp

from .helpers.hull import check_against_reference, pool_loop_hands_back, reference_distance


@pytest.mark.parametrize(("n", "d"), [(200, 10), (40, 80), (500, 3), (60, 60)])
def test_random_points_outside(n, d):
    rng = np.random.default_rng(n * 1000 + d)
    train = rng.normal(size=(n, d))
    queries = rng.normal(size=(8, d)) * 2.5 + 0.3
    result = HullDistance(train, k_seed=8, add_per_round=4, candidates=16).query(queries)
    check_against_reference(train, queries, result, inside_ok=d <= 3)


def test_points_inside_are_confirmed_by_the_lp():
    rng = np.random.default_rng(3)
    train = rng.normal(size=(150, 6))
    weights = rng.dirichlet(np.ones(150), size=5)
    queries = weights @ train  # convex combinations: inside by construction
    result = HullDistance(train).query(queries)
    assert list(result.status) == ["inside"] * 5
    assert np.all(result.distance == 0) and np.all(result.lower_bound == 0)
    assert all(s == "Optimal" for s in result.lp_status)
    for i, x in enumerate(queries):
        idx, w = result.support(i)
        np.testing.assert_allclose(w @ train[idx], x, atol=1e-6)


def _cube(d):
    corners = np.array(np.meshgrid(*[[0.0, 1.0]] * d, indexing="ij")).reshape(d, -1).T
    return corners


def test_face_vertex_and_known_distances():
    d = 4
    train = np.vstack([_cube(d), np.full((3, d), 0.5)])  # interior points too
    on_face = np.array([0.5, 0.5, 0.5, 1.0])
    above_face = np.array([0.5, 0.25, 0.5, 1.3])  # distance 0.3 to the face x_4 = 1
    at_vertex = np.ones(d)
    beyond_vertex = np.array([1.2, 1.1, 1.0, 1.4])  # nearest point is the vertex (1,1,1,1)
    queries = np.vstack([on_face, above_face, at_vertex, beyond_vertex])
    result = HullDistance(train, k_seed=3, add_per_round=2).query(queries)
    assert result.status[0] == "inside" and result.status[2] == "inside"
    assert result.status[1] == "certified"
    assert abs(result.distance[1] - 0.3) <= 1e-12
    assert abs(result.distance[3] - np.linalg.norm([0.2, 0.1, 0.0, 0.4])) <= 1e-12
    idx, w = result.support(3)
    np.testing.assert_allclose(w @ train[idx], at_vertex, atol=1e-12)
    check_against_reference(train, queries, result, inside_ok=True)


def test_duplicate_training_points():
    rng = np.random.default_rng(4)
    base = rng.normal(size=(30, 12))
    train = np.vstack([base, base, base[:10]])  # rank-deficient restricted problems
    queries = rng.normal(size=(6, 12)) * 3
    result = HullDistance(train, k_seed=20).query(queries)
    check_against_reference(train, queries, result)


def test_one_training_point():
    train = np.array([[1.0, 2.0, 3.0]])
    queries = np.array([[1.0, 2.0, 3.0], [4.0, 6.0, 3.0]])
    result = HullDistance(train).query(queries)
    assert result.status[1] == "certified" and result.distance[1] == pytest.approx(5.0, rel=1e-15)
    assert result.lower_bound[1] == pytest.approx(5.0, rel=1e-9)
    assert result.status[0] == "inside" and result.distance[0] == 0.0
    assert result.nn_index.tolist() == [0, 0]


def test_invariance_under_permutation_and_translation():
    rng = np.random.default_rng(5)
    train = rng.normal(size=(300, 20)) * 10
    queries = rng.normal(size=(10, 20)) * 25
    base = HullDistance(train).query(queries)
    perm = rng.permutation(len(train))
    shifted = rng.normal(size=20) * 1e3
    moved = HullDistance(train[perm] + shifted).query(queries + shifted)
    np.testing.assert_allclose(moved.distance, base.distance, rtol=1e-9)
    assert np.all(moved.status == base.status)
    # The same training points, under their new numbering.
    np.testing.assert_array_equal(perm[moved.nn_index], base.nn_index)


def test_batches_and_shards_do_not_change_results():
    rng = np.random.default_rng(6)
    train = rng.normal(size=(800, 30))
    queries = rng.normal(size=(40, 30)) * 2
    whole = HullDistance(train).query(queries)
    pieces = [HullDistance(train).query(queries[a:b]) for a, b in [(0, 7), (7, 25), (25, 40)]]
    small_batches = HullDistance(train, memory_budget=train.size * 4 + 2**20).query(queries)
    for other in (np.concatenate([p.distance for p in pieces]), small_batches.distance):
        np.testing.assert_allclose(other, whole.distance, rtol=1e-9, atol=0)


def _starved(train, **options):
    """A solver given far too little column generation to finish on its own."""
    return HullDistance(
        train, k_seed=2, add_per_round=1, candidates=4, max_rounds=1, max_inner=1, **options
    )


def test_queries_left_open_keep_their_bounds():
    """Without settling, a query left open is ``separated`` when pricing already found a
    positive lower bound, else ``not_converged``; both keep bracketing bounds."""
    rng = np.random.default_rng(7)
    train = rng.normal(size=(2000, 40))
    queries = rng.normal(size=(12, 40)) * 1.5
    result = _starved(train, settle=False).query(queries)
    assert len(result) == 12
    stuck = np.flatnonzero(np.isin(result.status, ["separated", "not_converged"]))
    assert len(stuck) > 0
    assert (result.lower_bound[result.status == "separated"] > 0).all()
    assert (result.lower_bound[result.status == "not_converged"] == 0).all()
    for i in stuck:
        ref = reference_distance(train, queries[i])
        assert result.lower_bound[i] <= ref * (1 + 1e-9)
        assert ref <= result.distance[i] * (1 + 1e-9)
        assert result.relative_gap()[i] > 1e-6


def test_the_separating_lp_settles_every_query_left_open():
    """The same starved solver, now settling: no query undecided, each outside one with a
    positive certified lower bound below the true distance (and at least the distance over
    sqrt(d): the LP's hyperplane has |w_j| <= 1 and margin >= the L1 distance)."""
    rng = np.random.default_rng(7)
    d = 40
    train = rng.normal(size=(2000, d))
    queries = rng.normal(size=(12, d)) * 1.5
    result = _starved(train).query(queries)
    assert "not_converged" not in set(result.status)
    for i, x in enumerate(queries):
        ref = reference_distance(train, x)
        if result.status[i] == "inside":
            assert membership_lp(train, x)[0]
            continue
        assert result.status[i] in ("certified", "separated")
        assert ref / np.sqrt(d) * (1 - 1e-6) <= result.lower_bound[i] <= ref * (1 + 1e-9)
        assert ref <= result.distance[i] * (1 + 1e-9)
        idx, weights = result.support(i)
        assert abs(np.linalg.norm(x - weights @ train[idx]) - result.distance[i]) <= 1e-9 * ref


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
@pytest.mark.parametrize("d", [20, 50])
def test_points_a_hair_from_the_boundary_on_both_sides(d, precision):
    """Points 1e-4 (relative to the data's scale) outside and inside the hull's boundary, in
    20 and 50 dimensions: each is decided, on its own side, whatever column generation
    manages alone (with the passes in float32 and in bfloat16)."""
    if precision == "bfloat16":
        pytest.importorskip("torch")
    rng = np.random.default_rng(d)
    train = rng.normal(size=(400, d))
    far = rng.normal(size=(4, d)) * 3
    projections = HullDistance(train).query(far, return_projections=True).projections
    normals = far - projections
    normals /= np.linalg.norm(normals, axis=1)[:, None]
    step = 1e-4 * np.abs(train).max()
    # Outside: p + step * n has p as its projection (n is normal to the hull at p). Inside:
    # a step from p toward the training mean, in the hull by convexity.
    toward_mean = train.mean(axis=0) - projections
    toward_mean /= np.linalg.norm(toward_mean, axis=1)[:, None]
    queries = np.vstack([projections + step * normals, projections + step * toward_mean])
    # One pricing round and one restricted solve per pool (two of each were enough to decide
    # them all once the restricted solver became exact Wolfe).
    starved = {"max_rounds": 1, "max_inner": 1}
    # Column generation alone leaves some of them undecided when starved ...
    alone = HullDistance(train, settle=False, **starved).query(queries)
    assert "not_converged" in set(alone.status)
    # ... and the separating LP decides them.
    for options in ({}, starved):
        result = HullDistance(train, precision=precision, **options).query(queries)
        assert "not_converged" not in set(result.status), (options, result.status)
        for i in range(4):  # outside, at distance step
            assert result.status[i] in ("certified", "separated"), result.status
            assert 0 < result.lower_bound[i] <= step * (1 + 1e-6)
            assert result.distance[i] >= step * (1 - 1e-6)
        for i in range(4, 8):  # just inside
            assert result.status[i] == "inside", result.status
            assert membership_lp(train, queries[i])[0]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_name_the_row(bad):
    train = np.ones((5, 3))
    train[3, 1] = bad
    with pytest.raises(ValueError, match=r"training set row 3 contains"):
        HullDistance(train)
    queries = np.zeros((4, 3))
    queries[2, 0] = bad
    with pytest.raises(ValueError, match=r"query set row 2 contains"):
        HullDistance(np.eye(3)).query(queries)


def test_shape_errors():
    with pytest.raises(ValueError, match="empty"):
        HullDistance(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="2-d"):
        HullDistance(np.zeros(4))
    with pytest.raises(ValueError, match="3 columns but the training set has 4"):
        HullDistance(np.eye(4)).query(np.zeros((2, 3)))


def test_integer_inputs_and_projections():
    train = np.array([[0, 0], [4, 0], [0, 4]], dtype=np.uint8)
    result = HullDistance(train).query(np.array([[4, 4]], dtype=np.int64), return_projections=True)
    assert result.distance[0] == pytest.approx(np.sqrt(8), rel=1e-12)
    np.testing.assert_allclose(result.projections[0], [2.0, 2.0], atol=1e-12)


def test_separate_stops_at_the_first_rows_that_hold_the_point():
    """A point in the hull of the starting rows (delta = 0 there) goes straight to the
    membership LP: one LP solve, inside, and weights that reproduce it. (Adding rows cannot
    separate it; before this was handled, the row generation ran into HiGHS's time limit.)"""
    from hullgen.hull.highs import new_highs
    from hullgen.hull.rows import TrainingRows
    from hullgen.hull.separate import separate

    rng = np.random.default_rng(11)
    train = rng.normal(size=(3000, 30))
    rows = TrainingRows(train, np.zeros(30))
    x = 0.3 * train[0] + 0.7 * train[1]
    found = separate(new_highs(10.0), rows, x, np.arange(40), error=0.0)
    assert found.inside and found.rounds == 1 and found.lower_bound == 0.0
    np.testing.assert_allclose(found.weights @ train[found.rows], x, atol=1e-6)
    # Outside the hull, the bound it certifies lies below the true distance.
    y = train[0] + 10 * (train[0] - train.mean(axis=0))
    outside = separate(new_highs(10.0), rows, y, np.arange(40), error=0.0)
    assert not outside.inside
    assert 0 < outside.lower_bound <= reference_distance(train, y) * (1 + 1e-9)


def test_supports_larger_than_the_candidate_pool_need_no_exact_pass(monkeypatch):
    """Support points tie at the maximum of w.t, so a pricing pass keeping fewer candidates
    than the support cannot certify in float32; the pass keeps twice the support instead of
    falling back to a float64 pass over the whole training set (4,096-d features, supports of
    ~200, made every round such a pass before)."""
    from hullgen.hull.rows import TrainingRows

    exact_passes = []
    dot = TrainingRows.dot
    monkeypatch.setattr(TrainingRows, "dot", lambda self, w: exact_passes.append(1) or dot(self, w))
    rng = np.random.default_rng(0)
    train = np.maximum(rng.normal(size=(2000, 200)), 0)  # ReLU features: large supports
    queries = np.maximum(rng.normal(size=(5, 200)), 0)
    result = HullDistance(train, candidates=16, add_per_round=16, k_seed=16).query(queries)
    assert (result.support_size > 16).all()  # the case this is about
    assert not exact_passes
    check_against_reference(train, queries, result)


@pytest.mark.parametrize("reserve", [1, 2])
def test_near_ties_are_settled_by_the_passs_reserve(monkeypatch, reserve):
    """A pass whose first candidates cannot settle the maximum (a band of near-ties half as
    wide again as they are) gathers its reserve, not a float64 pass over every row; without
    a reserve the float64 pass is what settles it. The results are the reference's."""
    from hullgen.hull import solver
    from hullgen.hull.products import TrainingProducts
    from hullgen.hull.rows import TrainingRows

    rng = np.random.default_rng(8)
    train = rng.normal(size=(1500, 12))
    queries = rng.normal(size=(6, 12)) * 2.5
    centred = train - train.mean(axis=0)

    def banded(self, w, k, offsets, rows=(0, 1)):
        """Exact ranks, and a bound on the rows left out as loose as a band of 1.5 x the
        candidates gathered (sound: every bound is the row's exact value plus a margin)."""
        values = w @ centred.T
        order = np.argsort(-values, axis=1, kind="stable")
        ranked = np.take_along_axis(values, order, 1)
        band = int(1.5 * (k // solver.RESERVE))
        return order[:, :k], ranked[:, :k], ranked[:, 0] - ranked[:, band]

    exact_passes = []
    dot = TrainingRows.dot
    monkeypatch.setattr(TrainingRows, "dot", lambda self, w: exact_passes.append(1) or dot(self, w))
    monkeypatch.setattr(TrainingProducts, "top_prices", banded)
    monkeypatch.setattr(solver, "RESERVE", reserve)
    # 64 candidates, more than twice any support in 12-d: every query gathers 64.
    result = HullDistance(train, k_seed=8, add_per_round=8, candidates=64).query(queries)
    assert (len(exact_passes) > 0) == (reserve == 1)
    check_against_reference(train, queries, result)


@pytest.mark.parametrize("k", [1, 7, 64, 300])
@pytest.mark.parametrize("subset", [(0, 1), (0, 10), (1, 5), (3, 7)])
def test_the_blocked_top_products_are_those_of_a_full_sort(k, subset):
    """Blocks merged by the running selection against one stable sort of every product (ties
    included: integer data), for both passes; lower index first among equals. A subset pass
    (training rows first, first + stride, ...) against the same sort of those rows alone,
    its indices those of the whole training set."""
    from hullgen.hull.products import TrainingProducts
    from hullgen.hull.rows import TrainingRows

    rng = np.random.default_rng(3)
    train = rng.integers(0, 4, size=(250, 6)).astype(float)
    rows = TrainingRows(train, np.zeros(6))
    products = TrainingProducts(rows, block_rows=40)
    queries = rng.integers(0, 3, size=(9, 6)).astype(float)
    first, stride = subset
    kept = np.arange(first, len(train), stride)
    for sq_distance, score in (
        (False, queries @ train[kept].T),
        (True, -((queries[:, None, :] - train[kept][None]) ** 2).sum(-1)),
    ):
        idx, values = products.top_products(queries, k, sq_distance, rows=subset)
        expected = np.argsort(-score, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(idx, kept[expected])
        best = np.take_along_axis(score, expected, 1)
        np.testing.assert_array_equal(values, -best if sq_distance else best)


def test_subset_passes_run_where_a_pass_is_dear():
    """A subset pass needs SUBSET_ROWS_PER_CANDIDATE bfloat16-equivalent rows per candidate
    in its subset; a float32 row on the CPU counts FLOAT32_CPU_PASS_COST of them."""
    from hullgen.hull import plan

    need = plan.SUBSET_ROWS_PER_CANDIDATE * 32
    both = [(0, 10), (1, 5)]
    for cost in (1, plan.FLOAT32_CPU_PASS_COST):
        rows = -(-need // cost)  # a subset's rows
        for n, made in ((10 * rows - 10, [(1, 5)]), (10 * rows - 9, both), (1500, [])):
            assert plan.subset_passes(n, cost, 32) == made, (n, cost)
    # The solver counts its own passes' cost.
    n = 10 * -(-need // plan.FLOAT32_CPU_PASS_COST) - 9
    train = np.zeros((n, 1))
    assert HullDistance(train, candidates=32, precision="float32").subset_passes == both
    assert HullDistance(train, candidates=32, precision="bfloat16").subset_passes == []


def test_default_candidates_follow_the_cost_of_a_pass():
    """64 candidates, or 128 from LARGE_PASS_ROWS bfloat16-equivalent rows; given ones stay
    (at least add_per_round)."""
    from hullgen.hull import plan

    few, many = plan.FEW_CANDIDATES, plan.MANY_CANDIDATES
    float32_rows = -(-plan.LARGE_PASS_ROWS // plan.FLOAT32_CPU_PASS_COST)
    for n, precision, expected in (
        (float32_rows - 1, "float32", few),
        (float32_rows, "float32", many),
        (float32_rows, "bfloat16", few),
    ):
        tree = HullDistance(np.zeros((n, 1)), precision=precision)
        assert tree.candidates == expected, (n, precision)
    assert HullDistance(np.zeros((100, 1)), candidates=20, add_per_round=8).candidates == 20
    assert HullDistance(np.zeros((100, 1)), candidates=4, add_per_round=8).candidates == 8


def test_subset_passes_change_no_result(monkeypatch):
    """The subset passes (before the first full pricing pass) run, and the result is the one
    without them: the same statuses, distances within the gap, against the full QP where
    certified (points outside, and inside, which a subset round may already settle)."""
    from hullgen.hull import plan
    from hullgen.hull.products import TrainingProducts

    # A set small enough for the full QP, with subsets made at every size.
    monkeypatch.setattr(plan, "SUBSET_ROWS_PER_CANDIDATE", 1)

    subsets = []
    top_products = TrainingProducts.top_products

    def recorded(self, queries, k, sq_distance, rows=(0, 1)):
        subsets.append(rows)
        return top_products(self, queries, k, sq_distance, rows)

    monkeypatch.setattr(TrainingProducts, "top_products", recorded)
    rng = np.random.default_rng(11)
    train = rng.normal(size=(1500, 25))
    queries = np.vstack([rng.normal(size=(10, 25)) * 1.8, rng.normal(size=(4, 25)) * 0.2])
    options = dict(k_seed=8, add_per_round=8, candidates=32)
    result = HullDistance(train, **options).query(queries)
    assert (0, 10) in subsets and (1, 5) in subsets
    plain = HullDistance(train, subset_passes=(), **options).query(queries)
    np.testing.assert_array_equal(result.status, plain.status)
    assert set(result.status) == {"certified", "inside"}
    np.testing.assert_allclose(result.distance, plain.distance, rtol=1e-6, atol=0)
    check_against_reference(train, queries, result, inside_ok=True)


@pytest.mark.parametrize("k", [1, 5, 200, 2000, 6000])
@pytest.mark.parametrize("order", ["random", "ascending", "descending"])
def test_the_running_top_is_a_stable_sort_whatever_the_blocks(k, order):
    """The compiled selection against numpy's stable sort on values with many ties, signed
    zeros and negatives, in column orders that make it select from its buffer many times
    (ascending: every entry beats the limit) or never, over uneven blocks and over a first
    block large enough for a sampled limit (which ties at the top defeat: the block is then
    scanned again); the norms' adjustment as numpy computes it in float32."""
    from hullgen.hull.topk import RunningTop

    rng = np.random.default_rng(11)
    m, n = 4, 9000
    values = rng.integers(-50, 50, size=(m, n)).astype(np.float32) / np.float32(4)
    values[:, rng.integers(0, n, 300)] = np.float32(-0.0)
    values[1] = rng.normal(size=n).astype(np.float32)  # a row without ties
    values[2, ::2] = np.float32(-0.0)  # zeros of both signs, alternating
    values[2, 1::2] = np.float32(0.0)
    if order != "random":
        values = np.sort(values, axis=1)
        if order == "descending":
            values = values[:, ::-1].copy()
    row_shift = rng.normal(size=m).astype(np.float32)
    col_shift = rng.normal(size=n).astype(np.float32)
    for edges, adjust in itertools.product(
        ([0, 1, 700, 701, 3000, 8999, n], [0, 5000, n]), (False, True)
    ):
        expected_values = values * 2.0 - row_shift[:, None] - col_shift if adjust else values
        top = RunningTop(m, k)
        for lo, hi in itertools.pairwise(edges):
            shifts = (row_shift, col_shift[lo:hi]) if adjust else (None, None)
            top.add(values[:, lo:hi], lo, *shifts)
        idx, got = top.result()
        # Signed zeros compare equal, as in numpy's sort.
        expected = np.argsort(-(expected_values + np.float32(0)), axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(idx, expected)
        np.testing.assert_array_equal(got, np.take_along_axis(expected_values, expected, 1))


@pytest.mark.parametrize("k", [1, 200, 6000])
def test_the_running_top_of_bfloat16_bits_is_that_of_their_float32_values(k):
    """A block given as bfloat16 bits (widened row by row inside the scan) selects exactly
    as the same values given as float32: ties, signed zeros, uneven blocks, a first block
    large enough for a sampled limit."""
    from hullgen.hull.bf16 import from_bfloat16, to_bfloat16
    from hullgen.hull.topk import RunningTop

    rng = np.random.default_rng(12)
    m, n = 3, 9000
    values = rng.normal(size=(m, n)) * 100
    values[0] = np.round(values[0] / 25)  # many ties
    values[1, ::3] = -0.0
    bits = to_bfloat16(values)
    widened = from_bfloat16(bits).astype(np.float32)
    for edges in ([0, 1, 700, 3000, 8999, n], [0, 5000, n]):
        from_bits, from_floats = RunningTop(m, k), RunningTop(m, k)
        for lo, hi in itertools.pairwise(edges):
            from_bits.add_bfloat16(bits[:, lo:hi], lo)
            from_floats.add(widened[:, lo:hi], lo)
        (idx_b, val_b), (idx_f, val_f) = from_bits.result(), from_floats.result()
        np.testing.assert_array_equal(idx_b, idx_f)
        np.testing.assert_array_equal(val_b.view(np.uint32), val_f.view(np.uint32))
        expected = np.argsort(-(widened + np.float32(0)), axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(idx_b, expected)
    with pytest.raises(TypeError, match="uint16"):
        RunningTop(m, k).add_bfloat16(widened, 0)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64, bool])
@pytest.mark.parametrize("layout", ["C", "F", "memmap"])
def test_the_compiled_row_gather_is_numpys(dtype, layout, tmp_path):
    """Rows gathered by the compiled pass equal numpy's float64(rows) - mean bit for bit,
    whatever the stored dtype and layout; slices, negative and out-of-range indices take
    numpy's way (its values and its IndexError)."""
    from hullgen.hull.rows import TrainingRows

    rng = np.random.default_rng(5)
    source = (rng.normal(size=(40, 13)) * 50).astype(dtype)
    if layout == "F":
        source = np.asfortranarray(source)
    elif layout == "memmap":
        np.save(tmp_path / "rows.npy", source)
        source = np.load(tmp_path / "rows.npy", mmap_mode="r")
    mean = rng.normal(size=13)
    rows = TrainingRows(source, mean)
    expected = np.asarray(source, dtype=np.float64) - mean
    vector = rng.normal(size=13) * 30
    for index in (np.array([3, 0, 39, 3]), np.arange(40, dtype=np.uint32), np.array([-1, 2])):
        np.testing.assert_array_equal(rows[index], expected[index])
        # The rows with their products (or squared distances) in one pass.
        taken, products = rows.take(index, vector)
        np.testing.assert_array_equal(taken, expected[index])
        np.testing.assert_allclose(products, expected[index] @ vector, rtol=1e-12, atol=1e-9)
        taken, sq = rows.take(index, vector, squared=True)
        np.testing.assert_array_equal(taken, expected[index])
        np.testing.assert_allclose(sq, ((expected[index] - vector) ** 2).sum(1), rtol=1e-13)
    np.testing.assert_array_equal(rows[5:9], expected[5:9])
    with pytest.raises(IndexError):
        rows[np.array([0, 40])]
    with pytest.raises(IndexError):
        rows.take(np.array([0, 40]), vector)


def test_the_torch_passes_agree_with_the_numpy_passes_and_keep_the_precision_setting():
    """The GPU path's code (torch), run on a torch CPU device ("cpu:0"), against the numpy
    path: the same nearest neighbours and float32 values within the a-priori bound; the
    process's float32 matmul precision is as it was before the pass (the pass itself runs at
    "highest": TF32 would break the certificates' bound)."""
    torch = pytest.importorskip("torch")
    from hullgen.hull.products import TrainingProducts
    from hullgen.hull.rounding import float32_dot_error
    from hullgen.hull.rows import TrainingRows

    rng = np.random.default_rng(8)
    train = rng.normal(size=(3000, 50))
    queries = rng.normal(size=(40, 50)) * 2
    rows = TrainingRows(train, np.zeros(50))
    on_numpy = TrainingProducts(rows, block_rows=700)
    on_torch = TrainingProducts(rows, device="cpu:0", block_rows=700)
    assert not on_torch.on_cpu
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("medium")
    try:
        for sq_distance in (True, False):
            idx_np, val_np = on_numpy.top_products(queries, 64, sq_distance)
            idx_t, val_t = on_torch.top_products(queries, 64, sq_distance)
            assert torch.get_float32_matmul_precision() == "medium"
            bound = float32_dot_error(50) * np.linalg.norm(queries, axis=1).max() * 8
            bound *= np.sqrt((train**2).sum(1).max())
            np.testing.assert_allclose(val_t, val_np, rtol=0, atol=bound)
            if sq_distance:  # distances have no near-ties here: the same neighbours
                np.testing.assert_array_equal(idx_t, idx_np)
    finally:
        torch.set_float32_matmul_precision(before)


def test_the_torch_passes_select_and_order_ties_as_the_numpy_passes():
    """Integer data, so that every product is exact on both paths and ties abound (negative,
    zero and positive values): the torch path (on a torch CPU device) keeps the same entries
    in the same order as the numpy path, larger value first, then lower index, for both
    passes, whole and on a strided subset."""
    pytest.importorskip("torch")
    from hullgen.hull.products import TrainingProducts
    from hullgen.hull.rows import TrainingRows

    rng = np.random.default_rng(12)
    train = rng.integers(-2, 3, size=(700, 5)).astype(float)
    queries = rng.integers(-2, 3, size=(30, 5)).astype(float)
    rows = TrainingRows(train, np.zeros(5))
    on_numpy = TrainingProducts(rows, block_rows=128)
    on_torch = TrainingProducts(rows, device="cpu:0", block_rows=96)
    for subset in ((0, 1), (1, 5)):
        for sq_distance in (False, True):
            for k in (1, 40, 300):
                expected = on_numpy.top_products(queries, k, sq_distance, rows=subset)
                found = on_torch.top_products(queries, k, sq_distance, rows=subset)
                np.testing.assert_array_equal(found[0], expected[0])
                np.testing.assert_array_equal(found[1], expected[1])


@pytest.mark.parametrize(
    ("case", "n", "d"),
    [("outside", 300, 20), ("outside", 80, 50), ("inside", 200, 8), ("duplicates", 120, 30)],
)
def test_the_compiled_pool_loop_is_the_python_loop(case, n, d, monkeypatch):
    rng = np.random.default_rng(n + d)
    train = rng.normal(size=(n, d))
    queries = rng.normal(size=(12, d)) * 2.0
    if case == "inside":  # the distance falls to 0: handed back for the membership LP
        queries[:6] = rng.dirichlet(np.ones(n), size=6) @ train
    if case == "duplicates":  # dependent points: Wolfe's method may hand back
        train = np.concatenate([train, train[:40], train[:40]])
    options = dict(k_seed=8, add_per_round=4, candidates=24)
    compiled = HullDistance(train, **options).query(queries)
    check_against_reference(train, queries, compiled, inside_ok=case == "inside")
    with monkeypatch.context() as patch:
        pool_loop_hands_back(patch)
        python = HullDistance(train, **options).query(queries)
    assert list(compiled.status) == list(python.status)
    np.testing.assert_allclose(compiled.distance, python.distance, rtol=1e-12, atol=1e-12)
    assert np.all(compiled.lower_bound <= python.distance * (1 + 1e-9) + 1e-12)
    np.testing.assert_array_equal(compiled.rounds, python.rounds)
    for i in range(len(queries)):
        assert set(compiled.support(i)[0]) == set(python.support(i)[0]), i


def _grow_reference(x, work, weights, rows, pool_idx, pool_pts, values, threshold, add):
    """What pool.grow must do, in numpy: the violators not yet in the set, largest first
    (the earlier pool position among equals), join the points of positive weight. Returns
    the points added (in order) and, per training index of the new set, its weight and row
    minus ``x``."""
    fresh = [j for j in range(len(pool_idx)) if values[j] > threshold and pool_idx[j] not in work]
    fresh = sorted(fresh, key=lambda j: -values[j])[:add]
    keep = np.flatnonzero(weights > 0)
    members = {int(work[i]): (weights[i], rows[i] - x) for i in keep}
    members.update({int(pool_idx[j]): (0.0, pool_pts[j] - x) for j in fresh})
    return [int(pool_idx[j]) for j in fresh], members


@pytest.mark.parametrize("add", [1, 3, 50])
@pytest.mark.parametrize("room", [0, 2, 60])
def test_the_compiled_growth_is_numpys(add, room):
    """The growth, in place or into a larger buffer (``room`` rows spare), makes the set,
    weights, rows and Gram matrix numpy's does, whatever the order of the points."""
    from hullgen.hull import pool

    rng = np.random.default_rng(add)
    train = rng.normal(size=(40, 6))
    x = rng.normal(size=6)
    work = np.array([3, 7, 11, 20, 21, 25])
    weights = np.array([0.5, 0.0, 0.25, 0.0, 0.125, 0.125])  # dropped points among the kept
    pool_idx = np.array([7, 30, 3, 12, 31, 33, 5, 20, 38])  # some already in the set
    values = rng.integers(0, 4, size=len(pool_idx)).astype(float)  # ties among them
    for threshold in (-1.0, 1.5, 10.0):
        diffs = np.vstack([train[work] - x, np.full((room, 6), np.nan)])
        gram = diffs[: len(work)] @ diffs[: len(work)].T
        added, new_work, new_weights, new_diffs, new_gram = pool.grow(
            x, work, weights, diffs, gram, pool_idx, train[pool_idx], values, threshold, add
        )
        fresh, members = _grow_reference(
            x, work, weights, train[work], pool_idx, train[pool_idx], values, threshold, add
        )
        assert added == len(fresh)
        if not fresh:  # the set is left as it is
            assert new_work is work and new_gram is gram
            continue
        assert list(new_work[-added:]) == fresh
        assert sorted(new_work) == sorted(members)
        rows = new_diffs[: len(new_work)]
        for i, t in enumerate(new_work):
            assert new_weights[i] == members[t][0]
            np.testing.assert_allclose(rows[i], members[t][1], rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(new_gram, rows @ rows.T, rtol=1e-14, atol=1e-14)
        assert len(new_diffs) >= len(new_work)
