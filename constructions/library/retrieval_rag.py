"""Retrieval-augmented RNNs for the [WDL] retrieval tasks: O(log n) bits of state plus a regex retriever.

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510), §5 (in-context
retrieval; Def 5.5 / Thm 5.6's discussion): an RNN that may emit a **query** — a regular expression —
which a retriever answers from the context closes the gap of Thm 4.6: Index, AR, c-gram retrieval and
Counting need Ω(n) bits of state without retrieval, but ``O(log n)`` with it. The readers below are
constructions of ours satisfying that statement ([WDL] §5), not the paper's.

**Model.** A :class:`RagReader` is an explicit finite-state reader: its state is a tuple of bounded
integers (:class:`Register`, each with a declared bit width; :attr:`RagReader.state_bits` is their sum,
``O(log n)``), updated once per input token by :meth:`RagReader.step` from the token's kind and numeric
value (what an embedding gives), and **checked after every step**: a register outside ``0..2^bits − 1``
raises :class:`automata.errors.PrecisionError`. After the last input token :meth:`RagReader.emit`
writes the regular expression(s) — tokens escaped with ``re.escape`` — which Python's ``re`` module runs
(``re.search``, leftmost match) over the **whole input joined by single spaces** (the model's context,
query part included); :meth:`RagReader.respond` copies the captured token out as the answer (Counting:
``yes`` iff the pattern matches).

**The queries** (``Q`` = the escaped query token; ``(?<!\\S)`` / ``(?!\\S)`` make a match start / end on
a token boundary, so ``1`` never matches inside ``11`` or ``#1``):

* Index, query ``?i``: ``^(?:\\S+ ){i}(\\S+)`` — skip ``<s> x_1 … x_{i−1}`` (``i`` tokens: the BOS counts),
  capture ``x_i``.
* AR, query ``kq``: first a validity check ``(?<!\\S)(k\\d+) .*(?<!\\S)\\1 `` — a data key followed (after a
  space) by a later data key equal to it (every data key is followed by a space, the query key at the end
  is not, so it takes part in neither role): a match means the keys are not a permutation, the input is
  invalid. Then ``(?<!\\S)kq (\\S+)``: the token after the data occurrence of ``kq`` (values and keys are
  different kinds, and the query key at the end has no successor).
* c-gram, query ``y_1 … y_{c−1}``: ``(?<!\\S)y_1 … y_{c−1} (\\S+)(?=(?: \\S+){c−1})`` — the lookahead demands
  ``c − 1`` more tokens after the captured one, i.e. the captured token lies at a position ``≤ n``, so
  the window lies in the data (a window running into the query part cannot match); ``re.search``
  returns the leftmost, i.e. **first**, occurrence. No match: the query does not occur, invalid input.
* Counting, query ``q`` and ``#t``: ``^(?>.*?(?<!\\S)Q(?= \\S+ \\S)){t+1}`` — ``t + 1`` occurrences of the token
  ``q`` each followed by at least two tokens, i.e. at positions ``≤ n`` (the query token itself, at
  ``n + 1``, is followed by ``#t`` only, so it is not counted; ``#t`` never matches ``q``); answer ``yes`` iff
  it matches, i.e. ``q`` occurs ``> t`` times in ``x``. The atomic group ``(?>…)`` commits each
  occurrence to the nearest one (optimal for counting), so a failing search is linear, not exponential.

**State** (``bl(v) = ⌊log2 v⌋ + 1``, ``L`` = input length): the position ``pos ∈ 0..L`` (``bl(L)`` bits),
an ``ok`` flag (1 bit; a symbol of the wrong kind for its position clears it), and the query:
Index ``i`` (``bl(n)``), AR ``q`` (``bl(n/2)``), c-gram ``y_1..y_{c−1}`` (``(c−1)·bl(n)``), Counting ``q``
(``bl(k)``) and ``t`` (``bl(n)``). :func:`rag_state_bits` and :func:`rag_query_length` (characters of the
longest regex) give both as formulas; all ``O(log n)``.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from automata.alphabet import as_word
from automata.errors import ParameterError, PrecisionError, UnknownSymbolError
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask
from tasks.retrieval_base import BOS, InvalidInputError

CITATION = "[WDL] §5 (in-context retrieval), Thm 4.6 / 5.6; a construction of ours"
State = tuple[int, ...]


def bl(v: int) -> int:
    """``⌊log2 v⌋ + 1`` for ``v ≥ 1`` (bits of ``0..v``)."""
    return max(1, int(v).bit_length())


@dataclass(frozen=True)
class Register:
    """A state register holding an integer in ``0..2^bits − 1``."""

    name: str
    bits: int


def kind(sym: str) -> str:
    """A token's kind from its spelling (the fixed formats of :mod:`tasks.retrieval`)."""
    if sym == BOS:
        return "bos"
    if sym in ("yes", "no"):
        return "answer"
    return {"?": "query", "k": "key", "#": "number"}.get(sym[:1], "data")


