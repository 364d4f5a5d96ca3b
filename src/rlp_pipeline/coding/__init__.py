"""How the coded passages are organised: double coding, and which coding the pipeline analyses."""
