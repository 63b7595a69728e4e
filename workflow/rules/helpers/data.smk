# Helpers of data.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


def raw_files(wildcards):
    """The dataset's raw files in the cache, keyed by canonical file name."""
    return {raw.name: f"{CACHE_DIR}/{wildcards.dataset}/{raw.name}" for raw in DATASET_SPEC.files}


def staged_source(wildcards):
    """The pre-staged file a raw file is copied from (``dataset.data_dir``): an input, so that
    a replaced source is staged again, and a missing one stops the run before any job."""
    data_dir = config["dataset"]["data_dir"]
    return {"source": f"{data_dir}/{wildcards.filename}"} if data_dir else {}


def raw_file_params(wildcards):
    raw = DATASET_SPEC.file(wildcards.filename)
    return {"name": raw.name, "urls": list(raw.urls), "sha256": raw.sha256}


def data_split_files(dataset, split):
    """One split's prepared data: ``x`` (images or rows), ``y`` (class indices), ``index``
    (each row's position in the source)."""
    return {part: f"results/{dataset}/data/{split}_{part}.npy" for part in ("x", "y", "index")}


def data_files(dataset):
    return {
        f"{split}_{part}": path
        for split in ("train", "test")
        for part, path in data_split_files(dataset, split).items()
    }


def own_data_inputs(wildcards):
    """The arrays one split of the user's own data is read from: replacing one reruns that
    split's job and what depends on it (an image folder's images: own_data_fingerprint)."""
    return {"files": SOURCE.inputs(wildcards.split)}


def own_data_mem_mb(wildcards, input, attempt):
    """Memory of a split's job: the split's images as uint8, three times (an image folder's
    files are not inputs); or its arrays, read (memory-mapped when a .npy, whole when a
    .npz member) and, for a subset, the rows kept copied (a whole .npy is linked)."""
    if SOURCE.images:
        n = data_source.n_rows(SOURCE, config["subset"], wildcards.split)
        needed = 3 * n * math.prod(DATASET_SPEC.image_shape) / job_memory.MB
    else:
        subset = config["subset"][f"n_{wildcards.split}"] is not None
        # input.size_mb counts mebibytes; requests count megabytes.
        needed = (2 if subset else 1) * input.size_mb * 2**20 / job_memory.MB
    return job_memory.request_for_mb(needed, attempt)


def own_data_fingerprint(wildcards):
    """An image folder split's files, each with its size and modification time, as one hash
    (a params entry): a new, removed or replaced image reruns that split's job."""
    return SOURCE.fingerprint(wildcards.split)


def own_data_classes():
    """The classes of the user's own data (a params entry: renaming a class folder reruns
    the data stage)."""
    return list(DATASET_SPEC.classes)


def data_info_file(dataset):
    """What the data stage prepared: sizes, class counts, the raw files' hashes."""
    return f"results/{dataset}/data/info.json"
