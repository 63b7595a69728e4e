# Experiments stage: the paper's two model studies, independent of the dataset.
# Each study writes tables (Parquet + CSV) and arrays; its figures are a separate rule.


include: "helpers/experiments.smk"


localrules:
    legendre_figures,
    mlp_figures,
    experiments_summary,


rule legendre_study:
    input:
        code=script_code("legendre_study.py"),
    output:
        **legendre_files(),
    log:
        log_file("experiments", "legendre_study"),
    benchmark:
        benchmark_file("experiments", "legendre_study")
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=study_options("legendre"),
        figure=study_figure("legendre"),
    script:
        "../scripts/legendre_study.py"


rule legendre_figures:
    input:
        points=legendre_files()["points"],
        fits=legendre_files()["fits"],
        control=legendre_files()["control"],
        code=script_code("legendre_figures.py"),
    output:
        **report_figures(
            legendre_figures(),
            "../report/legendre_{name}.rst",
            "Model studies",
            subcategory="Legendre",
            study="legendre",
        ),
    log:
        log_file("experiments", "legendre_figures"),
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=study_options("legendre"),
        figures=config["figures"],
    script:
        "../scripts/legendre_figures.py"


rule mlp_study:
    input:
        code=script_code("mlp_study.py"),
    output:
        **mlp_files(),
    log:
        log_file("experiments", "mlp_study"),
    benchmark:
        benchmark_file("experiments", "mlp_study")
    conda:
        "../../envs/experiments.yaml"
    threads: mlp_threads()
    resources:
        mem_mb=4000,
    params:
        options=study_options("mlp"),
        arrays=MLP_ARRAYS,
        figure=study_figure("mlp"),
    script:
        "../scripts/mlp_study.py"


rule mlp_figures:
    input:
        **{key: path for key, path in mlp_files().items() if not key.endswith("_csv")},
        code=script_code("mlp_figures.py"),
    output:
        **report_figures(
            mlp_figures(),
            "../report/mlp_{name}.rst",
            "Model studies",
            subcategory="MLP",
            study="mlp",
        ),
    log:
        log_file("experiments", "mlp_figures"),
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        options=study_options("mlp"),
        figures=config["figures"],
    script:
        "../scripts/mlp_figures.py"


rule experiments_summary:
    input:
        summaries=[
            files["summary"]
            for study, files in (("legendre", legendre_files()), ("mlp", mlp_files()))
            if EXPERIMENTS[study]["enabled"]
        ],
    output:
        report(
            experiments_summary_file(),
            caption="../report/summary.rst",
            category="Model studies",
            subcategory="Summary",
            labels={"study": "legendre and mlp", "table": "summary"},
        ),
    log:
        log_file("experiments", "summary"),
    conda:
        "../../envs/experiments.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    script:
        "../scripts/experiments_summary.py"
