# Helpers of beyond.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


def pca_sweep_files(dataset):
    folder = f"results/{dataset}/findings"
    return {"table": f"{folder}/pca_sweep.parquet", "csv": f"{folder}/pca_sweep.csv"}


def class_hulls_files(dataset):
    folder = f"results/{dataset}/findings"
    return {"table": f"{folder}/class_hulls.parquet", "csv": f"{folder}/class_hulls.csv"}


def hull_options_for_findings():
    """The hull stage's solver options (one worker), for the derived hull problems."""
    return {**hull_options(), "threads": 1}


# The derived hull problems (PCA sweep, per-class hulls) solve in one worker; their threads
# are BLAS threads for the passes and the PCA. Two pay only on large problems: under
# HULL_SMALL_PASS multiply-adds per pass (test points used x training rows x dimensions)
# they ask for one (benchmarks/README.md, "Threads of small jobs").
FINDINGS_HULL_THREADS = 2


def findings_hull_threads(wildcards, input):
    """Threads of a derived hull job: one for a small problem, else FINDINGS_HULL_THREADS."""
    small = pass_is_small(input, lambda test_rows: min(test_rows, FINDINGS.max_test))
    return 1 if small else FINDINGS_HULL_THREADS
