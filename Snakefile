# hullgen: distances of test data to the convex hull of the training data.
# This file is an index; each stage lives in workflow/rules/.


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/spaces.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/hull.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/findings.smk"
include: "workflow/rules/beyond.smk"
include: "workflow/rules/claims.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
