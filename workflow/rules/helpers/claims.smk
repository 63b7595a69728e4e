# Helpers of claims.smk: its output paths (each spelled once, here), its inputs, options,
# threads and memory. Snakemake's linter keeps functions apart from rules.


def claims_files(dataset):
    """The claims table: CSV, Markdown, and reStructuredText for the report's front page."""
    return {ext: f"results/{dataset}/claims.{ext}" for ext in ("csv", "md", "rst")}


def claims_inputs(wildcards):
    dataset = wildcards.dataset
    inputs = {
        "stats": [stats_file(dataset, s) for s in SPACES],
        "info": data_info_file(dataset),
        "code": script_code("claims.py"),
    }
    if OWN_SPACES and RANDOM_SPACES:
        inputs["random"] = random_comparison_file(dataset)
    if FINDINGS.pca_space:
        inputs["pca"] = pca_sweep_files(dataset)["table"]
    if TRAIN_ENABLED:
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
