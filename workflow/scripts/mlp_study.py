"""Snakemake script: train the MLPs of every (width, regime, seed) and measure them."""

import numpy as np

from hullgen.experiments.mlp import claims, run_study, summary_lines
from hullgen.io import save_json, save_npy, save_table
from hullgen.log import setup
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
study = run_study(snakemake.params.options, log=log)
out = snakemake.output
for name in ("models", "disagreement"):
    save_table(getattr(study, name), out[f"{name}_parquet"], out[f"{name}_csv"])
for name in ("train_x", "train_y", "grid_points", "inside", "predictions"):
    save_npy(out[name], getattr(study, name))
# -1 everywhere: the data set has no true labelling (spirals).
truth = study.truth if study.truth is not None else np.full(len(study.inside), -1)
save_npy(out.truth, truth.astype(np.int64))
lines = summary_lines(study)
save_json(
    out.summary, {"study": "mlp", "lines": lines, "claims": claims(study, snakemake.params.figure)}
)
for line in lines:
    log.info("%s", line)
