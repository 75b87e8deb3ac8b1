"""Is it right, and how big: exhaustive checking, size tables, CLI."""
import os

# OpenMP threads sleep while they wait instead of spinning on cores other processes need
# (proofs_check/threads.py); set before anything loads torch, and a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
