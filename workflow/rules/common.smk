import os
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

import hullgen
from hullgen import config as hullgen_config
from hullgen.data import registry
from hullgen.errors import ConfigError


configfile: "config/config.yaml"


report: "../report/workflow.rst"


try:
    _validated = hullgen_config.validate(
        config, hullgen_config.load_schema(workflow.source_path("../schemas/config.schema.yaml"))
    )
except ConfigError as err:
    sources = ", ".join(map(str, workflow.configfiles)) or "--config"
    raise WorkflowError(f"{sources}: {err}") from None
config.clear()
config.update(_validated)

DATASET = config["dataset"]["name"]
DATASET_SPEC = registry.get(DATASET)
SPACES = {space["name"]: space for space in config["spaces"]}
EMBEDDING_SPACES = [name for name, space in SPACES.items() if space["kind"] == "embedding"]
BUILT_SPACES = [name for name in SPACES if name not in EMBEDDING_SPACES]
TRAIN = config["train"]
EXPERIMENTS = config["experiments"]
FINDINGS = config["findings"]
PIXEL_SPACES = [name for name, space in SPACES.items() if space["kind"] == "pixel"]
RANDOM_SPACES = [name for name, space in SPACES.items() if space["kind"] == "random"]
CACHE_DIR = config["dataset"]["cache_dir"]


wildcard_constraints:
    dataset=re.escape(DATASET),
    space="|".join(re.escape(name) for name in SPACES),
    filename="|".join(re.escape(raw.name) for raw in DATASET_SPEC.files) or "(?!)",


# The installed package, wherever it is: the code that actually runs is what gets tracked.
PACKAGE_DIR = Path(hullgen.__file__).parent


