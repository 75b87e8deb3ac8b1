"""Exhaustive checks of IsTree with chain of thought ([WDL] Thm 4.7): every graph, token for token.

For every ordered edge list of an index range (:meth:`tasks.istree.IsTreeTask.encode_inputs`):

* the reference CoT (the release's depth-first Euler tour, vectorised :meth:`IsTreeTask.cots`) — its
  answer against **networkx** ``is_tree`` (an independent ground truth);
* the CoT transformer (:func:`constructions.library.istree_uhat.istree_uhat`) compiled to torch in the
  dtype the precision audit proves exact, decoding greedily with a key/value cache
  (:mod:`constructions.uhat.decoding`) from the prompt alone — its own tokens fed back — against the
  reference CoT token for token, the answer included.

The result of a range is a plain dict (a *shard result*: counts, statistics, the first disagreement by
index) so that ranges merge into the single-process result — the same counts when everything agrees,
the same first disagreement otherwise (each range stops at its own first one, so the counts then
differ); :mod:`proofs_check.dask_run` runs the ranges as shards on Dask.
"""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Callable

import numpy as np
import torch

from automata.errors import ParameterError
from constructions.dtypes import parse_dtype
from constructions.library.istree_uhat import istree_uhat
from constructions.uhat.decoding import decode
from constructions.uhat.precision import precision_audit
from constructions.uhat.torch_backend import UHATModule, to_torch
from tasks.istree import FALSE, TRUE, IsTreeTask

CHUNK = 8192  # graphs per decoding batch (fewer for long words: at most CELLS score entries per head)
CELLS = 1 << 24
SIDE_SAMPLE = 20_000  # RAG and the hybrid (≈ 1,500–3,000 graphs/s) check every s-th input, ≈ this many in all
EXHAUSTIVE_MAX = 40_000_000  # inputs one command checks exhaustively (n = 7: 39,070,080)
TRANSFORMER = "transformer (CoT, KV cache)"
REFERENCE = "reference CoT (release's DFS)"
RNN = "exact RNN (union–find, O(n log n) bits)"
RAG = "RAG (O(log n) bits, regex retrieval, release's format)"
HYBRID = "hybrid (linear RNN + 1 attention layer, O(n log n) CoT)"


