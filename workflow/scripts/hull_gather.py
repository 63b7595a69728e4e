"""Snakemake script: join the shards of one space into its hull and support tables."""

import pandas as pd

from hullgen.io import atomic_path
from hullgen.log import setup

log = setup(snakemake.log[0])
table = pd.concat([pd.read_parquet(p) for p in snakemake.input.tables], ignore_index=True)
support = pd.concat([pd.read_parquet(p) for p in snakemake.input.supports], ignore_index=True)
if not (table["query"].to_numpy() == range(len(table))).all():
    raise ValueError(f"shards of {snakemake.output.table} do not cover the test rows in order")
with atomic_path(snakemake.output.table) as tmp:
    table.to_parquet(tmp, index=False)
with atomic_path(snakemake.output.support) as tmp:
    support.to_parquet(tmp, index=False)
log.info(
    "%s: %d test points, %s",
    snakemake.output.table,
    len(table),
    table["status"].value_counts().to_dict(),
)
