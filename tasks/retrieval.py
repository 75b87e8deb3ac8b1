"""The in-context retrieval tasks of [WDL] (Index, AR, c-gram retrieval, Counting) as languages.

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet): The Key Bottleneck on In-context Retrieval*,
ICLR 2025 (arXiv 2402.18510), Defs 4.2–4.5 and Thm 4.6. A task maps an input to one answer symbol; its
language is ``L_n = { input · answer }``. The formats are fixed here (and walked through in docs/tutorial.md §8; every
input starts with ``<s>``; positions are 0-based, data at 1..n; ``v`` = a data value "1".."n"):

* :class:`IndexTask` — ``<s> x_1..x_n ?i`` → ``x_i`` (variant ``range``: x ∈ [n]; ``binary``: x ∈ {0, 1});
* :class:`ARTask` — ``<s> k_π(1) v_1 … k_π(m) v_m kq`` (m = n/2, keys a permutation) → the value after kq;
* :class:`CgramTask` — ``<s> x_1..x_n y_1..y_{c−1}`` → the token after the first occurrence of y;
* :class:`CountingTask` — ``<s> x_1..x_n q #t`` (k token types) → ``yes`` iff q occurs more than t times.

Each task has a plain-Python :meth:`~RetrievalTask.answer` and, written independently, the vectorised
:meth:`~RetrievalTask.answers`; :meth:`~RetrievalTask.encode_inputs` enumerates a product space indexed
by integers (mixed radix, most significant digit first: the data part, then the query part). The lower
bound (the distinct rows of the answer matrix) is measured in :mod:`tasks.retrieval_bounds`; the shared
machinery (symbols, product space, domain test, reference automaton) is in :mod:`tasks.retrieval_base`.

>>> t = IndexTask(3)
>>> t.answer(("<s>", "2", "3", "1", "?2")), t.accepts(("<s>", "2", "3", "1", "?2", "3"))
('3', True)
>>> CountingTask(3).answer(("<s>", "1", "2", "1", "1", "#1"))
'yes'
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from automata.alphabet import Word
from automata.errors import ParameterError, shown
from tasks.base import Citation
from tasks.retrieval_base import (BATCH_MAX, BOS, N_MAX, SPACE_MAX, WDL, InvalidInputError, RetrievalAutomaton,
                                  RetrievalTask, check_task_int, numbered_symbols, unrank_permutations)


@dataclass(frozen=True)
class IndexTask(RetrievalTask):
    """Def 4.2 (Index): ``<s> x_1..x_n ?i`` → ``x_i``. Alphabet ``<s>``, data ("1".."n", or "0" "1"
    with values 1, 2 for ``binary``), "?1".."?n". R(n) = |Σ|^n: the query ?i reads x_i off the row."""

    n: int
    variant: str = "range"

    name = "index"
    citation = Citation(WDL, "Def 4.2 (Index) / Thm 4.6")

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_task_int("index", "n", self.n, 1))
        if self.variant not in ("range", "binary"):
            raise ParameterError(f"index: unknown variant {shown(self.variant)}; choose range or binary")

    @property
    def params(self) -> Mapping[str, object]:
        return {"n": self.n, "variant": self.variant}

    @property
    def width(self) -> int:
        """Number of data symbols: n (range) or 2 (binary)."""
        return 2 if self.variant == "binary" else self.n

    @property
    def rows_formula(self) -> str:  # type: ignore[override]
        return f"{self.width}^{self.n}"

    def closed_form_rows(self) -> int:
        """``|Σ|^n``: the query ?i reads x_i, so different data x give different rows."""
        return self.width ** self.n

    def _table(self) -> list[tuple[str, int]]:
        data = [("0", 1), ("1", 2)] if self.variant == "binary" else numbered_symbols(1, self.n)
        return [(BOS, 0)] + data + numbered_symbols(1, self.n, "?")

    @property
    def answer_symbols(self) -> tuple[str, ...]:
        return self.alphabet[1: self.width + 1]

    @property
    def input_length(self) -> int:
        return self.n + 2

    def _layout(self) -> list[tuple[int, int]]:
        s = self.width
        return [(0, 0)] + [(1, s)] * self.n + [(s + 1, s + self.n)]

    @property
    def radices(self) -> tuple[int, ...]:
        return (self.width,) * self.n + (self.n,)

    def _digits_to_codes(self, digits: np.ndarray) -> np.ndarray:
        n = self.n
        codes = np.zeros((digits.shape[0], n + 2), dtype=np.int64)
        codes[:, 1: n + 1] = digits[:, :n] + 1
        codes[:, n + 1] = digits[:, n] + self.width + 1
        return codes

    def _raw_answers(self, codes: np.ndarray) -> np.ndarray:
        return codes[np.arange(codes.shape[0]), codes[:, self.n + 1] - self.width]

    def _answer(self, inp: Word) -> str:
        return inp[self.value(inp[-1])]


@dataclass(frozen=True)
class ARTask(RetrievalTask):
    """Def 4.3 (associative recall), distinct keys: ``<s> k_π(1) v_1 … k_π(m) v_m kq`` (m = n/2, the
    keys a permutation of k1..km, values in 1..n) → the value right after ``kq``. Alphabet ``<s>``,
    "1".."n", "k1".."km". R(n) = n^m: a row is the key → value map (the key order does not show).

    Product space: data digit 0 = the lexicographic rank (Lehmer code) of the key order π, then
    v_1..v_m (digit v−1), then the query key (digit q−1); all its rows are valid."""

    n: int

    name = "ar"
    citation = Citation(WDL, "Def 4.3 (associative recall) / Thm 4.6")

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_task_int("ar", "n", self.n, 2))
        if self.n % 2:
            raise ParameterError(f"ar: n must be even (m = n/2 key-value pairs), got {self.n}")

    @property
    def m(self) -> int:
        return self.n // 2

    @property
    def params(self) -> Mapping[str, object]:
        return {"n": self.n}

    @property
    def rows_formula(self) -> str:  # type: ignore[override]
        return f"{self.n}^{self.m}"

    def closed_form_rows(self) -> int:
        """``n^m``: a row is the key → value map, and every map occurs; the key order π does not show
        in the row (each key is queried by name)."""
        return self.n ** self.m

    def _table(self) -> list[tuple[str, int]]:
        return [(BOS, 0)] + numbered_symbols(1, self.n) + numbered_symbols(1, self.m, "k")

    @property
    def answer_symbols(self) -> tuple[str, ...]:
        return self.alphabet[1: self.n + 1]

    @property
    def input_length(self) -> int:
        return self.n + 2

    def _layout(self) -> list[tuple[int, int]]:
        key, val = (self.n + 1, self.n + self.m), (1, self.n)
        return [(0, 0)] + [key, val] * self.m + [key]

    @property
    def radices(self) -> tuple[int, ...]:
        return (math.factorial(self.m),) + (self.n,) * self.m + (self.m,)

    def _digits_to_codes(self, digits: np.ndarray) -> np.ndarray:
        n, m = self.n, self.m
        codes = np.zeros((digits.shape[0], n + 2), dtype=np.int64)
        codes[:, 1:n:2] = unrank_permutations(digits[:, 0], m) + n + 1
        codes[:, 2: n + 1: 2] = digits[:, 1: m + 1] + 1
        codes[:, n + 1] = digits[:, m + 1] + n + 1
        return codes

    def sample_inputs(self, rng: np.random.Generator, count: int) -> np.ndarray:
        self._check_sample_args(rng, count)
        n, m = self.n, self.m
        codes = np.zeros((count, n + 2), dtype=np.int64)
        codes[:, 1:n:2] = np.argsort(rng.random((count, m)), axis=1) + n + 1
        codes[:, 2: n + 1: 2] = rng.integers(1, n + 1, (count, m))
        codes[:, n + 1] = rng.integers(n + 1, n + m + 1, count)
        return codes

    def _extra_valid(self, codes: np.ndarray) -> np.ndarray:
        keys = np.sort(codes[:, 1: self.n: 2], axis=1)
        return (np.diff(keys, axis=1) != 0).all(axis=1)

    def _raw_answers(self, codes: np.ndarray) -> np.ndarray:
        pos = (codes[:, 1: self.n: 2] == codes[:, self.n + 1, None]).argmax(axis=1)
        return codes[np.arange(codes.shape[0]), 2 * pos + 2]

    def _answer(self, inp: Word) -> str:
        keys = inp[1: self.n: 2]
        if len(set(keys)) != self.m:
            raise InvalidInputError(f"ar: the keys must be a permutation of k1..k{self.m}, got {' '.join(keys)}")
        return inp[2 + 2 * keys.index(inp[-1])]

    def _extra_prefix_ok(self, prefix: Word) -> bool:
        keys = prefix[1: self.n + 1: 2]
        return len(set(keys)) == len(keys)


@dataclass(frozen=True)
class CgramTask(RetrievalTask):
    """Def 4.4 (c-gram retrieval): ``<s> x_1..x_n y_1..y_{c−1}`` over "1".."n"; valid iff y occurs as
    ``x_j..x_{j+c−2}`` for some ``j ≤ n−c+1``; answer ``x_{j+c−1}`` for the first such j. No closed
    form for R(n); :meth:`rows_lower_bound` proves R(n) ≥ n!."""

    n: int
    c: int = 2

    name = "cgram"
    citation = Citation(WDL, "Def 4.4 (c-gram retrieval) / Thm 4.6")

    def __post_init__(self) -> None:
        if isinstance(self.c, bool) or not isinstance(self.c, (int, np.integer)) or self.c not in (2, 3):
            raise ParameterError(f"cgram: c must be the integer 2 or 3, got {shown(self.c)}")
        object.__setattr__(self, "c", int(self.c))
        object.__setattr__(self, "n", check_task_int("cgram", "n", self.n, self.c))

    @property
    def params(self) -> Mapping[str, object]:
        return {"n": self.n, "c": self.c}

    @property
    def rows_formula(self) -> str:  # type: ignore[override]
        return f"{self.n}!"

    def rows_lower_bound(self) -> int:
        """``n!`` (c ∈ {2, 3}, n ≥ c): the data parts whose n tokens are pairwise distinct (a permutation
        of [n]) have pairwise distinct rows. The valid queries of such an x are its windows
        ``w_j = x_j..x_{j+c−2}`` (j ≤ n−c+1), each with answer ``x_{j+c−1}``, so the row gives the set of
        c-grams ``g_j = x_j..x_{j+c−1}``, which together cover x_1..x_n. As the tokens are distinct, ``g_1``
        is the only c-gram whose first c−1 tokens are not the last c−1 tokens of another c-gram (that
        would need ``x_1 = x_{j+1}``, j ≥ 1), and ``g_{j+1}`` is the only one starting with the last c−1
        tokens of ``g_j``: the row determines x. (n! ≥ n^⌊n/2⌋, the count of an AR-like family.) Since a
        row is a function of x, R(n) ≤ n^n, so log2 R(n) = n·log2 n − O(n) (measured, c = 2: n = 4..7
        give R = 132, 1175, 12345, 148225 against n! = 24, 120, 720, 5040; c = 3: n = 4..6 give 238,
        2855, 42496)."""
        return math.factorial(self.n)

    def _table(self) -> list[tuple[str, int]]:
        return [(BOS, 0)] + numbered_symbols(1, self.n)

    @property
    def answer_symbols(self) -> tuple[str, ...]:
        return self.alphabet[1:]

    @property
    def input_length(self) -> int:
        return self.n + self.c

    @property
    def query_digits(self) -> int:  # type: ignore[override]
        return self.c - 1

    def _layout(self) -> list[tuple[int, int]]:
        return [(0, 0)] + [(1, self.n)] * (self.n + self.c - 1)

    @property
    def radices(self) -> tuple[int, ...]:
        return (self.n,) * (self.n + self.c - 1)

    def _digits_to_codes(self, digits: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((digits.shape[0], 1), dtype=np.int64), digits + 1], axis=1)

    def sample_inputs(self, rng: np.random.Generator, count: int) -> np.ndarray:
        self._check_sample_args(rng, count)
        n, c = self.n, self.c
        x = rng.integers(1, n + 1, (count, n))
        j = rng.integers(0, n - c + 1, count)[:, None] + np.arange(c - 1)
        return np.concatenate([np.zeros((count, 1), dtype=np.int64), x, np.take_along_axis(x, j, 1)], axis=1)

    def _matches(self, codes: np.ndarray) -> np.ndarray:
        """``(B, n−c+1)`` bool: window j (0-based, x_{j+1}..x_{j+c−1}) equals the query."""
        n, c = self.n, self.c
        x, y = codes[:, 1: n + 1], codes[:, n + 1:]
        hit = np.ones((codes.shape[0], n - c + 1), dtype=bool)
        for r in range(c - 1):
            hit &= x[:, r: r + n - c + 1] == y[:, r, None]
        return hit

    def _extra_valid(self, codes: np.ndarray) -> np.ndarray:
        return self._matches(codes).any(axis=1)

    def _raw_answers(self, codes: np.ndarray) -> np.ndarray:
        first = self._matches(codes).argmax(axis=1)
        return codes[np.arange(codes.shape[0]), first + self.c]

    def _answer(self, inp: Word) -> str:
        n, c = self.n, self.c
        x, y = inp[1: n + 1], inp[n + 1:]
        for j in range(n - c + 1):
            if x[j: j + c - 1] == y:
                return x[j + c - 1]
        raise InvalidInputError(f"cgram: the query {' '.join(y)} does not occur in the data")

    def _extra_prefix_ok(self, prefix: Word) -> bool:
        n, c = self.n, self.c
        y = prefix[n + 1:]
        return not y or any(prefix[1 + j: 1 + j + len(y)] == y for j in range(n - c + 1))


@dataclass(frozen=True)
class CountingTask(RetrievalTask):
    """Def 4.5 (Counting): ``<s> x_1..x_n q #t`` over k token types "1".."k" (k = n by default), t in
    0..n → ``yes`` iff q occurs more than t times. R(n) = C(n+k−1, k−1) (a row is the count vector:
    the thresholds t read off every count); with constant k it is polynomial in n — no Ω(n) bound."""

    n: int
    k: int | None = None

    name = "counting"
    citation = Citation(WDL, "Def 4.5 (Counting) / Thm 4.6")

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", check_task_int("counting", "n", self.n, 1))
        object.__setattr__(self, "k", check_task_int("counting", "k", self.n if self.k is None else self.k, 1))

    @property
    def kk(self) -> int:
        """The number of token types ``k`` (an int after construction)."""
        return int(self.k)  # type: ignore[arg-type]

    @property
    def params(self) -> Mapping[str, object]:
        return {"n": self.n, "k": self.k}

    @property
    def rows_formula(self) -> str:  # type: ignore[override]
        return f"C({self.n}+{self.kk}−1, {self.kk}−1)"

    def closed_form_rows(self) -> int:
        """``C(n+k−1, k−1)``: a row is determined by the count vector (c_1..c_k), Σ c = n, and determines
        it: for the query q the answers to #0..#n are yes exactly for t < c_q."""
        return math.comb(self.n + self.kk - 1, self.kk - 1)

    def _table(self) -> list[tuple[str, int]]:
        return [(BOS, 0)] + numbered_symbols(1, self.kk) + numbered_symbols(0, self.n, "#") + [("no", 0), ("yes", 1)]

    @property
    def answer_symbols(self) -> tuple[str, ...]:
        return ("no", "yes")

    @property
    def input_length(self) -> int:
        return self.n + 3

    query_digits = 2

    def _layout(self) -> list[tuple[int, int]]:
        k = self.kk
        return [(0, 0)] + [(1, k)] * (self.n + 1) + [(k + 1, k + self.n + 1)]

    @property
    def radices(self) -> tuple[int, ...]:
        return (self.kk,) * (self.n + 1) + (self.n + 1,)

    def _digits_to_codes(self, digits: np.ndarray) -> np.ndarray:
        codes = np.zeros((digits.shape[0], self.n + 3), dtype=np.int64)
        codes[:, 1: self.n + 2] = digits[:, : self.n + 1] + 1
        codes[:, self.n + 2] = digits[:, self.n + 1] + self.kk + 1
        return codes

    def _raw_answers(self, codes: np.ndarray) -> np.ndarray:
        n, k = self.n, self.kk
        count = (codes[:, 1: n + 1] == codes[:, n + 1, None]).sum(axis=1)
        return np.where(count > codes[:, n + 2] - (k + 1), k + n + 3, k + n + 2)

    def _answer(self, inp: Word) -> str:
        return "yes" if inp[1: self.n + 1].count(inp[self.n + 1]) > self.value(inp[self.n + 2]) else "no"


