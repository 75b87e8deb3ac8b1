"""Benchmark: the strict witness words of THEORY §5 ([BCL] Lemma 8 program, Lemma 9 compiled UHAT).

For n = 3 (10,240 symbols) and, unless ``quick``, n = 4 (6,291,456 symbols = 2^16 rows · 16 · 6):
the word through the PACKED compiled UHAT (to_torch, CPU, float32 for n = 4 — exact: the precision audit
bounds every value below 2^24), the linear B-RASP interpreter, the structured RNN and the reference
(TilingTask: decode + violations); random single-symbol corruptions are rejected by all (n = 3: 100 in
batches; n = 4: ``BENCH_N4_CORRUPTIONS``, default 100). Ratios against the naive way in the same run:
quadratic vs linear interpreter and dense vs fast UHAT attention on the n = 3 word (both feasible there).
n = 4 runs STREAMED (:mod:`constructions.uhat.streaming`: chunks of 2^16 positions through all layers,
a per-class carry between chunks; memory O(chunk · slots)) on 2 torch threads, and CLASS-MEMOISED
(:mod:`constructions.uhat.class_exec`), checked equal at every position; each n = 4 corruption is
re-checked by the UHAT by classes on the whole corrupted word and by the interpreter and the RNN from the
last checkpoint before it. n = 3 runs the whole word at once. Doubling: the first half of the word vs
all of it, and for n = 3 the word written twice (length 20,480 — not in the language, but the network's
work does not depend on membership, so time(2L)/time(L) measures the per-position cost).
"""
from __future__ import annotations

import os
import resource
import time

import numpy as np
import torch

from automata.alphabet import encode_word
from constructions.brasp.interpreter import accepts, evaluate
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from constructions.library.tiling_rnn import tiling_rnn
from constructions.rnn.compiled import run_prefixes_compiled
from constructions.uhat.class_exec import class_run
from constructions.uhat.streaming import stream_prefixes
from constructions.uhat.torch_backend import to_torch
from tasks.tiling import TilingTask, encode, shortest_word
from tasks.tiling_witness import counter_grid, counter_witness
from proofs_check.long_word import check_witness_word, random_corruptions


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def _word(n: int) -> tuple[tuple[str, ...], float]:
    t0 = time.perf_counter()
    word = encode(counter_grid(n))
    return word, time.perf_counter() - t0


def _verdicts(module, rows: np.ndarray, stream: bool) -> torch.Tensor:
    """(B, L) prefix verdicts: the whole batch at once, or each word streamed chunk by chunk."""
    with torch.no_grad():
        if stream:
            return torch.stack([stream_prefixes(module, row) for row in rows])
        return module(torch.from_numpy(rows))


