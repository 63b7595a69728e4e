# Hull stage: certified distances of every test point to the training hull, per space.
# The test set of each space is scattered into shards, then gathered into one table.


include: "helpers/hull.smk"


scattergather:
    hull=HULL.shards,


localrules:
    hull_gather,


rule hull_shard:
    input:
        train=space_files("{dataset}", "{space}")["train"],
        test=space_files("{dataset}", "{space}")["test"],
        code=script_code("hull_shard.py"),
    output:
        **hull_shard_files("{dataset}", "{space}", "{scatteritem}"),
    log:
        log_file("{dataset}", "hull/{space}/{scatteritem}"),
    benchmark:
        benchmark_file("{dataset}", "hull/{space}/{scatteritem}")
    wildcard_constraints:
        space=one_of(SOLVED_SPACES),
    conda:
        "../../envs/hull.yaml"
    threads: hull_threads
    resources:
        mem_mb=job_mem_mb("hull_shard"),
        gpu=1 if HULL.device == "cuda" else 0,
    params:
        options=hull_options(),
    script:
        "../scripts/hull_shard.py"


rule hull_gather:
    input:
        tables=gather.hull(hull_shard_files("{{dataset}}", "{{space}}", "{scatteritem}")["table"]),
        supports=gather.hull(
            hull_shard_files("{{dataset}}", "{{space}}", "{scatteritem}")["support"]
        ),
    output:
        **hull_files("{dataset}", "{space}"),
    log:
        log_file("{dataset}", "hull/{space}/gather"),
    benchmark:
        benchmark_file("{dataset}", "hull/{space}/gather")
    wildcard_constraints:
        space=one_of(SOLVED_SPACES),
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("hull_gather"),
    script:
        "../scripts/hull_gather.py"
