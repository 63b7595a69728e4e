"""Snakemake script: one split of the user's own data (an image folder or arrays) -> the
prepared x, y and index arrays."""

import numpy as np

from hullgen.data import source as data_source
from hullgen.errors import DataFormatError
from hullgen.io import save_link, save_npy
from hullgen.log import setup

log = setup(snakemake.log[0])
split, params = snakemake.wildcards.split, snakemake.params
source = data_source.describe(params.dataset)
if list(source.spec.classes) != list(params.classes):
    raise DataFormatError(
        f"the classes of dataset {source.spec.name!r} changed while the workflow ran "
        f"({', '.join(params.classes)} -> {', '.join(source.spec.classes)}); run it again"
    )
subset = {f"n_{split}": params.n_rows, "seed": params.subset_seed}
log.info("reading the %s split of %s (%s)", split, source.spec.name, source.kind)
x, y, index = data_source.load_split(source, split, subset)
if isinstance(x, np.memmap) and x.flags.c_contiguous:
    # The whole .npy file, checked: linked, not copied (3.9 GB at ImageNet's size).
    save_link(snakemake.output.x, x.filename)
    log.info("linked %s to %s", snakemake.output.x, x.filename)
else:
    save_npy(snakemake.output.x, x)
save_npy(snakemake.output.y, y)
save_npy(snakemake.output.index, index)
log.info("wrote %s %s: %s %s", source.spec.name, split, x.shape, x.dtype)
