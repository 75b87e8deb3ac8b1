"""The binary counter of [BCL] Example 2 (THEORY §3): one exponential of succinctness.

Alphabet ``0 1 # a b c``. A word is a sequence of blocks ``bin_n(v) x_v #`` for ``v = 0, 1, 2, …`` —
``n`` bits, most significant first, then a letter ``x_v ∈ {a, b, c}``, then ``#`` — where consecutive
letters are related, ``(x_v, x_{v+1}) ∈ H`` (default ``H = {(a,b), (b,c), (b,a), (c,b)}``).

* ``full``: exactly the ``2^n`` blocks ``v = 0 .. 2^n − 1``; every word has length ``2^n·(n + 2)``.
* ``stream``: the first ``m`` blocks for some ``1 ≤ m ≤ 2^n`` (a full word cut right after a ``#``).

The reference automaton checks each bit on the fly against the expected value, so its state is
(block value ``v``, position ``p`` in the block, latest letter): ``O(2^n·n)`` states, not ``4^n``. For the
default ``H`` the letters ``a`` and ``c`` have the same successors, and the minimal complete DFA has
exactly ``(n + 2)·2^(n+1) − n`` states in both variants (:func:`expected_min_dfa_states`, checked
against the minimised DFA for n = 1..6).

>>> t = CounterTask(1)
>>> t.accepts(tuple("0a#1b#")), t.accepts(tuple("0a#1a#")), CounterTask(1, "stream").accepts(tuple("0a#"))
(True, False, True)
>>> "".join(CounterTask(2).full_word())
'00a#01b#10a#11b#'
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Hashable, Mapping, Sequence

import numpy as np

from automata.alphabet import Word, word_tuple
from automata.dfa import DFA
from automata.errors import ArgumentError, ParameterError, StateLimitError, UnknownSymbolError, check_int, shown
from automata.implicit import ImplicitAutomaton
from tasks.base import Citation, LowerBound, Samples, Task

ALPHABET: tuple[str, ...] = ("0", "1", "#", "a", "b", "c")
LETTERS: tuple[str, ...] = ("a", "b", "c")
BITS: tuple[str, ...] = ("0", "1")
SEP = "#"
DEFAULT_H: frozenset[tuple[str, str]] = frozenset({("a", "b"), ("b", "c"), ("b", "a"), ("c", "b")})
VARIANTS: tuple[str, ...] = ("full", "stream")
N_MIN, N_MAX = 1, 20
BCL = "[BCL] Bergsträßer, Cotterell, Lin, Transformers are Inherently Succinct, ICLR 2026 (arXiv 2510.19315)"

State = tuple[int, int, "str | None"]  # (block value v, position p in the block, latest letter)


def check_params(n: object, variant: object, relation: object) -> frozenset[tuple[str, str]]:
    """Validate the family parameters (shared with :mod:`constructions.library.counter_brasp`);
    returns the relation as a frozenset of letter pairs."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not N_MIN <= int(n) <= N_MAX:
        raise ParameterError(f"counter: n must be an integer in {N_MIN}..{N_MAX}, got {shown(n)}")
    if not isinstance(variant, str) or variant not in VARIANTS:
        raise ParameterError(f"counter: unknown variant {shown(variant)}; choose {' or '.join(VARIANTS)}")
    try:
        pairs = frozenset(tuple(p) for p in relation)  # type: ignore[union-attr]
    except (TypeError, ValueError, RuntimeError):
        raise ParameterError(f"counter: the relation must be a set of letter pairs, got {shown(relation)}") from None
    bad = [p for p in pairs if len(p) != 2 or not all(x in LETTERS for x in p)]
    if bad:
        raise ParameterError(f"counter: the relation must be over {{a, b, c}}; bad pairs {sorted(map(str, bad))}")
    return pairs  # type: ignore[return-value]


def walk_sets(relation: frozenset[tuple[str, str]], edges: int) -> frozenset[str]:
    """The letters that start a walk with ``edges`` more steps in ``H``.

    ``S_0 = {a, b, c}`` and ``S_{t+1} = {x : (x, y) ∈ H for some y ∈ S_t}``; the sets decrease, so they
    are constant from ``t = 3`` on: no loop up to ``edges`` is needed.
    """
    current = frozenset(LETTERS)
    for _ in range(min(edges, 4)):
        current = frozenset(x for x, y in relation if y in current)
    return current


MAX_DFA_STATES = 4_000_000  # reachable states the reference DFA may have (n = 16: ≈ 3.5M, built in seconds)


