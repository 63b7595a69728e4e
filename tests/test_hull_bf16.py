"""The bfloat16 passes: their bounds against float64 products (cases built so that each term
of the bound is needed), and the solver with them against the float32 solver and the full QP."""

import numpy as np
import pytest

from hullgen.hull import HullDistance, bf16, solver
from hullgen.hull.bf16 import BFloat16Rows, from_bfloat16, to_bfloat16
from hullgen.hull.rows import TrainingRows

from .helpers.hull import check_against_reference

torch = pytest.importorskip("torch")


def _passes(train):
    train = np.asarray(train, dtype=np.float64)
    rows = TrainingRows(train, np.zeros(train.shape[1]))
    passes = BFloat16Rows(rows, block_rows=37)
    np.testing.assert_allclose(passes.max_norm, np.linalg.norm(train, axis=1).max(), rtol=1e-14)
    return passes


def _objective(train, queries, nearest):
    values = queries @ train.T
    if nearest:
        values -= 0.5 * np.einsum("ij,ij->i", train, train)[None, :]
    return values


def _check_bounds(train, queries, offsets, k, nearest, rows=(0, 1)):
    """Every row outside a query's first c candidates is within the bound, for every c;
    returns the largest (objective - upper[c - 1]) / error seen (how close the bound came)."""
    passes = _passes(train)
    index, upper, error = passes.top(queries, offsets, k, nearest, rows=rows)
    first, stride = rows
    allowed = np.arange(first, len(train), stride)
    assert np.all(np.isin(index, allowed))
    objective = _objective(np.asarray(train, np.float64), queries, nearest)
    closest = -np.inf
    for j in range(len(queries)):
        assert len(set(index[j])) == index.shape[1]  # no row twice
        for c in sorted({1, max(1, k // 2), index.shape[1]}):
            outside = np.setdiff1d(allowed, index[j, :c])
            if len(outside) == 0:
                continue
            worst = objective[j, outside].max()
            assert worst <= upper[j, c - 1] + error[j], (j, c, worst, upper[j, c - 1], error[j])
            closest = max(closest, (worst - upper[j, c - 1]) / error[j])
    return closest


@pytest.mark.parametrize("nearest", [False, True])
@pytest.mark.parametrize("rows", [(0, 1), (1, 3)])
def test_the_bounds_hold_on_random_data(nearest, rows):
    rng = np.random.default_rng(0)
    # Pixel-like (uint8, centred) and embedding-like (float32, a wide range of scales).
    pixels = rng.integers(0, 256, size=(500, 64)).astype(np.float64)
    pixels -= pixels.mean(axis=0)
    wide = rng.normal(size=(500, 40)) * np.exp(rng.normal(size=40) * 2)
    for train in (pixels, wide):
        queries = rng.normal(size=(12, train.shape[1]))
        if not nearest:
            queries /= np.linalg.norm(queries, axis=1)[:, None]
        best = _objective(train, queries, nearest).max(axis=1)
        for offsets in (best, np.zeros(12), best + rng.normal(size=12) * np.abs(best)):
            _check_bounds(train, queries, offsets, 20, nearest, rows)


def test_the_bound_needs_the_query_rounding_term():
    """q rounds down by almost half a step in every entry, along t: Cauchy-Schwarz is tight."""
    d = 64
    step = 2.0**-7  # bfloat16's spacing in [1, 2)
    query = np.full((1, d), 1 + step / 2 * (1 - 1e-3))  # rounds to 1
    train = np.full((31, d), 1.0)
    # All rows have the same product, d in bfloat16: with that offset the output is 0 and
    # only the query's rounding (d step / 2) separates the bound from the exact value.
    closest = _check_bounds(train, query, np.full(1, float(d)), 5, nearest=False)
    assert closest > 0.5


def test_the_bound_needs_the_row_rounding_term():
    d = 64
    step = 2.0**-7
    train = np.full((31, d), 1.0)
    train[-1] = 1 + step / 2 * (1 - 1e-3)  # rounds to 1: the same product, left out last
    closest = _check_bounds(train, np.ones((1, d)), np.full(1, float(d)), 5, nearest=False)
    assert closest > 0.5


def test_the_bound_needs_the_output_rounding_term():
    """Exact inputs whose sum, 1 + 2^-8 - 2^-16, rounds to 1 in bfloat16: a tie with rows of
    product exactly 1, and the later row is left out although it is the largest."""
    train = np.zeros((31, 2))
    train[:, 0] = 1.0
    train[-1, 1] = 2.0**-8
    query = np.array([[1.0, 1 - 2.0**-8]])
    passes = _passes(train)
    index, upper, error = passes.top(query, np.zeros(1), 5, nearest=False)
    assert 30 not in index[0]
    exact = query[0] @ train[30]
    # Without its u|v| term (v = 1) the bound would fail.
    assert exact > upper[0, -1] - 2.0**-8 + error[0]
    assert exact <= upper[0, -1] + error[0]


def test_the_conversion_is_torchs():
    rng = np.random.default_rng(3)
    x = np.concatenate([
        rng.normal(size=5000) * np.exp(rng.normal(size=5000) * 5),
        # exact ties between two bfloat16 values: round to even
        from_bfloat16(np.arange(100, 200, dtype=np.uint16)) * (1 + 2.0**-8),
        [0.0, -0.0, 1.0, -1.0],
    ])  # fmt: skip
    ours = to_bfloat16(x)
    theirs = torch.from_numpy(x.astype(np.float32)).bfloat16().view(torch.int16).numpy()
    np.testing.assert_array_equal(ours, theirs.view(np.uint16))
    np.testing.assert_array_equal(
        from_bfloat16(ours), torch.from_numpy(x.astype(np.float32)).bfloat16().double().numpy()
    )


def _sets():
    rng = np.random.default_rng(5)
    train = rng.normal(size=(3000, 30))
    train[1500:1510] = train[:10]  # duplicated training points
    queries = np.vstack([
        rng.normal(size=(12, 30)) * 1.5,  # outside
        rng.normal(size=(4, 30)) * 0.1,  # inside
        train[:3] + 1e-9,  # a hair from a vertex
    ])  # fmt: skip
    return train, queries


def test_the_solver_in_bfloat16_agrees_with_float32_and_the_full_qp(monkeypatch):
    from hullgen.hull import plan

    monkeypatch.setattr(plan, "SUBSET_ROWS_PER_CANDIDATE", 1)  # a subset pass, in bfloat16 too
    train, queries = _sets()
    options = dict(k_seed=8, add_per_round=8, candidates=32, subset_passes=((0, 2),))
    fast = HullDistance(train, precision="bfloat16", **options)
    assert fast.products.bf16 is not None and fast.subset_passes == [(0, 2)]
    result = fast.query(queries)
    plain = HullDistance(train, precision="float32", **options).query(queries)
    np.testing.assert_array_equal(result.status, plain.status)
    np.testing.assert_allclose(result.distance, plain.distance, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(result.nn_index, plain.nn_index)
    np.testing.assert_allclose(result.nn_distance, plain.nn_distance, rtol=1e-12)
    check_against_reference(train, queries, result, inside_ok=True)


def test_queries_the_bounds_cannot_settle_are_solved_exactly(monkeypatch):
    """With the bounds made useless, every query takes the exact nearest-neighbour search and
    exact pricing, and the results are still the float32 solver's."""
    train, queries = _sets()
    top = BFloat16Rows.top
    exact = []

    def loose(self, *args, **kwargs):
        index, upper, error = top(self, *args, **kwargs)
        return index, upper, error + 1e6

    rows_dot = solver.TrainingRows.dot

    def counted(self, w):
        exact.append(1)
        return rows_dot(self, w)

    monkeypatch.setattr(BFloat16Rows, "top", loose)
    monkeypatch.setattr(solver.TrainingRows, "dot", counted)
    options = dict(k_seed=8, add_per_round=8, candidates=32)
    result = HullDistance(train, precision="bfloat16", **options).query(queries)
    assert len(exact) >= len(queries)  # at least every query's nearest neighbour
    plain = HullDistance(train, precision="float32", **options).query(queries)
    np.testing.assert_array_equal(result.status, plain.status)
    np.testing.assert_allclose(result.distance, plain.distance, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(result.nn_index, plain.nn_index)


def test_the_precision_is_chosen_by_size_and_cpu(monkeypatch):
    big = 2**24
    monkeypatch.setattr(bf16, "native", lambda: True)
    assert bf16.pass_precision("auto", "cpu", big, 1) == "bfloat16"
    assert bf16.pass_precision("auto", "cpu", big - 1, 1) == "float32"
    assert bf16.pass_precision("auto", "cuda", big, 1) == "float32"
    assert bf16.pass_precision("float32", "cpu", big, 1) == "float32"
    monkeypatch.setattr(bf16, "native", lambda: False)
    assert bf16.pass_precision("auto", "cpu", big, 1) == "float32"
    assert bf16.pass_precision("bfloat16", "cpu", 10, 1) == "bfloat16"
    with pytest.raises(ValueError, match="'half'"):
        bf16.pass_precision("half", "cpu", 10, 1)
    with pytest.raises(ValueError, match="CPU only"):
        HullDistance(np.eye(3), precision="bfloat16", device="cuda")


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
def test_the_rounding_measures_are_those_of_the_rounded_matrix(dtype):
    """The rounded rows are the nearest bfloat16 values (to_bfloat16 is torch's), and the
    bound's per-matrix terms are those of the rounded columns read back independently (the
    half squared norm's two parts leave a residual on such data)."""
    rng = np.random.default_rng(4)
    source = (rng.normal(size=(300, 7)) * 3.3 + (100 if dtype == np.uint8 else 0)).astype(dtype)
    mean = source.mean(axis=0, dtype=np.float64)
    passes = BFloat16Rows(TrainingRows(source, mean), block_rows=37)
    train = source - mean
    d = train.shape[1]
    np.testing.assert_array_equal(passes.bits[:, :d], to_bfloat16(train))
    np.testing.assert_allclose(passes.sq_norms, np.einsum("ij,ij->i", train, train), rtol=1e-13)
    rounded = from_bfloat16(passes.bits[:, :d])
    np.testing.assert_array_equal(from_bfloat16(passes.bits[:, d]), 1.0)
    np.testing.assert_array_equal(passes.bits[:, d + 3 :], 0)
    half = 0.5 * np.einsum("ij,ij->i", train, train)
    parts = from_bfloat16(passes.bits[:, d + 1]) + from_bfloat16(passes.bits[:, d + 2])
    residual = np.abs(parts + half).max()
    assert 0 < residual <= passes.half_error <= 1.02 * residual + 1e-12
    row_error = np.linalg.norm(train - rounded, axis=1).max()
    assert 0 < row_error <= passes.row_error <= 1.02 * row_error
    norm16 = np.linalg.norm(rounded, axis=1).max()
    assert norm16 <= passes.norm16 <= 1.02 * norm16
