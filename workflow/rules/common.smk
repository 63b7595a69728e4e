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
from hullgen import job_memory
from hullgen import preflight
from hullgen.code_graph import hullgen_files
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
# The sections as their types, built once and read as attributes (hullgen.options);
# whether a stage runs stays in the config.
OPTIONS = hullgen_config.options(config)
TRAIN = OPTIONS.train
TRAIN_ENABLED = config["train"]["enabled"]
EXPERIMENTS = config["experiments"]
FINDINGS = OPTIONS.findings
FINDINGS_ENABLED = config["findings"]["enabled"]
HULL = OPTIONS.hull
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
SCRIPTS_DIR = Path(str(workflow.current_basedir)).parent / "scripts"


def script_code(script):
    """The hullgen source files a workflow script runs, from the package's import graph
    (:func:`hullgen.code_graph.hullgen_files`): a rule's code inputs, so that editing a module
    reruns the rules whose scripts import it, and no others. Without the scripts' source
    (a remote module), every source file of the package."""
    path = SCRIPTS_DIR / script
    files = hullgen_files(path) if path.is_file() else sorted(PACKAGE_DIR.rglob("*.py"))
    return [os.path.relpath(f) if f.is_relative_to(Path.cwd()) else str(f) for f in files]


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


# Every job's memory from the sizes of the matrices it reads, known now (hullgen.job_memory):
# a dry run shows each request, and a SLURM job asks for what it uses at any scale.
SPACE_SIZES = job_memory.space_sizes(config, SOURCE)
LARGEST_TEST = max(SPACE_SIZES.values(), key=lambda size: size.n_test)


def job_mem_mb(model):
    """A rule's memory request (a ``mem_mb`` callable) by ``model`` of
    :data:`hullgen.job_memory.MODELS`, for the space its job reads: the ``space`` wildcard,
    else the space of its ``train`` input, else the one with the most test rows."""

    def mem_mb(wildcards, input, threads, attempt):
        if "space" in wildcards.keys():
            size = SPACE_SIZES[wildcards.space]
        elif "train" in input.keys():
            size = SPACE_SIZES[Path(input.train).parent.name]
        else:
            size = LARGEST_TEST
        budget = job_memory.hull_budget(size, HULL.memory_budget_gb, HULL.k_seed, threads)
        return job_memory.request_mb(model, size, threads, budget, attempt)

    return mem_mb


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
    if TRAIN_ENABLED:
        outputs += list(model_files(DATASET).values())
    for space in SPACES:
        outputs += list(space_files(DATASET, space).values())
        outputs += list(hull_files(DATASET, space).values())
    return outputs + experiment_outputs() + findings_outputs(DATASET)
