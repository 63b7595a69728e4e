"""Snakemake script: train the configured ResNet on the prepared dataset."""

from hullgen.io import load_npy
from hullgen.log import setup
from hullgen.model.train import train
from hullgen.options import TrainOptions
from hullgen.runtime import limit_threads

log = setup(snakemake.log[0])
threads = limit_threads(snakemake.threads, log)
train(
    load_npy(snakemake.input.train_x, mmap=False),
    load_npy(snakemake.input.train_y, mmap=False),
    load_npy(snakemake.input.test_x, mmap=False),
    load_npy(snakemake.input.test_y, mmap=False),
    options=TrainOptions.from_mapping(snakemake.params.options),
    dataset=snakemake.wildcards.dataset,
    num_classes=snakemake.params.num_classes,
    outputs=dict(snakemake.output.items()),
    resume_dir=snakemake.params.resume_dir,
    threads=threads,
)
