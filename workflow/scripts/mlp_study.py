"""Snakemake script: train the MLPs of every (width, regime, seed) and measure them."""

import numpy as np

from hullgen.experiments.mlp.options import MlpOptions
from hullgen.experiments.mlp.study import run_study
from hullgen.experiments.mlp.verdicts import claims, summary_lines
from hullgen.io import save_json, save_npy, save_table
from hullgen.log import setup
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
study = run_study(MlpOptions.from_mapping(snakemake.params.options), log=log)
out = snakemake.output
for name in ("models", "comparison"):
    save_table(getattr(study, name), out[f"{name}_parquet"], out[f"{name}_csv"])
# -1 everywhere: the data set has no true labelling (spirals).
truth = study.truth if study.truth is not None else np.full(len(study.inside), -1)
arrays = {**vars(study), "truth": truth.astype(np.int64)}
for name in snakemake.params.arrays:
    save_npy(out[name], arrays[name])
lines = summary_lines(study)
save_json(
    out.summary, {"study": "mlp", "lines": lines, "claims": claims(study, snakemake.params.figure)}
)
for line in lines:
    log.info("%s", line)
