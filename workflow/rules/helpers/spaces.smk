# Helpers of spaces.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


# The random baseline's keys that only its test points depend on: its seed and how many
# points it draws.
TEST_SIDE_KEYS = ("seed", "points")


def space_fit_options(space):
    """The settings of a space its training side depends on (a params entry): all but the
    random baseline's TEST_SIDE_KEYS."""
    return {k: v for k, v in SPACES[space].items() if k not in TEST_SIDE_KEYS}


def space_test_inputs(wildcards):
    """What a space's test matrix is made from: the test data and the space's meta (what it
    keeps of the training set). The random baseline needs only the number of test rows,
    known when the workflow is parsed for the user's own data: replacing their test data
    then leaves it as it is."""
    inputs = {"meta": space_files(wildcards.dataset, wildcards.space)["meta"]}
    if random_test_rows(wildcards) is None:
        inputs["test_x"] = data_files(wildcards.dataset)["test_x"]
    return inputs


def random_test_rows(wildcards):
    """The random baseline's number of test rows when known from the parsed source (the
    user's own data), else None (read from the prepared test data). It draws
    min(points, test rows) points (hullgen.spaces.build.random_points)."""
    if SPACES[wildcards.space]["kind"] != "random" or not SOURCE.own:
        return None
    return data_source.n_rows(SOURCE, config["subset"], "test")


def space_files(dataset, space):
    return {
        "train": f"results/{dataset}/spaces/{space}/train.npy",
        "test": f"results/{dataset}/spaces/{space}/test.npy",
        "meta": f"results/{dataset}/spaces/{space}/meta.json",
    }
