rule validate:
    input:
        code=stage_code("validate"),
        codebook=config["codebook"],
        datapackage=VALIDATE_DATAPACKAGE,
        plans=RAW_PLANS,
        codings=RAW_CODINGS,
    output:
        plans="data/derived/validated/plans.csv",
        codings="data/derived/validated/codings.csv",
        double_coding="data/derived/validated/double_coding.csv",
        provenance="data/derived/validated/provenance.json",
        report="data/derived/validated/validation_report.md",
        datapackage="data/derived/validated/datapackage.json",
    log:
        "logs/validate.log",
    benchmark:
        "logs/benchmarks/validate.tsv",
    priority: 100
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    params:
        coding=coding_options(),
    message:
        "Validating the coded plans against the codebook and the data package schema"
    shell:
        "python -m rlp_pipeline --log {log} validate"
        " --codebook {input.codebook} --datapackage {input.datapackage}"
        " {params.coding}"
        " --out data/derived/validated"
