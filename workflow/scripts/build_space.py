"""Snakemake script: build one space (train and test matrices) from the prepared dataset."""

from hullgen.io import load_npy, save_json, save_npy
from hullgen.log import setup
from hullgen.spaces.build import build_space

log = setup(snakemake.log[0])
spec = snakemake.params.space
x_train = load_npy(snakemake.input.train_x)
x_test = load_npy(snakemake.input.test_x)
log.info(
    "space %s (%s) from %d train and %d test images",
    spec["name"],
    spec["kind"],
    len(x_train),
    len(x_test),
)
train, test, meta = build_space(spec, x_train, x_test)
save_npy(snakemake.output.train, train)
save_npy(snakemake.output.test, test)
save_json(snakemake.output.meta, meta)
log.info("wrote %s: train %s, test %s", spec["name"], train.shape, test.shape)
