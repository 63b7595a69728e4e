"""Snakemake script: one space's figures, drawn from its hull tables and stats.json."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hullgen.claims import criteria
from hullgen.figures import plain_text, use_figure_options
from hullgen.findings import claim_plots, directions, images, plots, stats, surface
from hullgen.io import load_npy, load_space
from hullgen.log import setup

log = setup(snakemake.log[0])
inp, out, p = snakemake.input, snakemake.output, snakemake.params
use_figure_options(p.figures, p.class_names)
# Class names are the data's: drawn as text, never as mathtext.
class_names = [plain_text(name) for name in p.class_names]
named = dict(inp.items())
summary = json.loads(Path(inp.stats).read_text())
meta = json.loads(Path(inp.meta).read_text())
table = pd.read_parquet(inp.table)
support = pd.read_parquet(inp.support)
train, test = load_space(inp.train), load_space(inp.test)
train_x, test_x = load_npy(inp.train_x), load_npy(inp.test_x)
train_y, test_y = load_npy(inp.train_y), load_npy(inp.test_y)
predictions = pd.read_parquet(named["predictions"]) if "predictions" in named else None
prefix = f"{snakemake.wildcards.dataset} / {summary['space']}"

outside = stats.outside_mask(table)
queries = table["query"].to_numpy()[outside]
distances = table["distance"].to_numpy()[outside]
typical = summary["diameter"].get("median_pair_distance")
second = summary["modes"]["second_mode"]
plots.plot_distance_distribution(
    distances if len(distances) else table["distance"].to_numpy(),
    out.distribution_png,
    out.distribution_pdf,
    prefix,
    p.units,
    noise_bound=criteria.NOISE_SHARE_MIN * typical if typical else None,
    modes=summary["modes"],
    second_mode=(
        f"{second['class_share']:.0%} class {class_names[second['class']]}"
        if second and second.get("class") is not None and second["class"] < len(class_names)
        else None
    ),
)
plots.plot_per_class(
    table, test_y, class_names, out.per_class_png, out.per_class_pdf, prefix, p.units
)
plots.plot_relative_to_nn(table, out.relative_nn_png, out.relative_nn_pdf, prefix)
if predictions is not None:
    plots.plot_by_correctness(
        table, predictions, out.correctness_png, out.correctness_pdf, prefix, p.units
    )
rows = images.example_rows(
    summary["examples"], table, support, train, test, test_x, test_y, meta, class_names
)
images.plot_examples(rows, out.examples_png, out.examples_pdf, prefix)
images.plot_support(
    images.support_rows(rows, support, train, test, train_x, train_y),
    class_names,
    out.support_png,
    out.support_pdf,
    prefix,
)
class_means = load_npy(inp.class_directions, mmap=False)
image_meta = images.baseline_image_meta(meta, test_x)
class_images = [images.to_image(mean, image_meta, test_x.shape[1:]) for mean in class_means]
structure = None
if p.structure and len(queries) >= 2:
    # The same shares the stats job summarised (seeded alike), per point, for the histogram.
    unit = directions.unit_directions(
        test, directions.hull_points(train, support, len(test)), queries
    )
    structure = directions.structure_shares(unit, test_x[queries], seed=p.seed)
# Test points outside per class, aligned with the direction classes (both sorted): the
# figure draws the classes with the most.
_, direction_counts = np.unique(test_y[queries], return_counts=True)
claim_plots.plot_directions(
    # Feature rows have no class-mean image to draw.
    np.stack(class_images) if class_images and np.ndim(class_images[0]) >= 2 else None,
    class_means,
    summary["direction_classes"],
    class_names,
    summary["directions"],
    out.directions_png,
    out.directions_pdf,
    prefix,
    structure=structure,
    counts=direction_counts,
)
claim_plots.plot_surface(
    surface.own_class_weights(support, train_y, test_y, queries),
    out.surface_png,
    out.surface_pdf,
    prefix,
    neighbours=summary.get("neighbours"),
)
log.info("%s: figures written", summary["space"])
