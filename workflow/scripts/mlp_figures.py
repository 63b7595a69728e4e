"""Snakemake script: the MLP study's figures, from its saved tables and arrays."""

from types import SimpleNamespace

import pandas as pd

from hullgen.experiments.mlp.options import MlpOptions
from hullgen.experiments.mlp.plots import plot_comparison, plot_control, plot_reach, plot_regions
from hullgen.figures import use_figure_options
from hullgen.io import load_npy
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures)
options = MlpOptions.from_mapping(snakemake.params.options)
inp, out = snakemake.input, snakemake.output
models = pd.read_parquet(inp.models_parquet)
study = SimpleNamespace(
    options=options,
    models=models,
    **{
        name: load_npy(inp[name])
        for name in ("train_x", "train_y", "grid_points", "inside", "targets", "predictions")
    },
)
plot_control(models, options, out.control_png, out.control_pdf)
plot_comparison(
    pd.read_parquet(inp.comparison_parquet),
    options.n_train,
    out.comparison_png,
    out.comparison_pdf,
)
plot_regions(study, out.regions_png, out.regions_pdf)
plot_reach(study, out.reach_png, out.reach_pdf)
log.info("wrote %s", ", ".join(out))
