"""Compiled kernels for large DFAs: Hopcroft's minimisation and a queue BFS (numba ``@njit``).

Hopcroft, "An n log n algorithm for minimizing states in a finite automaton" (1971), in the
array layout of Valmari & Lehtinen (STACS 2008): the states sit in one array ``elems`` in which every
block of the partition is a contiguous segment; splitting a block only moves states inside its segment.
The worklist holds ``(splitter block, symbol)`` pairs; processing ``(S, a)`` marks the states with an
``a``-edge into ``S`` (read from inverse transition lists in CSR form), then splits each touched block
into its marked and unmarked parts. The *smaller* part becomes the new block and is pushed for every
symbol — whether or not the old block was still waiting (Hopcroft's "process the smaller half" rule),
so each state is relabelled, and each edge rescanned, ``O(log m)`` times.

Sizes for a complete DFA with ``m`` states and ``k`` symbols: ``O(k·m·log m)`` time; memory ``O(k·m)``
(the inverse CSR: ``k·m`` sources and ``k·m + 1`` offsets; the worklist, at most ``k·m`` pairs). Used by
:meth:`automata.dfa.DFA.minimise` from ``automata.graph.COMPILED_MIN`` states on — e.g. [BCL]
Example 2's counter for ``N = 16`` (THEORY §3): ``3,538,913`` states, ``k = 6``, minimal
``(N+2)·2^(N+1) − N = 2,359,280`` — where the per-level numpy / Python paths of :mod:`automata.graph`
are bound by the interpreter (the automaton is ``~10^6`` levels deep). Compiled on first use and cached
on disk (``cache=True``).

>>> import numpy as np
>>> block, n = hopcroft_partition(np.array([[1], [2], [1]]), np.array([False, True, False]))
>>> n, bool(block[0] == block[2]), bool(block[0] != block[1])
(2, True, True)
>>> bfs_order(np.array([[2, 1], [-1, 0], [2, 2]]), 0).tolist()
[0, 2, 1]
"""
from __future__ import annotations

import numba
import numpy as np

from automata.errors import DFAError


