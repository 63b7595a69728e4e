# Findings stage: statistics and figures of every space's distances, the hull diameters,
# the distance shapes, the training curves and the random baseline against the real data.
# Figures are rules of their own: a figure setting (the config's figures section) reruns
# them and nothing else.


include: "helpers/findings.smk"


localrules:
    space_figures,
    shape_figure,
    training_figure,
    random_vs_real,
    random_vs_real_figure,


rule space_diameter:
    input:
        train=space_files("{dataset}", "{space}")["train"],
        code=script_code("space_diameter.py"),
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
        mem_mb=job_mem_mb("space_diameter"),
    params:
        seed=FINDINGS.seed,
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
        mem_mb=job_mem_mb("space_stats"),
    params:
        space=lambda wildcards: SPACES[wildcards.space],
        energy=lambda wildcards: object_energy(wildcards.space),
        structure=lambda wildcards: pixel_directions(wildcards.space),
        neighbours=lambda wildcards: nearest_training(wildcards.space),
        normality_sample=FINDINGS.normality_sample,
        seed=FINDINGS.seed,
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
    benchmark:
        benchmark_file("{dataset}", "findings/{space}/figures")
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("space_figures"),
    params:
        units=lambda wildcards: space_units(wildcards.space),
        class_names=list(DATASET_SPEC.classes),
        structure=lambda wildcards: pixel_directions(wildcards.space),
        seed=FINDINGS.seed,
        figures=config["figures"],
    script:
        "../scripts/space_figures.py"


rule shape_figure:
    input:
        stats=lambda wildcards: [stats_file(wildcards.dataset, s) for s in SPACES],
        code=script_code("shape_figure.py"),
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
        code=script_code("training_figure.py"),
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
        code=script_code("random_vs_real.py"),
    output:
        comparison=random_comparison_file("{dataset}"),
    log:
        log_file("{dataset}", "findings/random_vs_real"),
    benchmark:
        benchmark_file("{dataset}", "findings/random_vs_real")
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("tables"),
    script:
        "../scripts/random_vs_real.py"


rule random_vs_real_figure:
    input:
        real=lambda wildcards: hull_files(wildcards.dataset, OWN_SPACES[0])["table"],
        random=lambda wildcards: hull_files(wildcards.dataset, RANDOM_SPACES[0])["table"],
        code=script_code("random_vs_real_figure.py"),
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
        mem_mb=job_mem_mb("tables"),
    params:
        figures=config["figures"],
    script:
        "../scripts/random_vs_real_figure.py"
