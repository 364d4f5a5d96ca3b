from rlp_pipeline.reporting.sources import WORKBOOK_NAMES

# The figures come in two jobs (rlp_pipeline.stages.figures.PARTS), each writing the index of its
# own figures: those drawn from the sample's tables while the stability redraws run, and the
# stability figure after them; `figures` then joins the two indexes into figures.json
# (rlp_pipeline.stages.figures_index), so that the stability figure, on the way from the redraws
# to the report, does not wait for the sample's figures.
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


rule stability_figures:
    input:
        code=stage_code("figures"),
        codebook=config["codebook"],
        record="data/derived/sample/sampling_record.json",
        findings="data/derived/findings/findings.csv",
        stability="data/derived/stability/stability.csv",
        stability_record="data/derived/stability/stability_record.json",
    output:
        figures=expand(
            "data/derived/figures/{language}/{figure}.png",
            language=LANGUAGES,
            figure=STABILITY_FIGURES,
        ),
        index="data/derived/figures/parts/stability.json",
    log:
        "logs/stability_figures.log",
    benchmark:
        "logs/benchmarks/stability_figures.tsv",
    priority: 40
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../environment.yml"
    message:
        "Drawing the stability figure in French and English"
    shell:
        "python -m rlp_pipeline --log {log} figures --part stability"
        " --derived data/derived --codebook {input.codebook}"
        " --out data/derived/figures"


rule figures:
    input:
        code=stage_code("figures-index"),
        parts=[rules.sample_figures.output.index, rules.stability_figures.output.index],
    output:
        "data/derived/figures/figures.json",
    log:
        "logs/figures.log",
    benchmark:
        "logs/benchmarks/figures.tsv",
    priority: 40
    threads: 1
    resources:
        mem_mb=200,
        runtime=1,
    conda:
        "../environment.yml"
    message:
        "Writing figures.json, the index of every figure, from the two parts' indexes"
    shell:
        "python -m rlp_pipeline --log {log} figures-index --figures data/derived/figures"


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
        sample_figures=rules.sample_figures.output.figures,
        stability_figures=rules.stability_figures.output.figures,
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
