"""The common base of the [WDL] retrieval tasks (:mod:`tasks.retrieval`): symbols, the product space,
the domain test, answers and the reference automaton.

A subclass gives its symbol table, the allowed symbol kinds per position, the product space's radices
and the task-specific parts of validity and answers; everything else is shared here.
"""
from __future__ import annotations

import itertools
import math
from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Hashable, Mapping, Sequence

import numpy as np

from automata.alphabet import Word, as_word, check_codes
from automata.errors import ParameterError, SuccinctError, UnknownSymbolError, shown
from automata.implicit import ImplicitAutomaton
from tasks.base import LowerBound, Samples, Task

WDL = "[WDL] Wen, Dang, Lyu, ICLR 2025 (arXiv 2402.18510)"
BOS = "<s>"
N_MAX = 1 << 16  # the largest n (and k) a task object accepts
SPACE_MAX = (1 << 63) - 1  # encode_inputs indexes the product space with int64
BATCH_MAX = 1 << 24  # rows per encode_inputs call


class InvalidInputError(SuccinctError, ValueError):
    """An input outside a retrieval task's domain (wrong length, a symbol of the wrong kind at a
    position, AR keys not a permutation, a c-gram query that does not occur)."""


def check_task_int(task: str, label: str, value: object, lo: int, hi: int = N_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= int(value) <= hi:
        raise ParameterError(f"{task}: {label} must be an integer in {lo}..{hi}, got {shown(value)}")
    return int(value)


def approx(x: int) -> str:
    """A readable size: the integer up to 10^12, else ``≈2^e`` (works for integers beyond floats)."""
    return str(x) if x < 10**12 else f"≈2^{math.log2(x):.1f}"


def _product(radices: Sequence[int]) -> int:
    """The product of the radices, runs of equal radices as one power (fast for n = 2^16)."""
    return math.prod(r ** len(list(run)) for r, run in itertools.groupby(radices))


def _mixed_radix(idx: np.ndarray, radices: Sequence[int]) -> np.ndarray:
    """The digits (most significant first) of each index in ``idx`` for the given radices."""
    idx = idx.copy()
    out = np.empty((idx.size, len(radices)), dtype=np.int64)
    for col in range(len(radices) - 1, -1, -1):
        out[:, col] = idx % radices[col]
        idx //= radices[col]
    return out


def unrank_permutations(rank: np.ndarray, m: int) -> np.ndarray:
    """The permutations of ``0..m−1`` with lexicographic ranks ``rank`` (Lehmer code), one per row."""
    b = rank.size
    rows = np.arange(b)
    avail = np.tile(np.arange(m, dtype=np.int64), (b, 1))
    out = np.empty((b, m), dtype=np.int64)
    r = rank.copy()
    for i in range(m):
        f = math.factorial(m - 1 - i)
        d, r = r // f, r % f
        out[:, i] = avail[rows, d]
        keep = np.arange(m - i)[None, :] != d[:, None]
        avail = avail[keep].reshape(b, m - i - 1)
    return out


class RetrievalTask(Task):
    """Common interface of the [WDL] retrieval tasks (frozen dataclasses below).

    A subclass gives the symbol table (``_table``: (symbol, value) in alphabet order), the allowed
    symbol-index range at each input position (``_layout``), the product space (``radices``,
    ``query_digits``, ``_digits_to_codes``) and the task-specific parts of validity and answers.
    """

    n: int

    # ---- symbols -------------------------------------------------------------------------------
    @abstractmethod
    def _table(self) -> list[tuple[str, int]]: ...

    @cached_property
    def alphabet(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(s for s, _ in self._table())

    @cached_property
    def values(self) -> np.ndarray:
        """``values[i]`` = the numeric value of symbol ``i`` (spec: ``<s>`` 0, "v" v, "?i" i, …)."""
        values = np.array([v for _, v in self._table()], dtype=np.int64)
        values.setflags(write=False)
        return values

    @cached_property
    def index(self) -> Mapping[str, int]:
        """Symbol → its index in :attr:`alphabet`."""
        return {s: i for i, s in enumerate(self.alphabet)}

    def value(self, sym: str) -> int:
        """The numeric value of a symbol; :class:`UnknownSymbolError` for a foreign one."""
        if not isinstance(sym, str):
            raise ParameterError(f"a symbol is a str, got {type(sym).__name__}")
        return int(self.values[self._symbol_index(sym, None)])

    def _symbol_index(self, sym: str, pos: int | None) -> int:
        i = self.index.get(sym)
        if i is None:
            where = "" if pos is None else f" at position {pos}"
            raise UnknownSymbolError(f"{self.name}: unknown symbol {shown(sym)}{where} (n = {self.n})")
        return i

    @property
    @abstractmethod
    def answer_symbols(self) -> tuple[str, ...]:
        """The possible answers, in alphabet order."""

    # ---- shape ---------------------------------------------------------------------------------
    @property
    @abstractmethod
    def input_length(self) -> int:
        """Length of an input, ``<s>`` included (the language's words are one longer)."""

    @property
    def data_length(self) -> int:
        """Length of the data part ``<s> x_1..x_n`` (the split of the lower bound)."""
        return self.n + 1

    @abstractmethod
    def _layout(self) -> list[tuple[int, int]]:
        """Per input position, the allowed symbol-index range ``lo..hi`` (the symbol's kind)."""

    @cached_property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lay = np.array(self._layout(), dtype=np.int64)
        return lay[:, 0], lay[:, 1]

    # ---- the product space ---------------------------------------------------------------------
    @property
    @abstractmethod
    def radices(self) -> tuple[int, ...]:
        """Radices of the product space's digits, most significant first: data digits, then query."""

    query_digits: int = 1

    def data_space(self) -> int:
        return _product(self.radices[: len(self.radices) - self.query_digits])

    def query_space(self) -> int:
        return _product(self.radices[len(self.radices) - self.query_digits:])

    def input_space(self) -> int:
        """Size of the product space: row ``d·query_space() + q`` = data part ``d`` with query part ``q``."""
        return self.data_space() * self.query_space()

    @abstractmethod
    def _digits_to_codes(self, digits: np.ndarray) -> np.ndarray: ...

    def encode_inputs(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``start..stop−1`` of the product space: ``(B, input_length)`` int64 symbol indices and
        ``(B,)`` bool validity (only c-gram has invalid rows). Refuses spaces of ``2^63`` or more and
        batches over ``BATCH_MAX`` rows with :class:`ParameterError`."""
        total = self.input_space()
        if total > SPACE_MAX:
            raise ParameterError(f"{self.describe()}: the product space has {approx(total)} rows, over 2^63")
        for label, v in (("start", start), ("stop", stop)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= int(v) <= total:
                raise ParameterError(f"{self.name}: {label} must be an integer in 0..{total}, got {shown(v)}")
        start, stop = int(start), int(stop)
        if stop < start or stop - start > BATCH_MAX:
            raise ParameterError(f"{self.name}: need start <= stop <= start + {BATCH_MAX}, got {start}, {stop}")
        codes = self._digits_to_codes(_mixed_radix(np.arange(start, stop, dtype=np.int64), self.radices))
        return codes, self.valid_rows(codes)

    def sample_inputs(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` random valid inputs (uniform digits of the product space), any n; at most
        ``BATCH_MAX`` cells (count × input length) at once."""
        self._check_sample_args(rng, count)
        return self._digits_to_codes(rng.integers(0, np.array(self.radices, dtype=np.int64), (count, len(self.radices))))

    def _check_sample_args(self, rng: object, count: object) -> None:
        """ParameterError unless ``rng`` is a numpy Generator and 0 ≤ count, count × length ≤ BATCH_MAX."""
        if not isinstance(rng, np.random.Generator):
            raise ParameterError(f"sample_inputs needs a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ParameterError(f"sample_inputs: count must be a non-negative integer, got {shown(count)}")
        if count * self.input_length > BATCH_MAX:
            raise ParameterError(f"sample_inputs: {count} inputs of length {self.input_length} exceed "
                                 f"{BATCH_MAX:,} cells per batch; sample in smaller batches")

    # ---- answers ---------------------------------------------------------------------------------
    def _check_batch(self, codes: np.ndarray) -> np.ndarray:
        c = check_codes(codes, self.alphabet)
        if c.shape[1] != self.input_length:
            raise ParameterError(f"{self.name}: inputs must have length {self.input_length}, got {c.shape[1]}")
        return c

    def valid_rows(self, codes: np.ndarray) -> np.ndarray:
        """Vectorised domain test of a ``(B, input_length)`` batch."""
        c = self._check_batch(codes)
        lo, hi = self._bounds
        ok = ((c >= lo) & (c <= hi)).all(axis=1)
        ok[ok] = self._extra_valid(c[ok])
        return ok

    def _extra_valid(self, codes: np.ndarray) -> np.ndarray:
        return np.ones(codes.shape[0], dtype=bool)

    @abstractmethod
    def _raw_answers(self, codes: np.ndarray) -> np.ndarray: ...

    def answers(self, codes: np.ndarray) -> np.ndarray:
        """Vectorised answers: ``(B,)`` int64 answer symbol index per row, ``-1`` for an invalid row."""
        c = self._check_batch(codes)
        out = np.full(c.shape[0], -1, dtype=np.int64)
        ok = self.valid_rows(c)
        out[ok] = self._raw_answers(c[ok])
        return out

    def _indices(self, word: Sequence[str]) -> np.ndarray:
        """Symbol indices of ``word``; :class:`UnknownSymbolError` (with the position) for a foreign one."""
        idx = list(map(self.index.get, word))
        if None in idx:
            self._symbol_index(word[idx.index(None)], idx.index(None))
        return np.array(idx, dtype=np.int64)

    def _check_kinds(self, word: Sequence[str], idx: np.ndarray) -> None:
        lo, hi = self._bounds
        bad = (idx < lo[: idx.size]) | (idx > hi[: idx.size])
        if bad.any():
            p = int(bad.argmax())
            raise InvalidInputError(f"{self.name}: {shown(word[p])} is not allowed at position {p} (n = {self.n})")

    def answer(self, inp: Sequence[str]) -> str:
        """The reference answer (plain Python); :class:`InvalidInputError` outside the domain,
        :class:`UnknownSymbolError` for a foreign symbol."""
        inp = as_word(inp)
        return self._checked_answer(inp, self._indices(inp))

    def _checked_answer(self, inp: Word, idx: np.ndarray) -> str:
        if len(inp) != self.input_length:
            raise InvalidInputError(f"{self.name}: an input has length {self.input_length}, got {len(inp)}")
        self._check_kinds(inp, idx)
        return self._answer(inp)

    @abstractmethod
    def _answer(self, inp: Word) -> str: ...

    def is_valid_prefix(self, prefix: Sequence[str]) -> bool:
        """Whether ``prefix`` (at most ``input_length`` symbols) extends to a valid input."""
        prefix = as_word(prefix)
        if len(prefix) > self.input_length:
            return False
        try:
            self._check_kinds(prefix, self._indices(prefix))
        except InvalidInputError:
            return False
        return self._extra_prefix_ok(prefix)

    def _extra_prefix_ok(self, prefix: Word) -> bool:
        return True

    # ---- the language ------------------------------------------------------------------------
    def accepts(self, word: Sequence[str]) -> bool:
        """``word ∈ L_n``: a valid input followed by its answer (direct, no automaton)."""
        word = as_word(word)
        word = tuple(word)
        idx = self._indices(word)
        if len(word) != self.input_length + 1:
            return False
        try:
            return self._checked_answer(word[:-1], idx[:-1]) == word[-1]
        except InvalidInputError:
            return False

    def reference(self) -> ImplicitAutomaton:
        return RetrievalAutomaton(self)

    def samples(self) -> Samples:
        """Three random positives (seeded), negatives of the wrong length or answer, and rejected
        single-symbol changes of the first positive."""
        rng = np.random.default_rng(0)
        inputs = [tuple(self.alphabet[i] for i in row) for row in self.sample_inputs(rng, 3).tolist()]
        positive = [x + (self.answer(x),) for x in inputs]
        p0 = positive[0]
        wrong = next(a for a in self.answer_symbols if a != p0[-1]) if len(self.answer_symbols) > 1 else BOS
        negative = [(BOS,), p0[:-1], p0 + (p0[-1],), p0[:-1] + (wrong,), p0[:1] + p0[2:], (BOS,) + p0[1:-1] + p0]
        spots = sorted({1, self.data_length - 1, self.data_length, len(p0) // 2, len(p0) - 2, len(p0) - 1})
        cands = list(dict.fromkeys(self.alphabet[:4] + self.alphabet[-3:] + self.answer_symbols[:2]
                                   + self.answer_symbols[-2:] + tuple(p0[1:4])))
        near = [p0[:p] + (s,) + p0[p + 1:] for p in spots for s in cands if s != p0[p]]
        return Samples(tuple(dict.fromkeys(positive)), tuple(u for u in negative if not self.accepts(u)),
                       tuple(u for u in dict.fromkeys(near) if not self.accepts(u)))

    def closed_form_rows(self) -> int | None:
        """R(n), the distinct rows of the answer matrix (:mod:`tasks.retrieval_bounds`), in closed form
        where it is known (exact integers, any n); None here, overridden by the tasks that have one."""
        return None

    def rows_lower_bound(self) -> int:
        """A proved lower bound on R(n): the closed form where known (a task without one overrides this
        with its own proof)."""
        exact = self.closed_form_rows()
        if exact is None:
            raise ParameterError(f"rows_lower_bound: no bound known for {self.describe()}")
        return exact

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        """log2 R(n) bits for any RNN (with any CoT): one-way communication, measured in :mod:`tasks.retrieval_bounds`."""
        exact = self.closed_form_rows() is not None
        what = f"R(n) = {self.rows_formula}" + ("" if exact else " (a proved lower bound on R(n))")
        return (LowerBound("RNN state bits", math.log2(self.rows_lower_bound()),
                           f"one-way communication / Myhill–Nerode (data | query split): {what} distinct rows of "
                           "the answer matrix, so 2^B ≥ R(n) for an RNN with B bits of state, with any CoT "
                           f"({WDL}, Thm 4.6)"),)

    rows_formula: str = "?"


@dataclass(frozen=True)
class RetrievalAutomaton(ImplicitAutomaton):
    """Reference automaton of ``L_n``: the state is the tuple read so far while it is a prefix of a
    valid input (then the input plus its answer, accepting); dead (None) otherwise. A trie: tiny n only."""

    task: RetrievalTask

    @property
    def alphabet(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.task.alphabet

    def start(self) -> Hashable:
        return ()

    def step(self, state: Hashable, symbol: str) -> Hashable | None:
        read: Word = state  # type: ignore[assignment]
        length = self.task.input_length
        if len(read) < length:
            new = read + (symbol,)
            return new if self.task.is_valid_prefix(new) else None
        if len(read) == length and symbol == self.task.answer(read):
            return read + (symbol,)
        return None

    def is_accepting(self, state: Hashable) -> bool:
        return len(state) == self.task.input_length + 1  # type: ignore[arg-type]


def numbered_symbols(first: int, last: int, prefix: str = "") -> list[tuple[str, int]]:
    return [(f"{prefix}{v}", v) for v in range(first, last + 1)]


__all__ = ["BATCH_MAX", "BOS", "InvalidInputError", "N_MAX", "RetrievalAutomaton", "RetrievalTask", "SPACE_MAX", "WDL",
           "approx"]
