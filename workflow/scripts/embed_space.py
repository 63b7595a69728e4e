"""Snakemake script: one layer of the trained ResNet as a space (train and test matrices)."""

from hullgen.io import load_npy, save_json, save_npy
from hullgen.log import setup
from hullgen.model.embed import embedding_space
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
spec = snakemake.params.space
train, test, meta = embedding_space(
    snakemake.input.model,
    load_npy(snakemake.input.train_x),
    load_npy(snakemake.input.test_x),
    layer=spec["layer"],
    device=snakemake.params.device,
    batch_size=snakemake.params.batch_size,
    threads=threads,
)
meta = {"name": spec["name"], **meta}
save_npy(snakemake.output.train, train)
save_npy(snakemake.output.test, test)
save_json(snakemake.output.meta, meta)
log.info("wrote %s: train %s, test %s", spec["name"], train.shape, test.shape)
