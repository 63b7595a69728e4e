# Hull stage: certified distances of every test point to the training hull, per space.
# The test set of each space is scattered into shards, then gathered into one table.


scattergather:
    hull=config["hull"]["shards"],


localrules:
    hull_gather,


rule hull_shard:
    input:
        train="results/{dataset}/spaces/{space}/train.npy",
        test="results/{dataset}/spaces/{space}/test.npy",
        code=package_code("hull"),
    output:
        table="results/{dataset}/hull/{space}/shards/{scatteritem}.parquet",
        support="results/{dataset}/hull/{space}/shards/{scatteritem}.support.parquet",
    log:
        "results/{dataset}/logs/hull/{space}/{scatteritem}.log",
    benchmark:
        "results/{dataset}/benchmarks/hull/{space}/{scatteritem}.tsv"
    wildcard_constraints:
        space=one_of(SOLVED_SPACES),
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=hull_mem_mb,
        gpu=1 if config["hull"]["device"] == "cuda" else 0,
    params:
        options=hull_options(),
    script:
        "../scripts/hull_shard.py"


rule hull_gather:
    input:
        tables=gather.hull("results/{{dataset}}/hull/{{space}}/shards/{scatteritem}.parquet"),
        supports=gather.hull(
            "results/{{dataset}}/hull/{{space}}/shards/{scatteritem}.support.parquet"
        ),
    output:
        table="results/{dataset}/hull/{space}.parquet",
        support="results/{dataset}/hull/{space}.support.parquet",
    log:
        "results/{dataset}/logs/hull/{space}/gather.log",
    wildcard_constraints:
        space=one_of(SOLVED_SPACES),
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../scripts/hull_gather.py"
