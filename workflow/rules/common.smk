import math
import os
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError


# ---- hullgen itself --------------------------------------------------------------------------
# The package beside this workflow (src/ of the checkout, wherever it is run from: --directory,
# a `module` of another workflow, a second checkout) is the code that runs, here and in every
# job: it goes first on this process's path and on PYTHONPATH, which the jobs inherit (with
# --sdm conda too: the envs hold only third-party packages). A remote module has no src/ to
# find: hullgen must then be installed beside Snakemake.
def hullgen_source():
    """src/ beside this workflow when it holds hullgen (None for a remote module)."""
    basedir = workflow.current_basedir
    source = Path(str(basedir)).parents[1] / "src"
    return str(source) if basedir.is_local and (source / "hullgen").is_dir() else None


HULLGEN_SOURCE = hullgen_source()
if HULLGEN_SOURCE is not None:
    sys.path.insert(0, HULLGEN_SOURCE)
    _paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    os.environ.update(
        PYTHONPATH=os.pathsep.join(
            [HULLGEN_SOURCE, *(p for p in _paths if p and p != HULLGEN_SOURCE)]
        )
    )

import hullgen
from hullgen import config as hullgen_config
from hullgen import preflight
from hullgen.data import source as data_source
from hullgen.errors import ConfigError, DataFormatError
from hullgen.io import load_npy
from hullgen.spaces.build import is_pixel_isometry


configfile: "config/config.yaml"


report: "../report/workflow.rst"


# Everything that can be checked before any job is checked here, by the code that
# `hullgen check-config` runs: the config, the user's own data (an image folder's layout, the
# arrays' headers and labels), the subsets and the memory budget.
try:
    _checked = preflight.check(config, hullgen_config.load_schema())
except (ConfigError, DataFormatError) as err:
    sources = ", ".join(map(str, workflow.configfiles)) or "--config"
    raise WorkflowError(f"{sources}: {err}") from None
config.clear()
config.update(_checked.config)
SOURCE = _checked.source
DATASET = config["dataset"]["name"]
DATASET_SPEC = SOURCE.spec
# The data stage's rules for known datasets and for the user's own: only one kind matches.
KNOWN_DATASET = "(?!)" if SOURCE.own else re.escape(DATASET)
OWN_DATASET = re.escape(DATASET) if SOURCE.own else "(?!)"
SPACES = {space["name"]: space for space in config["spaces"]}
EMBEDDING_SPACES = [name for name, space in SPACES.items() if space["kind"] == "embedding"]
BUILT_SPACES = [name for name in SPACES if name not in EMBEDDING_SPACES]
TRAIN = config["train"]
EXPERIMENTS = config["experiments"]
FINDINGS = config["findings"]
PIXEL_SPACES = [name for name, space in SPACES.items() if space["kind"] == "pixel"]
RANDOM_SPACES = [name for name, space in SPACES.items() if space["kind"] == "random"]
# The data's own coordinates (pixels of images, the rows of arrays): the random baseline's
# training set is theirs.
OWN_SPACES = [name for name, space in SPACES.items() if space["kind"] in ("pixel", "features")]
CACHE_DIR = config["dataset"]["cache_dir"]
# Spaces whose geometry is the first pixel space's: other pixel spaces and orthonormal
# wavelet transforms (every distance kept). Their hull is solved once, in the pixel space.
PIXEL_ISOMETRIES = (
    [
        name
        for name in SPACES
        if name != PIXEL_SPACES[0]
        and (
            SPACES[name]["kind"] == "pixel"
            or is_pixel_isometry(SPACES[name], DATASET_SPEC.image_shape)
        )
    ]
    if PIXEL_SPACES
    else []
)
SOLVED_SPACES = [name for name in SPACES if name not in PIXEL_ISOMETRIES]
# Spaces whose training set is the first own space's (the random baseline pairs it with
# random test points): its diameter is not computed again.
SIZED_SPACES = [
    name for name in SOLVED_SPACES if not (OWN_SPACES and SPACES[name]["kind"] == "random")
]


wildcard_constraints:
    dataset=re.escape(DATASET),
    space="|".join(re.escape(name) for name in SPACES),
    filename="|".join(re.escape(raw.name) for raw in DATASET_SPEC.files) or "(?!)",
    split="train|test",


