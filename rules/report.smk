from rlp_pipeline.reporting.workbook import WORKBOOK_NAMES

# The figures come in two jobs (rlp_pipeline.stages.figures.PARTS): those drawn from the
# sample's tables while the stability redraws run, then the stability figure, which completes
# figures.json; only the second lies between the redraws and the report.
rule sample_figures:
    input:
        code=stage_code("figures"),
        codebook=config["codebook"],
        objects="data/derived/frequencies/objects.csv",
        strategies="data/derived/frequencies/strategies.csv",
        substrategies="data/derived/frequencies/substrategies.csv",
        object_strategy="data/derived/frequencies/object_strategy.csv",
        by_level="data/derived/frequencies/by_level.csv",
        per_plan="data/derived/diversity/per_plan.csv",
        record="data/derived/sample/sampling_record.json",
        agreement="data/derived/agreement/dimensions.csv",
    output:
        figures=expand(
            "data/derived/figures/{language}/{figure}.png",
            language=LANGUAGES,
            figure=SAMPLE_FIGURES,
        ),
        index="data/derived/figures/parts/sample.json",
    log:
        "logs/sample_figures.log",
    benchmark:
        "logs/benchmarks/sample_figures.tsv",
    priority: 40
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../environment.yml"
    message:
        "Drawing the figures of the sample's tables in French and English"
    shell:
        "python -m rlp_pipeline --log {log} figures --part sample"
        " --derived data/derived --codebook {input.codebook}"
        " --out data/derived/figures"


rule figures:
    input:
        code=stage_code("figures"),
        codebook=config["codebook"],
        record="data/derived/sample/sampling_record.json",
        findings="data/derived/findings/findings.csv",
        stability="data/derived/stability/stability.csv",
        stability_record="data/derived/stability/stability_record.json",
        sample_figures="data/derived/figures/parts/sample.json",
    output:
        figures=expand(
            "data/derived/figures/{language}/{figure}.png",
            language=LANGUAGES,
            figure=STABILITY_FIGURES,
        ),
        index="data/derived/figures/figures.json",
    log:
        "logs/figures.log",
    benchmark:
        "logs/benchmarks/figures.tsv",
    priority: 40
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../environment.yml"
    message:
        "Drawing the stability figure in French and English; figures.json for all figures"
    shell:
        "python -m rlp_pipeline --log {log} figures --part stability"
        " --derived data/derived --codebook {input.codebook}"
        " --out data/derived/figures"


rule report:
    input:
        code=stage_code("report", REPORT_SOURCES),
        sources=REPORT_SOURCES,
        codebook=config["codebook"],
        registry=config["registry"],
        # authors, licence, how to cite (the title page); beside the registry
        settings="config/report.yaml",
        derived=REPORT_INPUTS,
        figures=rules.figures.output,
        sample_figures=rules.sample_figures.output,
    output:
        documents=expand(
            "report/_output/{language}/index.{extension}",
            language=LANGUAGES,
            extension=["html", "pdf"],
        ),
        # the results workbook beside each language's documents (rlp_pipeline.reporting.workbook)
        workbooks=[f"report/_output/{language}/{WORKBOOK_NAMES[language]}" for language in LANGUAGES],
    log:
        "logs/report.log",
    benchmark:
        "logs/benchmarks/report.tsv",
    # both renderers render the two languages at once (rlp_pipeline.reporting.render.CONCURRENT_PROFILES)
    priority: 30
    threads: 2
    resources:
        # two Quarto renders and two kernels at once peaked at 875 MB (process tree, Nov 2026)
        mem_mb=3000,
        runtime=20,
    conda:
        "../environment.yml"
    message:
        "Rendering the report (French and English, HTML and PDF)"
    shell:
        "python -m rlp_pipeline --log {log} report --project report"
        " --derived data/derived --codebook {input.codebook} --registry {input.registry}"
