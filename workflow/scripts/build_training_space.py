"""Snakemake script: one configured space's training matrix and meta, from the prepared data."""

from hullgen.io import load_npy, save_json, save_npy_or_link
from hullgen.log import setup
from hullgen.spaces.build import fit_space

log = setup(snakemake.log[0])
spec = snakemake.params.space
x_train = load_npy(snakemake.input.train_x)
log.info("space %s (%s) from %d training rows", spec["name"], spec["kind"], len(x_train))
train, meta = fit_space(spec, x_train)
save_npy_or_link(snakemake.output.train, train, snakemake.input.train_x, x_train)
save_json(snakemake.output.meta, meta)
log.info("wrote %s: train %s %s", spec["name"], train.shape, train.dtype)
