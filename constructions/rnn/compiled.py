"""Exact runs of an integral Elman RNN over one long word, compiled with numba.

THEORY §7 / [BCL] §2.4: an RNN reads the word one symbol at a time, h_t = σ(W h_{t−1} + U e(w_t) + b),
so its run is inherently sequential; the numpy semantics of :class:`~constructions.rnn.model.ElmanRNN`
pay Python overhead per symbol (33 s for the 10,240-symbol witness word). Here the step is a compiled
loop over the sparse rows of W in int64: O(L · (nonzeros(W) + D)) with no per-symbol overhead.

Exactness: every weight is an integer and every coordinate stays in 0..max_activation (the network's
precision claim, checked at every step — a violation raises :class:`PrecisionError` naming the position),
so every pre-activation and readout is bounded by Σ|w|·max_activation + |b|, which is checked to stay
below 2^62 before running: int64 arithmetic is then exact.

>>> from constructions.library.counter_rnn import counter_rnn
>>> from automata.alphabet import encode_word
>>> rnn = counter_rnn(1, "full")
>>> run_prefixes_compiled(rnn, encode_word(tuple("0a#1b#"), rnn.alphabet)).tolist()
[False, False, False, False, False, True]
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from automata.alphabet import check_codes
from automata.errors import ParameterError, PrecisionError
from constructions.rnn.model import ElmanRNN

_SAFE = 1 << 62
_ACT = {"relu": 0, "heaviside": 1, "satlin": 2}


@numba.njit(cache=True)
def _run(indptr, cols, vals, table, h0, t, c, act, hi, codes, start, out, every, states):  # pragma: no cover
    d = h0.size
    h = h0.copy()
    new = np.empty(d, dtype=np.int64)
    for p in range(start, codes.size):
        if every > 0 and p % every == 0:
            states[p // every] = h
        a = codes[p]
        for r in range(d):
            s = table[a, r]
            for k in range(indptr[r], indptr[r + 1]):
                s += vals[k] * h[cols[k]]
            if act == 0:
                v = s if s > 0 else 0
            elif act == 1:
                v = 1 if s > 0 else 0
            else:
                v = 0 if s < 0 else (1 if s > 1 else s)
            if v > hi:
                return p, r
            new[r] = v
        h, new = new, h
        acc = c
        for r in range(d):
            acc += t[r] * h[r]
        out[p] = acc > 0
    return -1, -1


@dataclass(frozen=True)
class RNNCheckpoint:
    """The hidden state before reading position ``position`` (0-based) of the word it came from."""

    position: int
    state: tuple[int, ...]


def _compile(rnn: ElmanRNN) -> tuple:
    """The sparse int64 form of the network (see the module doc), after the exactness checks."""
    if not rnn.is_integral():
        raise ParameterError("the compiled run needs integral weights (use ElmanRNN.run_prefixes)")
    d, hi = rnn.units, rnn.max_activation
    rows = rnn.W.rows()
    u_rows, bias = rnn.U.rows(), rnn.U.bias_dict()
    indptr = np.zeros(d + 1, dtype=np.int64)
    cols: list[int] = []
    vals: list[int] = []
    table = np.zeros((len(rnn.alphabet), d), dtype=np.int64)
    worst = 0
    for r in range(d):
        row = rows.get(r, {})
        cols.extend(row)
        vals.extend(int(v) for v in row.values())
        indptr[r + 1] = len(cols)
        for a in range(len(rnn.alphabet)):
            table[a, r] = int(u_rows.get(r, {}).get(a, 0) + bias.get(r, 0))
        worst = max(worst, sum(abs(int(v)) for v in row.values()) * hi + int(np.abs(table[:, r]).max(initial=0)))
    t = np.zeros(d, dtype=np.int64)
    for _, col, v in rnn.readout.entries:
        t[col] = int(v)
    c = int(rnn.readout.bias_dict().get(0, 0))
    worst = max(worst, int(np.abs(t).sum()) * hi + abs(c))
    if worst >= _SAFE or max(abs(int(v)) for v in rnn.h0) > hi:
        raise ParameterError(f"values up to {worst} could leave int64; use ElmanRNN.run_prefixes")
    return indptr, np.array(cols, dtype=np.int64), np.array(vals, dtype=np.int64), table, t, c


def run_checkpointed(
    rnn: ElmanRNN, word: np.ndarray, *, every: int = 0, resume: RNNCheckpoint | None = None
) -> tuple[np.ndarray, tuple[RNNCheckpoint, ...]]:
    """Verdicts after every prefix (``(L,)`` bool; entries before ``resume.position`` are False: not
    computed) and, if ``every`` > 0, the state before every position that is a multiple of ``every``.

    ``resume``: start from a checkpoint instead of h0 — valid when the word agrees, before
    ``resume.position``, with the word the checkpoint came from (an RNN's state summarises its prefix).
    Used to re-check a corrupted long word from the last checkpoint before the corruption."""
    codes = check_codes(np.asarray(word).reshape(1, -1), rnn.alphabet)[0].astype(np.int64)
    indptr, cols, vals, table, t, c = _compile(rnn)
    hi = rnn.max_activation
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 0:
        raise ParameterError(f"every must be an integer ≥ 0, got {every!r}")
    start = 0
    h0 = np.array([int(v) for v in rnn.h0], dtype=np.int64)
    if resume is not None:
        if not 0 <= resume.position < codes.size or len(resume.state) != rnn.units:
            raise ParameterError(f"checkpoint at {resume.position} with {len(resume.state)} units does not fit "
                                 f"a word of length {codes.size} and {rnn.units} units")
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v <= hi
                   for v in resume.state):
            raise ParameterError(f"checkpoint state outside 0..{hi} (the network's precision claim): not a state "
                                 "this network can reach")
        start, h0 = resume.position, np.array(resume.state, dtype=np.int64)
    out = np.zeros(codes.size, dtype=np.bool_)
    states = np.zeros(((codes.size - 1) // every + 1 if every else 0, rnn.units), dtype=np.int64)
    p, r = _run(indptr, cols, vals, table, h0, t, c, _ACT[rnn.activation], hi, codes, start, out, every, states)
    if p >= 0:
        raise PrecisionError(f"unit {rnn.unit_names[r] if rnn.unit_names else r} leaves 0..{hi} after "
                             f"{p + 1} symbols (precision_bits={rnn.precision_bits})")
    first = -(-start // every) if every else 0
    marks = tuple(RNNCheckpoint(k * every, tuple(int(x) for x in states[k])) for k in range(first, len(states)))
    return out, marks


def run_prefixes_compiled(rnn: ElmanRNN, word: np.ndarray) -> np.ndarray:
    """``(L,)`` bool: the verdict after every prefix of one word (codes), equal to
    ``rnn.run_prefixes(word[None])[0]``. Raises ParameterError for non-integral networks or weights whose
    bound could leave int64, PrecisionError when a coordinate leaves the claimed range."""
    return run_checkpointed(rnn, word)[0]


__all__ = ["RNNCheckpoint", "run_checkpointed", "run_prefixes_compiled"]
