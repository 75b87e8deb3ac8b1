"""Throughput of the streamed exhaustive check against a plain per-word loop (docs/architecture.md, benchmarks/).

The network is the packed Lemma 9 UHAT of the counter ([BCL] Example 2, stream variant) for
``n = 2``; every layer masks the future, so one pass over the ``6^L`` words of length ``L`` decides every prefix
(:func:`proofs_check.exhaustive.exhaustive_check`, chunks of 2^15 words, against the reference DFA).
Baselines, measured in the same run on the first words of the same list: (1) the same torch UHAT
called on one word at a time; (2) the B-RASP interpreter (the program the UHAT compiles) on one word
at a time. All rates are in words of length ``L`` per second (the batched pass also decides the
``(6^L − 6)/5`` shorter words, which are not counted: a conservative ratio). Target: ≥ 100×.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from automata.alphabet import all_words


def _member(n: int):
    from proofs_check.registry import family
    from proofs_check.suite import build

    return build(family("counter"), n, "stream")  # accepted words from length 4 on


def per_word_rate(module, words: np.ndarray) -> float:
    """Words per second when the network is called on one word at a time."""
    start = time.perf_counter()
    with torch.no_grad():
        for row in words:
            module(torch.from_numpy(row[None, :]))
    return len(words) / (time.perf_counter() - start)


def interpreter_rate(program, words: np.ndarray) -> float:
    """Words per second of the B-RASP interpreter called on one word at a time."""
    from constructions.brasp import interpreter

    start = time.perf_counter()
    for row in words:
        interpreter.accepts_prefixes(program, row[None, :])
    return len(words) / (time.perf_counter() - start)


def measure(n: int, length: int, sample: int, device: str = "cpu") -> tuple[float, float, object, float]:
    """``(batched words/s, UHAT per-word words/s, CheckReport, interpreter per-word words/s)`` at word
    length ``length``."""
    from constructions.uhat.torch_backend import to_torch
    from proofs_check.deciders import dfa_decider, uhat_decider
    from proofs_check.exhaustive import exhaustive_check

    m = _member(n)
    module = to_torch(m.packed, torch.float64, device)
    with torch.no_grad():
        module(torch.from_numpy(all_words(length, len(m.task.alphabet), 0, 8)))  # warm-up
    deciders = [dfa_decider(m.task.reference_dfa()), uhat_decider(module, "UHAT packed", causal=True)]
    report = exhaustive_check(m.task.alphabet, deciders, length, progress=False, device=device)
    k = len(m.task.alphabet)
    batched = k**length / report.seconds  # one causal pass over the top length decides every prefix
    sample_words = all_words(length, k, 0, sample)
    loop = per_word_rate(module, sample_words)
    return batched, loop, report, interpreter_rate(m.program, sample_words)


def run(quick: bool = False, threads: int = 1) -> None:
    """Both sides run with ``threads`` torch CPU threads (1: on a shared machine extra threads spin)."""
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() and not quick else [])
    length, sample = (4, 30) if quick else (7, 300)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for device in devices:
            _report(device, length, sample, threads)
    finally:
        torch.set_num_threads(before)


def _report(device: str, length: int, sample: int, threads: int) -> None:
    batched, loop, report, interp = measure(2, length, sample, device)
    print(f"exhaustive {device}: {report.summary()}")
    print(f"exhaustive {device}: counter n=2 stream packed UHAT, length {length}, {threads} torch thread(s): "
          f"batched {batched:,.0f} words/s")
    print(f"  vs UHAT per-word loop {loop:,.0f} words/s ({sample} words): {batched / loop:,.0f}x (target >= 100x)")
    print(f"  vs B-RASP interpreter per word {interp:,.0f} words/s ({sample} words): {batched / interp:,.0f}x")
