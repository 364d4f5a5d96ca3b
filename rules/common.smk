# Facts shared by the rules, read once when the workflow is parsed.

from rlp_pipeline.datapackage import load_datapackage

# The raw tables are named in the data package: list them as inputs so that editing one of them
# re-runs what depends on it.
RAW_PACKAGE = load_datapackage(config["datapackage"])
RAW_PLANS = str(RAW_PACKAGE.resources["plans"].path)
RAW_CODINGS = str(RAW_PACKAGE.resources["codings"].path)
