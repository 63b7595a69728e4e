"""Snakemake script: the figure of random points' distances against real test images'."""

import pandas as pd

from hullgen.figures import use_figure_options
from hullgen.findings.plots import plot_random_vs_real
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures)
real = pd.read_parquet(snakemake.input.real)
random = pd.read_parquet(snakemake.input.random)
plot_random_vs_real(
    real["distance"],
    random["distance"],
    snakemake.output.png,
    snakemake.output.pdf,
    f"{snakemake.wildcards.dataset} / pixel domain",
    "pixel values 0..255",
    real_nn=real["nn_distance"],
    random_nn=random["nn_distance"],
)
log.info("wrote %s", ", ".join(snakemake.output))