def side_stride(total: int) -> int:
    """RAG and the hybrid check the inputs whose index is a multiple of this (all of them for n ≤ 5)."""
    return max(1, -(-total // SIDE_SAMPLE))


def _side_checks(task: IsTreeTask, edges: np.ndarray, truth: np.ndarray, first_index: int, stride: int,
                 stats: dict) -> list[tuple[int, str, str, str]]:
    """The other side's recognisers on a chunk (first input's index ``first_index``): the exact RNN on
    every input, RAG and the hybrid on every ``stride``-th; their disagreements with networkx."""
    from constructions.library.istree_hybrid import hybrid_answers
    from constructions.library.istree_rag import rag_answer
    from constructions.library.istree_rnn import rnn_answers

    def verdict(x: bool) -> str:
        return TRUE if x else FALSE

    out = []
    rnn = rnn_answers(task, edges)
    stats["rnn_checked"] += len(edges)
    bad = np.nonzero(rnn != truth)[0]
    if bad.size:
        out.append((int(bad[0]), RNN, verdict(truth[bad[0]]), verdict(rnn[bad[0]])))
    sel = np.nonzero((first_index + np.arange(len(edges))) % stride == 0)[0]
    if sel.size:
        rag = np.array([rag_answer(task, [tuple(map(int, e)) for e in edges[b]])[0] for b in sel], dtype=bool)
        hyb = hybrid_answers(task, edges[sel])
        stats["rag_checked"] += int(sel.size)
        stats["hybrid_checked"] += int(sel.size)
        for name, got in ((RAG, rag), (HYBRID, hyb)):
            bad = np.nonzero(got != truth[sel])[0]
            if bad.size:
                b = int(sel[bad[0]])
                out.append((b, name, verdict(truth[b]), verdict(got[bad[0]])))
    return out


def istree_space(n: int) -> int:
    return IsTreeTask(n).input_space()


def broken_weight(net):
    """A perturbed copy of ``net`` (the first attended C weight + 1) for the negative test."""
    from proofs_check.retrieval_check import broken_weight as perturb

    return perturb(net)


def smallest_dtype(task: IsTreeTask) -> str:
    """The smallest float dtype the precision audit proves exact for every word up to the full CoT."""
    exact = exact_dtypes(task.n)
    for name in ("float16", "bfloat16", "float32", "float64"):
        if name in exact:
            return name
    raise ParameterError("no float dtype is proved exact for this network")


@lru_cache(maxsize=32)
def exact_dtypes(n: int) -> frozenset[str]:
    """The float dtypes the precision audit proves exact for the n-vertex network at full CoT length
    (one audit per n and process)."""
    task = IsTreeTask(n)
    report = precision_audit(istree_uhat(task), task.prompt_length + task.max_cot)
    return frozenset(d for d in ("float16", "bfloat16", "float32", "float64") if report.exact(parse_dtype(d)))


@lru_cache(maxsize=8)
def _module(n: int, broken: bool, dtype: str, device: str) -> UHATModule:
    task = IsTreeTask(n)
    net = istree_uhat(task)
    if broken:
        net = broken_weight(net)
    return to_torch(net, parse_dtype(dtype), device, max_len=task.prompt_length + task.max_cot)


def chunk_size(task: IsTreeTask) -> int:
    """Graphs per batch: :data:`CHUNK`, fewer when the dense prompt scores (B·L² per head) would exceed
    :data:`CELLS` (bounded memory at any n)."""
    length = task.prompt_length + task.max_cot
    return max(1, min(CHUNK, CELLS // (length * length)))


def _codes(task: IsTreeTask, mod: UHATModule) -> torch.Tensor:
    return torch.tensor([task.alphabet.index(s) for s in mod.output_symbols])


def generate_cots(task: IsTreeTask, edges: np.ndarray, mod: UHATModule) -> np.ndarray:
    """The transformer's CoTs for a batch (B, n − 1, 2): (B, 2n + 1) alphabet codes, −1 after the answer."""
    stop = (mod.output_symbols.index(TRUE), mod.output_symbols.index(FALSE))
    out = decode(mod, torch.tensor(task.prompt_codes(edges), device=mod.device), task.max_cot, stop).cpu()
    codes = _codes(task, mod)
    return torch.where(out >= 0, codes[out.clamp(min=0)], -1).numpy()


def _show_cot(task: IsTreeTask, row: np.ndarray) -> str:
    return " ".join(task.alphabet[int(c)] for c in row if c >= 0)


def istree_range(n: int, start: int, stop: int, broken: bool = False, dtype: str | None = None,
                 device: str = "cpu", progress: Callable[[int], None] | None = None, side: bool = True) -> dict:
    """Check inputs ``start``..``stop − 1`` of IsTree on n vertices; a shard result dict:
    ``count``, ``stats`` (trees, non_trees, cot_tokens, longest_cot and, with ``side``, the inputs the
    exact RNN, RAG and the hybrid checked), ``first`` (the least-index disagreement: index, input,
    recogniser, expected, got — or None), ``seconds``."""
    task = IsTreeTask(n)
    total = task.input_space()
    if not 0 <= start <= stop <= total:
        raise ParameterError(f"istree n={n}: range {start}..{stop} outside 0..{total}")
    dtype = dtype or smallest_dtype(task)
    mod = _module(n, broken, dtype, device)
    t0 = time.perf_counter()
    stats = {"trees": 0, "non_trees": 0, "cot_tokens": 0, "longest_cot": 0}
    if side:
        stats.update(rnn_checked=0, rag_checked=0, hybrid_checked=0)
    stride = side_stride(total)
    first = None
    done = 0
    chunk = chunk_size(task)
    for lo in range(start, stop, chunk):
        hi = min(stop, lo + chunk)
        edges = task.encode_inputs(lo, hi)
        ref = task.cots(edges)
        truth = task.trees(edges)
        answers = (ref == 3).any(1)
        stats["trees"] += int(truth.sum())
        stats["non_trees"] += int((~truth).sum())
        lengths = (ref >= 0).sum(1)
        stats["cot_tokens"] += int(lengths.sum())
        stats["longest_cot"] = max(stats["longest_cot"], int(lengths.max()))
        bad_ref = np.nonzero(answers != truth)[0]
        got = generate_cots(task, edges, mod)
        bad_net = np.nonzero((got != ref).any(1))[0]
        cands = []
        if bad_ref.size:
            b = int(bad_ref[0])
            cands.append((b, REFERENCE, "networkx: " + ("tree" if truth[b] else "not a tree"), _show_cot(task, ref[b])))
        if bad_net.size:
            b = int(bad_net[0])
            k = int(np.nonzero(got[b] != ref[b])[0][0])
            cands.append((b, f"{TRANSFORMER} [{dtype}]", _show_cot(task, ref[b]),
                          _show_cot(task, got[b][: k + 1]) + f"  (token {k + 1} differs)"))
        if side and not broken:
            cands += _side_checks(task, edges, truth, lo, stride, stats)
        done += hi - lo
        if progress is not None:
            progress(done)
        if cands:
            b, who, expected, got_text = min(cands)
            first = {"index": lo + b, "input": task.show([tuple(map(int, e)) for e in edges[b]]),
                     "recogniser": who, "expected": expected, "got": got_text}
            break
    return {"start": start, "stop": stop, "count": done, "stats": stats, "first": first,
            "seconds": time.perf_counter() - t0}


def _sample(task: IsTreeTask, rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` random edge lists: the odd rows uniform, the even rows random trees (random parents,
    random labels, random order)."""
    edges = task.sample_inputs(rng, count)
    for b in range(0, count, 2):
        perm = rng.permutation(task.n)
        tree = [(perm[i], perm[int(rng.integers(0, i))]) for i in range(1, task.n)]
        tree = [(max(u, v), min(u, v)) for u, v in tree]
        edges[b] = np.array([tree[k] for k in rng.permutation(task.m)], dtype=np.int64).reshape(task.m, 2)
    return edges


def summary(n: int, result: dict, dtype: str, exhaustive: bool = True) -> str:
    """The report of a (merged) result."""
    s = result["stats"]
    total = IsTreeTask(n).input_space()
    what = ("ordered edge lists (every one)" if result["count"] == total else
            f"ordered edge lists (stopped at the first disagreement; {total:,} in all)") if exhaustive else \
        "random edge lists (half of them random trees)"
    head = (f"istree n={n}: {result['count']:,} {what}"
            f" — {s['trees']:,} trees, {s['non_trees']:,} not; CoT ≤ {s['longest_cot']} tokens (bound 2n + 1 = "
            f"{2 * n + 1})")
    who = f"{TRANSFORMER} [{dtype}] = {REFERENCE} token for token; answers = networkx is_tree"
    sides = [f"{name}: {s[key]:,}" for name, key in ((RNN, "rnn_checked"), (RAG, "rag_checked"), (HYBRID, "hybrid_checked"))
             if s.get(key)]
    if sides:
        who += "\n  answers = networkx also for " + "; ".join(sides) + " inputs"
    if result["first"] is None:
        return f"{head}\n  {who}: AGREE [{result['seconds']:.1f}s]"
    f = result["first"]
    return (f"{head}\n  {who}: DISAGREE\n  first disagreement (input #{f['index']:,}), {f['recogniser']}:\n"
            f"    graph:    {f['input']}\n    expected: {f['expected']}\n    got:      {f['got']}")


def check_sample(n: int, count: int, seed: int = 0, broken: bool = False, dtype: str | None = None,
                 device: str = "cpu") -> dict:
    """``count`` random graphs (seeded; half of them random trees — uniform edge lists are rarely trees
    for large n) through the same comparisons."""
    task = IsTreeTask(n)
    dtype = dtype or smallest_dtype(task)
    mod = _module(n, broken, dtype, device)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    stats = {"trees": 0, "non_trees": 0, "cot_tokens": 0, "longest_cot": 0}
    first = None
    done = 0
    chunk = chunk_size(task)
    for lo in range(0, count, chunk):
        edges = _sample(task, rng, min(chunk, count - lo))
        ref, truth = task.cots(edges), task.trees(edges)
        got = generate_cots(task, edges, mod)
        stats["trees"] += int(truth.sum())
        stats["non_trees"] += int((~truth).sum())
        lengths = (ref >= 0).sum(1)
        stats["cot_tokens"] += int(lengths.sum())
        stats["longest_cot"] = max(stats["longest_cot"], int(lengths.max()))
        bad = np.nonzero(((got != ref).any(1)) | ((ref == 3).any(1) != truth))[0]
        done += len(edges)
        if bad.size:
            b = int(bad[0])
            first = {"index": lo + b, "input": task.show([tuple(map(int, e)) for e in edges[b]]),
                     "recogniser": f"{TRANSFORMER} [{dtype}]", "expected": _show_cot(task, ref[b]),
                     "got": _show_cot(task, got[b])}
            break
    return {"start": 0, "stop": count, "count": done, "stats": stats, "first": first,
            "seconds": time.perf_counter() - t0}


__all__ = ["EXHAUSTIVE_MAX", "broken_weight", "check_sample", "exact_dtypes", "generate_cots", "istree_range", "istree_space",
           "smallest_dtype", "summary"]
