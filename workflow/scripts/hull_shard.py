"""Snakemake script: certified hull distances for one shard of a space's test points."""

from hullgen.hull.run import hull_distance_files, shard_rows, write_tables
from hullgen.io import load_npy
from hullgen.log import setup
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
item, _, total = snakemake.wildcards.scatteritem.partition("-of-")
m = len(load_npy(snakemake.input.test))
rows = shard_rows(m, int(item) - 1, int(total))
log.info("space %s: test rows %d..%d of %d", snakemake.wildcards.space, rows[0], rows[1], m)
result, start = hull_distance_files(
    snakemake.input.train,
    snakemake.input.test,
    rows=rows,
    threads=threads,
    budget_name="hull.memory_budget_gb",
    **snakemake.params.options,
)
write_tables(result, start, snakemake.output.table, snakemake.output.support)
separated = int((result.status == "separated").sum())
if separated:
    log.info("%d test points separated: outside, the gap above the target", separated)
not_converged = int((result.status == "not_converged").sum())
if not_converged:
    log.warning("%d test points left undecided; their rows keep both bounds", not_converged)