# ---- every stage -----------------------------------------------------------------------------
# The package that runs (see "hullgen itself" above): its source files are tracked as inputs.
PACKAGE_DIR = Path(hullgen.__file__).parent


def package_code(*modules):
    """Source files of hullgen modules a rule runs, so editing them reruns the rule."""
    # io.py reads spaces through the checked reader of data/matrix.py.
    common = (
        "__init__.py",
        "io.py",
        "log.py",
        "errors.py",
        "runtime.py",
        "data/__init__.py",
        "data/matrix.py",
    )
    files = [PACKAGE_DIR / name for name in common]
    for module in modules:
        path = PACKAGE_DIR / module
        files += sorted(path.glob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    return [os.path.relpath(f) if f.is_relative_to(Path.cwd()) else str(f) for f in files]


# The hullgen modules each model study's script runs (a test follows its imports and keeps
# these complete): editing a figure module reruns the figures, never a 20-minute study.
STUDY_MODULES = {
    "legendre": (
        "experiments/__init__",
        "experiments/legendre",
        "experiments/legendre_control",
        "experiments/legendre_options",
        "experiments/legendre_verdicts",
        "experiments/program",
        "criteria",
        "verdict",
    ),
    "mlp": (
        "experiments/__init__",
        "experiments/mlp",
        "experiments/mlp_models",
        "experiments/mlp_options",
        "experiments/mlp_verdicts",
        "experiments/toy2d",
        "criteria",
        "verdict",
    ),
}


def study_code(study):
    """Source files a model study runs (:data:`STUDY_MODULES`)."""
    return package_code(*STUDY_MODULES[study])


def log_file(folder, name):
    """A job's log (its script's messages and traceback): ``folder`` is the dataset, or
    experiments for the model studies."""
    return f"results/{folder}/logs/{name}.log"


def benchmark_file(folder, name):
    """A heavy job's Snakemake benchmark (wall time, memory), beside its log."""
    return f"results/{folder}/benchmarks/{name}.tsv"


def one_of(names):
    """A wildcard pattern matching exactly ``names`` (nothing if there are none)."""
    return "|".join(re.escape(name) for name in names) or "(?!)"


def npy_shape(path):
    """The shape in a .npy file's header, or None when it cannot be read (not written yet;
    a broken file is the job's to report)."""
    try:
        return load_npy(path).shape
    except (OSError, ValueError):
        return None


def mem_mb_for(factor, minimum=1000):
    """Memory request: ``factor`` times the inputs' size, at least ``minimum`` MB."""

    def mem_mb(wildcards, input, attempt):
        return max(minimum, int(factor * input.size_mb * attempt))

    return mem_mb


def report_figures(figures, caption, category, subcategory=None, **labels):
    """Figure outputs (``{name}_png``/``{name}_pdf`` -> path) with each PNG in the report once.

    The PNG goes under ``category`` (and ``subcategory``), labelled with ``labels`` and
    ``figure: name``, captioned by ``caption`` with ``{name}`` filled in; the PDF stays a plain
    output. Label values may be wildcard patterns (``"{space}"``).
    """
    outputs = {}
    for key, path in figures.items():
        name, ext = key.rsplit("_", 1)
        if ext == "png":
            path = report(
                path,
                caption=caption.format(name=name),
                category=category,
                subcategory=subcategory,
                labels={**labels, "figure": name},
            )
        outputs[key] = path
    return outputs


def figure_pair(path, caption, category, **labels):
    """A cross-space figure's outputs ``png`` and ``pdf`` (``path`` without extension): the
    PNG in the report once, labelled ``figure: <its name>``, the PDF a plain output."""
    name = Path(path).name
    pair = {f"{name}_{ext}": f"{path}.{ext}" for ext in ("png", "pdf")}
    figures = report_figures(pair, caption, category, **labels)
    return {key.rsplit("_", 1)[1]: value for key, value in figures.items()}


def all_outputs():
    outputs = [data_info_file(DATASET)]
    if TRAIN["enabled"]:
        outputs += list(model_files(DATASET).values())
    for space in SPACES:
        outputs += list(space_files(DATASET, space).values())
        outputs += list(hull_files(DATASET, space).values())
    return outputs + experiment_outputs() + findings_outputs(DATASET)


# ---- data ------------------------------------------------------------------------------------
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
    """Memory of a split's job: the split's images as uint8 (an image folder's files are not
    inputs), or six times its arrays (read, subset, written), at least 2 GB."""
    if SOURCE.images:
        n = data_source.n_rows(SOURCE, config["subset"], wildcards.split)
        needed = 3 * n * math.prod(DATASET_SPEC.image_shape) / 2**20
    else:
        needed = 6 * input.size_mb
    return max(2000, int(needed * attempt))


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


# ---- spaces ----------------------------------------------------------------------------------
def space_fit_options(space):
    """The settings of a space its training side depends on (a params entry): all but the
    random baseline's seed, which draws the test points only."""
    return {k: v for k, v in SPACES[space].items() if k != "seed"}


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
    """The random baseline's number of test points when known from the parsed source (the
    user's own data), else None (read from the prepared test data)."""
    if SPACES[wildcards.space]["kind"] != "random" or not SOURCE.own:
        return None
    return data_source.n_rows(SOURCE, config["subset"], "test")


def space_files(dataset, space):
    return {
        "train": f"results/{dataset}/spaces/{space}/train.npy",
        "test": f"results/{dataset}/spaces/{space}/test.npy",
        "meta": f"results/{dataset}/spaces/{space}/meta.json",
    }


# ---- train -----------------------------------------------------------------------------------
def model_files(dataset):
    return {
        "model": f"results/{dataset}/model/model.pt",
        "metrics_csv": f"results/{dataset}/model/metrics.csv",
        "metrics_json": f"results/{dataset}/model/metrics.json",
        "predictions": f"results/{dataset}/model/predictions.parquet",
    }


def resume_folder(dataset):
    """Training's last-epoch checkpoint (not an output: a killed job's rerun must keep it)."""
    return f"results/{dataset}/model/resume"


def train_options():
    """The training knobs (a params entry: changes retrain)."""
    options = {key: value for key, value in TRAIN.items() if key != "enabled"}
    return dict(sorted(options.items()))


# Training asks for TRAIN_THREADS unless it is small: under TRAIN_SMALL image-epochs (training
# images x epochs; the offline example's 500 x 3) the job's time is Lightning's start and a
# few seconds of training, one thread's work (measured on the small test config, 300 x 2:
# 15.9 s on one thread, 17.4 s on two), so it asks for one and leaves the other cores to
# other jobs. The digits default (1,437 x 30) keeps its threads.
TRAIN_THREADS = 8
TRAIN_SMALL = 10_000


def train_threads(wildcards, input):
    """The training job's threads: one for a small training set and few epochs, else
    TRAIN_THREADS (also before the data is written: the most it may ask for)."""
    shape = npy_shape(input.train_x)
    if shape is None or shape[0] * TRAIN["epochs"] >= TRAIN_SMALL:
        return TRAIN_THREADS
    return 1


def train_gpus():
    """One GPU for the training and embedding jobs when the config asks for CUDA."""
    return 1 if TRAIN["device"] == "cuda" else 0


# Embedding a space asks for EMBED_THREADS unless its images (training and test) are fewer
# than EMBED_SMALL: one forward pass over them is then a second or two, and the job's time is
# Python's and torch's start (measured on the digits default, 1,797 images: 1.8 s on one
# thread or two), so it asks for one and leaves the other cores to other jobs.
EMBED_THREADS = 4
EMBED_SMALL = 10_000


def embed_threads(wildcards, input):
    """An embedding job's threads: one for few images, else EMBED_THREADS (also before the
    data is written: the most it may ask for)."""
    shapes = [npy_shape(input.train_x), npy_shape(input.test_x)]
    if any(shape is None for shape in shapes):
        return EMBED_THREADS
    return 1 if sum(shape[0] for shape in shapes) < EMBED_SMALL else EMBED_THREADS


# ---- hull ------------------------------------------------------------------------------------
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
    """HullDistance options from the config's hull section (a params entry: changes rerun it).

    Every key is passed on except the job layout (shards) and the budget, which
    HullDistance takes in bytes.
    """
    hull = dict(config["hull"])
    hull.pop("shards")
    hull["memory_budget"] = int(hull.pop("memory_budget_gb") * 2**30)
    # Sorted: Snakemake compares params as text, and YAML key order must not cause reruns.
    return dict(sorted(hull.items()))


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
    small = pass_is_small(input, lambda test_rows: -(-test_rows // config["hull"]["shards"]))
    return 1 if small else HULL_THREADS


def hull_mem_mb(wildcards, input, attempt):
    """The training file, memory-mapped (its pages count where cgroups charge the page cache),
    plus the budget, which holds the solver's float32 copy."""
    train = Path(input.train)
    train_mb = train.stat().st_size / 2**20 if train.exists() else 0
    return int((1.2 * train_mb + 1024 * config["hull"]["memory_budget_gb"] + 500) * attempt)


# ---- experiments -----------------------------------------------------------------------------
# The MLP study trains full batch: steps on n_train rows x the widest layer. Below this many
# values (the defaults: 200 x 64) torch's threads only add synchronisation (measured at the
# defaults: 54 s on one thread, 71 s on two), so the study asks for one thread, and
# MLP_THREADS above.
MLP_THREADS = 4
MLP_SMALL_STEP = 32768


def mlp_threads():
    """The MLP study's threads: one for small full-batch steps, else MLP_THREADS."""
    mlp = EXPERIMENTS["mlp"]
    return 1 if mlp["n_train"] * max(mlp["widths"]) < MLP_SMALL_STEP else MLP_THREADS


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
        "control": f"{folder}/control.parquet",
        "control_csv": f"{folder}/control.csv",
        "summary": f"{folder}/summary.json",
    }


def legendre_figures():
    folder = "results/experiments/legendre"
    return {
        f"{name}_{ext}": f"{folder}/{name}.{ext}"
        for name in ("control", "boundaries", "measures")
        for ext in ("png", "pdf")
    }


# The MLP study's arrays (MlpStudy attributes), one .npy each.
MLP_ARRAYS = (
    "train_x",
    "train_y",
    "grid_points",
    "inside",
    "bands",
    "truth",
    "targets",
    "predictions",
)


def mlp_files():
    folder = "results/experiments/mlp"
    tables = {
        f"{name}{ext.replace('.', '_')}": f"{folder}/{name}{ext}"
        for name in ("models", "comparison")
        for ext in (".parquet", ".csv")
    }
    arrays = {name: f"{folder}/{name}.npy" for name in MLP_ARRAYS}
    return {**tables, **arrays, "summary": f"{folder}/summary.json"}


def mlp_figures():
    folder = "results/experiments/mlp"
    return {
        f"{name}_{ext}": f"{folder}/{name}.{ext}"
        for name in ("control", "reach", "comparison", "regions")
        for ext in ("png", "pdf")
    }


def study_summary_file(study):
    return {"legendre": legendre_files, "mlp": mlp_files}[study]()["summary"]


def study_figure(study):
    """The figure that shows a study's verdicts (a params entry of the study's rule)."""
    if study == "legendre":
        return legendre_figures()["control_png"]
    figures = mlp_figures()
    return "; ".join(figures[f"{name}_png"] for name in ("control", "reach", "comparison"))


def experiments_summary_file():
    """Both model studies' verdicts in one table."""
    return "results/experiments/summary.md"


def experiment_outputs():
    outputs = []
    if EXPERIMENTS["legendre"]["enabled"]:
        outputs += list(legendre_files().values()) + list(legendre_figures().values())
    if EXPERIMENTS["mlp"]["enabled"]:
        outputs += list(mlp_files().values()) + list(mlp_figures().values())
    if EXPERIMENTS["legendre"]["enabled"] or EXPERIMENTS["mlp"]["enabled"]:
        outputs.append(experiments_summary_file())
    return outputs


# ---- findings --------------------------------------------------------------------------------
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
    names = FINDINGS_FIGURES + (("correctness",) if TRAIN["enabled"] else ())
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
        "code": package_code("findings"),
    }
    if pixel_directions(space):
        inputs["test_x"] = data_files(dataset)["test_x"]
    if TRAIN["enabled"]:
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
        "code": package_code("figures", "findings", "criteria"),
    }
    if TRAIN["enabled"]:
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
    if not FINDINGS["enabled"]:
        return []
    outputs = list(claims_files(dataset).values())
    for space in SPACES:
        outputs += [stats_file(dataset, space), class_directions_file(dataset, space)]
        outputs += list(findings_figures(dataset, space).values())
    names = ["shape"]
    names += ["training"] if TRAIN["enabled"] else []
    if OWN_SPACES and RANDOM_SPACES:
        outputs.append(random_comparison_file(dataset))
        names.append("random_vs_real")
    if FINDINGS["pca_space"]:
        outputs.append(pca_sweep_files(dataset)["table"])
        names.append("pca_sweep")
    if FINDINGS["class_hull_space"]:
        outputs.append(class_hulls_files(dataset)["table"])
        names.append("class_hulls")
    for name in names:
        outputs += [f"{findings_figure(dataset, name)}.{ext}" for ext in ("png", "pdf")]
    return outputs


