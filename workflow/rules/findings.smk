# Findings stage: statistics and figures of every space's distances, the hull diameters,
# the PCA sweep and per-class hulls (beyond the paper), and the claims table.
# Figures are rules of their own: a figure setting (the config's figures section) reruns
# them and nothing else.


localrules:
    space_figures,
    shape_figure,
    training_figure,
    random_vs_real,
    random_vs_real_figure,
    pca_sweep_figure,
    class_hulls_figure,
    claims,


rule space_diameter:
    input:
        train=space_files("{dataset}", "{space}")["train"],
        code=package_code("hull", "findings/size"),
    output:
        diameter_file("{dataset}", "{space}"),
    log:
        "results/{dataset}/logs/findings/{space}/diameter.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/{space}/diameter.tsv"
    wildcard_constraints:
        space=one_of(SIZED_SPACES),
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    params:
        seed=FINDINGS["seed"],
    script:
        "../scripts/space_diameter.py"


rule space_stats:
    input:
        unpack(space_stats_inputs),
    output:
        stats=stats_file("{dataset}", "{space}"),
        directions=class_directions_file("{dataset}", "{space}"),
    log:
        "results/{dataset}/logs/findings/{space}/stats.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/{space}/stats.tsv"
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        energy=lambda wildcards: object_energy(wildcards.space),
        normality_sample=FINDINGS["normality_sample"],
        seed=FINDINGS["seed"],
    script:
        "../scripts/space_stats.py"


rule space_figures:
    input:
        unpack(space_figures_inputs),
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
    log:
        "results/{dataset}/logs/findings/{space}/figures.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    params:
        units=lambda wildcards: space_units(wildcards.space),
        class_names=list(DATASET_SPEC.classes),
        figures=config["figures"],
    script:
        "../scripts/space_figures.py"


rule shape_figure:
    input:
        stats=lambda wildcards: [stats_file(wildcards.dataset, s) for s in SPACES],
        code=package_code("findings", "criteria"),
    output:
        **figure_pair(findings_figure("{dataset}", "shape"), "../report/shape.rst", "Findings"),
    log:
        "results/{dataset}/logs/findings/shape_figure.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        figures=config["figures"],
    script:
        "../scripts/shape_figure.py"


rule training_figure:
    input:
        metrics_csv=model_files("{dataset}")["metrics_csv"],
        metrics_json=model_files("{dataset}")["metrics_json"],
        code=package_code("findings", "criteria"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "training"), "../report/training.rst", "Findings"
        ),
    log:
        "results/{dataset}/logs/findings/training_figure.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        network=network_recipe(),
        figures=config["figures"],
    script:
        "../scripts/training_figure.py"


rule random_vs_real:
    input:
        real=lambda wildcards: hull_files(wildcards.dataset, PIXEL_SPACES[0])["table"],
        random=lambda wildcards: hull_files(wildcards.dataset, RANDOM_SPACES[0])["table"],
        code=package_code("findings"),
    output:
        comparison="results/{dataset}/findings/random_vs_real.json",
    log:
        "results/{dataset}/logs/findings/random_vs_real.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../scripts/random_vs_real.py"


rule random_vs_real_figure:
    input:
        real=lambda wildcards: hull_files(wildcards.dataset, PIXEL_SPACES[0])["table"],
        random=lambda wildcards: hull_files(wildcards.dataset, RANDOM_SPACES[0])["table"],
        code=package_code("findings"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "random_vs_real"),
            "../report/random_vs_real.rst",
            "Findings",
        ),
    log:
        "results/{dataset}/logs/findings/random_vs_real_figure.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        figures=config["figures"],
    script:
        "../scripts/random_vs_real_figure.py"


rule pca_sweep:
    input:
        train=lambda wildcards: space_files(wildcards.dataset, FINDINGS["pca_space"])["train"],
        test=lambda wildcards: space_files(wildcards.dataset, FINDINGS["pca_space"])["test"],
        code=package_code("findings", "hull"),
    output:
        table="results/{dataset}/findings/pca_sweep.parquet",
        csv="results/{dataset}/findings/pca_sweep.csv",
    log:
        "results/{dataset}/logs/findings/pca_sweep.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/pca_sweep.tsv"
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(8, minimum=2000),
    params:
        dims=FINDINGS["pca_dims"],
        max_test=FINDINGS["max_test"],
        seed=FINDINGS["seed"],
        hull=hull_options_for_findings(),
    script:
        "../scripts/pca_sweep.py"


rule pca_sweep_figure:
    input:
        table="results/{dataset}/findings/pca_sweep.parquet",
        code=package_code("findings"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "pca_sweep"), "../report/pca_sweep.rst", "Findings"
        ),
    log:
        "results/{dataset}/logs/findings/pca_sweep_figure.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        space=FINDINGS["pca_space"],
        figures=config["figures"],
    script:
        "../scripts/pca_sweep_figure.py"


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
    log:
        "results/{dataset}/logs/findings/class_hulls.log",
    benchmark:
        "results/{dataset}/benchmarks/findings/class_hulls.tsv"
    conda:
        "../../envs/hull.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(8, minimum=2000),
    params:
        max_test=FINDINGS["max_test"],
        seed=FINDINGS["seed"],
        hull=hull_options_for_findings(),
    script:
        "../scripts/class_hulls.py"


rule class_hulls_figure:
    input:
        table="results/{dataset}/findings/class_hulls.parquet",
        code=package_code("findings"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "class_hulls"), "../report/class_hulls.rst", "Findings"
        ),
    log:
        "results/{dataset}/logs/findings/class_hulls_figure.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        space=FINDINGS["class_hull_space"],
        class_names=list(DATASET_SPEC.classes),
        figures=config["figures"],
    script:
        "../scripts/class_hulls_figure.py"


rule claims:
    input:
        unpack(claims_inputs),
    output:
        csv=report(
            claims_files("{dataset}")["csv"],
            caption="../report/claims.rst",
            category="Claims",
        ),
        md=claims_files("{dataset}")["md"],
    log:
        "results/{dataset}/logs/findings/claims.log",
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        figures=lambda wildcards: claims_figures(wildcards.dataset),
        network=network_recipe(),
    script:
        "../scripts/claims.py"
