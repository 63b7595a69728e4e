# Findings stage: statistics and figures of every space's distances, the hull diameters,
# the PCA sweep and per-class hulls (beyond the paper), and the claims table.


rule space_diameter:
    input:
        train="results/{dataset}/spaces/{space}/train.npy",
        code=package_code("hull"),
    output:
        "results/{dataset}/findings/{space}/diameter.json",
    log:
        "results/{dataset}/logs/findings/{space}/diameter.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/{space}/diameter.tsv"
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    script:
        "../scripts/space_diameter.py"


rule space_findings:
    input:
        unpack(findings_inputs),
    output:
        **{
            key: report(
                path,
                caption="../report/space_findings.rst",
                category="Spaces",
                subcategory="{space}",
            )
            for key, path in findings_figures("{dataset}", "{space}").items()
        },
        stats="results/{dataset}/findings/{space}/stats.json",
    log:
        "results/{dataset}/logs/findings/{space}/findings.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        units=lambda wildcards: space_units(wildcards.space),
        class_names=list(DATASET_SPEC.classes),
        normality_sample=FINDINGS["normality_sample"],
        seed=FINDINGS["seed"],
    script:
        "../scripts/space_findings.py"


rule random_vs_real:
    input:
        real=lambda wildcards: hull_files(wildcards.dataset, PIXEL_SPACES[0])["table"],
        random=lambda wildcards: hull_files(wildcards.dataset, RANDOM_SPACES[0])["table"],
        code=package_code("findings"),
    output:
        comparison="results/{dataset}/findings/random_vs_real.json",
        png=report(
            "results/{dataset}/findings/random_vs_real.png",
            caption="../report/random_vs_real.rst",
            category="Findings",
        ),
        pdf=report(
            "results/{dataset}/findings/random_vs_real.pdf",
            caption="../report/random_vs_real.rst",
            category="Findings",
        ),
    log:
        "results/{dataset}/logs/findings/random_vs_real.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../scripts/random_vs_real.py"


rule pca_sweep:
    input:
        train=lambda wildcards: space_files(wildcards.dataset, FINDINGS["pca_space"])["train"],
        test=lambda wildcards: space_files(wildcards.dataset, FINDINGS["pca_space"])["test"],
        code=package_code("findings", "hull"),
    output:
        table="results/{dataset}/findings/pca_sweep.parquet",
        csv="results/{dataset}/findings/pca_sweep.csv",
        png=report(
            "results/{dataset}/findings/pca_sweep.png",
            caption="../report/pca_sweep.rst",
            category="Findings",
        ),
        pdf=report(
            "results/{dataset}/findings/pca_sweep.pdf",
            caption="../report/pca_sweep.rst",
            category="Findings",
        ),
    log:
        "results/{dataset}/logs/findings/pca_sweep.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/pca_sweep.tsv"
    conda:
        "../../envs/hull.yaml"
    threads: FINDINGS["threads"]
    resources:
        mem_mb=mem_mb_for(8, minimum=2000),
    params:
        space=FINDINGS["pca_space"],
        dims=FINDINGS["pca_dims"],
        max_test=FINDINGS["max_test"],
        seed=FINDINGS["seed"],
        hull=hull_options_for_findings(),
    script:
        "../scripts/pca_sweep.py"


rule class_hulls:
    input:
        train=lambda wildcards: space_files(wildcards.dataset, FINDINGS["class_hull_space"])[
            "train"
        ],
        test=lambda wildcards: space_files(wildcards.dataset, FINDINGS["class_hull_space"])["test"],
        train_y="results/{dataset}/data/train_y.npy",
        test_y="results/{dataset}/data/test_y.npy",
        code=package_code("findings", "hull"),
    output:
        table="results/{dataset}/findings/class_hulls.parquet",
        csv="results/{dataset}/findings/class_hulls.csv",
        png=report(
            "results/{dataset}/findings/class_hulls.png",
            caption="../report/class_hulls.rst",
            category="Findings",
        ),
        pdf=report(
            "results/{dataset}/findings/class_hulls.pdf",
            caption="../report/class_hulls.rst",
            category="Findings",
        ),
    log:
        "results/{dataset}/logs/findings/class_hulls.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/class_hulls.tsv"
    conda:
        "../../envs/hull.yaml"
    threads: FINDINGS["threads"]
    resources:
        mem_mb=mem_mb_for(8, minimum=2000),
    params:
        space=FINDINGS["class_hull_space"],
        class_names=list(DATASET_SPEC.classes),
        max_test=FINDINGS["max_test"],
        seed=FINDINGS["seed"],
        hull=hull_options_for_findings(),
    script:
        "../scripts/class_hulls.py"


rule claims:
    input:
        unpack(claims_inputs),
    output:
        csv=report(
            "results/{dataset}/claims.csv",
            caption="../report/claims.rst",
            category="Claims",
        ),
        md="results/{dataset}/claims.md",
    log:
        "results/{dataset}/logs/findings/claims.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../scripts/claims.py"
