"""Guards against hostile or damaged inputs: what the pipeline refuses before it reads, and how.

- :mod:`.encoding`: decoding a text file without a silent change (mixed encodings, UTF-16
  without a byte-order mark);
- :mod:`.paths`: the data package's paths stay inside its folder;
- :mod:`.workflow`: the checks the Snakefile runs before Snakemake plans anything (settings
  with their line, every configured input present and readable);
- :mod:`.text`: data text made safe to typeset (long unbroken words made breakable).
"""
