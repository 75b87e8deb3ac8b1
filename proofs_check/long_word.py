"""The witness word of THEORY §5 through every recogniser, exactly, with random corruptions.

For the strict 17-tile witness of width 2^n the shortest word has (n+2)·2^n·2^(2^n) symbols
(n = 4: 6,291,456) — [BCL] Lemma 8's doubly exponential witness. Each recogniser runs it in time
linear in its length:

* **UHAT**: the packed Lemma 9 network (float32 — proved exact by the precision audit — when the
  audit allows, else float64), class-memoised (:mod:`constructions.uhat.class_exec`);
* **B-RASP**: Lemma 8's program, streamed with checkpoints every ``every`` positions
  (:mod:`constructions.brasp.streaming`);
* **RNN**: the structured tiling RNN, exact int64, compiled, with checkpoints
  (:mod:`constructions.rnn.compiled`);
* **reference**: decode the word into a grid and list the violated constraints (:class:`TilingTask`).

A corruption (one position given another symbol) is re-checked by the UHAT on the whole corrupted word
and by the interpreter and the RNN from the last checkpoint before it — their state there is the clean
word's, because both are causal. The word must be accepted by all four and every corruption rejected
by all four.

>>> r = check_witness_word(1, corruptions=3)
>>> r.length, r.accepted, [c.rejected_by_all for c in r.corruptions]
(24, {'UHAT': True, 'B-RASP': True, 'RNN': True, 'reference': True}, [True, True, True])
"""
from __future__ import annotations

import multiprocessing as mp
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import torch

from automata.alphabet import encode_word
from automata.errors import DtypeError, ParameterError
from constructions.brasp.streaming import last_checkpoint, stream_evaluate
from constructions.library.tiling_brasp import tiling_program
from constructions.library.tiling_rnn import tiling_rnn
from constructions.rnn.compiled import run_checkpointed
from constructions.uhat.class_exec import class_run
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.torch_backend import UHATModule, to_torch
from proofs_check.progress import Bar, bar as progress_bar
from tasks.tiling import TilingTask, encode
from tasks.tiling_witness import counter_grid, counter_witness

RECOGNISERS = ("UHAT", "B-RASP", "RNN", "reference")
MAX_N = 4  # n = 5 would be (7 · 32 · 2^32) ≈ 9.6·10^11 symbols


@dataclass(frozen=True)
class Corruption:
    position: int
    symbol: str  # the symbol written there (≠ the original)
    verdicts: dict[str, bool]

    @property
    def rejected_by_all(self) -> bool:
        return not any(self.verdicts.values())


@dataclass(frozen=True)
class LongWordReport:
    n: int
    length: int
    accepted: dict[str, bool]  # the clean word, per recogniser
    prefix_free: bool  # UHAT, B-RASP and RNN (all causal: one run decides every prefix) accept no proper prefix
    seconds: dict[str, float]  # clean word, per recogniser (and "word": building it)
    corruptions: tuple[Corruption, ...] = ()
    corruption_seconds: dict[str, float] = field(default_factory=dict)
    classes: int = 0  # the UHAT's largest number of distinct vectors at one layer

    @property
    def ok(self) -> bool:
        return all(self.accepted.values()) and self.prefix_free and all(c.rejected_by_all for c in self.corruptions)

    def summary(self) -> str:
        acc = ", ".join(f"{k} {'accepts' if v else 'REJECTS'} ({self.seconds[k]:.1f}s)"
                        for k, v in self.accepted.items())
        text = (f"witness n={self.n}: word of {self.length:,} symbols: {acc}; "
                f"no proper prefix accepted: {self.prefix_free}")
        if self.corruptions:
            bad = [c for c in self.corruptions if not c.rejected_by_all]
            spent = ", ".join(f"{k} {v:.0f}s" for k, v in self.corruption_seconds.items())
            text += (f"; {len(self.corruptions) - len(bad)}/{len(self.corruptions)} random single-symbol "
                     f"corruptions rejected by all four ({spent})")
            text += "".join(f"; position {c.position} -> {c.symbol} ACCEPTED by "
                            f"{[k for k, v in c.verdicts.items() if v]}" for c in bad[:3])
        return text


def _module(program) -> UHATModule:
    net = compile_lemma9(program, packed=True)
    try:
        return to_torch(net, "float32")
    except DtypeError:
        return to_torch(net, "float64")


