"""The retrieval-augmented IsTree RNN of :mod:`constructions.library.istree_rag` ([WDL] §5 / Thm 5.6).

* Every input n ≤ 5 (and 5,000 random inputs at n = 6; all 360,360 under ``-m slow``): the answer equals
  networkx; the CoT equals an independent re-implementation of the release's retrieval format (explicit
  stack, visited array, father table — no regexes); the iteration tops are the task's Euler tour; the
  CoT length and search count equal 37n − 24 and 6n − 4 on trees and lie within the stated bounds.
* Hypothesis: random graphs with two-digit vertices (n up to 40), where token boundaries matter.
* The state: register widths sum to :func:`rag_state_bits` (O(log n)); a too-narrow register raises.
* Inputs: malformed prompts, repeated edges, foreign symbols give typed errors; ``accepts`` on words one
  edit away. A path of 300 vertices in bounded time (no catastrophic regex).
* Negative: broken regexes (a greedy ``.*``; no token boundaries) are caught with a printed input.
"""
from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import constructions.library.istree_rag as rag_mod
from automata.errors import ParameterError, PrecisionError, UnknownSymbolError
from constructions.library.istree_rag import (DUPLICATE, ENDSEARCH, FAILED, FATHER, STARTSEARCH, IsTreeRag, Search,
                                              istree_rag, rag_answer, rag_cot_bounds, rag_query_bounds,
                                              rag_state_bits)
from constructions.library.retrieval_rag import Register
from tests.constructions.istree_graphs import graphs
from tasks.istree import EOS, FALSE, TRUE, InvalidGraphError, IsTreeTask

HYP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_cot(n: int, edges: list[tuple[int, int]]) -> tuple[str, ...]:
    """The retrieval format written directly from its description (no retriever): a stack of vertices,
    adjacency lists in input order, a father table."""
    adj: dict[int, list[int]] = {v: [] for v in range(n)}
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    father: dict[int, str] = {0: FAILED}
    stack, prev, out = [0], FAILED, []

    def following(top: int, after: int | None) -> str:
        lst = adj[top]
        k = 0 if after is None else lst.index(after) + 1
        return str(lst[k]) if k < len(lst) else FAILED

    while stack:
        top = stack[-1]
        f = str(stack[-2]) if len(stack) > 1 else FAILED
        out += [str(top), STARTSEARCH, str(top), FATHER, ENDSEARCH, f]
        if prev == f:
            y = following(top, None)
            out += [STARTSEARCH, str(top), "-", ENDSEARCH, y]
        else:
            y = following(top, int(prev))
            out += [STARTSEARCH, str(top), "-", prev, ENDSEARCH, y]
        if y == f and f != FAILED:
            y = following(top, int(f))
            out += [STARTSEARCH, str(top), "-", f, ENDSEARCH, y]
        if y == FAILED:
            stack.pop()
            prev = str(top)
            continue
        out += [STARTSEARCH, y, FATHER, ENDSEARCH]
        if int(y) in father:
            out.append(father[int(y)])
            break
        out += [FAILED, y, FATHER, str(top)]
        father[int(y)] = str(top)
        stack.append(int(y))
        prev = str(top)
    tree = not stack and len(father) == n
    return (*out, EOS, TRUE if tree else FALSE)


def tops(cot: tuple[str, ...]) -> list[int]:
    """The iteration tops: ``t [STARTSEARCH] t ~`` not preceded by ``[ENDSEARCH]`` (that would be a
    searched neighbour followed by its own father search)."""
    return [int(cot[k]) for k in range(len(cot) - 3) if cot[k + 1] == STARTSEARCH and cot[k + 3] == FATHER
            and cot[k] == cot[k + 2] and (k == 0 or cot[k - 1] != ENDSEARCH)]


