"""Snakemake script: the claims table, from every space's statistics and the studies."""

import json
from pathlib import Path

import pandas as pd

from hullgen.claims.front_page import front_page_rst
from hullgen.claims.table import Evidence, build_claims
from hullgen.claims.verdict import to_frame, to_markdown
from hullgen.io import atomic_path
from hullgen.log import setup

log = setup(snakemake.log[0])
inp, p = snakemake.input, snakemake.params
named = dict(inp.items())
dataset = snakemake.wildcards.dataset


def read_json(path):
    return json.loads(Path(path).read_text())


spaces = {stats["space"]: stats for stats in map(read_json, inp.stats)}
info = read_json(inp.info)
network = None
if "metrics" in named:
    # The test accuracy's sample: every test row (the data stage's counts).
    counts = info.get("class_counts_test")
    network = {**read_json(named["metrics"]), **p.network}
    network["test_rows"] = int(sum(counts)) if counts else None
evidence = Evidence(
    dataset,
    spaces,
    random=read_json(named["random"]) if "random" in named else None,
    pca=pd.read_parquet(named["pca"]) if "pca" in named else None,
    network=network,
    studies=[record for path in inp.studies for record in read_json(path)["claims"]],
    figures=p.figures,
    data_kind=info.get("kind", "known"),
    class_names=[str(c) for c in info.get("classes", [])] if info.get("labelled", True) else [],
)
table = to_frame(build_claims(evidence), dataset)
with atomic_path(snakemake.output.csv) as tmp:
    table.to_csv(tmp, index=False)
with atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(f"# Claims: {dataset}\n\n" + to_markdown(table))
# The report's front page (workflow/report/workflow.rst) includes this one.
with atomic_path(snakemake.output.rst) as tmp:
    tmp.write_text(front_page_rst(dataset, spaces, table, info))
for row in table.itertuples():
    log.info("%s: %s (%s)", row.id, row.holds, row.value)