def package_code(*modules):
    """Source files of hullgen modules a rule runs, so editing them reruns the rule."""
    common = ("__init__.py", "io.py", "log.py", "errors.py", "runtime.py")
    files = [PACKAGE_DIR / name for name in common]
    for module in modules:
        path = PACKAGE_DIR / module
        files += sorted(path.glob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    return [os.path.relpath(f) if f.is_relative_to(Path.cwd()) else str(f) for f in files]


def raw_files(wildcards):
    """The dataset's raw files in the cache, keyed by canonical file name."""
    return {raw.name: f"{CACHE_DIR}/{wildcards.dataset}/{raw.name}" for raw in DATASET_SPEC.files}


def raw_file_params(wildcards):
    raw = DATASET_SPEC.file(wildcards.filename)
    return {"name": raw.name, "urls": list(raw.urls), "sha256": raw.sha256}


def data_files(dataset):
    return {
        f"{split}_{part}": f"results/{dataset}/data/{split}_{part}.npy"
        for split in ("train", "test")
        for part in ("x", "y", "index")
    }


def space_files(dataset, space):
    return {
        "train": f"results/{dataset}/spaces/{space}/train.npy",
        "test": f"results/{dataset}/spaces/{space}/test.npy",
        "meta": f"results/{dataset}/spaces/{space}/meta.json",
    }


def one_of(names):
    """A wildcard pattern matching exactly ``names`` (nothing if there are none)."""
    return "|".join(re.escape(name) for name in names) or "(?!)"


def model_files(dataset):
    return {
        "model": f"results/{dataset}/model/model.pt",
        "metrics_csv": f"results/{dataset}/model/metrics.csv",
        "metrics_json": f"results/{dataset}/model/metrics.json",
        "predictions": f"results/{dataset}/model/predictions.parquet",
    }


def train_options():
    """The training knobs (a params entry: changes retrain)."""
    options = {key: value for key, value in TRAIN.items() if key != "enabled"}
    return dict(sorted(options.items()))


def train_gpus():
    """One GPU for the training and embedding jobs when the config asks for CUDA."""
    return 1 if TRAIN["device"] == "cuda" else 0


def study_options(study):
    """One study's knobs (a params entry: changes rerun the study and its figures)."""
    options = {k: v for k, v in EXPERIMENTS[study].items() if k != "enabled"}
    return dict(sorted(options.items()))


def legendre_files():
    folder = "results/experiments/legendre"
    return {
        "points": f"{folder}/points.parquet",
        "fits": f"{folder}/fits.parquet",
        "fits_csv": f"{folder}/fits.csv",
        "summary": f"{folder}/summary.json",
    }


def legendre_figures():
    folder = "results/experiments/legendre"
    return {
        f"{name}_{ext}": f"{folder}/{name}.{ext}"
        for name in ("boundaries", "measures")
        for ext in ("png", "pdf")
    }


def mlp_files():
    folder = "results/experiments/mlp"
    tables = {
        f"{name}{ext.replace('.', '_')}": f"{folder}/{name}{ext}"
        for name in ("models", "disagreement")
        for ext in (".parquet", ".csv")
    }
    arrays = {
        name: f"{folder}/{name}.npy"
        for name in ("train_x", "train_y", "grid_points", "inside", "truth", "predictions")
    }
    return {**tables, **arrays, "summary": f"{folder}/summary.json"}


def mlp_figures():
    folder = "results/experiments/mlp"
    return {
        f"{name}_{ext}": f"{folder}/{name}.{ext}"
        for name in ("regions", "disagreement", "error")
        for ext in ("png", "pdf")
    }


def experiment_outputs():
    outputs = []
    if EXPERIMENTS["legendre"]["enabled"]:
        outputs += list(legendre_files().values()) + list(legendre_figures().values())
    if EXPERIMENTS["mlp"]["enabled"]:
        outputs += list(mlp_files().values()) + list(mlp_figures().values())
    if EXPERIMENTS["legendre"]["enabled"] or EXPERIMENTS["mlp"]["enabled"]:
        outputs.append("results/experiments/summary.md")
    return outputs


def findings_folder(dataset, space):
    return f"results/{dataset}/findings/{space}"


FINDINGS_FIGURES = ("distribution", "per_class", "relative_nn", "examples", "support")


def findings_figures(dataset, space):
    """The figures of one space (correctness only when a network is trained)."""
    names = FINDINGS_FIGURES + (("correctness",) if TRAIN["enabled"] else ())
    folder = findings_folder(dataset, space)
    return {f"{n}_{ext}": f"{folder}/{n}.{ext}" for n in names for ext in ("png", "pdf")}


def space_stats_inputs(wildcards):
    inputs = {
        "table": hull_files(wildcards.dataset, wildcards.space)["table"],
        "meta": space_files(wildcards.dataset, wildcards.space)["meta"],
        "test_y": data_files(wildcards.dataset)["test_y"],
        "diameter": f"{findings_folder(wildcards.dataset, wildcards.space)}/diameter.json",
        "code": package_code("findings"),
    }
    if TRAIN["enabled"]:
        inputs["predictions"] = model_files(wildcards.dataset)["predictions"]
    return inputs


def space_figures_inputs(wildcards):
    inputs = {
        **space_files(wildcards.dataset, wildcards.space),
        **hull_files(wildcards.dataset, wildcards.space),
        **{k: v for k, v in data_files(wildcards.dataset).items() if not k.endswith("index")},
        "stats": f"{findings_folder(wildcards.dataset, wildcards.space)}/stats.json",
        "code": package_code("findings"),
    }
    if TRAIN["enabled"]:
        inputs["predictions"] = model_files(wildcards.dataset)["predictions"]
    return inputs


def space_units(space):
    kind = SPACES[space]["kind"]
    return {
        "pixel": "pixel values 0..255",
        "random": "pixel values 0..255",
        "wavelet": "wavelet coefficients of pixel values",
        "embedding": "activations",
    }[kind]


def random_comparison_file(dataset):
    return f"results/{dataset}/findings/random_vs_real.json"


def figure_pair(path, caption, category, **labels):
    """A figure's PNG and PDF, both in the report under ``category``."""
    return {
        ext: report(f"{path}.{ext}", caption=caption, category=category, **labels)
        for ext in ("png", "pdf")
    }


def findings_outputs(dataset):
    if not FINDINGS["enabled"]:
        return []
    outputs = [f"results/{dataset}/claims.csv", f"results/{dataset}/claims.md"]
    for space in SPACES:
        outputs.append(f"{findings_folder(dataset, space)}/stats.json")
        outputs += list(findings_figures(dataset, space).values())
    folder = f"results/{dataset}/findings"
    if PIXEL_SPACES and RANDOM_SPACES:
        outputs.append(random_comparison_file(dataset))
        outputs += [f"{folder}/random_vs_real.{ext}" for ext in ("png", "pdf")]
    if FINDINGS["pca_space"]:
        outputs += [f"{folder}/pca_sweep.{ext}" for ext in ("parquet", "png", "pdf")]
    if FINDINGS["class_hull_space"]:
        outputs += [f"{folder}/class_hulls.{ext}" for ext in ("parquet", "png", "pdf")]
    return outputs


def claims_inputs(wildcards):
    inputs = {
        "stats": [f"{findings_folder(wildcards.dataset, s)}/stats.json" for s in SPACES],
        "code": package_code("findings"),
    }
    if PIXEL_SPACES and RANDOM_SPACES:
        inputs["random"] = random_comparison_file(wildcards.dataset)
    if FINDINGS["pca_space"]:
        inputs["pca"] = f"results/{wildcards.dataset}/findings/pca_sweep.parquet"
    studies = [s for s in ("legendre", "mlp") if EXPERIMENTS[s]["enabled"]]
    inputs["studies"] = [f"results/experiments/{s}/summary.json" for s in studies]
    return inputs


def hull_options_for_findings():
    """The hull stage's solver options (one worker), for the derived hull problems."""
    return {**hull_options(), "threads": 1}


def hull_files(dataset, space):
    return {
        "table": f"results/{dataset}/hull/{space}.parquet",
        "support": f"results/{dataset}/hull/{space}.support.parquet",
    }


def all_outputs():
    outputs = [f"results/{DATASET}/data/info.json"]
    if TRAIN["enabled"]:
        outputs += list(model_files(DATASET).values())
    for space in SPACES:
        outputs += list(space_files(DATASET, space).values())
        outputs += list(hull_files(DATASET, space).values())
    return outputs + experiment_outputs() + findings_outputs(DATASET)


def hull_options():
    """HullDistance options from the config's hull section (a params entry: changes rerun it).

    Every key is passed on except the job layout (shards) and the budget, which
    HullDistance takes in bytes.
    """
    hull = dict(config["hull"])
    hull.pop("shards")
    hull["memory_budget"] = int(hull.pop("memory_budget_gb") * 2**30)
    # Sorted: Snakemake compares params as text, and YAML key order must not cause reruns.
    return dict(sorted(hull.items()))


def hull_mem_mb(wildcards, input, attempt):
    """The float64 training matrix (a float32 copy counts in the budget) plus the budget."""
    train = Path(input.train)
    train_mb = train.stat().st_size / 2**20 if train.exists() else 0
    return int((1.2 * train_mb + 1024 * config["hull"]["memory_budget_gb"] + 500) * attempt)


def mem_mb_for(factor, minimum=1000):
    """Memory request: ``factor`` times the inputs' size, at least ``minimum`` MB."""

    def mem_mb(wildcards, input, attempt):
        return max(minimum, int(factor * input.size_mb * attempt))

    return mem_mb
