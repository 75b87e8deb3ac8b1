"""``python -m proofs_check.cli`` — the same as ``python -m proofs_check`` and ``succinct``."""
import sys

from proofs_check.cli import main

sys.exit(main())