@dataclass(frozen=True)
class RagReader:
    """A finite-state reader with a regex retriever (module docstring); subclasses give the registers,
    the kinds per position, what to remember of a query token, the regexes and the response."""

    task: RetrievalTask

    # ---- what a subclass gives ------------------------------------------------------------------
    @abstractmethod
    def query_registers(self) -> tuple[Register, ...]: ...

    @abstractmethod
    def expected_kind(self, pos: int) -> str: ...

    @abstractmethod
    def remember(self, query: State, pos: int, value: int) -> State:
        """The query registers after reading a token of value ``value`` at position ``pos``."""

    @abstractmethod
    def regexes(self, query: State) -> tuple[str, ...]: ...

    @abstractmethod
    def respond(self, query: State, matches: Sequence[re.Match | None]) -> str:
        """The answer from the retriever's matches; :class:`InvalidInputError` if they show the input
        is outside the domain."""

    # ---- the machine ------------------------------------------------------------------------------
    def registers(self) -> tuple[Register, ...]:
        """``pos``, ``ok`` and the query registers (computed once)."""
        return self._registers

    @cached_property
    def _registers(self) -> tuple[Register, ...]:
        return (Register("pos", bl(self.task.input_length)), Register("ok", 1), *self.query_registers())

    @cached_property
    def _caps(self) -> tuple[int, ...]:
        return tuple(1 << r.bits for r in self.registers())

    @property
    def state_bits(self) -> int:
        return sum(r.bits for r in self.registers())

    def start(self) -> State:
        return self.checked((0, 1) + (0,) * len(self.query_registers()))

    def checked(self, state: State) -> State:
        """``state`` if every register fits its declared width, else :class:`PrecisionError`."""
        caps = self._caps
        if len(state) != len(caps):
            raise PrecisionError(f"state {state} has {len(state)} registers, declared {len(caps)}")
        for r, v, cap in zip(self.registers(), state, caps):
            if not 0 <= v < cap:
                raise PrecisionError(f"register {r.name} = {v} exceeds its {r.bits} bits "
                                     f"(state_bits = {self.state_bits}, {self.task.describe()})")
        return state

    def step(self, state: State, sym: str) -> State:
        """One token: the position advances (up to ``L``; a further token clears ``ok``), a token of the
        wrong kind clears ``ok``, a query token is remembered."""
        self._check_state(state)
        value = self.task.value(sym)  # UnknownSymbolError for a foreign symbol
        pos, ok, query = state[0], state[1], state[2:]
        length = self.task.input_length
        if ok and pos < length and kind(sym) == self.expected_kind(pos):
            query = self.remember(query, pos, value)
        else:
            ok = 0
        return self.checked((min(pos + 1, length), ok, *query))

    def read(self, inp: Sequence[str]) -> State:
        state = self.start()
        for sym in inp:
            state = self.step(state, sym)
        return state

    def emit(self, state: State) -> tuple[str, ...]:
        """The regexes issued after the input (:class:`InvalidInputError` unless the state shows a whole
        input of the right kinds)."""
        self._check_state(state)
        if not state[1] or state[0] != self.task.input_length:
            raise InvalidInputError(f"{self.task.name}: not an input of length {self.task.input_length} "
                                    "with the right symbol kinds")
        return self.regexes(state[2:])

    def queries(self, inp: Sequence[str]) -> tuple[str, ...]:
        """The regular expressions the reader issues on ``inp``."""
        return self.emit(self.read(inp))

    def _check_state(self, state: object) -> None:
        """A state is a tuple of one integer per register (:class:`ParameterError` otherwise)."""
        width = len(self.registers())
        if not isinstance(state, tuple) or len(state) != width or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in state):
            raise ParameterError(f"a reader state is a tuple of {width} integers, got {state!r}")

    def run(self, inp: Sequence[str]) -> str:
        """The answer symbol: read, emit, retrieve with ``re.search`` over ``" ".join(inp)``, respond."""
        inp = as_word(inp)
        state = self.read(inp)
        context = " ".join(inp)
        return self.respond(state[2:], [re.search(r, context) for r in self.emit(state)])

    def accepts(self, word: Sequence[str]) -> bool:
        """``word ∈ L_n``: the input part is accepted by the reader and the last symbol is its answer."""
        word = as_word(word)
        for s in word:
            if s not in self.task.index:
                raise UnknownSymbolError(f"unknown symbol {s!r}")
        if len(word) != self.task.input_length + 1:
            return False
        try:
            return self.run(word[:-1]) == word[-1]
        except InvalidInputError:
            return False

    def query_length(self) -> int:
        """Characters of the longest regex this reader can issue (:func:`rag_query_length`)."""
        return rag_query_length(self.task)


