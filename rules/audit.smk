rule audit:
    input:
        code=stage_code("audit", AUDIT_NOTEBOOKS),
        notebooks=AUDIT_NOTEBOOKS,
        battery="data/derived/tests/battery.csv",
        components="data/derived/tests/components.csv",
        findings="data/derived/findings/findings.csv",
        record="data/derived/sample/sampling_record.json",
    output:
        expand("data/derived/notebooks/{notebook}", notebook=AUDIT_NOTEBOOK_NAMES),
    log:
        "logs/audit.log",
    benchmark:
        "logs/benchmarks/audit.tsv",
    priority: 10
    # No document waits for the notebooks: the job runs at the lowest CPU priority (nice) and
    # declares no core, so that Snakemake starts it as soon as its inputs exist and it only uses
    # the time the other jobs leave idle (the report's kernels and Pandoc leave a core idle about a
    # third of its time). Declaring one core made the report wait for it on two cores: 0.5 s of
    # every edit (benchmarks/speed.py). On a cluster it is a job of its own and asks for one CPU
    # (set-threads in profiles/slurm).
    threads: 0
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../environment.yml"
    message:
        "Executing the reviewers' audit notebooks"
    shell:
        "nice -n 19 python -m rlp_pipeline --log {log} audit {input.notebooks}"
        " --derived data/derived --out data/derived/notebooks"