def _one(n: int, corruptions: int, naive: int, dtype: str, stream: bool = False) -> None:
    """``naive``: length of the prefix of the word on which the naive ways are timed (0: none)."""
    inst = counter_witness(n, "strict")
    program, task = tiling_program(inst), TilingTask(inst)
    word, tw = _word(n)
    codes = encode_word(word, program.alphabet)
    if n <= 3:
        assert word == tuple(shortest_word(inst)), "the direct counter grid differs from the row search"
    print(f"witness n={n}: {len(word)} symbols (counter grid written in {tw:.1f}s"
          f"{'; equals tasks.tiling.shortest_word' if n <= 3 else ''})")
    tc, net = _timed(compile_lemma9, program, True)
    module = to_torch(net, dtype)
    print(f"witness n={n}: packed UHAT {net.size().layers} layers, compiled in {tc:.1f}s, dtype {dtype}")
    tu, out = _timed(_verdicts, module, codes[None, :], stream)
    how = f"streamed, {torch.get_num_threads()} torch threads" if stream else "whole word"
    print(f"witness n={n}: packed UHAT ({how}) accepts={bool(out[0, -1])} in {tu:.2f}s  peak RSS {_rss_gib():.2f} GiB")
    if not naive:  # doubling inside the family's own word: its first half (a prefix) vs all of it
        half = codes[None, : codes.size // 2]
        th, _ = _timed(_verdicts, module, half, stream)
        print(f"witness n={n}: doubling (first half, {half.shape[1]} symbols, {th:.2f}s -> whole word {tu:.2f}s): "
              f"ratio {tu / th:.2f}x")
    tb, ok_b = _timed(accepts, program, codes[None, :])
    print(f"witness n={n}: linear B-RASP interpreter accepts={bool(ok_b[0])} in {tb:.2f}s")
    if not stream:  # the long word: check_witness_word (in _corrupt_long) times the reference and the RNN
        rnn = tiling_rnn(inst)
        tr, ok_r = _timed(task.accepts, word)
        print(f"witness n={n}: reference (decode + violations) accepts={ok_r} in {tr:.2f}s")
        tn, ok_n = _timed(run_prefixes_compiled, rnn, codes)
        print(f"witness n={n}: structured RNN ({rnn.units} units, k = {rnn.precision_bits}, exact int64, compiled) "
              f"accepts={bool(ok_n[-1])}, no proper prefix: {not ok_n[:-1].any()}, in {tn:.2f}s")
    if naive:
        pre = codes[None, :naive]
        tq, env = _timed(lambda: evaluate(program, pre, linear=False))
        tl, env_l = _timed(lambda: evaluate(program, pre))
        same = all(np.array_equal(env[k], env_l[k]) for k in env)
        print(f"witness n={n}: prefix of {naive} symbols: interpreter quadratic {tq:.2f}s vs linear {tl:.3f}s  "
              f"ratio {tq / tl:.1f}x  (all predicates equal: {same})")
        dense = to_torch(net, dtype, fast=False)
        with torch.no_grad():
            td, out_d = _timed(dense, torch.from_numpy(pre))
            tf, out_f = _timed(module, torch.from_numpy(pre))
        print(f"witness n={n}: prefix of {naive} symbols: UHAT dense attention {td:.2f}s vs fast {tf:.3f}s  "
              f"ratio {td / tf:.1f}x  (every position equal: {torch.equal(out_d, out_f)})")
        with torch.no_grad():
            tf, _ = _timed(module, torch.from_numpy(codes[None, :]))
        twice = np.concatenate([codes, codes])[None, :]
        with torch.no_grad():
            t2, _ = _timed(module, torch.from_numpy(twice))
        print(f"witness n={n}: doubling (the word written twice, {twice.shape[1]} symbols): {t2:.2f}s  ratio {t2 / tf:.2f}x")
    if n == 3:  # the paper-faithful network (one ReLU per layer, [BCL] Lemma 9 as written)
        tp, paper = _timed(compile_lemma9, program)
        pm = to_torch(paper, dtype)
        with torch.no_grad():
            tpr, outp = _timed(pm, torch.from_numpy(codes[None, :]))
        print(f"witness n={n}: paper-faithful UHAT {paper.size().layers} layers (compiled in {tp:.1f}s) "
              f"accepts={bool(outp[0, -1])} in {tpr:.2f}s")
    if stream:  # the long word: each corruption re-checked from the last checkpoint before it
        _corrupt_long(n, corruptions, module, codes, out[0])
    else:
        _corrupt_batched(n, corruptions, module, program, task, rnn, codes)


def _corrupt_batched(n, corruptions, module, program, task, rnn, codes) -> None:
    bad = np.repeat(codes[None, :], corruptions, axis=0)
    for b, (p, c) in enumerate(random_corruptions(codes, len(program.alphabet), corruptions, n)):
        bad[b, p] = c
    t0 = time.perf_counter()
    step = max(1, min(corruptions, (1 << 21) // codes.size))
    rej_u = rej_b = rej_r = rej_n = 0
    for a in range(0, corruptions, step):
        chunk = bad[a:a + step]
        rej_u += int((~_verdicts(module, chunk, False)[:, -1]).sum())
        rej_b += int((~accepts(program, chunk)).sum())
        rej_r += sum(not task.accepts(tuple(program.alphabet[c] for c in row)) for row in chunk)
        rej_n += sum(not run_prefixes_compiled(rnn, row)[-1] for row in chunk)
    tcor = time.perf_counter() - t0
    print(f"witness n={n}: {corruptions} random single-symbol corruptions rejected by UHAT {rej_u}, "
          f"B-RASP {rej_b}, structured RNN {rej_n}, reference {rej_r} ({tcor:.1f}s)  peak RSS {_rss_gib():.2f} GiB")


def _corrupt_long(n, corruptions, module, codes, streamed) -> None:
    """The n = 4 word class-memoised (:mod:`constructions.uhat.class_exec`), checked equal to the streamed
    run at every position; then :func:`proofs_check.long_word.check_witness_word`: all four recognisers
    (the interpreter streamed with checkpoints, the RNN with checkpoints) and the corruptions, each
    re-checked by the UHAT on the whole corrupted word and by the interpreter and the RNN from the last
    checkpoint before it, on ``BENCH_N4_THREADS`` worker processes."""
    tk, run = _timed(class_run, module, codes)
    same = torch.equal(torch.from_numpy(run.verdicts), streamed)
    print(f"witness n={n}: packed UHAT class-memoised (≤ {run.max_classes} classes, ≤ {run.max_pairs} pairs "
          f"per layer) accepts={bool(run.verdicts[-1])} in {tk:.2f}s; equal to the streamed run at every "
          f"position: {same}")
    th, _ = _timed(class_run, module, codes[: codes.size // 2])
    print(f"witness n={n}: class-memoised doubling (first half {th:.2f}s -> whole word {tk:.2f}s): ratio {tk / th:.2f}x")
    workers = int(os.environ.get("BENCH_N4_THREADS", "2"))

    def show(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            print(f"witness n={n}: {done}/{total} corruptions checked ({time.perf_counter() - t0:.0f}s)", flush=True)

    t0 = time.perf_counter()
    report = check_witness_word(n, corruptions, workers=workers, progress=show)
    print(f"{report.summary()}  [{time.perf_counter() - t0:.0f}s wall on {workers} worker processes; "
          f"peak RSS {_rss_gib():.2f} GiB]")
    if not report.ok:
        raise AssertionError("the witness word check failed")


def run(quick: bool = False) -> None:
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    print(f"witness: torch threads={torch.get_num_threads()}")
    _one(3, 10 if quick else 100, naive=1024 if quick else 4096, dtype="float64")
    if not quick:
        threads = torch.get_num_threads()
        torch.set_num_threads(int(os.environ.get("BENCH_N4_THREADS", "2")))  # the target: 2 CPU cores
        _one(4, int(os.environ.get("BENCH_N4_CORRUPTIONS", "100")), naive=0, dtype="float32", stream=True)
        torch.set_num_threads(threads)


if __name__ == "__main__":
    import sys

    run(quick="--quick" in sys.argv)