def claims_files(dataset):
    """The claims table: CSV, Markdown, and reStructuredText for the report's front page."""
    return {ext: f"results/{dataset}/claims.{ext}" for ext in ("csv", "md", "rst")}


def pca_sweep_files(dataset):
    folder = f"results/{dataset}/findings"
    return {"table": f"{folder}/pca_sweep.parquet", "csv": f"{folder}/pca_sweep.csv"}


def class_hulls_files(dataset):
    folder = f"results/{dataset}/findings"
    return {"table": f"{folder}/class_hulls.parquet", "csv": f"{folder}/class_hulls.csv"}


def claims_inputs(wildcards):
    dataset = wildcards.dataset
    inputs = {
        "stats": [stats_file(dataset, s) for s in SPACES],
        "info": data_info_file(dataset),
        "code": package_code("findings", "criteria", "verdict"),
    }
    if OWN_SPACES and RANDOM_SPACES:
        inputs["random"] = random_comparison_file(dataset)
    if FINDINGS["pca_space"]:
        inputs["pca"] = pca_sweep_files(dataset)["table"]
    if TRAIN["enabled"]:
        inputs["metrics"] = model_files(dataset)["metrics_json"]
    inputs["studies"] = [
        study_summary_file(s) for s in ("legendre", "mlp") if EXPERIMENTS[s]["enabled"]
    ]
    return inputs


