"""Snakemake script: fit the Legendre boundaries for every (terms, regime)."""

from hullgen.experiments.legendre import claims, run_study, summary_lines
from hullgen.io import atomic_path, save_json, save_table
from hullgen.log import setup

log = setup(snakemake.log[0])
options = snakemake.params.options
data, table = run_study(options)
out = snakemake.output
save_table(data, out.points)
save_table(table, out.fits)
with atomic_path(out.fits_csv) as tmp:
    table.drop(columns=["native_coefficients", "coefficients"]).to_csv(tmp, index=False)
lines = summary_lines(table, options["n_train"])
save_json(
    out.summary,
    {
        "study": "legendre",
        "lines": lines,
        "claims": claims(table, options["n_train"], snakemake.params.figure),
    },
)
for line in lines:
    log.info("%s", line)
