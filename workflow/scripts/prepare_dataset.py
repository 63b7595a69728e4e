"""Snakemake script: raw files -> canonical train/test arrays and info.json."""

from hullgen.data import prepare
from hullgen.data.fetch import sha256_file
from hullgen.io import save_json, save_npy
from hullgen.log import setup

log = setup(snakemake.log[0])
name = snakemake.wildcards.dataset
params = snakemake.params
raw = {key: path for key, path in snakemake.input.items() if key != "code"}

log.info("loading %s from %s", name, ", ".join(raw.values()) or "scikit-learn")
splits = prepare.load(name, raw, params.test_fraction, params.split_seed)
log.info("full dataset: %d train, %d test", len(splits.y_train), len(splits.y_test))
splits = prepare.take_subset(splits, params.n_train, params.n_test, params.subset_seed)

for split in ("train", "test"):
    for part in ("x", "y", "index"):
        save_npy(snakemake.output[f"{split}_{part}"], getattr(splits, f"{part}_{split}"))

info = prepare.summary(name, splits)
info["raw_files"] = {key: {"path": p, "sha256": sha256_file(p)} for key, p in raw.items()}
info["params"] = dict(params.items())
save_json(snakemake.output.info, info)
log.info("wrote %s: %d train, %d test images", name, info["n_train"], info["n_test"])