def _timed(fn: Callable):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def random_corruptions(codes: np.ndarray, sigma: int, count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` random (position, new code ≠ the old one) pairs over ``sigma`` symbols, from ``seed``."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        p = rng.randrange(codes.size)
        out.append((p, rng.choice([c for c in range(sigma) if c != codes[p]])))
    return out


_JOB: dict = {}  # the clean run's state, shared with forked workers (copy-on-write)


def _quiet() -> None:
    """A forked worker: one thread; SIGTERM (the pool's terminate) ends it silently instead of running the
    CLI's handler (a KeyboardInterrupt traceback per worker), and SIGINT is the parent's to handle."""
    import signal

    torch.set_num_threads(1)  # one thread per worker process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_corruption(pick: tuple[int, int]) -> tuple[Corruption, dict[str, float]]:
    """Every recogniser on the clean word with position p set to symbol c (see the module doc)."""
    p, c = pick
    job = _JOB
    sigma = job["program"].alphabet
    bad = job["codes"].copy()
    bad[p] = c
    at = p // job["every"] * job["every"]
    checks = {
        "UHAT": lambda: class_run(job["module"], bad).verdicts[-1],
        "B-RASP": lambda: stream_evaluate(job["program"], bad, job["every"],
                                          resume=last_checkpoint(job["run_b"], p)).output[-1],
        "RNN": lambda: run_checkpointed(job["rnn"], bad, resume=job["marks"][at])[0][-1],
        "reference": lambda: job["task"].accepts(tuple(sigma[x] for x in bad)),
    }
    verdicts, spent = {}, {}
    for name, fn in checks.items():
        spent[name], v = _timed(fn)
        verdicts[name] = bool(v)
    return Corruption(p, sigma[c], verdicts), spent


def _collect(done: Iterable, spent: dict[str, float], bar: Bar) -> list[Corruption]:
    out = []
    for result, secs in done:
        out.append(result)
        for name, v in secs.items():
            spent[name] += v
        bar.update(1)
    return out


def check_witness_word(
    n: int, corruptions: int = 0, seed: int | None = None, every: int = 1 << 16,
    progress: bool = False, workers: int = 1,
) -> LongWordReport:
    """The strict witness word of width 2^n through UHAT, B-RASP, RNN and reference, then ``corruptions``
    random single-symbol corruptions (seeded by ``seed``, default n), spread over ``workers`` forked
    processes (one thread each) when more than one. ``progress``: a bar of corruptions on stderr (total
    ``corruptions``, the K of the summary's "k/K … rejected by all four"), naming the clean word's
    recogniser while it runs. ``corruption_seconds`` sums each recogniser's time over all workers."""
    if not 1 <= n <= MAX_N:
        raise ParameterError(f"n must be in 1..{MAX_N} (the word has (n+2)·2^n·2^(2^n) symbols), got {n}")
    if corruptions < 0 or every < 1 or workers < 1:
        raise ParameterError("corruptions must be ≥ 0, every and workers ≥ 1")
    with progress_bar(corruptions, f"witness n={n}", "corruption", progress) as bar:
        inst = counter_witness(n, "strict")
        program, task, rnn = tiling_program(inst), TilingTask(inst), tiling_rnn(inst)
        bar.step("the word")
        t_word, word = _timed(lambda: encode(counter_grid(n)))
        codes = encode_word(word, program.alphabet)
        module = _module(program)
        seconds = {"word": t_word}
        bar.step("UHAT on the clean word")
        seconds["UHAT"], run_u = _timed(lambda: class_run(module, codes))
        bar.step("B-RASP on the clean word")
        seconds["B-RASP"], run_b = _timed(lambda: stream_evaluate(program, codes, every, keep=True))
        bar.step("RNN on the clean word")
        seconds["RNN"], (out_n, marks) = _timed(lambda: run_checkpointed(rnn, codes, every=every))
        bar.step("reference on the clean word")
        seconds["reference"], ok_r = _timed(lambda: task.accepts(word))
        accepted = {"UHAT": bool(run_u.verdicts[-1]), "B-RASP": bool(run_b.output[-1]), "RNN": bool(out_n[-1]),
                    "reference": bool(ok_r)}
        prefix_free = not (run_u.verdicts[:-1].any() or run_b.output[:-1].any() or out_n[:-1].any())
        picks = random_corruptions(codes, len(program.alphabet), corruptions, n if seed is None else seed)
        _JOB.update(module=module, program=program, task=task, rnn=rnn, codes=codes, every=every, run_b=run_b,
                    marks={m.position: m for m in marks})
        spent = dict.fromkeys(RECOGNISERS, 0.0)
        bar.step("corruptions")
        results = []
        try:
            if workers > 1 and len(picks) > 1 and "fork" in mp.get_all_start_methods():
                with mp.get_context("fork").Pool(workers, initializer=_quiet) as pool:
                    done = pool.imap(_check_corruption, picks)
                    results = _collect(done, spent, bar)
            else:
                results = _collect(map(_check_corruption, picks), spent, bar)
        finally:
            _JOB.clear()
    return LongWordReport(n, int(codes.size), accepted, bool(prefix_free), seconds, tuple(results),
                          spent if corruptions else {}, run_u.max_classes)


__all__ = ["Corruption", "LongWordReport", "check_witness_word", "random_corruptions", "MAX_N"]
