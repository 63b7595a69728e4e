"""Snakemake script: info.json of the user's own data (sizes, classes, where it came from)."""

from hullgen.data import source as data_source
from hullgen.io import load_npy, save_json
from hullgen.log import setup

log = setup(snakemake.log[0])
inp = snakemake.input
source = data_source.describe(snakemake.params.dataset)
splits = ("train", "test")
info = data_source.summary(
    source,
    {split: load_npy(inp[f"{split}_y"], mmap=False) for split in splits},
    {split: load_npy(inp[f"{split}_index"], mmap=False) for split in splits},
)
save_json(snakemake.output.info, info)
log.info("wrote %s: %d train, %d test rows", snakemake.output.info, info["n_train"], info["n_test"])
