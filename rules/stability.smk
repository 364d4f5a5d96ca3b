# Stability of the findings across alternative random samples (rlp_pipeline.stages.stability): the
# alternative samples are split into chunks, one Snakemake job each, then merged.

STABILITY = config["stability"]
STABILITY_CHUNKS = list(range(STABILITY["chunks"]))


rule stability_chunk:
    input:
        code=stage_code("stability-chunk"),
        codebook=config["codebook"],
        registry=config["registry"],
        plans="data/derived/validated/plans.csv",
        codings="data/derived/validated/codings.csv",
        provenance="data/derived/validated/provenance.json",
        sampled_plans="data/derived/sample/sampled_plans.csv",
        record="data/derived/sample/sampling_record.json",
        compiled=COMPILED,
    output:
        "data/derived/stability/chunks/chunk-{chunk}.csv",
    log:
        "logs/stability/chunk-{chunk}.log",
    benchmark:
        "logs/benchmarks/stability_chunk-{chunk}.tsv",
    priority: 87
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    wildcard_constraints:
        chunk=r"\d+",
    conda:
        "../environment.yml"
    params:
        redraws=STABILITY["redraws"],
        chunks=STABILITY["chunks"],
        seed=STABILITY["seed"],
        method=STABILITY["method"],
        statistics_seed=config["statistics"]["seed"],
        rarefaction_size=config["statistics"]["rarefaction_size"],
    message:
        "Recomputing every finding on alternative samples, chunk {wildcards.chunk} of {params.chunks}"
    shell:
        "python -m rlp_pipeline --log {log} stability-chunk --chunk {wildcards.chunk}"
        " --validated data/derived/validated --sample data/derived/sample"
        " --codebook {input.codebook} --registry {input.registry}"
        " --redraws {params.redraws} --chunks {params.chunks} --seed {params.seed}"
        " --method {params.method} --statistics-seed {params.statistics_seed}"
        " --rarefaction-size {params.rarefaction_size}"
        " --out {output}"


rule stability:
    input:
        code=stage_code("stability"),
        codebook=config["codebook"],
        registry=config["registry"],
        plans="data/derived/validated/plans.csv",
        codings="data/derived/validated/codings.csv",
        provenance="data/derived/validated/provenance.json",
        sampled_plans="data/derived/sample/sampled_plans.csv",
        record="data/derived/sample/sampling_record.json",
        findings="data/derived/findings/findings.csv",
        chunks=expand(
            "data/derived/stability/chunks/chunk-{chunk}.csv", chunk=STABILITY_CHUNKS
        ),
    output:
        stability="data/derived/stability/stability.csv",
        redraws="data/derived/stability/redraws.csv",
        record="data/derived/stability/stability_record.json",
        datapackage="data/derived/stability/datapackage.json",
    log:
        "logs/stability/merge.log",
    benchmark:
        "logs/benchmarks/stability.tsv",
    priority: 50
    threads: 1
    resources:
        # measured peak 167 MB (the merge recomputes the actual sample through the fast path)
        mem_mb=1000,
        runtime=5,
    conda:
        "../environment.yml"
    params:
        redraws=STABILITY["redraws"],
        chunks=STABILITY["chunks"],
        seed=STABILITY["seed"],
        method=STABILITY["method"],
        statistics_seed=config["statistics"]["seed"],
        rarefaction_size=config["statistics"]["rarefaction_size"],
    message:
        "Merging the alternative samples: how often each finding is reproduced"
    shell:
        "python -m rlp_pipeline --log {log} stability {input.chunks}"
        " --validated data/derived/validated --sample data/derived/sample"
        " --codebook {input.codebook} --registry {input.registry}"
        " --redraws {params.redraws} --chunks {params.chunks} --seed {params.seed}"
        " --method {params.method} --statistics-seed {params.statistics_seed}"
        " --rarefaction-size {params.rarefaction_size}"
        " --findings {input.findings} --out data/derived/stability"
