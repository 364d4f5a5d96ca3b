# The calibration's settings, in one place for the record and the job.
CALIBRATION_SETTINGS = {
    "simulations": config["statistics"]["calibration_simulations"],
    "seed": config["statistics"]["seed"],
    "fraction": config["sampling"]["fraction"],
    "stratify_by": config["sampling"]["stratify_by"],
    "rarefaction_size": config["statistics"]["rarefaction_size"],
}


# Upstream of nothing (no job produces its inputs): runs whenever one of the calibration's own
# inputs or settings changes, never because the codings did (rlp_pipeline.workflow.gate).
rule calibration_inputs:
    input:
        code=stage_code("calibration"),
        codebook=config["codebook"],
        datapackage=config["datapackage"],
        registry=config["registry"],
        simulation="config/simulation.yaml",
    output:
        "data/derived/calibration/inputs.json",
    localrule: True
    priority: 100
    threads: 1
    resources:
        mem_mb=100,
        runtime=1,
    params:
        **CALIBRATION_SETTINGS,
    message:
        "Recording what the calibration is computed from"
    run:
        from rlp_pipeline.workflow.gate import write_input_record

        write_input_record(input, dict(params.items()), output[0])


rule calibration:
    input:
        code=stage_code("calibration"),
        codebook=config["codebook"],
        datapackage=config["datapackage"],
        registry=config["registry"],
        simulation="config/simulation.yaml",
        # What the calibration is computed from (rule calibration_inputs above): any change of
        # its code, inputs or settings re-runs it, even when validation re-runs at the same time.
        record="data/derived/calibration/inputs.json",
        # After validation, so that bad input stops the pipeline before minutes of simulations;
        # ancient(): only its existence counts, since the calibration never reads the real
        # codings (an edited coding re-runs validation, not the calibration). Alone, ancient()
        # lost the calibration's own changes when validation re-ran too (an edit of validate.py,
        # which the calibration imports: Snakemake 9.27 does not examine a job downstream of one
        # that re-runs, snakemake/snakemake#4166); the record above restores them.
        validated=ancient("data/derived/validated/provenance.json"),
        compiled=COMPILED,
    output:
        calibration="data/derived/calibration/calibration.csv",
        datapackage="data/derived/calibration/datapackage.json",
    log:
        "logs/calibration.log",
    benchmark:
        "logs/benchmarks/calibration.tsv",
    priority: 75
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../environment.yml"
    params:
        **CALIBRATION_SETTINGS,
    message:
        "Calibrating the verdicts on {params.simulations} simulated populations per scenario"
    shell:
        "python -m rlp_pipeline --log {log} calibration"
        " --codebook {input.codebook} --datapackage {input.datapackage} --registry {input.registry}"
        " --simulation {input.simulation} --fraction {params.fraction} --stratify-by '{params.stratify_by}'"
        " --simulations {params.simulations} --seed {params.seed}"
        " --rarefaction-size {params.rarefaction_size} --out data/derived/calibration"
