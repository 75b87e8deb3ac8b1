"""A retrieval-augmented RNN for IsTree: O(log n) bits of state, regex searches, the release's CoT format.

[WDL] Wen, Dang, Lyu, *RNNs are not Transformers (Yet)*, ICLR 2025 (arXiv 2402.18510), §5 (Thm 5.6 and
its discussion): an RNN that may query a retriever over its context — e.g. by a regular expression —
closes the gap of Thm 4.7: IsTree, which needs Ω(n) bits of state without retrieval, is solved with
O(log n) bits and a chain of thought. This is **our construction satisfying that statement** (the
paper's appendix is not available to us), writing exactly the **retrieval format of the paper's code
release** (``rnn/data.py``, ``euler_tour_with_retrieval``): compared token for token with that function
outside the project — every input n ≤ 5, 20,000 random inputs at n = 6 and 3,558 random graphs with
n up to 64: identical; the tests compare with an independent re-implementation of the format).

**The CoT** (after the prompt of :mod:`tasks.istree`): a depth-first search from vertex 0, neighbours in
input order, written as iterations. An iteration at the stack top t (its father f, the previous top p —
the father on a first visit, the child just finished otherwise) writes

* ``t [STARTSEARCH] t ~ [ENDSEARCH] f`` — the father query, answered from the CoT (``[FAILED]`` at the
  root);
* ``[STARTSEARCH] t - [ENDSEARCH] y`` on a first visit (the first neighbour), else
  ``[STARTSEARCH] t - p [ENDSEARCH] y`` (the neighbour after p); ``y = [FAILED]`` if there is none;
* if y is the father: ``[STARTSEARCH] t - y [ENDSEARCH] y'`` (skip it once: the neighbour after it);
* no neighbour left: pop (nothing written; the next iteration's top is f), or stop at the root;
* else ``[STARTSEARCH] y ~ [ENDSEARCH]`` and the answer: ``[FAILED]`` for a new vertex, followed by the
  **fact** ``y ~ t`` (push), or y's father for a visited vertex (the root: ``[FAILED]`` again) — a
  cycle: stop.

then ``[EOS]`` and ``[TRUE]``/``[FALSE]``: TRUE iff the search stopped at the root having pushed all
n vertices (no cycle, connected; with n − 1 edges: a tree).

**The retriever** (Python ``re``; every pattern is a fixed shape around the RNN's registers, with token
boundaries ``(?<!\\S)``/``(?!\\S)`` so that ``1`` never matches inside ``11``; no nested quantifier):

* edge searches run over the **input** (the prompt joined by spaces), where every ``-`` is an edge's
  middle and edges are written ``a - b`` with a > b: the incident edges of u are
  ``I(u) = (?<!\\S)u - (\\d+)(?!\\S)|(?<!\\S)(\\d+) - u(?!\\S)``; first neighbour: ``re.search(I(u))``
  (leftmost = first in input order); neighbour after w: ``(?<!\\S)a - b(?!\\S).*?(?:I(u))`` with
  {a, b} = {u, w}, a > b (the edge is unique; the lazy ``.*?`` stops at the next incident edge) — linear
  time;
* father searches run over the **CoT so far**: ``(?<!\\S)y ~ (\\d+)(?!\\S)`` — only facts ``y ~ t`` have a
  number after ``~`` (a query has ``[ENDSEARCH]`` there), one fact per pushed vertex;
* one **validation** search (not part of the CoT) over the input after its ``[EOS]``: a repeated edge
  ``(?<!\\S)(\\d+ - \\d+)(?!\\S).*(?<!\\S)\\1(?!\\S)`` (O(n·L) steps) makes the input invalid.

A search's answer is its captured vertex, or ``[FAILED]`` when nothing matches.

**State** (:func:`rag_state_bits`; ``bl(v)`` = bits of 0..v): reading the prompt, ``pos`` (bl(3n − 1)),
``ok`` (1), ``u`` (bl(n): the edge's first endpoint, for the check u > v); writing, ``phase`` (5 bits: 31
phases), ``top``, ``prev``, ``father``, ``nxt`` (bl(n) each: a vertex or ``[FAILED]`` = n) and ``cnt``
(bl(n): vertices visited) — **bl(3n − 1) + 6·bl(n) + 6 = O(log n)** bits, checked after every step
(:class:`automata.errors.PrecisionError` if a register leaves its width).

**Lengths** (:func:`rag_cot_bounds`, :func:`rag_query_bounds`; attained, checked on every input n ≤ 5 by
the tests, n = 6 under ``-m slow``). A run that visits j vertices makes j first-visit iterations (6 + 5
tokens, 2 searches), c ≤ j − 1 returns (6 + 6, 2 searches), at most j − 1 father skips (6, 1 search) and
j − 1 pushes (8, 1 search). If it stops at the root (vertex 0's component is a tree) c and the skips are
exactly j − 1: **37j − 24 tokens** ([EOS] and the answer included) and **6j − 4 searches** — for a tree
(j = n) 37n − 24 and 6n − 4. If it stops on a cycle it adds 5 tokens and 1 search, but then 0's
component has a cycle, so j ≤ n − 1 (n − 1 edges): at most 37(n − 1) − 19 < 37n − 24 tokens and
6(n − 1) − 3 searches. The least: 13 tokens, 2 searches (vertex 0 isolated, possible from n = 4; for
n ≤ 3 every input is a tree). Measured: ≈ 1,200–1,900 inputs/s (n = 4..6, one core); a path or a star
on 1,024 vertices (37,864 tokens, 6,140 searches) in 7–13 s.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

from automata.alphabet import as_word
from automata.errors import ParameterError, PrecisionError, UnknownSymbolError
from constructions.library.retrieval_rag import Register, bl
from tasks.istree import BOS, DASH, EOS, FALSE, TRUE, InvalidGraphError, IsTreeTask

CITATION = "[WDL] §5 / Thm 5.6 (retrieval-augmented RNN for IsTree); a construction of ours"
STARTSEARCH, ENDSEARCH, FAILED, FATHER = "[STARTSEARCH]", "[ENDSEARCH]", "[FAILED]", "~"
RAG_SPECIALS = (STARTSEARCH, ENDSEARCH, FAILED, FATHER)
DUPLICATE = r"(?<!\S)(\d+ - \d+)(?!\S).*(?<!\S)\1(?!\S)"
PHASE_BITS = 5
State = tuple[int, ...]

# writing phases: the token (or search) each one produces is in IsTreeRag.act
(TOP, SS1, Q1V, Q1F, Q1E, A1, SS2, Q2V, Q2D, Q2W, Q2E, A2, SS3, Q3V, Q3D, Q3W, Q3E, A3, SS4, Q4V, Q4F, Q4E,
 A4, F1, F2, F3, EOS_T, EOS_C, ANS_T, ANS_F, DONE) = range(31)
SEARCHES = (A1, A2, A3, A4)
_EMIT_FIXED = {SS1: STARTSEARCH, SS2: STARTSEARCH, SS3: STARTSEARCH, SS4: STARTSEARCH, Q1F: FATHER, Q4F: FATHER,
               F2: FATHER, Q1E: ENDSEARCH, Q2E: ENDSEARCH, Q3E: ENDSEARCH, Q4E: ENDSEARCH, Q2D: DASH, Q3D: DASH,
               EOS_T: EOS, EOS_C: EOS, ANS_F: FALSE}
_NEXT = {SS1: Q1V, Q1V: Q1F, Q1F: Q1E, Q1E: A1, A1: SS2, SS2: Q2V, Q2V: Q2D, Q2W: Q2E, Q2E: A2, SS3: Q3V,
         Q3V: Q3D, Q3D: Q3W, Q3W: Q3E, Q3E: A3, SS4: Q4V, Q4V: Q4F, Q4F: Q4E, Q4E: A4, F1: F2, F2: F3,
         EOS_T: ANS_T, EOS_C: ANS_F, ANS_T: DONE, ANS_F: DONE, TOP: SS1}


def incident(u: int) -> str:
    """The edges incident to vertex u in the input (either endpoint), capturing the other endpoint."""
    return r"(?<!\S)%d - (\d+)(?!\S)|(?<!\S)(\d+) - %d(?!\S)" % (u, u)


def first_regex(u: int) -> str:
    return incident(u)


def after_regex(u: int, w: int) -> str:
    """The first edge incident to u after the edge {u, w} (written ``max - min``)."""
    return r"(?<!\S)%d - %d(?!\S).*?(?:%s)" % (max(u, w), min(u, w), incident(u))


def father_regex(y: int) -> str:
    """The fact ``y ~ t`` in the CoT, capturing t."""
    return r"(?<!\S)%d ~ (\d+)(?!\S)" % y


@dataclass(frozen=True)
class Search:
    """A search the RNN issues: a regex over the input (``"input"``) or the CoT so far (``"cot"``)."""

    regex: str
    scope: str


@dataclass(frozen=True)
class RagRun:
    """The result of a run: the answer, the CoT tokens (``[EOS]`` and the answer included), the searches
    written in the CoT (``[STARTSEARCH] … [ENDSEARCH]``) and the validation searches (not written)."""

    answer: bool
    cot: tuple[str, ...]
    queries: int
    validation_queries: int = 1
    regexes: tuple[Search, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class IsTreeRag:
    """The retrieval-augmented RNN (module docstring): :meth:`step` reads a prompt token, :meth:`act` is
    what the state writes next (a token or a :class:`Search`), :meth:`feed` reads the written token
    back; the registers are checked after every step."""

    task: IsTreeTask

    def __post_init__(self) -> None:
        if not isinstance(self.task, IsTreeTask):
            raise ParameterError(f"istree_rag needs an IsTreeTask, got {type(self.task).__name__}")

    # ---- registers -----------------------------------------------------------------------------
    @cached_property
    def _registers(self) -> tuple[Register, ...]:
        n = self.task.n
        v = bl(n)
        return (Register("pos", bl(self.task.prompt_length)), Register("ok", 1), Register("u", v),
                Register("phase", PHASE_BITS), Register("top", v), Register("prev", v), Register("father", v),
                Register("nxt", v), Register("cnt", v))

    def registers(self) -> tuple[Register, ...]:
        return self._registers

    @property
    def state_bits(self) -> int:
        return sum(r.bits for r in self._registers)

    @property
    def failed(self) -> int:
        """The register value of ``[FAILED]`` (no vertex): n."""
        return self.task.n

    def checked(self, state: State) -> State:
        if len(state) != len(self._registers):
            raise PrecisionError(f"state {state} has {len(state)} registers, declared {len(self._registers)}")
        for r, v in zip(self._registers, state):
            if not 0 <= v < 1 << r.bits:
                raise PrecisionError(f"register {r.name} = {v} exceeds its {r.bits} bits "
                                     f"(state_bits = {self.state_bits}, istree n={self.task.n})")
        return state

    def start(self) -> State:
        return self.checked((0, 1, 0, 0, 0, 0, 0, 0, 0))

    # ---- reading the prompt ------------------------------------------------------------------------
    def step(self, state: State, sym: str) -> State:
        """One prompt token: kinds by position (BOS, then ``u - v`` with u > v, n − 1 times, then EOS);
        a wrong token clears ``ok``; at the EOS the writer starts (top = 0, no father, cnt = 1)."""
        if sym not in self._symbols:
            raise UnknownSymbolError(f"symbol {sym!r} not in the istree n={self.task.n} alphabet")
        pos, ok, u = state[:3]
        length = self.task.prompt_length
        if not ok or pos >= length:
            return self.checked((min(pos + 1, length), 0, *state[2:]))
        vertex = sym.isdigit()
        slot = (pos - 1) % 3
        if pos == 0:
            ok = sym == BOS
        elif pos == length - 1:
            ok = sym == EOS
        elif slot == 0:
            ok, u = vertex, int(sym) if vertex else 0
        elif slot == 1:
            ok = sym == DASH
        else:
            ok = vertex and int(sym) < u
        f = self.failed
        rest = (TOP, 0, f, f, f, 1) if pos == length - 1 else state[3:]
        return self.checked((pos + 1, int(ok), u, *rest))

    @cached_property
    def _symbols(self) -> frozenset[str]:
        return frozenset(self.task.alphabet)

    def read(self, prompt: Sequence[str]) -> State:
        """The state after the prompt; :class:`InvalidGraphError` unless it is well formed (validation
        search included)."""
        state = self.start()
        for sym in prompt:
            state = self.step(state, sym)
        if not state[1] or state[0] != self.task.prompt_length:
            raise InvalidGraphError(f"istree n={self.task.n}: not a prompt of {self.task.m} edges 'u - v', u > v")
        dup = re.search(DUPLICATE, " ".join(prompt))
        if dup is not None:
            raise InvalidGraphError(f"the edge {dup.group(1)} is repeated")
        return state

    # ---- writing -----------------------------------------------------------------------------------
    def act(self, state: State) -> str | Search:
        """What the state writes next: a token, or a search whose answer is written."""
        phase, top, prev, father, nxt, cnt = state[3:]
        if phase in _EMIT_FIXED:
            return _EMIT_FIXED[phase]
        if phase in (TOP, Q1V, Q2V, Q3V):
            return str(top)
        if phase in (Q4V, F1, Q3W):
            return str(nxt)
        if phase == Q2W:
            return str(prev)
        if phase == F3:
            return str(top)
        if phase == ANS_T:
            return TRUE if cnt == self.task.n else FALSE
        if phase == A1:
            return Search(father_regex(top), "cot")
        if phase == A2:
            return Search(first_regex(top) if prev == father else after_regex(top, prev), "input")
        if phase == A3:
            return Search(after_regex(top, nxt), "input")
        if phase == A4:
            return Search(father_regex(nxt), "cot")
        raise ParameterError("the chain of thought is complete")

    def feed(self, state: State, token: str) -> State:
        """The state after the written token (or a search's answer) is read back."""
        pos, ok, u, phase, top, prev, father, nxt, cnt = state
        f = self.failed
        value = f if token == FAILED else int(token) if token.isdigit() else None
        if phase == Q2D:
            phase = Q2E if prev == father else Q2W
        elif phase == A1:
            father, phase = value, SS2
        elif phase in (A2, A3):
            nxt = value
            if phase == A2 and nxt == father != f:
                phase = SS3
            elif nxt == f and father == f:
                phase = EOS_T
            elif nxt == f:
                prev, top, phase = top, father, TOP
            else:
                phase = SS4
        elif phase == A4:
            phase = F1 if value == f and nxt != 0 else EOS_C
        elif phase == F3:
            prev, top, cnt, phase = top, nxt, cnt + 1, TOP
        else:
            phase = _NEXT[phase]
        return self.checked((pos, ok, u, phase, top, prev, father, nxt, cnt))

    def write(self, state: State, prompt: Sequence[str], max_tokens: int | None = None) -> RagRun:
        """Run the writer from the state after ``prompt`` to the answer, searches answered by ``re``."""
        context = " ".join(prompt)
        cot: list[str] = []
        searches: list[Search] = []
        limit = max_tokens if max_tokens is not None else 64 * self.task.n
        while state[3] != DONE:
            if len(cot) >= limit:
                raise ParameterError(f"the chain of thought exceeds {limit} tokens")
            action = self.act(state)
            if isinstance(action, Search):
                searches.append(action)
                m = re.search(action.regex, context if action.scope == "input" else " ".join(cot))
                token = FAILED if m is None else next(g for g in m.groups() if g is not None)
            else:
                token = action
            cot.append(token)
            state = self.feed(state, token)
        return RagRun(cot[-1] == TRUE, tuple(cot), len(searches), 1, tuple(searches))

    def run(self, prompt: Sequence[str]) -> RagRun:
        """Read and validate the prompt tokens, then write the CoT."""
        prompt = as_word(prompt)
        return self.write(self.read(prompt), prompt)

    def accepts(self, word: Sequence[str]) -> bool:
        """``word`` = a valid prompt followed by exactly the CoT this RNN writes (the retrieval format)."""
        word = as_word(word)
        for s in word:
            if s not in self._symbols and s not in RAG_SPECIALS:
                raise UnknownSymbolError(f"symbol {s!r} not in the istree retrieval alphabet")
        p = self.task.prompt_length
        try:
            got = self.run(word[:p])
        except InvalidGraphError:
            return False
        return tuple(word[p:]) == got.cot


def istree_rag(task: IsTreeTask) -> IsTreeRag:
    """The retrieval-augmented RNN for ``task``."""
    return IsTreeRag(task)


def rag_answer(task: IsTreeTask, edges: Sequence[tuple[int, int]]) -> tuple[bool, tuple[str, ...], int]:
    """(answer, CoT tokens after the prompt, searches written in the CoT) for an edge list, validated by
    :meth:`IsTreeTask.check_edges` (:class:`InvalidGraphError`)."""
    if not isinstance(task, IsTreeTask):
        raise ParameterError(f"rag_answer needs an IsTreeTask, got {type(task).__name__}")
    run = IsTreeRag(task).run(task.prompt(edges))
    return run.answer, run.cot, run.queries


def rag_state_bits(n: int) -> int:
    """bl(3n − 1) + 6·bl(n) + 6: pos, ok, u, phase (5), top, prev, father, nxt, cnt."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"n must be an integer ≥ 2, got {n!r}")
    return bl(3 * n - 1) + 6 * bl(n) + 1 + PHASE_BITS


def rag_cot_bounds(n: int) -> tuple[int, int]:
    """(fewest, most) CoT tokens over all inputs of size n, [EOS] and answer included (module docstring):
    every input is a tree for n ≤ 3 (37n − 24 each); from n = 4 on, 13 (vertex 0 isolated) to 37n − 24
    (any tree)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"n must be an integer ≥ 2, got {n!r}")
    tree = 37 * n - 24
    return (tree if n <= 3 else 13), tree


def rag_query_bounds(n: int) -> tuple[int, int]:
    """(fewest, most) searches written in the CoT: 6n − 4 for a tree, 2 at the least from n = 4 on."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ParameterError(f"n must be an integer ≥ 2, got {n!r}")
    return (6 * n - 4 if n <= 3 else 2), 6 * n - 4


__all__ = ["CITATION", "DUPLICATE", "ENDSEARCH", "FAILED", "FATHER", "RAG_SPECIALS", "STARTSEARCH", "IsTreeRag",
           "RagRun", "Search", "after_regex", "father_regex", "first_regex", "incident", "istree_rag", "rag_answer",
           "rag_cot_bounds", "rag_query_bounds", "rag_state_bits"]
