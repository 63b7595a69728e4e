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
        log_file("{dataset}", "findings/{space}/diameter"),
    benchmark:
        benchmark_file("{dataset}", "findings/{space}/diameter")
    wildcard_constraints:
        space=one_of(SIZED_SPACES),
    conda:
        "../../envs/findings.yaml"
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
        log_file("{dataset}", "findings/{space}/stats"),
    benchmark:
        benchmark_file("{dataset}", "findings/{space}/stats")
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        energy=lambda wildcards: object_energy(wildcards.space),
        structure=lambda wildcards: pixel_directions(wildcards.space),
        neighbours=lambda wildcards: nearest_training(wildcards.space),
        normality_sample=FINDINGS["normality_sample"],
        seed=FINDINGS["seed"],
    script:
        "../scripts/space_stats.py"


rule space_figures:
    input:
        unpack(space_figures_inputs),
    output:
        **report_figures(
            findings_figures("{dataset}", "{space}"),
            "../report/space_{name}.rst",
            "Spaces",
            subcategory="{space}",
            space="{space}",
        ),
    log:
        log_file("{dataset}", "findings/{space}/figures"),
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb_for(4, minimum=2000),
    params:
        units=lambda wildcards: space_units(wildcards.space),
        class_names=list(DATASET_SPEC.classes),
        structure=lambda wildcards: pixel_directions(wildcards.space),
        seed=FINDINGS["seed"],
        figures=config["figures"],
    script:
        "../scripts/space_figures.py"


rule shape_figure:
    input:
        stats=lambda wildcards: [stats_file(wildcards.dataset, s) for s in SPACES],
        code=package_code("figures", "findings", "criteria"),
    output:
        **figure_pair(findings_figure("{dataset}", "shape"), "../report/shape.rst", "Findings"),
    log:
        log_file("{dataset}", "findings/shape_figure"),
    conda:
        "../../envs/findings.yaml"
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
        code=package_code("figures", "findings", "criteria"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "training"), "../report/training.rst", "Findings"
        ),
    log:
        log_file("{dataset}", "findings/training_figure"),
    conda:
        "../../envs/findings.yaml"
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
        real=lambda wildcards: hull_files(wildcards.dataset, OWN_SPACES[0])["table"],
        random=lambda wildcards: hull_files(wildcards.dataset, RANDOM_SPACES[0])["table"],
        code=package_code("findings"),
    output:
        comparison=random_comparison_file("{dataset}"),
    log:
        log_file("{dataset}", "findings/random_vs_real"),
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    script:
        "../scripts/random_vs_real.py"


rule random_vs_real_figure:
    input:
        real=lambda wildcards: hull_files(wildcards.dataset, OWN_SPACES[0])["table"],
        random=lambda wildcards: hull_files(wildcards.dataset, RANDOM_SPACES[0])["table"],
        code=package_code("figures", "findings"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "random_vs_real"),
            "../report/random_vs_real.rst",
            "Findings",
        ),
    log:
        log_file("{dataset}", "findings/random_vs_real_figure"),
    conda:
        "../../envs/findings.yaml"
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
        **pca_sweep_files("{dataset}"),
    log:
        log_file("{dataset}", "findings/pca_sweep"),
    benchmark:
        benchmark_file("{dataset}", "findings/pca_sweep")
    conda:
        "../../envs/findings.yaml"
    threads: findings_hull_threads
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
        table=pca_sweep_files("{dataset}")["table"],
        code=package_code("figures", "findings"),
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
        train_y=data_files("{dataset}")["train_y"],
        test_y=data_files("{dataset}")["test_y"],
        code=package_code("findings", "hull"),
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
        mem_mb=mem_mb_for(8, minimum=2000),
    params:
        max_test=FINDINGS["max_test"],
        seed=FINDINGS["seed"],
        hull=hull_options_for_findings(),
    script:
        "../scripts/class_hulls.py"


rule class_hulls_figure:
    input:
        table=class_hulls_files("{dataset}")["table"],
        code=package_code("figures", "findings"),
    output:
        **figure_pair(
            findings_figure("{dataset}", "class_hulls"), "../report/class_hulls.rst", "Findings"
        ),
    log:
        log_file("{dataset}", "findings/class_hulls_figure"),
    conda:
        "../../envs/findings.yaml"
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
            labels={"table": "claims", "format": "csv"},
        ),
        md=claims_files("{dataset}")["md"],
        # The report's front page includes it (workflow/report/workflow.rst).
        rst=report(
            claims_files("{dataset}")["rst"],
            caption="../report/claims_front.rst",
            category="Claims",
            labels={"table": "claims", "format": "rst"},
        ),
    log:
        log_file("{dataset}", "findings/claims"),
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        figures=lambda wildcards: claims_figures(wildcards.dataset),
        network=network_recipe(),
    script:
        "../scripts/claims.py"
