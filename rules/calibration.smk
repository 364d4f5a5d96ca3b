rule calibration:
    input:
        code=stage_code("calibration"),
        codebook=config["codebook"],
        datapackage=config["datapackage"],
        registry=config["registry"],
        simulation="config/simulation.yaml",
        # After validation: bad input stops the pipeline before minutes of simulations (the
        # calibration itself never reads the real codings; Snakemake's ancient() would make it
        # ignore code changes too, so a change of the data reruns it). Checked with Snakemake
        # 9.27: with ancient() here, an edit of validate.py re-runs validation but not the
        # calibration, although the calibration imports validate.py (a job downstream of one
        # that re-runs is not checked for its own changed inputs; tests/test_pipeline.py's
        # rebuild-scope test fails).
        validated="data/derived/validated/provenance.json",
    output:
        calibration="data/derived/calibration/calibration.csv",
        datapackage="data/derived/calibration/datapackage.json",
    log:
        "logs/calibration.log",
    benchmark:
        "logs/benchmarks/calibration.tsv",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../environment.yml"
    params:
        simulations=config["statistics"]["calibration_simulations"],
        seed=config["statistics"]["seed"],
        fraction=config["sampling"]["fraction"],
        stratify_by=config["sampling"]["stratify_by"],
    message:
        "Calibrating the verdicts on {params.simulations} simulated populations per scenario"
    shell:
        "python -m rlp_pipeline --log {log} calibration"
        " --codebook {input.codebook} --datapackage {input.datapackage} --registry {input.registry}"
        " --simulation {input.simulation} --fraction {params.fraction} --stratify-by '{params.stratify_by}'"
        " --simulations {params.simulations} --seed {params.seed} --out data/derived/calibration"
