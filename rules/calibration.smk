rule calibration:
    input:
        code=stage_code("calibration"),
        codebook=config["codebook"],
        datapackage=config["datapackage"],
        registry=config["registry"],
        simulation="config/simulation.yaml",
        # After validation, so that bad input stops the pipeline before half a minute of
        # simulations; but the calibration never reads the data (only the codebook, the raw
        # tables' schema, the registry and the simulation settings above), so ancient(): a new
        # provenance.json (any edit of the data) does not re-run it. Its code, settings and the
        # files above still do.
        validated=ancient("data/derived/validated/provenance.json"),
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
