"""Snakemake script: every space's distance shape on the L-moment ratio diagram."""

import json
from pathlib import Path

from hullgen.figures import use_figure_options
from hullgen.findings.claim_plots import plot_shape_diagram
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures)
spaces = []
for path in snakemake.input.stats:
    stats = json.loads(Path(path).read_text())
    d = stats["distance"]
    spaces.append(
        {
            "space": stats["space"],
            "n": d["n"],
            "tl_skewness": d["tl_skewness"],
            "tl_kurtosis": d["tl_kurtosis"],
        }
    )
plot_shape_diagram(
    spaces, snakemake.output.png, snakemake.output.pdf, f"{snakemake.wildcards.dataset}"
)
log.info("wrote %s", ", ".join(snakemake.output))
