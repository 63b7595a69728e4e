"""Snakemake script: the claims table, from every space's statistics and the studies."""

import json
from pathlib import Path

import pandas as pd

from hullgen.findings.claims import build_claims, to_markdown
from hullgen.io import atomic_path
from hullgen.log import setup

log = setup(snakemake.log[0])
inp = snakemake.input
named = dict(inp.items())
spaces = {}
for path in inp.stats:
    stats = json.loads(Path(path).read_text())
    spaces[stats["space"]] = stats
table = build_claims(
    snakemake.wildcards.dataset,
    spaces,
    random_comparison=json.loads(Path(named["random"]).read_text()) if "random" in named else None,
    pca=pd.read_parquet(named["pca"]) if "pca" in named else None,
    studies=[json.loads(Path(path).read_text()) for path in inp.studies],
)
with atomic_path(snakemake.output.csv) as tmp:
    table.to_csv(tmp, index=False)
with atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(f"# Claims: {snakemake.wildcards.dataset}\n\n" + to_markdown(table))
for row in table.itertuples():
    log.info("%s: %s (%s)", row.id, row.holds, row.hullgen)