def expected_min_dfa_states(n: int, variant: str = "full") -> int:
    """Closed form of the minimal complete DFA's size for the **default** relation ``H`` (both variants).

    Every residual language fixes the remaining length (full) or the longest remaining word (stream),
    hence the block value ``v`` and the position ``p``; besides that only the class of the latest letter
    matters — ``b`` (next letter ``a`` or ``c``) or ``a``/``c`` (next letter ``b``), or none in block 0 —
    and it stops mattering once the last letter has been read. Counting: block 0 has ``n + 1`` states
    before its letter and 2 after; blocks ``1 .. 2^n − 2`` have ``2(n + 2)`` each; the last block
    ``2(n + 1) + 1``; then the final state and the sink: ``(n + 2)·2^(n+1) − n``.
    """
    check_params(n, variant, DEFAULT_H)
    return (n + 2) * 2 ** (n + 1) - n


@dataclass(frozen=True)
class CounterAutomaton(ImplicitAutomaton):
    """Reference automaton: state ``(v, p, x)`` = expected block value, position in the block
    (``0..n−1`` bits, ``n`` letter, ``n+1`` the ``#``), latest letter read (None before the first).

    A bit must equal bit ``p`` (MSB first) of ``v``; a letter must follow ``x`` in ``H``; ``#`` moves to
    ``(v + 1, 0, x)``. Nothing may follow block ``2^n − 1``. Accepting: ``p = 0`` and ``v = 2^n``
    (full) or ``v ≥ 1`` (stream).
    """

    n: int
    variant: str
    relation: frozenset[tuple[str, str]]
    alphabet: tuple[str, ...] = field(default=ALPHABET)

    def start(self) -> State:
        return (0, 0, None)

    def step(self, state: Hashable, symbol: str) -> State | None:
        v, p, latest = state  # type: ignore[misc]
        n = self.n
        if v == 1 << n:
            return None
        if p < n:
            return (v, p + 1, latest) if symbol == str((v >> (n - 1 - p)) & 1) else None
        if p == n:
            ok = symbol in LETTERS and (latest is None or (latest, symbol) in self.relation)
            return (v, n + 1, symbol) if ok else None
        return (v + 1, 0, latest) if symbol == SEP else None

    def is_accepting(self, state: Hashable) -> bool:
        v, p, _ = state  # type: ignore[misc]
        return p == 0 and (v == 1 << self.n if self.variant == "full" else v >= 1)


