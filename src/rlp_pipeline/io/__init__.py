"""Input and output: the safe YAML reader, the data package, the CSV reader for the files
evaluators' tools write, and atomic, byte-reproducible writing of a stage's outputs."""
