"""How many threads torch may use in a CLI process, chosen from the cores that are free (issue 14).

Measured on the reference machine (2 cores): ``verify counter -n 2 --max-len 8`` takes 20 s alone, 41 s
beside one busy process (a fair share), but 337–400 s at a load of 3–5 with torch's default — its
OpenMP threads spin-wait for work while the cores belong to others, and the kernels here are small.
The policy: OpenMP threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``, set in
``proofs_check/__init__.py`` before torch is loaded; a value the user set wins), and the intra-op thread
count is the number of cores not already busy — ``cpu_count − round(1-minute load average)``, at least 1.
``SUCCINCT_THREADS=N`` fixes it; ``SUCCINCT_THREADS=torch`` leaves torch's default (the naive baseline of
``benchmarks/bench_threads.py``).
"""
from __future__ import annotations

import os

from automata.errors import ParameterError

ENV = "SUCCINCT_THREADS"


def free_cores() -> int:
    """Cores this process may use that others are not already using (at least 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        busy = round(os.getloadavg()[0])
    except OSError:  # no load average on this platform
        busy = 0
    return max(1, min(cores, cores - busy))


def configure() -> int | None:
    """Apply the policy (see the module) to torch; returns the thread count set, None for torch's default."""
    choice = os.environ.get(ENV, "auto").strip()
    if choice == "torch":
        return None
    if choice == "auto":
        count = free_cores()
    else:
        try:
            count = int(choice)
        except ValueError:
            raise ParameterError(f"{ENV} must be auto, torch or a thread count, got {choice!r}") from None
        if not 1 <= count <= 256:
            raise ParameterError(f"{ENV} must lie in 1..256, got {count}")
    import torch

    torch.set_num_threads(count)
    return count


__all__ = ["ENV", "configure", "free_cores"]
