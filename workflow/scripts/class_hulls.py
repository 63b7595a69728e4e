"""Snakemake script: distances to the own class's hull and to the other classes' hulls."""

from hullgen.findings.geometry import class_hull_distances
from hullgen.io import load_npy, load_space, save_table
from hullgen.log import setup
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
p, inp = snakemake.params, snakemake.input
table = class_hull_distances(
    load_space(inp.train),
    load_npy(inp.train_y),
    load_space(inp.test),
    load_npy(inp.test_y),
    max_test=p.max_test,
    max_classes=p.max_classes,
    seed=p.seed,
    hull_options=p.hull,
)
save_table(table, snakemake.output.table, snakemake.output.csv)
owned = table[table["own_distance"].notna()]
closer = (owned["own_distance"] < owned["other_distance"]).mean()
log.info(
    "%.1f%% of %d test points are nearer their own class's hull (%d of %d classes)",
    100 * closer,
    len(table),
    table["n_classes"].iloc[0] if len(table) else 0,
    table["n_classes_total"].iloc[0] if len(table) else 0,
)