def check_inputs(task: IsTreeTask, edges: np.ndarray) -> tuple[int, int, int, int]:
    """Every row: answer = networkx, CoT = reference, tour = task.tour, tree lengths; (min/max length,
    min/max searches)."""
    want = task.trees(edges)
    lengths, searches = [], []
    for row, tree in zip(edges, want):
        e = [tuple(map(int, x)) for x in row]
        answer, cot, queries = rag_answer(task, e)
        assert answer == tree, task.show(e)
        assert cot == reference_cot(task.n, e), task.show(e)
        assert tops(cot) == task.tour(e)
        assert queries == cot.count(STARTSEARCH) == cot.count(ENDSEARCH)
        if tree:
            assert (len(cot), queries) == (37 * task.n - 24, 6 * task.n - 4)
        lengths.append(len(cot))
        searches.append(queries)
    return min(lengths), max(lengths), min(searches), max(searches)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_every_input(n: int) -> None:
    task = IsTreeTask(n)
    lo, hi, qlo, qhi = check_inputs(task, task.encode_inputs(0, task.input_space()))
    assert (lo, hi) == rag_cot_bounds(n)  # the bounds are attained
    assert (qlo, qhi) == rag_query_bounds(n)


def test_random_inputs_n6() -> None:
    task = IsTreeTask(6)
    lo, hi, _, _ = check_inputs(task, task.sample_inputs(np.random.default_rng(6), 5000))
    blo, bhi = rag_cot_bounds(6)
    assert blo <= lo and hi <= bhi


@pytest.mark.slow
def test_every_input_n6() -> None:
    task = IsTreeTask(6)
    lo, hi, qlo, qhi = check_inputs(task, task.encode_inputs(0, task.input_space()))
    assert (lo, hi) == rag_cot_bounds(6) and (qlo, qhi) == rag_query_bounds(6)


@HYP
@given(graphs(7, 40))
def test_random_graphs_two_digit_vertices(case) -> None:
    n, edges = case
    task = IsTreeTask(n)
    answer, cot, queries = rag_answer(task, edges)
    assert answer == task.is_tree(edges)
    assert cot == reference_cot(n, edges)
    assert len(cot) <= rag_cot_bounds(n)[1] and queries <= rag_query_bounds(n)[1]


# ---- the state ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 9, 16, 1024])
def test_state_bits_formula(n: int) -> None:
    reader = istree_rag(IsTreeTask(n))
    assert reader.state_bits == rag_state_bits(n) == sum(r.bits for r in reader.registers())
    bl = n.bit_length()
    assert rag_state_bits(n) == (3 * n - 1).bit_length() + 6 * bl + 6
    assert rag_state_bits(n) <= 8 * math.log2(n) + 14  # O(log n): 8 registers of ≈ log2 n bits + flags


class Narrow(IsTreeRag):
    """``cnt`` one bit too narrow: the n-th push overflows it."""

    @property
    def _registers(self):  # type: ignore[override]
        regs = IsTreeRag._registers.func(self)  # type: ignore[attr-defined]
        return (*regs[:-1], Register("cnt", regs[-1].bits - 1))


def test_a_too_narrow_register_raises() -> None:
    task = IsTreeTask(4)
    path = [(1, 0), (2, 1), (3, 2)]
    assert rag_answer(task, path)[0]
    with pytest.raises(PrecisionError, match="cnt"):
        Narrow(task).run(task.prompt(path))


# ---- inputs ------------------------------------------------------------------------------------------


def test_malformed_inputs_give_typed_errors() -> None:
    task = IsTreeTask(4)
    reader = istree_rag(task)
    good = task.prompt([(1, 0), (2, 1), (3, 2)])
    assert reader.run(good).answer
    for bad in (good[:-1], good + ("0",), ("0",) + good[1:], good[:2] + ("0",) + good[3:],
                good[:3] + ("3",) + good[4:], good[:1] + ("-",) + good[2:]):
        with pytest.raises(InvalidGraphError):
            reader.run(bad)
    repeated = ("[BOS]", "1", "-", "0", "2", "-", "1", "1", "-", "0", "[EOS]")
    with pytest.raises(InvalidGraphError, match="repeated"):
        reader.run(repeated)
    with pytest.raises(UnknownSymbolError):
        reader.run(good[:1] + ("7",) + good[2:])
    with pytest.raises(InvalidGraphError):
        rag_answer(task, [(1, 0), (1, 0), (3, 2)])
    with pytest.raises(InvalidGraphError):
        rag_answer(task, [(0, 1), (2, 1), (3, 2)])
    with pytest.raises(ParameterError):
        istree_rag("istree")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        rag_state_bits(1)
    assert re.search(DUPLICATE, " ".join(repeated)) is not None
    assert re.search(DUPLICATE, "[BOS] 11 - 1 1 - 0 [EOS]") is None  # boundaries: 1 - 0 is not 11 - 1


