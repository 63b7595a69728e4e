# Spaces stage: pixel, wavelet and random-baseline matrices, one pair (train, test) per space.


rule build_space:
    input:
        **data_files("{dataset}"),
        code=package_code("spaces"),
    output:
        **space_files("{dataset}", "{space}"),
    log:
        log_file("{dataset}", "spaces/{space}"),
    benchmark:
        benchmark_file("{dataset}", "spaces/{space}")
    wildcard_constraints:
        space=one_of(BUILT_SPACES),
    conda:
        "../../envs/spaces.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(40, minimum=2000),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
    script:
        "../scripts/build_space.py"