@numba.njit(cache=True)
def _inverse_csr(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Sources of the ``a``-edges into ``t`` are ``src[indptr[a·m + t] : indptr[a·m + t + 1]]``
    (increasing); a counting sort, O(k·m)."""
    m, k = delta.shape
    indptr = np.zeros(k * m + 1, dtype=np.int64)
    for a in range(k):  # symbol-major: the writes of one pass stay inside one m-sized region
        base = a * m + 1
        for q in range(m):
            indptr[base + delta[q, a]] += 1
    for i in range(k * m):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    src = np.empty(k * m, dtype=np.int32)
    for a in range(k):
        base = a * m
        for q in range(m):
            key = base + delta[q, a]
            src[fill[key]] = q
            fill[key] += 1
    return src, indptr


@numba.njit(cache=True)
def _hopcroft(delta: np.ndarray, accepting: np.ndarray) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled
    """Block ids (``0..nblocks-1``) of the coarsest stable partition refining {accepting, rejecting}."""
    m, k = delta.shape
    block = np.zeros(m, dtype=np.int32)
    n_acc = 0
    for q in range(m):
        if accepting[q]:
            n_acc += 1
    if n_acc == 0 or n_acc == m or k == 0:
        if 0 < n_acc < m:  # no symbols: acceptance alone decides
            for q in range(m):
                block[q] = 1 if accepting[q] else 0
            return block, 2
        return block, 1
    src, indptr = _inverse_csr(delta)
    elems = np.empty(m, dtype=np.int32)
    loc = np.empty(m, dtype=np.int32)
    lo, hi = 0, m - n_acc  # block 0 = rejecting states first, block 1 = accepting ones after them
    for q in range(m):
        if accepting[q]:
            block[q] = 1
            elems[hi] = q
            loc[q] = hi
            hi += 1
        else:
            elems[lo] = q
            loc[q] = lo
            lo += 1
    bstart = np.zeros(m, dtype=np.int32)
    bend = np.zeros(m, dtype=np.int32)
    nmarked = np.zeros(m, dtype=np.int32)
    bend[0], bstart[1], bend[1] = m - n_acc, m - n_acc, m
    nblocks = 2
    # The worklist: pairs (B, a) as B·k + a. Only the initial pairs and new blocks are ever pushed, each
    # once per symbol, so no "waiting" flags are needed: a pair that still waits when its block splits
    # keeps meaning the (shrunken) block, and the split-off part is pushed in every case.
    stack = np.empty(max(64, 4 * k), dtype=np.int64)
    top = 0
    first = 1 if 2 * n_acc <= m else 0  # the smaller initial block suffices as a splitter
    for a in range(k):
        stack[top] = first * k + a
        top += 1
    touched = np.empty(m, dtype=np.int32)
    splitter = np.empty(m, dtype=np.int32)
    while top > 0:
        top -= 1
        pair = stack[top]
        s, a = pair // k, pair % k
        size = bend[s] - bstart[s]
        splitter[:size] = elems[bstart[s]:bend[s]]  # a copy: marking may permute s's own segment
        ntouched = 0
        base = a * m
        for i in range(size):
            t = splitter[i]
            for j in range(indptr[base + t], indptr[base + t + 1]):
                q = src[j]
                b = block[q]
                mpos = bstart[b] + nmarked[b]
                pos = loc[q]
                if pos < mpos:
                    continue  # already marked (cannot happen for a DFA; kept for safety)
                if nmarked[b] == 0:
                    touched[ntouched] = b
                    ntouched += 1
                other = elems[mpos]  # move q to the end of the marked prefix of its segment
                elems[mpos], elems[pos] = q, other
                loc[q], loc[other] = mpos, pos
                nmarked[b] += 1
        for i in range(ntouched):
            b = touched[i]
            mk = nmarked[b]
            nmarked[b] = 0
            whole = bend[b] - bstart[b]
            if mk == whole:
                continue
            c = nblocks
            nblocks += 1
            if 2 * mk <= whole:  # the marked prefix is the smaller part: it leaves
                bstart[c], bend[c] = bstart[b], bstart[b] + mk
                bstart[b] += mk
            else:  # the unmarked suffix is the smaller part
                bstart[c], bend[c] = bstart[b] + mk, bend[b]
                bend[b] = bstart[b] + mk
            for p in range(bstart[c], bend[c]):
                block[elems[p]] = c
            if top + k > stack.size:
                grown = np.empty(2 * stack.size, dtype=np.int64)
                grown[:top] = stack[:top]
                stack = grown
            for a2 in range(k):  # c is the smaller half: (c, a2) is needed whether or not (b, a2) waits
                stack[top] = c * k + a2
                top += 1
    return block, nblocks


@numba.njit(cache=True)
def _minimal(delta: np.ndarray, accepting: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """The whole of ``DFA.minimise`` on raw arrays: complete with a sink ``m`` (missing = -1), Hopcroft,
    then the quotient's reachable part numbered in queue-BFS order from ``start``'s class."""
    m, k = delta.shape
    full = np.empty((m + 1, k), dtype=np.int64)
    acc = np.zeros(m + 1, dtype=np.bool_)
    for q in range(m):
        acc[q] = accepting[q]
        for a in range(k):
            t = delta[q, a]
            full[q, a] = t if t >= 0 else m
    for a in range(k):
        full[m, a] = m
    block, nblocks = _hopcroft(full, acc)
    rep = np.empty(nblocks, dtype=np.int64)
    for q in range(m + 1):
        rep[block[q]] = q
    newid = np.full(nblocks, -1, dtype=np.int64)
    order = np.empty(nblocks, dtype=np.int64)
    order[0] = block[start]
    newid[order[0]] = 0
    head, tail = 0, 1
    while head < tail:
        r = rep[order[head]]
        head += 1
        for a in range(k):
            c = block[full[r, a]]
            if newid[c] < 0:
                newid[c] = tail
                order[tail] = c
                tail += 1
    out = np.empty((tail, k), dtype=np.int64)
    out_acc = np.empty(tail, dtype=np.bool_)
    for i in range(tail):
        r = rep[order[i]]
        out_acc[i] = acc[r]
        for a in range(k):
            out[i, a] = newid[block[full[r, a]]]
    return out, out_acc


@numba.njit(cache=True)
def _bfs(delta: np.ndarray, start: int) -> np.ndarray:  # pragma: no cover - compiled
    m, k = delta.shape
    seen = np.zeros(m, dtype=np.bool_)
    order = np.empty(m, dtype=np.int64)
    order[0] = start
    seen[start] = True
    head, tail = 0, 1
    while head < tail:
        q = order[head]
        head += 1
        for a in range(k):
            t = delta[q, a]
            if t >= 0 and not seen[t]:
                seen[t] = True
                order[tail] = t
                tail += 1
    return order[:tail]


def hopcroft_partition(delta: np.ndarray, accepting: np.ndarray) -> tuple[np.ndarray, int]:
    """``(block, nblocks)``: the Myhill-Nerode classes of the states of a *complete* DFA (reachable
    or not) as ids ``0..nblocks-1``, ``block`` an int64 array of length ``m``. O(k·m·log m)."""
    d = np.ascontiguousarray(delta, dtype=np.int64)
    acc = np.ascontiguousarray(accepting, dtype=np.bool_)
    if d.ndim != 2 or acc.shape != (d.shape[0],) or (d.size and (d.min() < 0 or d.max() >= d.shape[0])):
        raise DFAError("hopcroft_partition needs a complete (m, k) table over 0..m-1 and m flags")
    if d.shape[0] >= 1 << 31:
        raise DFAError("hopcroft_partition: more than 2^31 - 1 states")
    block, nblocks = _hopcroft(d, acc)
    return block.astype(np.int64), int(nblocks)


def minimal_table(delta: np.ndarray, accepting: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """``(table, accepting)`` of the minimal complete DFA of a (possibly partial: ``-1`` = missing edge,
    read as a rejecting sink) DFA, states numbered by queue BFS from the start (start = 0) in symbol
    order — exactly the result of :meth:`automata.dfa.DFA.minimise`, in one compiled pass.
    O(k·m·log m) time, O(k·m) memory."""
    d = np.ascontiguousarray(delta, dtype=np.int64)
    if d.shape[0] + 1 >= 1 << 31:
        raise DFAError("minimal_table: more than 2^31 - 2 states")
    return _minimal(d, np.ascontiguousarray(accepting, dtype=np.bool_), int(start))


def bfs_order(delta: np.ndarray, start: int) -> np.ndarray:
    """States reachable from ``start`` in queue-BFS discovery order, symbols tried in alphabet order
    (``-1`` = missing edge); the same order as ``automata.graph.breadth_first``. O(k·m)."""
    return _bfs(np.ascontiguousarray(delta, dtype=np.int64), int(start))
