"""Snakemake script: hull distances after PCA to k dimensions, for each k."""

from hullgen.findings.geometry import pca_sweep
from hullgen.io import load_space, save_table
from hullgen.log import setup
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
p = snakemake.params
sweep = pca_sweep(
    load_space(snakemake.input.train),
    load_space(snakemake.input.test),
    p.dims,
    max_test=p.max_test,
    seed=p.seed,
    hull_options=p.hull,
)
save_table(sweep, snakemake.output.table, snakemake.output.csv)
