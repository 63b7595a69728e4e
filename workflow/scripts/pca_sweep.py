"""Snakemake script: hull distances after PCA to k dimensions, for each k."""

from hullgen.findings.geometry import pca_sweep
from hullgen.findings.geometry_plots import plot_pca_sweep
from hullgen.io import atomic_path, load_npy
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
with atomic_path(snakemake.output.table) as tmp:
    sweep.to_parquet(tmp, index=False)
with atomic_path(snakemake.output.csv) as tmp:
    sweep.to_csv(tmp, index=False)
plot_pca_sweep(
    sweep,
    snakemake.output.png,
    snakemake.output.pdf,
    f"{snakemake.wildcards.dataset} / {p.space}",
    "space units",
)
