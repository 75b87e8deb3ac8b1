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

from automata import graph
from automata.alphabet import check_codes, decode_word, encode_word, is_iterable
from automata.errors import ArgumentError, DFAError, UnknownSymbolError, check_int, shown
from automata.graph import breadth_first, coarsest_partition, coreachable, tree_path, reverse_csr

Word = tuple[str, ...]
_OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor, "diff": lambda x, y: x & ~y}


#: The longest length :meth:`DFA.count_by_length` counts to (one vector step per length).
MAX_COUNT_LEN = 100_000


def _array(value: object, what: str) -> np.ndarray:
    """``np.array(value)`` (a copy), :class:`DFAError` for what numpy cannot make an array of."""
    try:
        return np.array(value, copy=True)
    except (ValueError, TypeError, RuntimeError):
        raise DFAError(f"{what} must be an array, got {shown(value)}") from None


def _other(other: object, what: str) -> "DFA":
    if not isinstance(other, DFA):
        raise ArgumentError(f"{what} needs a DFA, got {type(other).__name__}")
    return other





@dataclass(frozen=True, eq=False)
class DFA:
    """A (possibly partial) DFA; arrays are copied and made read-only on construction."""

    alphabet: tuple[str, ...]
    delta: np.ndarray
    start: int
    accepting: np.ndarray

    def __post_init__(self) -> None:
        if not is_iterable(self.alphabet) or isinstance(self.alphabet, (bytes, dict, set, frozenset)):
            raise DFAError(f"alphabet must be distinct non-empty strings, got {shown(self.alphabet)}")
        alphabet = tuple(self.alphabet)
        if not all(isinstance(a, str) and a for a in alphabet) or len(set(alphabet)) != len(alphabet):
            raise DFAError(f"alphabet must be distinct non-empty strings, got {shown(alphabet)}")
        delta = _array(self.delta, "delta")
        if delta.ndim != 2 or delta.shape[1] != len(alphabet) or delta.shape[0] < 1:
            raise DFAError(f"delta must have shape (m >= 1, {len(alphabet)}), got {delta.shape}")
        if delta.size and delta.dtype.kind not in "iu":
            raise DFAError(f"delta must be an integer array, got {delta.dtype}")
        delta = delta.astype(np.int64)
        m = delta.shape[0]
        if delta.size and (delta.min() < -1 or delta.max() >= m):
            raise DFAError(f"delta entries must lie in -1..{m - 1}")
        accepting = _array(self.accepting, "accepting")
        if accepting.shape != (m,) or accepting.dtype != np.bool_:
            raise DFAError(f"accepting must be a bool array of shape ({m},)")
        if isinstance(self.start, bool) or not isinstance(self.start, (int, np.integer)) or not 0 <= self.start < m:
            raise DFAError(f"start must be a state in 0..{m - 1}, got {shown(self.start)}")
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
        _other(other, "identical")
        return (self.alphabet == other.alphabet and self.start == other.start
                and np.array_equal(self.delta, other.delta) and np.array_equal(self.accepting, other.accepting))


    @cached_property
    def _sinked(self) -> tuple[np.ndarray, np.ndarray]:
        """Complete table with an explicit dead state ``m`` (rejecting, absorbing)."""
        m, k = self.delta.shape
        table = np.vstack((np.where(self.delta < 0, m, self.delta), np.full((1, k), m, dtype=np.int64)))
        return table, np.append(self.accepting, False)

    def _codes(self, words: np.ndarray) -> np.ndarray:
        return check_codes(words, self.alphabet)

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
        """Reachable states in queue-BFS order (symbols in alphabet order); compiled for large DFAs."""
        if self.num_states >= graph.COMPILED_MIN and (hop := graph.compiled_kernels()) is not None:
            return hop.bfs_order(self.delta, self.start)
        return breadth_first(lambda f: self.delta[f], len(self.alphabet), self.start, self.num_states, delta=self.delta)[0]

    def reachable(self) -> DFA:
        """Drop unreachable states, keeping the relative order of the others."""
        order = np.sort(self._reachable_order())
        return self if order.size == self.num_states else self._restrict(order)

    def trim(self) -> DFA:
        """Keep the states that are reachable and co-reachable (and the start, always); may be partial."""
        d = self.reachable()
        alive = coreachable(d.delta, d.accepting)
        alive[d.start] = True
        return d if alive.all() else d._restrict(np.flatnonzero(alive))

    def product(self, other: DFA, op: str) -> DFA:
        """Reachable part of the product automaton accepting ``L(self) op L(other)``.

        ``op`` is one of ``'and'``, ``'or'``, ``'xor'``, ``'diff'`` (``L(self) \\ L(other)``). The
        result is complete; its states are numbered in BFS order from the start.
        """
        _other(other, "product")
        if not isinstance(op, str) or op not in _OPS:
            raise DFAError(f"unknown product operation {shown(op)}; expected one of {sorted(_OPS)}")
        if self.alphabet != other.alphabet:
            raise DFAError(f"alphabets differ: {self.alphabet!r} vs {other.alphabet!r}")
        a, b = self.complete(), other.complete()
        m2 = b.num_states

        def succ(codes: np.ndarray) -> np.ndarray:
            return a.delta[codes // m2] * m2 + b.delta[codes % m2]

        k = len(self.alphabet)
        codes = breadth_first(succ, k, a.start * m2 + b.start, a.num_states * m2)[0]
        srt = np.argsort(codes)
        table = srt[np.searchsorted(codes, succ(codes), sorter=srt)]
        acc = _OPS[op](a.accepting[codes // m2], b.accepting[codes % m2])
        return DFA(self.alphabet, table.reshape(codes.size, k), 0, np.asarray(acc, dtype=bool))

    def minimise(self) -> DFA:
        """The minimal complete DFA of the language, states numbered by BFS from the start in symbol order.

        Two DFAs have the same language iff their minimisations are :meth:`identical`. From
        ``automata.graph.COMPILED_MIN`` (4,096) states on, the whole computation runs compiled:
        :func:`automata.hopcroft.minimal_table` (Hopcroft, O(k·m·log m)); same result.

        >>> DFA.from_table("a", {0: {"a": 1}, 1: {"a": 2}, 2: {"a": 1}}, 0, {1}).minimise().delta.tolist()
        [[1], [0]]
        """
        if self.num_states >= graph.COMPILED_MIN and (hop := graph.compiled_kernels()) is not None:
            table, acc = hop.minimal_table(self.delta, self.accepting, self.start)  # same result, compiled
            return DFA(self.alphabet, table, 0, acc)
        d = self.complete()  # classes of unreachable states do no harm: the quotient is restricted below
        block, nblocks = coarsest_partition(d.delta, d.accepting)
        rep = np.zeros(nblocks, dtype=np.int64)
        rep[block] = np.arange(d.num_states)
        quotient = DFA(self.alphabet, block[d.delta[rep]], int(block[d.start]), d.accepting[rep])
        return quotient._restrict(quotient._reachable_order())


    def shortest_accepted(self) -> Word | None:
        """The shortest, then lexicographically least (alphabet order), accepted word, or None."""
        acc = self.accepting
        order, parent, symbol = breadth_first(lambda f: self.delta[f], len(self.alphabet), self.start,
                                     self.num_states, stop=acc, delta=self.delta)
        hits = np.flatnonzero(acc[order])
        if hits.size == 0:
            return None
        return decode_word(tree_path(parent, symbol, int(hits[0])), self.alphabet)

    def is_empty(self) -> bool:
        """Whether the language is empty."""
        return self.shortest_accepted() is None

    def equivalent(self, other: DFA) -> Word | None:
        """None if the languages agree, else the shortest, then lexicographically least, word on which they differ."""
        _other(other, "equivalent")
        return self.product(other, "xor").shortest_accepted()

    def count_by_length(self, max_len: int) -> list[int]:
        """Exact number of accepted words of each length ``0..max_len`` (Python ints)."""
        check_int(max_len, "count_by_length: max_len", None, MAX_COUNT_LEN)
        if max_len < 0:
            raise DFAError(f"max_len must be >= 0, got {max_len}")
        d = self.trim()
        k = len(self.alphabet)
        preds, indptr = reverse_csr(d.delta)
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
        if (not is_iterable(alphabet) or isinstance(alphabet, (bytes, dict, set, frozenset))
                or not all(isinstance(a, str) for a in alphabet)):
            raise DFAError(f"from_table: alphabet must be distinct non-empty strings, got {shown(alphabet)}")
        alphabet = tuple(alphabet)
        if not isinstance(table, Mapping) or not all(isinstance(row, Mapping) for row in table.values()):
            raise ArgumentError(f"from_table: the table must map states to {{symbol: state}} dicts, got {shown(table)}")
        if isinstance(accepting, (str, bytes)) or not is_iterable(accepting):
            raise ArgumentError(f"from_table: accepting must be a set of states, got {shown(accepting)}")
        accepting = list(accepting)
        for label in [start, *accepting, *(t for row in table.values() for t in row.values())]:
            try:
                hash(label)
            except TypeError:
                raise ArgumentError(f"from_table: a state must be hashable, got {shown(label)}") from None
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
