"""Explicit deterministic finite automata on numpy arrays.

States are ``0..m-1``; ``delta[q, a]`` is the successor of ``q`` on the ``a``-th symbol of the
ordered alphabet, or ``-1`` when missing (a *partial* DFA: the run falls into an implicit rejecting
sink and stays there). Everything that touches all states at once is vectorised.

>>> d = DFA.from_table("ab", {0: {"a": 1, "b": 0}, 1: {"a": 0, "b": 1}}, 0, {1})  # odd number of a's
>>> d.accepts("aab"), d.accepts("ab"), d.count_by_length(3)
(False, True, [0, 1, 2, 4])
>>> d.equivalent(DFA.from_table("ab", {0: {"a": 1, "b": 0}, 1: {"a": 0}}, 0, {1}))
('a', 'b')
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Hashable, Mapping, Sequence

import numpy as np

from automata.alphabet import decode_word, encode_word
from automata.errors import SuccinctError, UnknownSymbolError

Word = tuple[str, ...]
_DENSE_LIMIT = 1 << 25  # BFS keeps a dense "seen" mask for state spaces up to this size
_SMALL = 64  # below this many states per step, plain Python beats numpy's per-call overhead
_OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor, "diff": lambda x, y: x & ~y}


class DFAError(SuccinctError, ValueError):
    """A DFA is malformed, or two DFAs cannot be combined."""


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, e)`` over the pairs, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)


def _bfs(succ: Callable[[np.ndarray], np.ndarray], k: int, start: int, space: int, stop: np.ndarray | None = None,
         delta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breadth-first search over integer states ``0..space-1``, level by level.

    ``succ(states)`` gives the ``(n, k)`` successors (``-1`` = none); for an explicit table pass it
    as ``delta`` too (tiny levels then run on a list copy). Returns ``(order, parent, symbol)``: the
    states in the order a queue-based BFS trying symbols in alphabet order discovers them, and for
    each position the position of its BFS-tree parent (``-1`` for the start) and the symbol code
    of the tree edge. The tree path therefore spells each state's shortest, then lexicographically
    least, access word. With a bool mask ``stop``, the search ends after the first level that
    contains a ``stop`` state.
    """
    dense = space <= _DENSE_LIMIT
    seen = np.zeros(space if dense else 0, dtype=bool)
    seen_sorted = np.array([start], dtype=np.int64)
    if dense:
        seen[start] = True
    chunks: list[tuple[np.ndarray, ...]] = []
    pend: tuple[list[int], list[int], list[int]] = ([start], [-1], [-1])  # Python-mode entries
    table: list[list[int]] | None = None
    small_levels = 0
    front: list[int] | np.ndarray = [start]
    base = 0
    halt = stop is not None and bool(stop[start])
    while len(front) and k and not halt:
        if dense and len(front) * k < _SMALL:  # tiny level: a Python loop has far less overhead
            small_levels += 1
            if table is None and delta is not None and small_levels > _SMALL:  # deep: worth a list copy
                table = delta.tolist()
            rows = [table[s] for s in front] if table is not None else succ(np.asarray(front)).tolist()
            new: list[int] = []
            for i, row in enumerate(rows):
                for a, t in enumerate(row):
                    if t >= 0 and not seen[t]:
                        seen[t] = True
                        new.append(t)
                        pend[1].append(base + i)
                        pend[2].append(a)
            pend[0].extend(new)
            halt = stop is not None and any(stop[t] for t in new)
            base += len(front)
            front = new
            continue
        front = np.asarray(front, dtype=np.int64)
        nxt = succ(front).reshape(-1)
        flat = np.flatnonzero(nxt >= 0)
        cand = nxt[flat]
        if dense:
            fresh = ~seen[cand]
        else:
            pos = np.minimum(np.searchsorted(seen_sorted, cand), seen_sorted.size - 1)
            fresh = seen_sorted[pos] != cand
        flat, cand = flat[fresh], cand[fresh]
        first = np.sort(np.unique(cand, return_index=True)[1])
        flat, new_a = flat[first], cand[first]
        if dense:
            seen[new_a] = True
        else:
            srt = np.sort(new_a)
            seen_sorted = np.insert(seen_sorted, np.searchsorted(seen_sorted, srt), srt)
        chunks.append(tuple(np.array(x, dtype=np.int64) for x in pend))
        pend = ([], [], [])
        chunks.append((new_a, base + flat // k, flat % k))
        halt = stop is not None and bool(stop[new_a].any())
        base += front.size
        front = new_a
    chunks.append(tuple(np.array(x, dtype=np.int64) for x in pend))
    order, parent, symbol = (np.concatenate(c) for c in zip(*chunks))
    return order, parent, symbol


def _path(parent: np.ndarray, symbol: np.ndarray, pos: int) -> list[int]:
    """Symbol codes along the BFS-tree path from the start to position ``pos``."""
    out: list[int] = []
    while parent[pos] >= 0:
        out.append(int(symbol[pos]))
        pos = int(parent[pos])
    return out[::-1]


def _reverse_csr(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predecessor lists: sources of edges into ``q`` are ``preds[indptr[q]:indptr[q + 1]]``."""
    m, k = delta.shape
    dst = delta.reshape(-1)
    edges = np.flatnonzero(dst >= 0)
    edges = edges[np.argsort(dst[edges], kind="stable")]
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst[edges], minlength=m), out=indptr[1:])
    return edges // max(k, 1), indptr


def _coreachable(delta: np.ndarray, accepting: np.ndarray) -> np.ndarray:
    """Mask of the states from which an accepting state can be reached (backward BFS)."""
    preds, indptr = _reverse_csr(delta)
    alive = accepting.copy()
    front = np.flatnonzero(alive)
    lists: tuple[list[int], list[int]] | None = None
    while front.size:
        if front.size < _SMALL:  # tiny level: walk the predecessor lists in Python
            lists = lists or (preds.tolist(), indptr.tolist())
            pl, ip = lists
            new = []
            for q in front.tolist():
                for p in pl[ip[q]:ip[q + 1]]:
                    if not alive[p]:
                        alive[p] = True
                        new.append(p)
            front = np.array(new, dtype=np.int64)
            continue
        p = preds[_ranges(indptr[front], indptr[front + 1])]
        front = np.unique(p[~alive[p]])
        alive[front] = True
    return alive


def _coarsest_partition(delta: np.ndarray, accepting: np.ndarray) -> tuple[np.ndarray, int]:
    """Block ids of the Myhill-Nerode classes of a complete DFA (all states assumed reachable).

    Moore refinement in which each round only re-examines predecessors of states whose block id
    just changed, on a Valmari-style array layout (each block a contiguous segment of ``elems``);
    when a block splits, its largest part keeps the old id, so each state changes id at most
    ``log2 m + 1`` times and the total work is O(k m log m) plus a few numpy calls per round.
    Invariant: members of a block agree on their successors' ids of the previous round, so a
    re-examined state (one successor got a fresh id) can never stay with the untouched members.
    """
    m, _ = delta.shape
    n_acc = int(accepting.sum())
    if n_acc in (0, m):
        return np.zeros(m, dtype=np.int64), 1
    block = (accepting if 2 * n_acc <= m else ~accepting).astype(np.int64)  # smaller class: id 1
    n1 = int(block.sum())
    preds, indptr = _reverse_csr(delta)
    elems = np.argsort(block, kind="stable")
    loc = np.empty(m, dtype=np.int64)
    loc[elems] = np.arange(m)
    bstart = np.zeros(m, dtype=np.int64)
    bend = np.zeros(m, dtype=np.int64)
    bstart[1], bend[0], bend[1] = m - n1, m - n1, m
    nblocks, mark = 2, np.zeros(m, dtype=bool)
    changed = np.flatnonzero(block)
    while changed.size:
        if changed.size < _SMALL:
            return _refine_small(delta, preds, indptr, block, elems, loc, bstart[:nblocks], bend[:nblocks], changed)
        x = np.unique(preds[_ranges(indptr[changed], indptr[changed + 1])])
        rows = np.column_stack((block[x], block[delta[x]]))
        o = np.lexsort(rows.T[::-1])
        x, rows = x[o], rows[o]
        newgrp = np.ones(x.size, dtype=bool)
        newgrp[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        newblk = np.ones(x.size, dtype=bool)
        newblk[1:] = rows[1:, 0] != rows[:-1, 0]
        bid = np.cumsum(newblk) - 1
        blocks = rows[newblk, 0]
        ncand = np.bincount(bid)
        rest = bend[blocks] - bstart[blocks] - ncand
        splits = np.bincount(bid[newgrp]) + (rest > 0) >= 2
        if not splits.any():
            break
        sel = splits[bid]
        x, newgrp, bid = x[sel], newgrp[sel], (np.cumsum(splits) - 1)[bid[sel]]
        blocks, ncand, rest = blocks[splits], ncand[splits], rest[splits]
        tail0, end = bend[blocks] - ncand, bend[blocks]
        # Move the candidates to the tail of their block's segment, grouped by signature.
        tp = _ranges(tail0, end)
        mark[x] = True
        z = elems[tp]
        z = z[~mark[z]]
        pos = loc[x]
        pos = pos[pos < tail0[bid]]
        elems[pos], loc[z] = z, pos
        elems[tp], loc[x] = x, tp
        mark[x] = False
        # Parts of each splitting block: the untouched rest (if any), then each signature group.
        gfirst = np.flatnonzero(newgrp)
        has_rest = rest > 0
        p_blk = np.concatenate((np.flatnonzero(has_rest), bid[gfirst]))
        p_start = np.concatenate((bstart[blocks][has_rest], tp[gfirst]))
        p_size = np.concatenate((rest[has_rest], np.diff(np.append(gfirst, x.size))))
        o = np.lexsort((np.arange(p_blk.size), -p_size, p_blk))
        keep = np.zeros(p_blk.size, dtype=bool)
        first = np.ones(o.size, dtype=bool)
        first[1:] = p_blk[o[1:]] != p_blk[o[:-1]]
        keep[o[first]] = True
        kb = blocks[p_blk[keep]]
        bstart[kb], bend[kb] = p_start[keep], p_start[keep] + p_size[keep]
        fs, fz = p_start[~keep], p_size[~keep]
        ids = nblocks + np.arange(fs.size)
        nblocks += fs.size
        bstart[ids], bend[ids] = fs, fs + fz
        changed = elems[_ranges(fs, fs + fz)]
        block[changed] = np.repeat(ids, fz)
    return block, nblocks


def _refine_small(delta: np.ndarray, preds: np.ndarray, indptr: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, int]:
    """Finish :func:`_coarsest_partition` on Python lists once rounds are small (deep DFAs: many tiny rounds)."""
    dl, pl, ip = delta.tolist(), preds.tolist(), indptr.tolist()
    block, elems, loc, bstart, bend, changed = (a.tolist() for a in arrays)
    mark = [False] * len(block)
    while changed:
        groups: dict[int, dict[tuple[int, ...], list[int]]] = {}
        seen: set[int] = set()
        for c in changed:
            for x in pl[ip[c]:ip[c + 1]]:
                if x not in seen:
                    seen.add(x)
                    groups.setdefault(block[x], {}).setdefault(tuple([block[t] for t in dl[x]]), []).append(x)
        changed = []
        for b, by_sig in groups.items():
            cands = [x for grp in by_sig.values() for x in grp]
            rest = bend[b] - bstart[b] - len(cands)
            if len(by_sig) + (rest > 0) < 2:
                continue
            tail0 = bend[b] - len(cands)
            for x in cands:
                mark[x] = True
            outside = [x for x in cands if loc[x] < tail0]
            for x, z in zip(outside, [z for z in elems[tail0:bend[b]] if not mark[z]]):
                elems[loc[x]], loc[z] = z, loc[x]
            for i, x in enumerate(cands, tail0):
                elems[i], loc[x], mark[x] = x, i, False
            parts = [(rest, bstart[b])] if rest else []
            for grp in by_sig.values():
                parts.append((len(grp), tail0))
                tail0 += len(grp)
            best = max(range(len(parts)), key=lambda i: parts[i][0])
            for i, (size, first) in enumerate(parts):
                if i == best:
                    bstart[b], bend[b] = first, first + size
                    continue
                bstart.append(first)
                bend.append(first + size)
                for y in elems[first:first + size]:
                    block[y] = len(bstart) - 1
                    changed.append(y)
    return np.array(block, dtype=np.int64), len(bstart)


@dataclass(frozen=True, eq=False)
class DFA:
    """A (possibly partial) DFA; arrays are copied and made read-only on construction."""

    alphabet: tuple[str, ...]
    delta: np.ndarray
    start: int
    accepting: np.ndarray

    def __post_init__(self) -> None:
        alphabet = tuple(self.alphabet)
        if not all(isinstance(a, str) and a for a in alphabet) or len(set(alphabet)) != len(alphabet):
            raise DFAError(f"alphabet must be distinct non-empty strings, got {alphabet!r}")
        delta = np.array(self.delta, copy=True)
        if delta.ndim != 2 or delta.shape[1] != len(alphabet) or delta.shape[0] < 1:
            raise DFAError(f"delta must have shape (m >= 1, {len(alphabet)}), got {delta.shape}")
        if delta.size and delta.dtype.kind not in "iu":
            raise DFAError(f"delta must be an integer array, got {delta.dtype}")
        delta = delta.astype(np.int64)
        m = delta.shape[0]
        if delta.size and (delta.min() < -1 or delta.max() >= m):
            raise DFAError(f"delta entries must lie in -1..{m - 1}")
        accepting = np.array(self.accepting, copy=True)
        if accepting.shape != (m,) or accepting.dtype != np.bool_:
            raise DFAError(f"accepting must be a bool array of shape ({m},)")
        if isinstance(self.start, bool) or not isinstance(self.start, (int, np.integer)) or not 0 <= self.start < m:
            raise DFAError(f"start must be a state in 0..{m - 1}, got {self.start!r}")
        delta.setflags(write=False)
        accepting.setflags(write=False)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "accepting", accepting)
        object.__setattr__(self, "start", int(self.start))

    def __repr__(self) -> str:
        return (f"DFA(states={self.num_states}, alphabet={' '.join(self.alphabet)!r}, "
                f"start={self.start}, accepting={int(self.accepting.sum())}, complete={self.is_complete})")

    @property
    def num_states(self) -> int:
        """Number of states ``m`` (the implicit sink of a partial DFA is not counted)."""
        return int(self.delta.shape[0])

    @property
    def is_complete(self) -> bool:
        """Whether every transition is defined."""
        return bool((self.delta >= 0).all())

    def identical(self, other: DFA) -> bool:
        """Same alphabet, start, transition table and accepting states (not language equality)."""
        return (self.alphabet == other.alphabet and self.start == other.start
                and np.array_equal(self.delta, other.delta) and np.array_equal(self.accepting, other.accepting))


    @cached_property
    def _sinked(self) -> tuple[np.ndarray, np.ndarray]:
        """Complete table with an explicit dead state ``m`` (rejecting, absorbing)."""
        m, k = self.delta.shape
        table = np.vstack((np.where(self.delta < 0, m, self.delta), np.full((1, k), m, dtype=np.int64)))
        return table, np.append(self.accepting, False)

    def _codes(self, words: np.ndarray) -> np.ndarray:
        w = np.asarray(words)
        if w.ndim != 2:
            raise DFAError(f"words must be a (B, L) array of symbol codes, got shape {w.shape}")
        if w.size == 0:
            return w.astype(np.int64)
        if w.dtype.kind not in "iu":
            raise DFAError(f"symbol codes must be integers, got {w.dtype}")
        if w.min() < 0 or w.max() >= len(self.alphabet):
            raise UnknownSymbolError(f"symbol code out of range 0..{len(self.alphabet) - 1}")
        return w.astype(np.int64, copy=False)

    def run(self, words: np.ndarray) -> np.ndarray:
        """Acceptance of each row of a ``(B, L)`` int array of symbol codes; ``L = 0`` is ε.

        >>> DFA.from_table("ab", {0: {"a": 1}, 1: {"b": 0}}, 0, {0}).run(np.array([[0, 1], [1, 0]]))
        array([ True, False])
        """
        w = self._codes(words)
        table, acc = self._sinked
        state = np.full(w.shape[0], self.start, dtype=np.int64)
        for t in range(w.shape[1]):
            state = table[state, w[:, t]]
        return acc[state]

    def run_prefixes(self, words: np.ndarray) -> np.ndarray:
        """``(B, L)`` bool: column ``p - 1`` says whether the prefix ``w_1..w_p`` is accepted."""
        w = self._codes(words)
        table, acc = self._sinked
        out = np.zeros(w.shape, dtype=bool)
        state = np.full(w.shape[0], self.start, dtype=np.int64)
        for t in range(w.shape[1]):
            state = table[state, w[:, t]]
            out[:, t] = acc[state]
        return out

    def accepts(self, word: Sequence[str]) -> bool:
        """Whether the word (a sequence of symbols) is accepted; foreign symbols raise."""
        return bool(self.run(encode_word(word, self.alphabet)[None, :])[0])


    def _restrict(self, order: np.ndarray) -> DFA:
        """The DFA on the old states ``order`` (new state ``i`` = old ``order[i]``); edges to dropped states become -1."""
        m = self.num_states
        new = np.full(m + 1, -1, dtype=np.int64)  # index -1 (a missing edge) reads the last entry
        new[order] = np.arange(order.size)
        return DFA(self.alphabet, new[self.delta[order]], int(new[self.start]), self.accepting[order])

    def complete(self) -> DFA:
        """Add one rejecting sink for the missing transitions (``self`` if already complete)."""
        if self.is_complete:
            return self
        table, acc = self._sinked
        return DFA(self.alphabet, table, self.start, acc)

    def _reachable_order(self) -> np.ndarray:
        return _bfs(lambda f: self.delta[f], len(self.alphabet), self.start, self.num_states, delta=self.delta)[0]

    def reachable(self) -> DFA:
        """Drop unreachable states, keeping the relative order of the others."""
        order = np.sort(self._reachable_order())
        return self if order.size == self.num_states else self._restrict(order)

    def trim(self) -> DFA:
        """Keep the states that are reachable and co-reachable (and the start, always); may be partial."""
        d = self.reachable()
        alive = _coreachable(d.delta, d.accepting)
        alive[d.start] = True
        return d if alive.all() else d._restrict(np.flatnonzero(alive))

    def product(self, other: DFA, op: str) -> DFA:
        """Reachable part of the product automaton accepting ``L(self) op L(other)``.

        ``op`` is one of ``'and'``, ``'or'``, ``'xor'``, ``'diff'`` (``L(self) \\ L(other)``). The
        result is complete; its states are numbered in BFS order from the start.
        """
        if op not in _OPS:
            raise DFAError(f"unknown product operation {op!r}; expected one of {sorted(_OPS)}")
        if self.alphabet != other.alphabet:
            raise DFAError(f"alphabets differ: {self.alphabet!r} vs {other.alphabet!r}")
        a, b = self.complete(), other.complete()
        m2 = b.num_states

        def succ(codes: np.ndarray) -> np.ndarray:
            return a.delta[codes // m2] * m2 + b.delta[codes % m2]

        k = len(self.alphabet)
        codes = _bfs(succ, k, a.start * m2 + b.start, a.num_states * m2)[0]
        srt = np.argsort(codes)
        table = srt[np.searchsorted(codes, succ(codes), sorter=srt)]
        acc = _OPS[op](a.accepting[codes // m2], b.accepting[codes % m2])
        return DFA(self.alphabet, table.reshape(codes.size, k), 0, np.asarray(acc, dtype=bool))

    def minimise(self) -> DFA:
        """The minimal complete DFA of the language, states numbered by BFS from the start in symbol order.

        Two DFAs have the same language iff their minimisations are :meth:`identical`.

        >>> DFA.from_table("a", {0: {"a": 1}, 1: {"a": 2}, 2: {"a": 1}}, 0, {1}).minimise().delta.tolist()
        [[1], [0]]
        """
        d = self.complete().reachable()
        block, nblocks = _coarsest_partition(d.delta, d.accepting)
        rep = np.zeros(nblocks, dtype=np.int64)
        rep[block] = np.arange(d.num_states)
        quotient = DFA(self.alphabet, block[d.delta[rep]], int(block[d.start]), d.accepting[rep])
        return quotient._restrict(quotient._reachable_order())


    def shortest_accepted(self) -> Word | None:
        """The shortest, then lexicographically least (alphabet order), accepted word, or None."""
        acc = self.accepting
        order, parent, symbol = _bfs(lambda f: self.delta[f], len(self.alphabet), self.start,
                                     self.num_states, stop=acc, delta=self.delta)
        hits = np.flatnonzero(acc[order])
        if hits.size == 0:
            return None
        return decode_word(_path(parent, symbol, int(hits[0])), self.alphabet)

    def is_empty(self) -> bool:
        """Whether the language is empty."""
        return self.shortest_accepted() is None

    def equivalent(self, other: DFA) -> Word | None:
        """None if the languages agree, else the shortest, then lexicographically least, word on which they differ."""
        return self.product(other, "xor").shortest_accepted()

    def count_by_length(self, max_len: int) -> list[int]:
        """Exact number of accepted words of each length ``0..max_len`` (Python ints)."""
        if max_len < 0:
            raise DFAError(f"max_len must be >= 0, got {max_len}")
        d = self.trim()
        k = len(self.alphabet)
        preds, indptr = _reverse_csr(d.delta)
        targets = np.flatnonzero(np.diff(indptr))  # states with at least one incoming edge
        heads = indptr[targets]
        vec = np.zeros(d.num_states, dtype=np.int64)
        vec[d.start] = 1
        counts = [int(vec[d.accepting].sum())]
        for length in range(1, max_len + 1):
            if vec.dtype != object and k**length >= 2**62:
                vec = vec.astype(object)
            new = np.zeros(d.num_states, dtype=vec.dtype)
            if heads.size:
                new[targets] = np.add.reduceat(vec[preds], heads)
            vec = new
            counts.append(int(vec[d.accepting].sum()))
        return counts


    @staticmethod
    def from_table(alphabet: Sequence[str], table: Mapping[Hashable, Mapping[str, Hashable]], start: Hashable,
                   accepting: set[Hashable] | frozenset[Hashable]) -> DFA:
        """Build a DFA from ``{state: {symbol: state}}`` with arbitrary hashable state labels.

        States are numbered: ``start`` first, then the table's keys, then targets seen only as
        targets (they get no outgoing edges). Missing entries are missing transitions.

        >>> DFA.from_table(["x", "y"], {"p": {"x": "q"}}, "p", {"q"}).delta.tolist()
        [[1, -1], [-1, -1]]
        """
        alphabet = tuple(alphabet)
        index: dict[Hashable, int] = {}
        for label in [start, *table]:
            index.setdefault(label, len(index))
        for row in table.values():
            for target in row.values():
                index.setdefault(target, len(index))
        sym = {a: i for i, a in enumerate(alphabet)}
        delta = np.full((len(index), len(alphabet)), -1, dtype=np.int64)
        for label, row in table.items():
            for symbol, target in row.items():
                if symbol not in sym:
                    raise UnknownSymbolError(f"unknown symbol {symbol!r} in the table; alphabet is {' '.join(alphabet)}")
                delta[index[label], sym[symbol]] = index[target]
        unknown = [q for q in accepting if q not in index]
        if unknown:
            raise DFAError(f"accepting states {unknown!r} do not occur in the table")
        acc = np.zeros(len(index), dtype=bool)
        acc[[index[q] for q in accepting]] = True
        return DFA(alphabet, delta, 0, acc)
