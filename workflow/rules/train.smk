# Train stage: the CIFAR ResNet, trained once per dataset, and its internal representations
# exported as spaces (kind embedding) for the hull stage.


include: "helpers/train.smk"


rule train:
    input:
        **{k: v for k, v in data_files("{dataset}").items() if not k.endswith("_index")},
        code=script_code("train_model.py"),
    output:
        **model_files("{dataset}"),
    log:
        log_file("{dataset}", "train"),
    benchmark:
        benchmark_file("{dataset}", "train")
    conda:
        "../../envs/train.yaml"
    threads: train_threads
    resources:
        mem_mb=mem_mb_for(30, minimum=4000),
        gpu=train_gpus(),
    params:
        options=train_options(),
        num_classes=len(DATASET_SPEC.classes),
        # Not an output: Snakemake would delete it when a killed job is rerun.
        resume_dir=lambda wildcards: resume_folder(wildcards.dataset),
    script:
        "../scripts/train_model.py"


rule embed_space:
    input:
        model=model_files("{dataset}")["model"],
        train_x=data_files("{dataset}")["train_x"],
        test_x=data_files("{dataset}")["test_x"],
        code=script_code("embed_space.py"),
    output:
        **space_files("{dataset}", "{space}"),
    log:
        log_file("{dataset}", "spaces/{space}"),
    benchmark:
        benchmark_file("{dataset}", "spaces/{space}")
    wildcard_constraints:
        space=one_of(EMBEDDING_SPACES),
    conda:
        "../../envs/train.yaml"
    threads: embed_threads
    resources:
        mem_mb=mem_mb_for(120, minimum=4000),
        gpu=train_gpus(),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        device=TRAIN.device,
        batch_size=TRAIN.eval_batch_size,
    script:
        "../scripts/embed_space.py"