def test_accepts_exactly_the_written_cot() -> None:
    task = IsTreeTask(4)
    reader = istree_rag(task)
    for edges in ([(1, 0), (2, 1), (3, 2)], [(2, 1), (3, 2), (3, 1)]):
        prompt = task.prompt(edges)
        word = prompt + reader.run(prompt).cot
        assert reader.accepts(word)
        alphabet = (*task.alphabet, STARTSEARCH, ENDSEARCH, FAILED, FATHER)
        for p in range(task.prompt_length, len(word), 3):
            for s in alphabet:
                if s != word[p]:
                    assert not reader.accepts(word[:p] + (s,) + word[p + 1:])
        assert not reader.accepts(word[:-1]) and not reader.accepts(word + (EOS,))
    with pytest.raises(UnknownSymbolError):
        reader.accepts(("[BOS]", "x"))


def test_long_path_in_bounded_time() -> None:
    """A path 0 – 1 – … – 299 listed backwards (every neighbour search scans far): linear-time regexes."""
    n = 300
    task = IsTreeTask(n)
    edges = [(v + 1, v) for v in range(n - 2, -1, -1)]
    t0 = time.perf_counter()
    answer, cot, queries = rag_answer(task, edges)
    assert answer and len(cot) == 37 * n - 24 and queries == 6 * n - 4
    assert time.perf_counter() - t0 < 20


def test_searches_are_fixed_shapes() -> None:
    """Every search the RNN issues on a sample is one of the four shapes around its registers."""
    task = IsTreeTask(12)
    reader = istree_rag(task)
    edges = [(11, 1), (1, 0), (10, 1), (2, 0), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7), (9, 8)]
    run = reader.run(task.prompt(edges))
    shapes = {rag_mod.first_regex(u) for u in range(12)} | {rag_mod.father_regex(u) for u in range(12)}
    shapes |= {rag_mod.after_regex(u, w) for u in range(12) for w in range(12) if u != w}
    assert run.answer and all(isinstance(s, Search) and s.regex in shapes for s in run.regexes)
    assert {s.scope for s in run.regexes} == {"input", "cot"}


# ---- negative ----------------------------------------------------------------------------------------


def first_wrong(task: IsTreeTask, edges: np.ndarray) -> str | None:
    for row in edges:
        e = [tuple(map(int, x)) for x in row]
        if rag_answer(task, e)[1] != reference_cot(task.n, e):
            return task.show(e)
    return None


def test_a_greedy_after_search_is_caught(monkeypatch) -> None:
    """``.*`` instead of ``.*?``: the *last* incident edge after {u, w}, not the next one."""
    greedy = lambda u, w: r"(?<!\S)%d - %d(?!\S).*(?:%s)" % (max(u, w), min(u, w), rag_mod.incident(u))  # noqa: E731
    monkeypatch.setattr(rag_mod, "after_regex", greedy)
    task = IsTreeTask(4)
    bad = first_wrong(task, task.encode_inputs(0, task.input_space()))
    print("greedy search caught on:", bad)
    assert bad is not None


def test_missing_token_boundaries_are_caught(monkeypatch) -> None:
    """Without ``(?<!\\S)``/``(?!\\S)`` vertex 1 matches inside 11: caught on two-digit graphs."""
    loose = lambda u: r"%d - (\d+)|(\d+) - %d" % (u, u)  # noqa: E731
    monkeypatch.setattr(rag_mod, "incident", loose)
    monkeypatch.setattr(rag_mod, "first_regex", loose)
    task = IsTreeTask(12)
    bad = first_wrong(task, task.sample_inputs(np.random.default_rng(0), 200))
    print("boundary-free search caught on:", bad)
    assert bad is not None
