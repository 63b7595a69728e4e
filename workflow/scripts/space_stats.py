"""Snakemake script: one space's statistics (stats.json) and its class-mean directions."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hullgen.findings.directions import class_mean_directions
from hullgen.findings.summary import outside_directions, sample_neighbours, space_summary
from hullgen.io import load_npy, load_space, save_json, save_npy
from hullgen.log import setup

log = setup(snakemake.log[0])
inp, out, p = snakemake.input, snakemake.output, snakemake.params
named = dict(inp.items())
table = pd.read_parquet(inp.table)
support = pd.read_parquet(inp.support)
train, test = load_space(inp.train), load_space(inp.test)
test_y = load_npy(inp.test_y)
queries, directions = outside_directions(table, support, train, test)
# The images the directions are measured against: the test images of the same rows (for a
# pixel space its own points; for the random baseline the images its points stand in for).
images = load_npy(inp.test_x)[queries] if p.structure else None
summary = space_summary(
    table,
    support,
    directions,
    n_train=len(train),
    train_labels=load_npy(inp.train_y),
    test_labels=test_y,
    size=json.loads(Path(inp.sizes).read_text()),
    meta={**json.loads(Path(inp.meta).read_text()), "n_test": len(test)},
    spec=p.space,
    predictions=pd.read_parquet(named["predictions"]) if "predictions" in named else None,
    points=np.asarray(test[queries]),
    structure_images=images,
    energy_images=np.asarray(test[queries]) if p.energy else None,
    neighbours=sample_neighbours(table, support, train, test, p.seed) if p.neighbours else None,
    seed=p.seed,
    normality_sample=p.normality_sample,
)
classes, means = class_mean_directions(directions, test_y[queries])
save_json(out.stats, {**summary, "direction_classes": classes.tolist()})
save_npy(out.directions, means)
shares, d = summary["shares"], summary["directions"]
log.info(
    "%s: %d/%d outside, %d inside, %d not converged; farthest %.4g = %.1f%% of the diameter;"
    " TL-skewness %s, TL-kurtosis %s; second mode %s; directions on their images' structure:"
    " A = %s; direction probe skill %s (on the points %s)",
    summary["space"],
    shares["outside"],
    shares["n"],
    shares["inside"],
    shares["not_converged"],
    summary["distance"]["max"] or 0.0,
    100 * summary["farthest_share_of_diameter"],
    summary["distance"]["tl_skewness"],
    summary["distance"]["tl_kurtosis"],
    summary["modes"]["second_mode"],
    d["structure_effect"],
    d["probe_skill"],
    d.get("probe_points_skill"),
)
