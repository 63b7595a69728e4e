"""Snakemake script: one space's statistics and figures."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hullgen.findings import images, plots, stats
from hullgen.io import load_npy, save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
inp, out, p = snakemake.input, snakemake.output, snakemake.params
named = dict(inp.items())
spec = p.space
meta = json.loads(Path(inp.meta).read_text())
table = pd.read_parquet(inp.table)
support = pd.read_parquet(inp.support)
train, test = load_npy(inp.train), load_npy(inp.test)
train_x, test_x = load_npy(inp.train_x), load_npy(inp.test_x)
train_y, test_y = load_npy(inp.train_y), load_npy(inp.test_y)
predictions = pd.read_parquet(named["predictions"]) if "predictions" in named else None
diameter = json.loads(Path(inp.diameter).read_text())
prefix = f"{snakemake.wildcards.dataset} / {spec['name']}"
image_shape = train_x.shape[1:]
# The random space's test points are pixel vectors that are no dataset image.
image_meta = {"kind": "pixel"} if spec["kind"] == "random" else meta

outside = stats.outside_mask(table)
distances = table["distance"].to_numpy()[outside]
summary = {
    "space": spec["name"],
    "kind": spec["kind"],
    "meta": {k: v for k, v in meta.items() if k != "positions"},
    "shares": stats.status_shares(table),
    "distance": stats.distance_summary(
        distances, seed=p.seed, max_normality_sample=p.normality_sample
    ),
    "relative_to_nn_median": float(np.nanmedian(stats.relative_to_nn(table))),
    "diameter": diameter,
    "farthest_share_of_diameter": stats.farthest_share_of_diameter(table, diameter["diameter"]),
    "per_class": stats.per_class(table, test_y).reset_index().to_dict(orient="records"),
    "examples": stats.example_queries(table),
}
if predictions is not None:
    summary["by_correctness"] = (
        stats.by_correctness(table, predictions).reset_index().to_dict(orient="records")
    )
save_json(out.stats, summary)

plots.plot_distance_distribution(
    distances if len(distances) else table["distance"].to_numpy(),
    out.distribution_png,
    out.distribution_pdf,
    prefix,
    p.units,
)
plots.plot_per_class(
    table, test_y, p.class_names, out.per_class_png, out.per_class_pdf, prefix, p.units
)
plots.plot_relative_to_nn(table, out.relative_nn_png, out.relative_nn_pdf, prefix)
if predictions is not None:
    plots.plot_by_correctness(
        table, predictions, out.correctness_png, out.correctness_pdf, prefix, p.units
    )

rows = []
for label, query in summary["examples"].items():
    if label == "among":
        continue
    point, _, _ = images.projection(train, support, query)
    x_vec = np.asarray(test[query], dtype=np.float64)
    rows.append(
        {
            "label": label,
            "query": query,
            "distance": float(table.loc[table["query"] == query, "distance"].iloc[0]),
            "image": images.to_image(x_vec, image_meta, image_shape)
            if spec["kind"] == "random"
            else test_x[query],
            "projection": images.to_image(point, image_meta, image_shape),
            "direction": images.direction_image(x_vec, point, image_meta, image_shape),
            "class_name": (
                "random point" if spec["kind"] == "random" else p.class_names[test_y[query]]
            ),
        }
    )
images.plot_examples(rows, out.examples_png, out.examples_pdf, prefix)
farthest = summary["examples"]["farthest"]
_, indices, weights = images.projection(train, support, farthest)
images.plot_support(
    rows[0]["image"],
    train_x[indices],
    weights,
    train_y[indices],
    p.class_names,
    out.support_png,
    out.support_pdf,
    f"{prefix}, farthest test point",
)
shares = summary["shares"]
log.info(
    "%s: %d/%d outside, %d inside, %d not converged; farthest %.4g = %.1f%% of the diameter",
    spec["name"],
    shares["outside"],
    shares["n"],
    shares["inside"],
    shares["not_converged"],
    summary["distance"]["max"] or 0.0,
    100 * summary["farthest_share_of_diameter"],
)
