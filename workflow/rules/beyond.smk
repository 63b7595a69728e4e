# Findings beyond the paper: the PCA sweep (distances as dimensions are kept) and the
# per-class hulls, each a derived hull problem solved by the hull stage's solver.


include: "helpers/beyond.smk"


localrules:
    pca_sweep_figure,
    class_hulls_figure,


rule pca_sweep:
    input:
        train=lambda wildcards: space_files(wildcards.dataset, FINDINGS.pca_space)["train"],
        test=lambda wildcards: space_files(wildcards.dataset, FINDINGS.pca_space)["test"],
        code=script_code("pca_sweep.py"),
    output:
        **pca_sweep_files("{dataset}"),
    log:
        log_file("{dataset}", "findings/pca_sweep"),
    benchmark:
        benchmark_file("{dataset}", "findings/pca_sweep")
    conda:
        "../../envs/findings.yaml"
    threads: findings_hull_threads
    resources:
        mem_mb=job_mem_mb("pca_sweep"),
    params:
        dims=list(FINDINGS.pca_dims),
        max_test=FINDINGS.max_test,
        seed=FINDINGS.seed,
        hull=hull_options_for_findings(),
    script:
        "../scripts/pca_sweep.py"


rule pca_sweep_figure:
    input:
        table=pca_sweep_files("{dataset}")["table"],
        code=script_code("pca_sweep_figure.py"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "pca_sweep"), "../report/pca_sweep.rst", "Findings"
        ),
    log:
        log_file("{dataset}", "findings/pca_sweep_figure"),
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("tables"),
    params:
        space=FINDINGS.pca_space,
        figures=config["figures"],
    script:
        "../scripts/pca_sweep_figure.py"


rule class_hulls:
    input:
        train=lambda wildcards: space_files(wildcards.dataset, FINDINGS.class_hull_space)["train"],
        test=lambda wildcards: space_files(wildcards.dataset, FINDINGS.class_hull_space)["test"],
        train_y=data_files("{dataset}")["train_y"],
        test_y=data_files("{dataset}")["test_y"],
        code=script_code("class_hulls.py"),
    output:
        **class_hulls_files("{dataset}"),
    log:
        log_file("{dataset}", "findings/class_hulls"),
    benchmark:
        benchmark_file("{dataset}", "findings/class_hulls")
    conda:
        "../../envs/findings.yaml"
    threads: findings_hull_threads
    resources:
        mem_mb=job_mem_mb("class_hulls"),
    params:
        max_test=FINDINGS.max_test,
        max_classes=FINDINGS.max_classes,
        seed=FINDINGS.seed,
        hull=hull_options_for_findings(),
    script:
        "../scripts/class_hulls.py"


rule class_hulls_figure:
    input:
        table=class_hulls_files("{dataset}")["table"],
        code=script_code("class_hulls_figure.py"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "class_hulls"), "../report/class_hulls.rst", "Findings"
        ),
    log:
        log_file("{dataset}", "findings/class_hulls_figure"),
    benchmark:
        benchmark_file("{dataset}", "findings/class_hulls_figure")
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("tables"),
    params:
        space=FINDINGS.class_hull_space,
        class_names=list(DATASET_SPEC.classes),
        figures=config["figures"],
    script:
        "../scripts/class_hulls_figure.py"
