"""Allow `python -m rlp_pipeline COMMAND ...`."""

import sys

from .cli import main

sys.exit(main())
