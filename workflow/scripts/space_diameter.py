"""Snakemake script: the exact diameter of a space's training set, and the pair."""

from hullgen.hull.diameter import hull_diameter
from hullgen.io import load_npy, save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
diameter, i, j = hull_diameter(load_npy(snakemake.input.train))
save_json(snakemake.output[0], {"diameter": diameter, "i": int(i), "j": int(j)})
log.info("diameter %.6g between training rows %d and %d", diameter, i, j)
