"""Snakemake script: hull distances after PCA to k dimensions, for each k."""

from hullgen.findings.geometry import pca_sweep
from hullgen.findings.geometry_plots import plot_pca_sweep
from hullgen.io import load_npy, save_table
from hullgen.log import setup

log = setup(snakemake.log[0])
p = snakemake.params
sweep = pca_sweep(
    load_npy(snakemake.input.train),
    load_npy(snakemake.input.test),
    p.dims,
    max_test=p.max_test,
    seed=p.seed,
    hull_options=p.hull,
)
save_table(sweep, snakemake.output.table, snakemake.output.csv)
plot_pca_sweep(
    sweep,
    snakemake.output.png,
    snakemake.output.pdf,
    f"{snakemake.wildcards.dataset} / {p.space}",
    "space units",
)
