# Real coding exports to the canonical raw tables, and the coding-grid template for evaluators.


if IMPORT_SOURCE:

    rule import:
        input:
            unpack(import_inputs),
        output:
            plans=f"{IMPORTED}/plans.csv",
            codings=f"{IMPORTED}/codings.csv",
            datapackage=f"{IMPORTED}/datapackage.yaml",
            report=f"{IMPORTED}/import_report.md",
            record=f"{IMPORTED}/import_record.json",
        log:
            "logs/import.log",
        benchmark:
            "logs/benchmarks/import.tsv",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            "../environment.yml"
        params:
            options=import_options,
        message:
            "Importing the coding export {input.export} into plans.csv and codings.csv"
        shell:
            "python -m rlp_pipeline --log {log} import '{input.export}'"
            " --codebook {input.codebook} --datapackage {input.datapackage}{params.options}"
            " --out data/derived/imported"


rule template:
    input:
        code=stage_code("template"),
        codebook=config["codebook"],
        datapackage=config["datapackage"],
    output:
        **TEMPLATES,
    log:
        "logs/template.log",
    benchmark:
        "logs/benchmarks/template.tsv",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    message:
        "Writing the coding-grid templates (French and English) from the codebook"
    shell:
        "python -m rlp_pipeline --log {log} template"
        " --codebook {input.codebook} --datapackage {input.datapackage}"
        " --out data/derived/template"
