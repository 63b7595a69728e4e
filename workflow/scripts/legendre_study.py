"""Snakemake script: fit the Legendre boundaries for every (terms, regime), and the closest
separating boundary to every target extension for every terms (the control programs)."""

from hullgen.experiments.legendre.control import control_table
from hullgen.experiments.legendre.options import LegendreOptions
from hullgen.experiments.legendre.study import Points, intervals_of, run_study, true_boundary
from hullgen.experiments.legendre.verdicts import claims, summary_lines
from hullgen.io import atomic_path, save_json, save_table
from hullgen.log import setup

log = setup(snakemake.log[0])
options = LegendreOptions.from_mapping(snakemake.params.options)
out = snakemake.output
data, fits = run_study(options)
control = control_table(
    true_boundary(options), Points.of_split(data, "train"), intervals_of(options), options
)
save_table(data, out.points)
save_table(fits, out.fits)
save_table(control, out.control)
for table, path in ((fits, out.fits_csv), (control, out.control_csv)):
    with atomic_path(path) as tmp:
        table.drop(columns=["native_coefficients", "coefficients"], errors="ignore").to_csv(
            tmp, index=False
        )
lines = summary_lines(fits, control, options.n_train)
save_json(
    out.summary,
    {"study": "legendre", "lines": lines, "claims": claims(fits, control, snakemake.params.figure)},
)
for line in lines:
    log.info("%s", line)
