rule agreement:
    input:
        code=stage_code("agreement"),
        codebook=config["codebook"],
        double_coding="data/derived/validated/double_coding.csv",
        provenance="data/derived/validated/provenance.json",
    output:
        dimensions="data/derived/agreement/dimensions.csv",
        codes="data/derived/agreement/codes.csv",
        disagreements="data/derived/agreement/disagreements.csv",
        record="data/derived/agreement/agreement_record.json",
        datapackage="data/derived/agreement/datapackage.json",
    log:
        "logs/agreement.log",
    benchmark:
        "logs/benchmarks/agreement.tsv",
    priority: 45
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    params:
        seed=config["statistics"]["seed"],
        resamples=config["agreement"]["resamples"],
        reliable=config["agreement"]["reliable"],
        tentative=config["agreement"]["tentative"],
    message:
        "Measuring inter-coder agreement on the double-coded plans"
    shell:
        "python -m rlp_pipeline --log {log} agreement"
        " --validated data/derived/validated --codebook {input.codebook}"
        " --seed {params.seed} --resamples {params.resamples}"
        " --reliable {params.reliable} --tentative {params.tentative}"
        " --out data/derived/agreement"