def _captured(matches: Sequence[re.Match | None], what: str) -> str:
    if matches[-1] is None:
        raise InvalidInputError(what)
    return matches[-1].group(1)


@dataclass(frozen=True)
class IndexReader(RagReader):
    """Index: remembers ``i``; regex ``^(?:\\S+ ){i}(\\S+)``."""

    def query_registers(self) -> tuple[Register, ...]:
        return (Register("i", bl(self.task.n)),)

    def expected_kind(self, pos: int) -> str:
        return "bos" if pos == 0 else "data" if pos <= self.task.n else "query"

    def remember(self, query: State, pos: int, value: int) -> State:
        return (value,) if pos == self.task.n + 1 else query

    def regexes(self, query: State) -> tuple[str, ...]:
        return (r"^(?:\S+ ){%d}(\S+)" % query[0],)

    def respond(self, query: State, matches: Sequence[re.Match | None]) -> str:
        return _captured(matches, "index: no token at the queried position")


AR_DUPLICATE = r"(?<!\S)(k\d+) .*(?<!\S)\1 "


@dataclass(frozen=True)
class ARReader(RagReader):
    """AR: remembers ``q``; a duplicate-key check, then ``(?<!\\S)kq (\\S+)``."""

    def query_registers(self) -> tuple[Register, ...]:
        return (Register("q", bl(self.task.n // 2)),)

    def expected_kind(self, pos: int) -> str:
        return "bos" if pos == 0 else "key" if pos % 2 else "data"

    def remember(self, query: State, pos: int, value: int) -> State:
        return (value,) if pos == self.task.n + 1 else query

    def regexes(self, query: State) -> tuple[str, ...]:
        return (AR_DUPLICATE, r"(?<!\S)%s (\S+)" % re.escape(f"k{query[0]}"))

    def respond(self, query: State, matches: Sequence[re.Match | None]) -> str:
        if matches[0] is not None:
            raise InvalidInputError(f"ar: key {matches[0].group(1)} occurs twice")
        return _captured(matches, "ar: the query key does not occur in the data")


@dataclass(frozen=True)
class CgramReader(RagReader):
    """c-gram: remembers ``y_1..y_{c−1}``; ``(?<!\\S)y_1 … y_{c−1} (\\S+)(?=(?: \\S+){c−1})``."""

    def query_registers(self) -> tuple[Register, ...]:
        return tuple(Register(f"y{r}", bl(self.task.n)) for r in range(1, self.task.c))

    def expected_kind(self, pos: int) -> str:
        return "bos" if pos == 0 else "data"

    def remember(self, query: State, pos: int, value: int) -> State:
        r = pos - self.task.n - 1
        return query[:r] + (value,) + query[r + 1:] if r >= 0 else query

    def regexes(self, query: State) -> tuple[str, ...]:
        gram = " ".join(re.escape(str(y)) for y in query)
        return (r"(?<!\S)%s (\S+)(?=(?: \S+){%d})" % (gram, self.task.c - 1),)

    def respond(self, query: State, matches: Sequence[re.Match | None]) -> str:
        return _captured(matches, "cgram: the query does not occur in the data")


@dataclass(frozen=True)
class CountingReader(RagReader):
    """Counting: remembers ``q`` and ``t``; ``^(?>.*?(?<!\\S)Q(?= \\S+ \\S)){t+1}``, ``yes`` iff it matches."""

    def query_registers(self) -> tuple[Register, ...]:
        return (Register("q", bl(self.task.kk)), Register("t", bl(self.task.n)))

    def expected_kind(self, pos: int) -> str:
        n = self.task.n
        return "bos" if pos == 0 else "data" if pos <= n + 1 else "number"

    def remember(self, query: State, pos: int, value: int) -> State:
        n = self.task.n
        return (value, query[1]) if pos == n + 1 else (query[0], value) if pos == n + 2 else query

    def regexes(self, query: State) -> tuple[str, ...]:
        return (r"^(?>.*?(?<!\S)%s(?= \S+ \S)){%d}" % (re.escape(str(query[0])), query[1] + 1),)

    def respond(self, query: State, matches: Sequence[re.Match | None]) -> str:
        return "yes" if matches[-1] is not None else "no"


_READERS = ((IndexTask, IndexReader), (ARTask, ARReader), (CgramTask, CgramReader), (CountingTask, CountingReader))


def retrieval_rag(task: RetrievalTask) -> RagReader:
    """The reader of ``task`` (dispatch on its type)."""
    for cls, reader in _READERS:
        if isinstance(task, cls):
            return reader(task)
    raise ParameterError(f"retrieval_rag: expected a retrieval task, got {type(task).__name__}")


# ---- formulas --------------------------------------------------------------------------------------


def _digits(v: int) -> int:
    return len(str(v))


def _require_task(task: object, what: str) -> None:
    if not isinstance(task, RetrievalTask):
        raise ParameterError(f"{what}: expected a retrieval task, got {type(task).__name__}")


def rag_state_bits(task: RetrievalTask) -> int:
    """``bl(L) + 1`` + the query: Index ``bl(n)``, AR ``bl(n/2)``, c-gram ``(c−1)·bl(n)``, Counting
    ``bl(k) + bl(n)`` (``L`` = input length: n+2, n+2, n+c, n+3)."""
    _require_task(task, "rag_state_bits")
    n = task.n
    if isinstance(task, IndexTask):
        return bl(n + 2) + 1 + bl(n)
    if isinstance(task, ARTask):
        return bl(n + 2) + 1 + bl(n // 2)
    if isinstance(task, CgramTask):
        return bl(n + task.c) + 1 + (task.c - 1) * bl(n)
    if isinstance(task, CountingTask):
        return bl(n + 3) + 1 + bl(task.kk) + bl(n)
    raise ParameterError(f"rag_state_bits: expected a retrieval task, got {type(task).__name__}")


def rag_query_length(task: RetrievalTask) -> int:
    """Characters of the longest regex (``d(v)`` = decimal digits of ``v``): Index ``16 + d(n)``;
    AR ``max(26, 14 + d(n/2))``; c-gram ``(c−1)(d(n) + 1) + 27``; Counting ``28 + d(k) + d(n+1)``."""
    _require_task(task, "rag_query_length")
    n = task.n
    if isinstance(task, IndexTask):
        return 16 + _digits(n)
    if isinstance(task, ARTask):
        return max(len(AR_DUPLICATE), 14 + _digits(n // 2))
    if isinstance(task, CgramTask):
        return (task.c - 1) * (_digits(n) + 1) + 27
    if isinstance(task, CountingTask):
        return 28 + _digits(task.kk) + _digits(n + 1)
    raise ParameterError(f"rag_query_length: expected a retrieval task, got {type(task).__name__}")


__all__ = ["ARReader", "AR_DUPLICATE", "CITATION", "CgramReader", "CountingReader", "IndexReader", "RagReader",
           "Register", "bl", "kind", "rag_query_length", "rag_state_bits", "retrieval_rag"]
