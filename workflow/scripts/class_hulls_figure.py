"""Snakemake script: the per-class hulls' figure."""

import pandas as pd

from hullgen.figures import plain_text, use_figure_options
from hullgen.findings.geometry_plots import plot_class_hulls
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures, snakemake.params.class_names)
plot_class_hulls(
    pd.read_parquet(snakemake.input.table),
    [plain_text(name) for name in snakemake.params.class_names],
    snakemake.output.png,
    snakemake.output.pdf,
    f"{snakemake.wildcards.dataset} / {snakemake.params.space}",
    "space units",
)
log.info("wrote %s", ", ".join(snakemake.output))
