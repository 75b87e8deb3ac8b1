"""The union–find RNN of :mod:`constructions.library.istree_rnn` ([WDL] Thm 4.7, the upper side).

* **All words**, n = 2, 3, 4: a breadth-first search of the product (RNN state, reference-trie state) to
  saturation — acceptance depends only on the pair, so no disagreement among the reachable pairs means
  the RNN accepts exactly the language (prompt · answer, repeated edges allowed) on words of every length,
  and every reachable state respects the claimed precision.
* **Every input** n ≤ 6 (360,360 at n = 6): the batched answerer against networkx; the network's own
  exact run (:meth:`DeepRNN.run`) on prompt · [TRUE] and prompt · [FALSE] for n ≤ 5; every edge list with
  repeats for n = 4.
* The size formulas against the built networks; state bits n⌈log2 n⌉ + O(log n), above the lower bound.
* Hypothesis: random trees and near-trees up to n = 40; malformed words one edit away.
* Negative: a perturbed weight is caught on a printed input.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.alphabet import encode_word
from automata.errors import ParameterError
from constructions.library.istree_rnn import (float_plan, istree_rnn, precision, rnn_answers, rnn_params, rnn_size,
                                              rnn_state_bits)
from constructions.rnn.deep import DeepRNN, Layer
from tasks.istree import BOS, DASH, EOS, FALSE, TRUE, IsTreeTask
from tasks.istree_bounds import log2_rows

HYP = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def multigraph_tree(n: int, edges) -> bool:
    """Tree test of an edge list that may repeat edges (independent of the construction: union–find)."""
    root = list(range(n))

    def find(x: int) -> int:
        while root[x] != x:
            x = root[x]
        return x

    for u, v in edges:
        a, b = find(u), find(v)
        if a == b:
            return False
        root[a] = b
    return len(edges) == n - 1


def parse(task: IsTreeTask, word) -> tuple[list[tuple[int, int]], str] | None:
    """(edges, answer) of a word of the language's shape (repeats allowed), else None."""
    p = task.prompt_length
    if len(word) != p + 1 or word[0] != BOS or word[p - 1] != EOS or word[p] not in (TRUE, FALSE):
        return None
    edges = []
    for k in range(task.m):
        a, d, b = word[1 + 3 * k: 4 + 3 * k]
        if d != DASH or not (a.isdigit() and b.isdigit()) or int(a) <= int(b):
            return None
        edges.append((int(a), int(b)))
    return edges, word[p]


def in_language(task: IsTreeTask, word) -> bool:
    parts = parse(task, tuple(word))
    return parts is not None and (parts[1] == TRUE) == multigraph_tree(task.n, parts[0])


def reference_step(task: IsTreeTask, state: tuple | None, sym: str) -> tuple | None:
    """The trie of the language: a state is the prefix read while it can still be completed."""
    if state is None:
        return None
    w = (*state, sym)
    p = task.prompt_length
    if len(w) > p + 1:
        return None
    k = len(w) - 1
    if k == 0:
        return w if sym == BOS else None
    if k == p - 1:
        return w if sym == EOS else None
    if k == p:
        return w if in_language(task, w) else None
    slot = (k - 1) % 3
    if slot == 1:
        return w if sym == DASH else None
    if not sym.isdigit():
        return None
    return w if slot == 0 or int(w[-3]) > int(sym) else None