@dataclass(frozen=True)
class CounterTask(Task):
    """The counter language of [BCL] Example 2 for ``n``-bit blocks (see the module docstring)."""

    n: int
    variant: str = "full"
    relation: frozenset[tuple[str, str]] = DEFAULT_H

    name = "counter"
    alphabet = ALPHABET
    citation = Citation(BCL, "Example 2 (the binary counter); THEORY §3")

    def __post_init__(self) -> None:
        object.__setattr__(self, "relation", check_params(self.n, self.variant, self.relation))
        object.__setattr__(self, "n", int(self.n))

    @property
    def params(self) -> Mapping[str, object]:
        return {"n": self.n, "variant": self.variant, "H": " ".join(sorted(x + y for x, y in self.relation))}

    @property
    def blocks(self) -> int:
        """``2^n``: the number of blocks of a full word (the most a stream word may have)."""
        return 1 << self.n

    def reference(self) -> CounterAutomaton:
        return CounterAutomaton(self.n, self.variant, self.relation)

    def reference_dfa(self, max_states: int = MAX_DFA_STATES) -> DFA:
        """The minimal complete DFA; n ≤ 16 fits the default limit (n = 16: ≈ 3.5M reachable states)."""
        check_int(max_states, "reference_dfa: max_states", 1)
        return self._minimal_dfa(max_states)

    def _minimal_dfa(self, max_states: int) -> DFA:
        """Minimise the vectorised build :func:`counter_dfa` (the same reachable states
        as exploring :meth:`reference`, ``O((n+2)·2^n)`` of them, built in numpy: n = 16 in seconds).
        Refused before any work when a lower bound on the reachable states — the minimal DFA's closed
        form for the default relation, else one state per (block, position) — passes ``max_states``."""
        cache = self.__dict__.setdefault("_dfa_cache", {})
        if "min" not in cache:
            lower = (expected_min_dfa_states(self.n, self.variant) if self.relation == DEFAULT_H
                     else (self.n + 2) << self.n)
            if lower > max_states:
                raise StateLimitError(f"the counter n={self.n} has at least {lower:,} reachable states, more than "
                                      f"the limit {max_states:,} (n ≤ 16 fits)")
            dfa = counter_dfa(self.n, self.variant, self.relation)
            if dfa.num_states > max_states:
                raise StateLimitError(f"CounterAutomaton has more than {max_states} reachable states")
            cache["min"] = dfa.minimise()
        return cache["min"]

    # ---- membership, independent of the automaton (vectorised: usable for n = 20) ------------------

    def accepts(self, word: Sequence[str]) -> bool:
        """Direct membership test on whole blocks (numpy); an independent check of :meth:`reference`."""
        word = word_tuple(word)
        try:
            foreign = set(word) - set(ALPHABET)
        except TypeError:  # an unhashable symbol (a list, an array): foreign too
            pos = next(p for p, s in enumerate(word) if not isinstance(s, str))
            raise UnknownSymbolError(f"symbol at position {pos + 1} is a {type(word[pos]).__name__}, not a str") from None
        if foreign:
            sym = next(s for s in word if s in foreign)
            raise UnknownSymbolError(
                f"unknown symbol {shown(sym)} at position {word.index(sym) + 1}; alphabet is {' '.join(ALPHABET)}"
            )
        n, width = self.n, self.n + 2
        if not word or len(word) % width:
            return False
        m = len(word) // width
        if m > self.blocks or (self.variant == "full" and m != self.blocks):
            return False
        rows = np.frombuffer("".join(word).encode("ascii"), dtype=np.uint8).reshape(m, width)
        shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
        expected = ((np.arange(m, dtype=np.int64)[:, None] >> shifts) & 1) + ord("0")
        if not (rows[:, :n] == expected).all() or not (rows[:, n + 1] == ord(SEP)).all():
            return False
        letters = rows[:, n].astype(np.int64) - ord("a")
        if ((letters < 0) | (letters > 2)).any():
            return False
        table = np.zeros((3, 3), dtype=bool)
        for x, y in self.relation:
            table[LETTERS.index(x), LETTERS.index(y)] = True
        return bool(table[letters[:-1], letters[1:]].all())

    # ---- lengths and canonical words -------------------------------------------------------------

    def _longest_walk(self) -> int:
        """The most letters a walk in H can have, capped at ``2^n`` (at least 1: one letter)."""
        for m in (self.blocks, 4, 3, 2):
            if m <= self.blocks and walk_sets(self.relation, m - 1):
                return m
        return 1

    def shortest_length(self) -> int | None:
        """Closed form: ``2^n·(n + 2)`` (full; None if H has no walk of ``2^n`` letters) or ``n + 2`` (stream)."""
        if self.variant == "stream":
            return self.n + 2
        return self.blocks * (self.n + 2) if self._longest_walk() == self.blocks else None

    def longest_length(self) -> int | None:
        """Every word is at most ``2^n·(n + 2)`` long (fewer blocks if H has only short walks)."""
        if self.variant == "full":
            return self.shortest_length()
        return self._longest_walk() * (self.n + 2)

    def letter_walk(self, blocks: int, largest: bool = False) -> tuple[str, ...]:
        """The lexicographically least (``largest``: greatest) walk of ``blocks`` letters in H, chosen
        greedily among letters from which the rest of the walk can still be completed."""
        check_int(blocks, "counter: blocks", None, self.blocks)
        if blocks < 1 or not walk_sets(self.relation, blocks - 1):
            raise ParameterError(f"counter: the relation {self.params['H']!r} has no walk of {blocks} letters")
        pick = max if largest else min
        feasible = {t: walk_sets(self.relation, t) for t in range(min(blocks, 5))}

        def ok(t: int) -> frozenset[str]:
            return feasible[min(t, 4)]

        walk = [pick(ok(blocks - 1))]
        for v in range(1, blocks):
            walk.append(pick(y for x, y in self.relation if x == walk[-1] and y in ok(blocks - 1 - v)))
        return tuple(walk)

    def word_for(self, letters: Sequence[str]) -> Word:
        """The blocks ``bin_n(v) x_v #`` for ``v = 0 .. len(letters) − 1`` (no membership check)."""
        letters = word_tuple(letters, "counter: the letters")
        if not all(isinstance(x, str) for x in letters):
            raise ArgumentError(f"counter: the letters must be str, got {shown(letters)}")
        out: list[str] = []
        for v, x in enumerate(letters):
            out.extend(format(v, f"0{self.n}b"))
            out.extend((x, SEP))
        return tuple(out)

    def full_word(self) -> Word:
        """The canonical full word: all ``2^n`` blocks with the lexicographically least valid letters.

        It is the shortest, then lexicographically least (alphabet order ``0 1 # a b c``), word of the
        full variant (every full word has the same length, and the bits are fixed): for the default H
        the letters alternate ``a b a b …``. Raises :class:`ParameterError` if H has no such walk.
        """
        return self.word_for(self.letter_walk(self.blocks))

    # ---- samples and theory ---------------------------------------------------------------------

    def samples(self) -> Samples:
        """Positives, negatives, and near-misses (rejected single-symbol changes of the longest positive).

        Builds words of length up to ``2^n·(n + 2)``: cheap for n ≤ 16, some seconds for n = 20.
        """
        n, w = self.n, self.n + 2
        top = self._longest_walk()
        walks = [self.letter_walk(top), self.letter_walk(top, largest=True)]
        if self.variant == "full" and top < self.blocks:
            positive: list[Word] = []
        elif self.variant == "full":
            positive = [self.word_for(x) for x in walks]
        else:
            positive = [self.word_for(x[:m]) for x in walks for m in sorted({1, min(2, top), top})]
        positive = list(dict.fromkeys(positive))
        zero, ones = tuple("0" * n), tuple("1" * n)
        negative: list[Word] = [(SEP,), ("0",), ("a",), ones + ("a", SEP), zero + ("a",), zero + (SEP,)]
        negative += [zero + ("a", SEP) + zero + ("b", SEP)]  # the counter did not advance
        unrelated = sorted({(x, y) for x in LETTERS for y in LETTERS} - self.relation)
        if unrelated:
            x, y = unrelated[0]
            negative.append(self.word_for((x, y)))
        if positive:
            longest = max(positive, key=len)
            negative.append(longest + longest[:w])  # a block after 1^n (or beyond the walk)
            if self.variant == "full":
                negative.append(longest[:-w])  # one block short
        negative = [u for u in dict.fromkeys(negative) if not self.accepts(u)]
        near: list[Word] = []
        if positive:
            base = max(positive, key=len)
            spots = sorted({0, n - 1, n, n + 1, w + n - 1, len(base) // 2, len(base) - 2, len(base) - 1})
            for p in (s for s in spots if 0 <= s < len(base)):
                for sym in ALPHABET:
                    if sym != base[p]:
                        cand = base[:p] + (sym,) + base[p + 1:]
                        if not self.accepts(cand):
                            near.append(cand)
        return Samples(tuple(positive), tuple(negative), tuple(dict.fromkeys(near)))

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        """THEORY §5's bounds for this language (measures named as :mod:`proofs_check.table` reads them)."""
        ltl = LowerBound(
            "LTL formula size",
            None,
            "none beyond a constant: LTL also forces 2^n-long words with formulas of size poly(n), so this "
            "family does not separate UHATs from LTL (THEORY §3)",
        )
        if self.variant == "full":
            length = self.shortest_length()
            if length is None:
                return (LowerBound("DFA states", None, "the language is empty for this relation H"), ltl)
            states = length + 1
            dfa = LowerBound(
                "DFA states",
                states,
                f"a non-empty language of an m-state automaton has a word shorter than m; the shortest "
                f"word has length 2^n·(n+2) = {length}",
            )
        else:
            length = self.longest_length()
            assert length is not None
            states = length + 1
            dfa = LowerBound(
                "DFA states",
                states,
                f"a finite language of an m-state automaton has no word of length ≥ m (a longer accepting "
                f"run repeats a state and pumps); the longest word has length {length}",
            )
        rnn = LowerBound(
            "RNN state bits k*D",
            math.log2(states),
            f"Prop 1 [BCL]: an RNN with D units of k bits is an automaton with 2^(k·D) states, so "
            f"k·D ≥ log2({states})",
        )
        return (dfa, rnn, ltl)


# The vectorised explicit DFA: the same reachable states as CounterAutomaton, built at once.

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

    The states ``(v, p, x)`` of :class:`CounterAutomaton` — block value ``v ∈ 0..2^n``, position
    ``p ∈ 0..n+1`` in the block, latest letter ``x ∈ {None, a, b, c}`` — are indexed arithmetically,
    ``id = (v·(n+2) + p)·4 + x``, and every transition is computed with numpy at once (exploring them one
    by one in Python is too slow for n = 16, ≈ 3.5·10^6 states). Only reachable states are kept, decided
    in closed form: the letters that can be the latest one after block ``v`` are ``R_v``, ``R_0 = {a, b, c}``,
    ``R_{v+1} = H(R_v)`` (a decreasing chain, constant from ``v = 3`` on). At most ``4·(n+2)·2^n + 4``
    states before minimisation; the minimal DFA for the default ``H`` has ``(n+2)·2^(n+1) − n``
    (:func:`expected_min_dfa_states`). State numbering is the arithmetic order of ``(v, p, x)``
    restricted to reachable states (start = 0).

    >>> counter_dfa(2).minimise().identical(CounterTask(2).reference().explore().minimise())
    True
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
