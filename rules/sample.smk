rule sample:
    input:
        code=stage_code("sample"),
        codebook=config["codebook"],
        plans="data/derived/validated/plans.csv",
        codings="data/derived/validated/codings.csv",
        provenance="data/derived/validated/provenance.json",
    output:
        sampled_plans="data/derived/sample/sampled_plans.csv",
        codings="data/derived/sample/codings.csv",
        without_codings="data/derived/sample/sampled_without_codings.csv",
        balance="data/derived/sample/balance.csv",
        balance_tests="data/derived/sample/balance_tests.csv",
        record="data/derived/sample/sampling_record.json",
        datapackage="data/derived/sample/datapackage.json",
    log:
        "logs/sample.log",
    benchmark:
        "logs/benchmarks/sample.tsv",
    priority: 90
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    params:
        fraction=config["sampling"]["fraction"],
        seed=config["sampling"]["seed"],
        stratify_by=config["sampling"]["stratify_by"],
        resamples=config["sampling"]["balance_resamples"],
    message:
        "Drawing the random sample of plans (fraction {params.fraction}, seed {params.seed})"
    shell:
        "python -m rlp_pipeline --log {log} sample"
        " --validated data/derived/validated --codebook {input.codebook}"
        " --fraction {params.fraction} --seed {params.seed}"
        " --stratify-by '{params.stratify_by}' --balance-resamples {params.resamples}"
        " --out data/derived/sample"
