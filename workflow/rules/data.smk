# Data stage: raw files (downloaded or pre-staged, always hashed) -> canonical arrays.


localrules:
    fetch_raw_file,


# Downloads run on the submit host: cluster compute nodes often have no internet.
rule fetch_raw_file:
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
        code=package_code("data"),
    output:
        **data_files("{dataset}"),
        info=data_info_file("{dataset}"),
    log:
        log_file("{dataset}", "prepare_dataset"),
    benchmark:
        benchmark_file("{dataset}", "prepare_dataset")
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
