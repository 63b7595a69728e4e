"""Snakemake script: one space's statistics (stats.json)."""

import json
from pathlib import Path

import pandas as pd

from hullgen.findings.stats import space_summary
from hullgen.io import load_npy, save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
inp, p = snakemake.input, snakemake.params
named = dict(inp.items())
table = pd.read_parquet(inp.table)
summary = space_summary(
    table,
    load_npy(inp.test_y),
    json.loads(Path(inp.diameter).read_text()),
    json.loads(Path(inp.meta).read_text()),
    p.space,
    predictions=pd.read_parquet(named["predictions"]) if "predictions" in named else None,
    seed=p.seed,
    normality_sample=p.normality_sample,
)
save_json(snakemake.output.stats, summary)
shares = summary["shares"]
log.info(
    "%s: %d/%d outside, %d inside, %d not converged; farthest %.4g = %.1f%% of the diameter",
    summary["space"],
    shares["outside"],
    shares["n"],
    shares["inside"],
    shares["not_converged"],
    summary["distance"]["max"] or 0.0,
    100 * summary["farthest_share_of_diameter"],
)
