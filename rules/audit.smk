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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../environment.yml"
    message:
        "Executing the reviewers' audit notebooks"
    shell:
        "python -m rlp_pipeline --log {log} audit {input.notebooks}"
        " --derived data/derived --out data/derived/notebooks"
