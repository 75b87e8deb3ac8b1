"""Vectorised explicit DFA of the counter language of [BCL] Example 2 (THEORY §3).

:class:`tasks.counter.CounterAutomaton` explores the reference automaton state by state in Python; for
``n = 16`` (about ``3.5·10^6`` reachable states) that is too slow. Here the same states
``(v, p, x)`` — block value ``v ∈ 0..2^n``, position ``p ∈ 0..n+1`` in the block, latest letter
``x ∈ {None, a, b, c}`` — are indexed arithmetically, ``id = (v·(n+2) + p)·4 + x``, and every transition
is computed with numpy at once. Only reachable states are kept, decided in closed form: the letters
that can be the latest one after block ``v`` are ``R_v`` with ``R_0 = {a, b, c}`` and
``R_{v+1} = H(R_v)`` (a decreasing chain, constant from ``v = 3`` on).

Size: at most ``4·(n+2)·2^n + 4`` states before minimisation; the minimal DFA for the default ``H`` has
``(n+2)·2^(n+1) − n`` states (:func:`tasks.counter.expected_min_dfa_states`).

>>> from tasks.counter import CounterTask
>>> d = counter_dfa(2)
>>> d.minimise().identical(CounterTask(2).reference().explore().minimise())
True
"""
from __future__ import annotations

import numpy as np

from automata.dfa import DFA
from tasks.counter import ALPHABET, DEFAULT_H, LETTERS, check_params

_NONE = 0  # letter index 0 = no letter read yet; a, b, c = 1, 2, 3


def _reachable_letters(relation: frozenset[tuple[str, str]], blocks: int) -> np.ndarray:
    """``(blocks, 4)`` bool: ``R_v`` as a mask over letter indices (column 0, "no letter", unused)."""
    h = np.zeros((4, 4), dtype=bool)
    for x, y in relation:
        h[1 + LETTERS.index(x), 1 + LETTERS.index(y)] = True
    rows = [np.array([False, True, True, True])]
    for _ in range(min(blocks, 5) - 1):
        rows.append(h[rows[-1]].any(axis=0))
    out = np.empty((blocks, 4), dtype=bool)
    out[: len(rows)] = rows
    out[len(rows):] = rows[-1]
    return out


def counter_dfa(n: int, variant: str = "full", relation: frozenset[tuple[str, str]] | set = DEFAULT_H) -> DFA:
    """The reachable part of the counter's reference automaton as a partial DFA (dead → -1), built in
    O((n+2)·2^n) numpy work; its language is that of ``CounterTask(n, variant, relation)``.

    State numbering is the arithmetic order of ``(v, p, x)`` restricted to reachable states (start = 0).
    """
    pairs = check_params(n, variant, relation)
    n = int(n)
    blocks, width = 1 << n, n + 2
    h = np.zeros((4, 4), dtype=bool)
    h[_NONE, 1:] = True  # the first letter may be anything
    for x, y in pairs:
        h[1 + LETTERS.index(x), 1 + LETTERS.index(y)] = True
    space = ((blocks * width) + 1) * 4  # (v, p, x) with v < 2^n, plus (2^n, 0, x)
    ids = np.arange(space, dtype=np.int64)
    v, rest = np.divmod(ids >> 2, width)
    p, x = rest, ids & 3
    # Reachability in closed form.
    r = _reachable_letters(pairs, blocks + 1)
    vv = np.minimum(v, blocks)
    before = np.where(vv == 0, x == _NONE, r[np.maximum(vv - 1, 0), x] & (x != _NONE))  # latest letter of block v-1
    after = (x != _NONE) & r[np.minimum(vv, blocks - 1), x]  # the letter of block v itself
    live = np.where(p <= n, before, after)
    live &= (v < blocks) | (p == 0)
    live[0] = True
    keep = np.flatnonzero(live)
    new = np.full(space + 1, -1, dtype=np.int64)  # index -1 (no target) reads the last entry: -1
    new[keep] = np.arange(keep.size)
    v, p, x = v[keep], p[keep], x[keep]
    k = len(ALPHABET)
    delta = np.full((keep.size, k), -1, dtype=np.int64)
    inner = v < blocks
    bit = (v >> np.maximum(n - 1 - p, 0)) & 1
    for b in (0, 1):
        ok = inner & (p < n) & (bit == b)
        delta[ok, ALPHABET.index(str(b))] = keep[ok] + 4  # p + 1, same v and x
    for li, letter in enumerate(LETTERS, start=1):
        ok = inner & (p == n) & h[x, li]
        delta[ok, ALPHABET.index(letter)] = ((v[ok] * width + n + 1) << 2) + li
    ok = inner & (p == n + 1)
    delta[ok, ALPHABET.index("#")] = (((v[ok] + 1) * width) << 2) + x[ok]
    delta = new[delta]
    if variant == "full":
        accepting = (v == blocks) & (p == 0)
    else:
        accepting = (v >= 1) & (p == 0)
    return DFA(ALPHABET, delta, 0, accepting)
