# Helpers of hull.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


def hull_space(space):
    """The space whose hull tables ``space`` reads: the first pixel space for its isometries."""
    return PIXEL_SPACES[0] if space in PIXEL_ISOMETRIES else space


def hull_files(dataset, space):
    """The hull tables of ``space`` (the pixel space's for a pixel isometry)."""
    space = hull_space(space)
    return {
        "table": f"results/{dataset}/hull/{space}.parquet",
        "support": f"results/{dataset}/hull/{space}.support.parquet",
    }


def hull_shard_files(dataset, space, scatteritem):
    """One shard's hull tables (a contiguous block of the test points)."""
    folder = f"results/{dataset}/hull/{space}/shards"
    return {
        "table": f"{folder}/{scatteritem}.parquet",
        "support": f"{folder}/{scatteritem}.support.parquet",
    }


def hull_options():
    """The solver's options (a params entry: changes rerun it): every hull option but the
    job layout, the budget in bytes."""
    return HULL.solver_arguments()


# A hull shard asks for HULL_THREADS unless one pass of its products over the training set
# (its test rows x training rows x dimensions) is below HULL_SMALL_PASS multiply-adds, a
# fraction of a second on one core: then a second thread has nothing to do (the solver forks
# workers only for more than 256 queries, and BLAS threads gain nothing on so small a
# product), so it asks for one and leaves the other cores to other jobs.
HULL_THREADS = 4
HULL_SMALL_PASS = 10**9


def pass_is_small(input, queries):
    """Whether one pass of a hull job's products over its training set (``queries(test
    rows)`` x training rows x dimensions) is below HULL_SMALL_PASS multiply-adds; False
    before its space is written (as in a dry run of a fresh run: a job then asks for the
    most it may)."""
    train, test = npy_shape(input.train), npy_shape(input.test)
    if train is None or test is None or len(train) != 2 or len(test) != 2:
        return False
    return queries(test[0]) * train[0] * train[1] < HULL_SMALL_PASS


def hull_threads(wildcards, input):
    """A hull shard's threads: one for a small shard, else HULL_THREADS."""
    small = pass_is_small(input, lambda test_rows: -(-test_rows // HULL.shards))
    return 1 if small else HULL_THREADS
