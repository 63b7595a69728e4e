"""Snakemake script: distances of random points against real test images."""

import pandas as pd

from hullgen.findings.plots import plot_random_vs_real
from hullgen.findings.stats import compare_to_random
from hullgen.io import save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
real = pd.read_parquet(snakemake.input.real)
random = pd.read_parquet(snakemake.input.random)
comparison = compare_to_random(real, random)
save_json(snakemake.output.comparison, comparison)
plot_random_vs_real(
    real["distance"],
    random["distance"],
    snakemake.output.png,
    snakemake.output.pdf,
    f"{snakemake.wildcards.dataset} / pixel domain",
    "pixel values 0..255",
)
log.info("%s", comparison)
