# Train stage: the CIFAR ResNet, trained once per dataset, and its internal representations
# exported as spaces (kind embedding) for the hull stage.


rule train:
    input:
        train_x="results/{dataset}/data/train_x.npy",
        train_y="results/{dataset}/data/train_y.npy",
        test_x="results/{dataset}/data/test_x.npy",
        test_y="results/{dataset}/data/test_y.npy",
        code=package_code("model"),
    output:
        **model_files("{dataset}"),
    log:
        "results/{dataset}/logs/train.log",
    benchmark:
        "results/{dataset}/benchmarks/train.tsv"
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(30, minimum=4000),
        gpu=train_gpus(),
    params:
        options=train_options(),
        num_classes=len(DATASET_SPEC.classes),
        # Not an output: Snakemake would delete it when a killed job is rerun.
        resume_dir=lambda wildcards: f"results/{wildcards.dataset}/model/resume",
    script:
        "../scripts/train_model.py"


rule embed_space:
    input:
        model="results/{dataset}/model/model.pt",
        train_x="results/{dataset}/data/train_x.npy",
        test_x="results/{dataset}/data/test_x.npy",
        code=package_code("model"),
    output:
        **space_files("{dataset}", "{space}"),
    log:
        "results/{dataset}/logs/spaces/{space}.log",
    benchmark:
        "results/{dataset}/benchmarks/spaces/{space}.tsv"
    wildcard_constraints:
        space=one_of(EMBEDDING_SPACES),
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(120, minimum=4000),
        gpu=train_gpus(),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        device=TRAIN["device"],
        batch_size=TRAIN["eval_batch_size"],
    script:
        "../scripts/embed_space.py"
