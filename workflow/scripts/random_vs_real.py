"""Snakemake script: distances of random points against real test images."""

import pandas as pd

from hullgen.findings.stats import compare_to_random
from hullgen.io import save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
comparison = compare_to_random(
    pd.read_parquet(snakemake.input.real), pd.read_parquet(snakemake.input.random)
)
save_json(snakemake.output.comparison, comparison)
log.info("%s", comparison)
