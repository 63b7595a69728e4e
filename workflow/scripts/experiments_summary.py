"""Snakemake script: one Markdown summary of the model studies."""

import json
from pathlib import Path

from hullgen.io import atomic_path
from hullgen.log import setup

log = setup(snakemake.log[0])
titles = {
    "legendre": "Legendre-polynomial decision boundary (paper, section 3)",
    "mlp": "Networks under and over their parameter count (paper, section 4)",
}
parts = ["# Model studies\n"]
for path in snakemake.input.summaries:
    summary = json.loads(Path(path).read_text())
    parts.append(f"## {titles[summary['study']]}\n")
    parts += [f"- {line}" for line in summary["lines"]]
    parts.append("")
with atomic_path(snakemake.output[0]) as tmp:
    tmp.write_text("\n".join(parts))
log.info("wrote %s", snakemake.output[0])
