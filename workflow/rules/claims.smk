# The claims table: each claim of the paper, its measure, its criterion and its verdict, from
# every space's findings, the network and the model studies; and the report's front page.


include: "helpers/claims.smk"


localrules:
    claims,


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
    benchmark:
        benchmark_file("{dataset}", "findings/claims")
    conda:
        "../../envs/findings.yaml"
    threads: 1
    resources:
        mem_mb=job_mem_mb("tables"),
    params:
        figures=lambda wildcards: claims_figures(wildcards.dataset),
        network=network_recipe(),
    script:
        "../scripts/claims.py"
