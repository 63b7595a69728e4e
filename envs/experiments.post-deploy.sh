#!/usr/bin/env bash
# Snakemake runs this once, inside the new environment, in the workflow's working directory
# (the hullgen checkout): install hullgen there without touching the pinned dependencies.
set -euo pipefail
python -m pip install --no-deps --editable .
