"""Snakemake script: the size of a space's training set: its exact diameter and the pair,
and the median distance between two training points."""

from hullgen.findings.size import median_pair_distance
from hullgen.hull.diameter import hull_diameter
from hullgen.io import load_space, save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
train = load_space(snakemake.input.train)
diameter, i, j = hull_diameter(train)
typical, pairs = median_pair_distance(train, seed=snakemake.params.seed)
save_json(
    snakemake.output[0],
    {
        "diameter": diameter,
        "i": int(i),
        "j": int(j),
        "median_pair_distance": typical,
        "pairs": pairs,
    },
)
log.info(
    "diameter %.6g between training rows %d and %d; median pair distance %.6g (%d pairs)",
    diameter,
    i,
    j,
    typical,
    pairs,
)