@dataclass(frozen=True)
class RetrievalEntry:
    """A registry entry: the name, a one-line summary and ``build(n, **kw)``."""

    name: str
    summary: str
    build: Callable[..., RetrievalTask]


RETRIEVAL_TASKS: dict[str, RetrievalEntry] = {e.name: e for e in (
    RetrievalEntry("index", "Index over [n]: <s> x_1..x_n ?i → x_i; R = n^n (n·log2 n bits)",
                   lambda n, **kw: IndexTask(n, "range", **kw)),
    RetrievalEntry("index-binary", "Index over {0,1}: <s> x_1..x_n ?i → x_i; R = 2^n (n bits)",
                   lambda n, **kw: IndexTask(n, "binary", **kw)),
    RetrievalEntry("ar", "associative recall, m = n/2 distinct keys, values [n]; R = n^(n/2)",
                   lambda n, **kw: ARTask(n, **kw)),
    RetrievalEntry("cgram", "2-gram retrieval over [n] (first occurrence); R ≥ n!",
                   lambda n, **kw: CgramTask(n, 2, **kw)),
    RetrievalEntry("cgram3", "3-gram retrieval over [n] (first occurrence); R ≥ n!",
                   lambda n, **kw: CgramTask(n, 3, **kw)),
    RetrievalEntry("counting", "Counting, k = n token types: does q occur more than t times; R = C(2n−1, n−1)",
                   lambda n, **kw: CountingTask(n, **kw)),
    RetrievalEntry("counting-k2", "Counting with k = 2 token types: R = n + 1, the bound collapses to log2(n+1)",
                   lambda n, **kw: CountingTask(n, 2, **kw)),
)}


def retrieval_task(name: str, n: int, **kw: object) -> RetrievalTask:
    """The registry's task ``name`` at size ``n`` (:class:`ParameterError` for an unknown name or keyword)."""
    if not isinstance(name, str):
        raise ParameterError(f"a retrieval task name is a str, got {type(name).__name__}")
    entry = RETRIEVAL_TASKS.get(name)
    if entry is None:
        raise ParameterError(f"unknown retrieval task {shown(name)}; choose one of {', '.join(RETRIEVAL_TASKS)}")
    try:
        return entry.build(n, **kw)
    except TypeError as exc:
        raise ParameterError(f"{name}: bad keyword arguments {sorted(kw)} ({exc})") from None


__all__ = ["ARTask", "BATCH_MAX", "BOS", "CgramTask", "CountingTask", "IndexTask", "InvalidInputError", "N_MAX",
           "SPACE_MAX", "RETRIEVAL_TASKS", "RetrievalAutomaton", "RetrievalEntry", "RetrievalTask", "retrieval_task", "WDL"]
