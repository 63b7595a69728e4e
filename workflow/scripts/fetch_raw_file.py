"""Snakemake script: put one raw file of the dataset into the cache, verified."""

from pathlib import Path

from hullgen.data import registry
from hullgen.data.fetch import download, stage
from hullgen.log import setup

log = setup(snakemake.log[0])
raw = registry.get(snakemake.wildcards.dataset).file(snakemake.params.raw["name"])
dest = Path(snakemake.output[0])
verify = snakemake.params.verify
data_dir = snakemake.params.data_dir
if data_dir is not None:
    source = Path(data_dir) / raw.name
    log.info("staging %s from %s", raw.name, source)
    sha256, origin = stage(raw, source, dest, verify=verify)
else:
    sha256, origin = download(raw, dest, verify=verify)
# With verify: false, stage() and download() have already logged a warning.
log.info("%s: sha256 %s (%s)", dest, sha256, origin)
