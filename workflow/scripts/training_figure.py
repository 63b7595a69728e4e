"""Snakemake script: the network's accuracy per epoch against its recipe's reference."""

import json
from pathlib import Path

import pandas as pd

from hullgen.claims.criteria import accuracy_reference
from hullgen.figures import use_figure_options
from hullgen.findings.claim_plots import plot_training
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures)
dataset, network = snakemake.wildcards.dataset, snakemake.params.network
reference, why_not = accuracy_reference(
    dataset, network["depth"], network["epochs"], network["full_training_set"]
)
plot_training(
    pd.read_csv(snakemake.input.metrics_csv),
    json.loads(Path(snakemake.input.metrics_json).read_text())["test_accuracy"],
    reference,
    why_not,
    snakemake.output.png,
    snakemake.output.pdf,
    f"{dataset} / ResNet-{network['depth']}",
)
log.info("wrote %s", ", ".join(snakemake.output))
