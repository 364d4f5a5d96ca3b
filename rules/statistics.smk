# The Jonckheere-Terpstra permutation loop (rlp_pipeline.stats.jonckheere) compiled once, before
# the three jobs that run it (tests, the stability chunks, the calibration): they start together,
# and in a fresh checkout each compiled it (about a second of CPU each); they then load it from
# Numba's cache. Runs at the start of a build, beside validation. Its output only says that the
# cache is ready (without the cache the jobs compile the loop themselves). Not ancient(): the
# rule re-runs only when its code changes, which those jobs also run, so it never re-runs them
# for nothing; through ancient() an edit of stats/jonckheere.py re-ran the compile rule and
# nothing after it (Snakemake 9.27 does not examine the jobs downstream of one that re-runs,
# snakemake/snakemake#4166; tests/test_pipeline.py's rebuild-scope test caught it).
rule compile:
    input:
        code=stage_code("compile"),
    output:
        COMPILED,
    log:
        "logs/compile.log",
    benchmark:
        "logs/benchmarks/compile.tsv",
    priority: 95
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../environment.yml"
    message:
        "Compiling the Jonckheere-Terpstra permutation loop (Numba) for the stages that run it"
    shell:
        "python -m rlp_pipeline --log {log} compile --out {output}"


rule frequencies:
    input:
        code=stage_code("frequencies"),
        codebook=config["codebook"],
        sampled_plans="data/derived/sample/sampled_plans.csv",
        codings="data/derived/sample/codings.csv",
        record="data/derived/sample/sampling_record.json",
    output:
        objects="data/derived/frequencies/objects.csv",
        strategies="data/derived/frequencies/strategies.csv",
        substrategies="data/derived/frequencies/substrategies.csv",
        statuses="data/derived/frequencies/statuses.csv",
        strategy_status="data/derived/frequencies/strategy_status.csv",
        object_strategy="data/derived/frequencies/object_strategy.csv",
        by_level="data/derived/frequencies/by_level.csv",
        analysed_plans="data/derived/frequencies/analysed_plans.csv",
        datapackage="data/derived/frequencies/datapackage.json",
    log:
        "logs/frequencies.log",
    benchmark:
        "logs/benchmarks/frequencies.tsv",
    priority: 85
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    message:
        "Counting plans per object, strategy, sub-strategy and status"
    shell:
        "python -m rlp_pipeline --log {log} frequencies"
        " --sample data/derived/sample --codebook {input.codebook}"
        " --out data/derived/frequencies"


rule diversity:
    input:
        code=stage_code("diversity"),
        codebook=config["codebook"],
        sampled_plans="data/derived/sample/sampled_plans.csv",
        codings="data/derived/sample/codings.csv",
        record="data/derived/sample/sampling_record.json",
    output:
        per_plan="data/derived/diversity/per_plan.csv",
        summary="data/derived/diversity/summary.csv",
        datapackage="data/derived/diversity/datapackage.json",
    params:
        rarefaction_size=config["statistics"]["rarefaction_size"],
    log:
        "logs/diversity.log",
    benchmark:
        "logs/benchmarks/diversity.tsv",
    priority: 80
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    message:
        "Computing per-plan numbers of objects and strategies and diversity indices"
    shell:
        "python -m rlp_pipeline --log {log} diversity"
        " --sample data/derived/sample --codebook {input.codebook}"
        " --rarefaction-size {params.rarefaction_size}"
        " --out data/derived/diversity"


rule tests:
    input:
        code=stage_code("tests"),
        codebook=config["codebook"],
        registry=config["registry"],
        sampled_plans="data/derived/sample/sampled_plans.csv",
        codings="data/derived/sample/codings.csv",
        record="data/derived/sample/sampling_record.json",
        balance_tests="data/derived/sample/balance_tests.csv",
        per_plan="data/derived/diversity/per_plan.csv",
        compiled=COMPILED,
    output:
        battery="data/derived/tests/battery.csv",
        distributions="data/derived/tests/distributions.csv",
        objects="data/derived/tests/objects_within_plans.csv",
        components="data/derived/tests/components.csv",
        alternatives="data/derived/tests/alternatives.csv",
        datapackage="data/derived/tests/datapackage.json",
    log:
        "logs/tests.log",
    benchmark:
        "logs/benchmarks/tests.tsv",
    priority: 70
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../environment.yml"
    params:
        seed=config["statistics"]["seed"],
    message:
        "Testing mobilisation against strategy use and computing every finding's components"
    shell:
        "python -m rlp_pipeline --log {log} tests"
        " --sample data/derived/sample --per-plan {input.per_plan}"
        " --codebook {input.codebook} --registry {input.registry}"
        " --seed {params.seed} --out data/derived/tests"


rule findings:
    input:
        code=stage_code("findings"),
        codebook=config["codebook"],
        registry=config["registry"],
        components="data/derived/tests/components.csv",
        alternatives="data/derived/tests/alternatives.csv",
        record="data/derived/sample/sampling_record.json",
    output:
        findings="data/derived/findings/findings.csv",
        robustness="data/derived/findings/robustness.csv",
        datapackage="data/derived/findings/datapackage.json",
    log:
        "logs/findings.log",
    benchmark:
        "logs/benchmarks/findings.tsv",
    priority: 60
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../environment.yml"
    message:
        "Computing the verdict of every finding"
    shell:
        "python -m rlp_pipeline --log {log} findings"
        " --components {input.components} --sample data/derived/sample"
        " --codebook {input.codebook} --registry {input.registry}"
        " --out data/derived/findings"
