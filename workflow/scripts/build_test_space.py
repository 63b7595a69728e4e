"""Snakemake script: one configured space's test matrix, from the prepared test data and the
space's meta (what it keeps of the training set)."""

import json
from pathlib import Path

from hullgen.io import load_npy, save_npy_or_link
from hullgen.log import setup
from hullgen.spaces.build import transform_test

log = setup(snakemake.log[0])
spec, n_rows = snakemake.params.space, snakemake.params.n_rows
meta = json.loads(Path(snakemake.input.meta).read_text())
named = dict(snakemake.input.items())
x_test = load_npy(named["test_x"]) if "test_x" in named else None
test = transform_test(spec, meta, x_test, len(x_test) if n_rows is None else n_rows)
save_npy_or_link(snakemake.output.test, test, named.get("test_x"), x_test)
log.info("wrote %s: test %s %s", spec["name"], test.shape, test.dtype)
