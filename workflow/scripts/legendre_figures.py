"""Snakemake script: the Legendre study's figures."""

import pandas as pd

from hullgen.experiments.legendre.options import LegendreOptions
from hullgen.experiments.legendre.plots import plot_boundaries, plot_control, plot_measures
from hullgen.experiments.legendre.study import intervals_of, outside_of, true_boundary
from hullgen.figures import use_figure_options
from hullgen.log import setup

log = setup(snakemake.log[0])
use_figure_options(snakemake.params.figures)
options = LegendreOptions.from_mapping(snakemake.params.options)
points = pd.read_parquet(snakemake.input.points)
fits = pd.read_parquet(snakemake.input.fits)
control = pd.read_parquet(snakemake.input.control)
out = snakemake.output
g, intervals, slopes = true_boundary(options), intervals_of(options), options.target_slopes
outside = outside_of(g, intervals, slopes, options.spread)
plot_control(points, control, fits, g, intervals, outside, slopes, out.control_png, out.control_pdf)
plot_boundaries(points, fits, g, intervals, out.boundaries_png, out.boundaries_pdf)
plot_measures(fits, options.n_train, out.measures_png, out.measures_pdf)
log.info("wrote %s", ", ".join(out))