def product_search(task: IsTreeTask, rnn: DeepRNN, max_pairs: int = 400_000):
    """BFS over (RNN state, trie state) pairs to saturation; (shortest bad word or None, reason, pairs)."""
    k = len(task.alphabet)
    h0 = rnn.initial_state(1)
    start = (h0[:, 0].tobytes(), ())
    parent: dict = {start: (None, -1)}
    frontier = [(start, h0[:, 0], ())]
    while frontier:
        h = np.repeat(np.stack([f[1] for f in frontier], axis=1), k, axis=1)
        syms = np.tile(np.arange(k), len(frontier))
        nh = rnn.step(h, syms)
        acc = rnn.accepting(nh)
        new = []
        for i in range(len(syms)):
            key, _, q = frontier[i // k]
            nq = reference_step(task, q, task.alphabet[syms[i]])
            want = nq is not None and len(nq) == task.prompt_length + 1
            bad = (nh[:, i] < 0).any() or (nh[:, i] > rnn.max_activation).any()
            if bad or acc[i] != want:
                word, node = [task.alphabet[syms[i]]], key
                while parent[node][0] is not None:
                    node, s = parent[node]
                    word.append(task.alphabet[s])
                return tuple(word[::-1]), "precision" if bad else "language", len(parent)
            nkey = (nh[:, i].tobytes(), nq)
            if nkey not in parent:
                parent[nkey] = (key, int(syms[i]))
                new.append((nkey, nh[:, i], nq))
        assert len(parent) <= max_pairs, "product search did not saturate"
        frontier = new
    return None, "", len(parent)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_exactly_the_language_on_all_words(n: int) -> None:
    task = IsTreeTask(n)
    word, reason, pairs = product_search(task, istree_rnn(task))
    assert word is None, f"{reason}: {' '.join(word)}"
    assert pairs > task.prompt_length


# ---- every input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_every_input_against_networkx(n: int) -> None:
    task = IsTreeTask(n)
    edges = task.encode_inputs(0, task.input_space())
    got, want = rnn_answers(task, edges), task.trees(edges)
    if (got != want).any():
        i = int(np.nonzero(got != want)[0][0])
        pytest.fail(f"n={n}: RNN says {got[i]} on {task.show([tuple(map(int, e)) for e in edges[i]])}")
    assert want.any() and not want.all() or n <= 3


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_exact_semantics_with_both_answers(n: int) -> None:
    """The DeepRNN's own exact run: prompt · [TRUE] accepted iff tree, prompt · [FALSE] iff not."""
    task = IsTreeTask(n)
    rnn = istree_rnn(task)
    edges = task.encode_inputs(0, task.input_space())
    prompts = task.prompt_codes(edges)
    want = task.trees(edges)
    for ans, expect in ((TRUE, want), (FALSE, ~want)):
        words = np.concatenate([prompts, np.full((len(prompts), 1), task.alphabet.index(ans))], axis=1)
        assert (rnn.run(words) == expect).all()
    rnn.check_precision(np.concatenate([prompts[:500], np.full((min(500, len(prompts)), 1), 3)], axis=1))


def test_repeated_edges_answer_false() -> None:
    """Every list of n − 1 edges with repetition (n = 4: 216): a repeat is a 2-cycle, the answer FALSE."""
    task = IsTreeTask(4)
    lists = np.array(list(itertools.product(task.all_edges, repeat=task.m)), dtype=np.int64)
    want = np.array([multigraph_tree(4, row.tolist()) for row in lists])
    assert (rnn_answers(task, lists) == want).all()
    assert (~want[[len(set(map(tuple, row.tolist()))) < task.m for row in lists]]).all()


# ---- sizes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 9, 17])
def test_size_formulas_equal_the_built_network(n: int) -> None:
    task = IsTreeTask(n)
    rnn = istree_rnn(task)
    size, formula = rnn.size(), rnn_size(n)
    assert size.state_units == formula.units == n + 11
    assert rnn.hidden_widths == formula.hidden == (2 * n + 16, n + 17, 6 * n + 17)
    assert size.precision == formula.precision == precision(n) == max(1, math.ceil(math.log2(n)))
    assert size.params == formula.params == rnn_params(n)
    assert size.state_bits == formula.state_bits == rnn_state_bits(n) == (n + 11) * max(1, math.ceil(math.log2(n)))
    assert size.depth == 4 and size.alphabet_size == n + 5 and rnn.is_integral()
    assert rnn_state_bits(n) >= log2_rows(n)  # never below the lower bound of Thm 4.7


def test_state_bits_are_n_log_n_plus_o_log_n() -> None:
    for n in (64, 1024):
        k = math.ceil(math.log2(n))
        assert rnn_state_bits(n) - n * k == 11 * k
    assert float_plan(istree_rnn(IsTreeTask(64)))[0] == "float32"


# ---- larger n, malformed words ------------------------------------------------------------------------


@st.composite
def graphs(draw) -> tuple[int, list[tuple[int, int]]]:
    """A random tree on n vertices (random Prüfer-like parents), possibly with one edge moved (then a
    cycle plus an isolated part, or still a tree), in random order."""
    n = draw(st.integers(7, 40))
    perm = draw(st.permutations(range(n)))
    edges = {tuple(sorted((perm[i], perm[draw(st.integers(0, i - 1))]), reverse=True)) for i in range(1, n)}
    if draw(st.booleans()):
        edges.discard(draw(st.sampled_from(sorted(edges))))
        new = draw(st.sampled_from([(u, v) for u in range(n) for v in range(u) if (u, v) not in edges]))
        edges.add(new)
    order = draw(st.permutations(sorted(edges)))
    return n, list(order)


@HYP
@given(graphs())
def test_random_graphs_up_to_40(case) -> None:
    n, edges = case
    task = IsTreeTask(n)
    arr = np.array([edges], dtype=np.int64)
    assert bool(rnn_answers(task, arr)[0]) == task.is_tree(edges)
    word = (*task.prompt(edges), TRUE if task.is_tree(edges) else FALSE)
    assert istree_rnn(task).accepts(word)


def neighbourhood(task: IsTreeTask, word: tuple[str, ...]):
    for p in range(len(word)):
        for s in task.alphabet:
            yield word[:p] + (s,) + word[p + 1:]
            yield word[:p] + (s,) + word[p:]
        yield word[:p] + word[p + 1:]
    for s in task.alphabet:
        yield word + (s,)


@pytest.mark.parametrize("n", [5, 6])
def test_one_edit_away(n: int) -> None:
    task = IsTreeTask(n)
    rnn = istree_rnn(task)
    rng = np.random.default_rng(n)
    for edges in task.sample_inputs(rng, 3):
        edges = [tuple(map(int, e)) for e in edges]
        word = (*task.prompt(edges), TRUE if task.is_tree(edges) else FALSE)
        assert rnn.accepts(word)
        near = list(set(neighbourhood(task, word)))
        by_len: dict[int, list] = {}
        for w in near:
            by_len.setdefault(len(w), []).append(w)
        for ws in by_len.values():
            got = rnn.run(np.stack([encode_word(w, task.alphabet) for w in ws]))
            want = np.array([in_language(task, w) for w in ws])
            if (got != want).any():
                i = int(np.nonzero(got != want)[0][0])
                pytest.fail(f"RNN says {got[i]} on {' '.join(ws[i])}")


def test_bad_arguments() -> None:
    task = IsTreeTask(4)
    with pytest.raises(ParameterError):
        istree_rnn("istree")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        rnn_answers(task, np.zeros((2, 2, 2), dtype=np.int64))
    with pytest.raises(ParameterError):
        rnn_answers(task, np.array([[[1, 2], [3, 0], [2, 0]]]))  # u < v
    with pytest.raises(ParameterError):
        rnn_size(1)


# ---- negative -------------------------------------------------------------------------------------------


def perturbed(rnn: DeepRNN, layer: int, row: int, col: int | None, delta: int) -> DeepRNN:
    aff = rnn.layers[layer].affine
    old = (aff.bias_dict() if col is None else {c: v for r, c, v in aff.entries if r == row}).get(
        row if col is None else col, 0)
    layers = list(rnn.layers)
    layers[layer] = Layer(aff.with_entry(row, col, old + delta), "relu")
    return replace(rnn, layers=tuple(layers))


def test_a_perturbed_weight_is_caught() -> None:
    """The M of the relabelling gadget (node gB of vertex 0, its weight on L0) off by one: the first wrong
    input is printed."""
    task = IsTreeTask(5)
    rnn = istree_rnn(task)
    edges = task.encode_inputs(0, task.input_space())
    words = np.concatenate([task.prompt_codes(edges), np.full((len(edges), 1), task.alphabet.index(TRUE))], 1)
    want = task.trees(edges)
    # layer 3's nodes start kL0, gAL0, gBL0, …; layer 2's (its inputs) start kL0: gB_{L0}'s weight M on kL0
    assert rnn.layers[2].affine.rows()[2][0] == 2 * task.n
    broken = perturbed(rnn, 2, 2, 0, -1)
    got = broken.run(words)
    assert (got != want).any()
    i = int(np.nonzero(got != want)[0][0])
    print("caught on:", task.show([tuple(map(int, e)) for e in edges[i]]), "— broken RNN says", bool(got[i]))
    assert (rnn.run(words) == want).all()