def claims_figures(dataset):
    """The figure that shows each claim's evidence (a params entry of the claims rule)."""
    per_space = {
        name: {space: findings_figures(dataset, space)[f"{name}_png"] for space in SPACES}
        for name in ("distribution", "directions", "examples", "surface", "support")
    }
    single = {
        name: f"{findings_figure(dataset, name)}.png"
        for name in ("shape", "training", "random_vs_real", "pca_sweep")
    }
    return {**per_space, **single}


def network_recipe():
    """What the network-accuracy claim compares (a params entry of the claims rule)."""
    return {
        "depth": TRAIN["depth"],
        "epochs": TRAIN["epochs"],
        "full_training_set": config["subset"]["n_train"] is None,
    }


def hull_options_for_findings():
    """The hull stage's solver options (one worker), for the derived hull problems."""
    return {**hull_options(), "threads": 1}


# The derived hull problems (PCA sweep, per-class hulls) solve in one worker; their threads
# are BLAS threads for the passes and the PCA. Two pay only on large problems: under
# HULL_SMALL_PASS multiply-adds per pass (test points used x training rows x dimensions)
# they ask for one (measured on the digits default, 300 x 1,437 x 64: the PCA sweep 2.7 s
# and the class hulls 2.3-2.4 s on one thread or two).
FINDINGS_HULL_THREADS = 2


def findings_hull_threads(wildcards, input):
    """Threads of a derived hull job: one for a small problem, else FINDINGS_HULL_THREADS."""
    small = pass_is_small(input, lambda test_rows: min(test_rows, FINDINGS["max_test"]))
    return 1 if small else FINDINGS_HULL_THREADS


def diameter_file(dataset, space):
    return f"{findings_folder(dataset, space)}/diameter.json"


def size_file(dataset, space):
    """The size record of a space's training set (diameter, median pair distance); the
    first pixel space's for its isometries and the random baseline, which share it."""
    return diameter_file(dataset, space if space in SIZED_SPACES else OWN_SPACES[0])
