"""Snakemake script: the MLP study's figures, from its saved tables and arrays."""

from types import SimpleNamespace

import pandas as pd

from hullgen.experiments.mlp import validate_options
from hullgen.experiments.mlp_plots import plot_disagreement, plot_error, plot_regions
from hullgen.figures import use_figure_options
from hullgen.io import load_npy
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures)
options = validate_options(snakemake.params.options)
inp, out = snakemake.input, snakemake.output
models = pd.read_parquet(inp.models_parquet)
study = SimpleNamespace(
    options=options,
    models=models,
    **{name: load_npy(inp[name]) for name in ("train_x", "train_y", "grid_points", "predictions")},
)
plot_regions(study, out.regions_png, out.regions_pdf)
n_train = options["n_train"]
plot_disagreement(
    pd.read_parquet(inp.disagreement_parquet), n_train, out.disagreement_png, out.disagreement_pdf
)
plot_error(models, n_train, out.error_png, out.error_pdf)
log.info("wrote %s", ", ".join(out))
