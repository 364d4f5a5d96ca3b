rule validate:
    input:
        code=PACKAGE_CODE + IMPORTER_CODE,
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
    conda:
        "../environment.yml"
    params:
        analysed=config["coding"]["analysed"],
        reference_coder=config["coding"]["reference_coder"] or "",
        reconciled_coder=config["coding"]["reconciled_coder"],
    message:
        "Validating the coded plans against the codebook and the data package schema"
    shell:
        "python -m rlp_pipeline --log {log} validate"
        " --codebook {input.codebook} --datapackage {input.datapackage}"
        " --analysed {params.analysed} --reference-coder {params.reference_coder:q}"
        " --reconciled-coder {params.reconciled_coder:q}"
        " --out data/derived/validated"
