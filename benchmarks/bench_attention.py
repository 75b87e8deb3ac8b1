"""Benchmark: exact hard attention, dense O(L²) argmax vs the O(L·K) class kernel ([BCL] §2's UHA;
constructions/uhat/attention_kernel.py). Prints one line per measurement, with the ratio against the
dense (naive) way measured in the same run where the dense way is feasible, and the doubling ratio
time(2L)/time(L) of the class kernel (≈ 2 means linear)."""
from __future__ import annotations

import os
import time

import numpy as np
import torch

from constructions.uhat.attention_kernel import class_attention, dense_attention

MASKS = ("j<i", "j>i", "none")


def _inputs(length: int, seed: int, rows: int = 2, values: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    q = torch.from_numpy(rng.integers(-1, 2, (rows, 1, length))).to(torch.float64)
    k = torch.from_numpy(rng.integers(0, values, (rows, 1, length))).to(torch.float64)
    return q, k


def _time(fn, *args) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def run(quick: bool = False) -> None:
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    print(f"attention: torch threads={torch.get_num_threads()}, K = 9 key classes (2 rows, values 0..2)")
    for length in ((1024, 2048) if quick else (1024, 2048, 4096, 8192)):
        for mask in MASKS:
            q, k = _inputs(length, length)
            td, dense = _time(dense_attention, q, k, mask, "rightmost")
            tc, fast = _time(class_attention, q, k, mask, "rightmost")
            assert fast is not None and torch.equal(dense[0], fast[0])
            print(f"attention L={length} mask={mask}: dense {td:.3f}s  class {tc:.4f}s  ratio dense/class {td / tc:.1f}x  (equal)")
    prev = None
    for length in ((1 << 16, 1 << 17) if quick else (1 << 18, 1 << 19, 1 << 20, 1 << 21)):
        q, k = _inputs(length, 7)
        tc, _ = _time(class_attention, q, k, "j<i", "rightmost")
        line = f"attention class kernel L={length}: {tc:.3f}s"
        if prev is not None:
            line += f"  doubling ratio {tc / prev:.2f}x"
        print(line)
        prev = tc


if __name__ == "__main__":
    import sys

    run(quick="--quick" in sys.argv)
