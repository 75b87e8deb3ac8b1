"""The ``succinct`` command line (``python -m proofs_check``; entry point ``proofs_check.cli:main``).

``main.py`` builds the parser and turns every library error into one ``error:`` line (exit 2);
``args.py`` holds the parsing helpers the commands share; each other module implements a group of
commands (``commands.py``: tasks, show, verify, prove, table, mutate, …; ``ltl.py``, ``tm.py``,
``trace.py``, ``draw.py``, ``retrieval.py``, ``istree.py``) and ``limits.py`` every limit as data.
Nothing outside this package imports it.
"""
from proofs_check.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
