# Spaces stage: pixel, wavelet, feature and random-baseline matrices. The training matrix
# and the test matrix are jobs of their own, so that new test data leaves the training side
# (and the diameter measured on it) as it is.


include: "helpers/spaces.smk"


rule build_space_train:
    input:
        train_x=data_files("{dataset}")["train_x"],
        code=script_code("build_training_space.py"),
    output:
        train=space_files("{dataset}", "{space}")["train"],
        meta=space_files("{dataset}", "{space}")["meta"],
    log:
        log_file("{dataset}", "spaces/{space}/train"),
    benchmark:
        benchmark_file("{dataset}", "spaces/{space}/train")
    wildcard_constraints:
        space=one_of(BUILT_SPACES),
    conda:
        "../../envs/spaces.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("build_space_train"),
    params:
        space=lambda wildcards: space_fit_options(wildcards.space),
    script:
        "../scripts/build_training_space.py"


rule build_space_test:
    input:
        unpack(space_test_inputs),
        code=script_code("build_test_space.py"),
    output:
        test=space_files("{dataset}", "{space}")["test"],
    log:
        log_file("{dataset}", "spaces/{space}/test"),
    benchmark:
        benchmark_file("{dataset}", "spaces/{space}/test")
    wildcard_constraints:
        space=one_of(BUILT_SPACES),
    conda:
        "../../envs/spaces.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("build_space_test"),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        n_rows=random_test_rows,
    script:
        "../scripts/build_test_space.py"
