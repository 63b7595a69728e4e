# Data stage: raw files (downloaded or pre-staged, always hashed) -> canonical arrays; or the
# user's own data (an image folder, feature arrays), one job per split.


include: "helpers/data.smk"


localrules:
    fetch_raw_file,
    dataset_info,


# Downloads run on the submit host: cluster compute nodes often have no internet.
rule fetch_raw_file:
    input:
        unpack(staged_source),
    output:
        f"{CACHE_DIR}/{{dataset}}/{{filename}}",
    log:
        log_file("{dataset}", "fetch/{filename}"),
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        raw=raw_file_params,
        data_dir=config["dataset"]["data_dir"],
        verify=config["dataset"]["verify"],
    script:
        "../scripts/fetch_raw_file.py"


rule prepare_dataset:
    input:
        unpack(raw_files),
        code=script_code("prepare_dataset.py"),
    output:
        **data_files("{dataset}"),
        info=data_info_file("{dataset}"),
    log:
        log_file("{dataset}", "prepare_dataset"),
    benchmark:
        benchmark_file("{dataset}", "prepare_dataset")
    wildcard_constraints:
        dataset=KNOWN_DATASET,
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(20, minimum=2000),
    params:
        test_fraction=config["dataset"]["test_fraction"],
        split_seed=config["dataset"]["split_seed"],
        n_train=config["subset"]["n_train"],
        n_test=config["subset"]["n_test"],
        subset_seed=config["subset"]["seed"],
    script:
        "../scripts/prepare_dataset.py"


# Each split on its own: replacing the test data reruns what depends on the test data.
rule prepare_split:
    input:
        unpack(own_data_inputs),
        code=script_code("prepare_split.py"),
    output:
        **data_split_files("{dataset}", "{split}"),
    log:
        log_file("{dataset}", "prepare_{split}"),
    benchmark:
        benchmark_file("{dataset}", "prepare_{split}")
    wildcard_constraints:
        dataset=OWN_DATASET,
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=own_data_mem_mb,
    params:
        dataset=config["dataset"],
        classes=own_data_classes(),
        images=own_data_fingerprint,
        n_rows=lambda wildcards: config["subset"][f"n_{wildcards.split}"],
        subset_seed=config["subset"]["seed"],
    script:
        "../scripts/prepare_split.py"


rule dataset_info:
    input:
        **{k: v for k, v in data_files("{dataset}").items() if not k.endswith("_x")},
        code=script_code("dataset_info.py"),
    output:
        info=data_info_file("{dataset}"),
    log:
        log_file("{dataset}", "dataset_info"),
    benchmark:
        benchmark_file("{dataset}", "dataset_info")
    wildcard_constraints:
        dataset=OWN_DATASET,
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        dataset=config["dataset"],
        classes=own_data_classes(),
    script:
        "../scripts/dataset_info.py"
