# Helpers of findings.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


def findings_folder(dataset, space):
    return f"results/{dataset}/findings/{space}"


def stats_file(dataset, space):
    return f"{findings_folder(dataset, space)}/stats.json"


def class_directions_file(dataset, space):
    """Each class's mean unit direction from the hull to its test points, (classes, d)."""
    return f"{findings_folder(dataset, space)}/class_directions.npy"


def findings_figure(dataset, name):
    """A cross-space figure of the findings (PNG and PDF), without its extension."""
    return f"results/{dataset}/findings/{name}"


FINDINGS_FIGURES = (
    "distribution",
    "per_class",
    "relative_nn",
    "examples",
    "support",
    "directions",
    "surface",
)


def findings_figures(dataset, space):
    """The figures of one space (correctness only when a network is trained)."""
    names = FINDINGS_FIGURES + (("correctness",) if TRAIN_ENABLED else ())
    folder = findings_folder(dataset, space)
    return {f"{n}_{ext}": f"{folder}/{n}.{ext}" for n in names for ext in ("png", "pdf")}


def space_stats_inputs(wildcards):
    dataset, space = wildcards.dataset, wildcards.space
    inputs = {
        **hull_files(dataset, space),
        **space_files(dataset, space),
        "train_y": data_files(dataset)["train_y"],
        "test_y": data_files(dataset)["test_y"],
        "sizes": size_file(dataset, space),
        "code": script_code("space_stats.py"),
    }
    if pixel_directions(space):
        inputs["test_x"] = data_files(dataset)["test_x"]
    if TRAIN_ENABLED:
        inputs["predictions"] = model_files(dataset)["predictions"]
    return inputs


def pixel_directions(space):
    """Whether a space's coordinates are the images' pixels (pixel spaces, and the random
    baseline of images), so that its directions are measured on the images' structure."""
    return SOURCE.images and SPACES[space]["kind"] in ("pixel", "random")


def object_energy(space):
    """Whether a space's directions are measured on the object's pixels: its coordinates
    are pixel values of dark-background images."""
    return DATASET_SPEC.dark_background and pixel_directions(space)


def nearest_training(space):
    """Whether the stats job measures the nearest training points of a sample of test points
    (the "similar training images" claim and the surface): spaces of the data's own rows."""
    return SPACES[space]["kind"] in ("pixel", "features")


def space_figures_inputs(wildcards):
    inputs = {
        **space_files(wildcards.dataset, wildcards.space),
        **hull_files(wildcards.dataset, wildcards.space),
        **{k: v for k, v in data_files(wildcards.dataset).items() if not k.endswith("index")},
        "stats": stats_file(wildcards.dataset, wildcards.space),
        "class_directions": class_directions_file(wildcards.dataset, wildcards.space),
        "code": script_code("space_figures.py"),
    }
    if TRAIN_ENABLED:
        inputs["predictions"] = model_files(wildcards.dataset)["predictions"]
    return inputs


def space_units(space):
    kind = SPACES[space]["kind"]
    if kind == "features" or (kind == "random" and not SOURCE.images):
        # The random baseline of feature rows is in their units.
        return SPACES[OWN_SPACES[0] if kind == "random" else space]["units"]
    return {
        "pixel": "pixel values 0..255",
        "random": "pixel values 0..255",
        "wavelet": "wavelet coefficients of pixel values",
        "embedding": "activations",
    }[kind]


def random_comparison_file(dataset):
    return f"results/{dataset}/findings/random_vs_real.json"


def findings_outputs(dataset):
    if not FINDINGS_ENABLED:
        return []
    outputs = list(claims_files(dataset).values())
    for space in SPACES:
        outputs += [stats_file(dataset, space), class_directions_file(dataset, space)]
        outputs += list(findings_figures(dataset, space).values())
    names = ["shape"]
    names += ["training"] if TRAIN_ENABLED else []
    if OWN_SPACES and RANDOM_SPACES:
        outputs.append(random_comparison_file(dataset))
        names.append("random_vs_real")
    if FINDINGS.pca_space:
        outputs.append(pca_sweep_files(dataset)["table"])
        names.append("pca_sweep")
    if FINDINGS.class_hull_space:
        outputs.append(class_hulls_files(dataset)["table"])
        names.append("class_hulls")
    for name in names:
        outputs += [f"{findings_figure(dataset, name)}.{ext}" for ext in ("png", "pdf")]
    return outputs


def diameter_file(dataset, space):
    return f"{findings_folder(dataset, space)}/diameter.json"


def size_file(dataset, space):
    """The size record of a space's training set (diameter, median pair distance); the
    first pixel space's for its isometries and the random baseline, which share it."""
    return diameter_file(dataset, space if space in SIZED_SPACES else OWN_SPACES[0])
