"""Oversubscription: a CLI check alone and beside busy processes, torch's default threads against the
policy of proofs_check/threads.py (OpenMP threads sleep while waiting; threads = cores not already busy).

The workload is ``succinct verify counter -n 2 --max-len L`` in a fresh process (L = 8 full, 6 quick), run
(a) alone and (b) beside ``K`` busy processes (pure-Python loops, one per core plus one, stopped after the
run), once with ``SUCCINCT_THREADS=torch OMP_WAIT_POLICY=ACTIVE`` (the naive default) and once with the
project's policy. A fair share beside K busy processes on C cores is about (K + 1)/C times the time alone;
the printed ratios are loaded / alone, the naive one against ours, measured in the same run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


def _run(max_len: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "proofs_check", "verify", "counter", "-n", "2", "--max-len", str(max_len)],
                   check=True, capture_output=True, env=env, timeout=3600)
    return time.perf_counter() - start


def _beside_busy(max_len: int, env: dict[str, str], busy: int, seconds: float) -> float:
    procs = [subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=seconds)]) for _ in range(busy)]
    try:
        time.sleep(1.0)  # let the load average and the scheduler see them
        return _run(max_len, env)
    finally:
        for p in procs:
            p.kill()
            p.wait()


def run(quick: bool = False) -> None:
    max_len = 6 if quick else 8
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = cores + 1
    base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "SUCCINCT_THREADS")}
    naive = {**base, "SUCCINCT_THREADS": "torch", "OMP_WAIT_POLICY": "ACTIVE"}
    ours = dict(base)
    print(f"verify counter -n 2 --max-len {max_len} on {cores} cores, alone and beside {busy} busy processes "
          f"(a fair share: ≈ {(busy + 1) / cores:.1f}× the time alone)")
    results = {}
    for name, env in (("torch default (spinning OpenMP)", naive), ("proofs_check.threads policy", ours)):
        alone = _run(max_len, env)
        loaded = _beside_busy(max_len, env, busy, seconds=max(60.0, 40 * alone))
        results[name] = (alone, loaded)
        print(f"  {name:<34} alone {alone:7.1f} s   loaded {loaded:7.1f} s   ratio {loaded / alone:5.1f}×")
    (a0, l0), (a1, l1) = results.values()
    print(f"  loaded time, naive / ours: {l0 / l1:.1f}×  (alone: {a0 / a1:.2f}×)")


if __name__ == "__main__":
    run("--quick" in sys.argv)
