# Helpers of experiments.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


# The MLP study trains full batch: steps on n_train rows x the widest layer. Below this many
# values (the defaults: 200 x 64) torch's threads only add synchronisation, so the study asks
# for one thread, and MLP_THREADS above (benchmarks/README.md, "Threads of small jobs").
MLP_THREADS = 4
MLP_SMALL_STEP = 32768


def mlp_threads():
    """The MLP study's threads: one for small full-batch steps, else MLP_THREADS."""
    mlp = OPTIONS.mlp
    return 1 if mlp.n_train * max(mlp.widths) < MLP_SMALL_STEP else MLP_THREADS


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
