"""IsTree with CoT ([WDL] Thm 4.7): the task, its reference CoT, the next-token rule, the input space."""
from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automata.errors import ParameterError, SuccinctError
from tasks.istree import EOS, FALSE, TRUE, InvalidGraphError, IsTreeTask, next_token, parse_graph, tour

# Graphs and their Euler tours produced by the paper's code release (rnn/data.py, IsTreeDataset.euler_tour
# and .istree, 'random' and 'binary' generators), recorded once: (n, edges in input order, tour, is tree).
RELEASE = [
    (4, [(3, 2), (1, 0), (3, 0)], [0, 1, 0, 3, 2, 3, 0], True),
    (5, [(3, 1), (3, 0), (2, 1), (4, 1)], [0, 3, 1, 2, 1, 4, 1, 3, 0], True),
    (6, [(5, 3), (5, 0), (2, 1), (4, 3), (5, 1)], [0, 5, 3, 4, 3, 5, 1, 2, 1, 5, 0], True),
    (7, [(5, 3), (6, 2), (4, 0), (6, 1), (6, 0), (3, 2)], [0, 4, 0, 6, 2, 3, 5, 3, 2, 6, 1, 6, 0], True),
    (8, [(7, 1), (4, 0), (5, 1), (7, 0), (3, 1), (6, 4), (4, 2)], [0, 4, 6, 4, 2, 4, 0, 7, 1, 5, 1, 3, 1, 7, 0], True),
    (12, [(11, 2), (10, 2), (7, 3), (10, 9), (6, 0), (3, 1), (1, 0), (5, 3), (11, 4), (11, 1), (8, 5)],
     [0, 6, 0, 1, 3, 7, 3, 5, 8, 5, 3, 1, 11, 2, 10, 9, 10, 2, 11, 4, 11, 1, 0], True),
    (12, [(9, 7), (7, 0), (10, 4), (6, 1), (9, 3), (8, 4), (2, 0), (6, 0), (3, 2), (10, 5), (6, 3)], [0, 7, 9, 3, 2], False),
    (4, [(2, 1), (1, 0), (2, 0)], [0, 1, 2], False),
    (6, [(2, 0), (5, 4), (3, 0), (2, 1), (3, 2)], [0, 2, 1, 2, 3], False),
    (7, [(5, 3), (1, 0), (2, 1), (6, 1), (4, 3), (5, 4)], [0, 1, 2, 1, 6, 1, 0], False),
    (8, [(6, 4), (5, 0), (4, 2), (4, 1), (4, 3), (7, 6), (7, 4)], [0, 5, 0], False),
    (9, [(2, 1), (7, 4), (5, 3), (7, 5), (5, 4), (6, 5), (5, 0), (8, 5)], [0, 5, 3, 5, 7, 4], False),
    (10, [(7, 2), (4, 2), (3, 1), (9, 3), (6, 3), (7, 5), (5, 2), (3, 0), (8, 2)], [0, 3, 1, 3, 9, 3, 6, 3, 0], False),
    (12, [(5, 4), (6, 5), (3, 0), (9, 8), (10, 5), (9, 1), (9, 7), (11, 9), (5, 0), (9, 3), (5, 2)],
     [0, 3, 9, 8, 9, 1, 9, 7, 9, 11, 9, 3, 0, 5, 4, 5, 6, 5, 10, 5, 2, 5, 0], True),
]


@pytest.mark.parametrize("n, edges, expected, is_tree", RELEASE)
def test_tour_matches_the_release(n, edges, expected, is_tree):
    task = IsTreeTask(n)
    assert tour(n, edges) == expected
    cot = task.cot(edges)
    assert cot == (*map(str, expected), EOS, TRUE if is_tree else FALSE)
    assert task.is_tree(edges) == is_tree
    for k in range(len(cot)):  # the next-token rule reproduces it from every prefix
        assert next_token(n, edges, cot[:k]) == cot[k]


@pytest.mark.parametrize("n, count", [(2, 1), (3, 6), (4, 120), (5, 5040), (6, 360_360), (7, 39_070_080)])
def test_input_space(n, count):
    assert IsTreeTask(n).input_space() == count
    assert abs(IsTreeTask(8).input_space() - 5.97e9) < 0.01e9


def graphs(max_n: int = 9):
    @st.composite
    def draw(d):
        n = d(st.integers(2, max_n))
        task = IsTreeTask(n)
        idx = d(st.integers(0, task.input_space() - 1))
        return task, idx
    return draw()


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_index_round_trip_and_rule(case):
    task, idx = case
    edges = [tuple(map(int, e)) for e in task.encode_inputs(idx, idx + 1)[0]]
    assert task.index_of(edges) == idx
    cot = task.cot(edges)
    for k in range(len(cot)):
        assert task.next_token(edges, cot[:k]) == cot[k]
    assert (cot[-1] == TRUE) == task.is_tree(edges)
    assert len(cot) <= task.max_cot
    # the parser reads the release's prompt, the paper's ∼ form and the raw form back
    assert parse_graph(" ".join(task.prompt(edges))) == edges
    assert parse_graph("<s> " + " ".join(f"{v} ∼ {u}" for u, v in edges)) == edges
    assert parse_graph(",".join(f"{u}-{v}" for u, v in edges)) == edges


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_vectorised_reference_everywhere(n):
    task = IsTreeTask(n)
    edges = task.encode_inputs(0, task.input_space())
    cots = task.cots(edges)
    trees = task.trees(edges)
    for row, ref, truth in zip(edges, cots, trees):
        e = [tuple(map(int, x)) for x in row]
        assert [c for c in ref if c >= 0] == [task.alphabet.index(s) for s in task.cot(e)]
        g = nx.Graph(e)
        g.add_nodes_from(range(n))
        assert truth == nx.is_tree(g)
    # all distinct and valid: the encoding is a bijection onto ordered lists of n − 1 distinct edges
    keys = {tuple(map(tuple, row)) for row in edges.tolist()}
    assert len(keys) == task.input_space()
    assert all(len(set(k)) == n - 1 for k in keys)


def test_vectorised_reference_sample_n8():
    task = IsTreeTask(8)
    edges = task.sample_inputs(np.random.default_rng(3), 3000)
    cots = task.cots(edges)
    for row, ref in zip(edges[:3000:7], cots[:3000:7]):
        e = [tuple(map(int, x)) for x in row]
        assert [c for c in ref if c >= 0] == [task.alphabet.index(s) for s in task.cot(e)]


def test_language_and_reference_automaton():
    task = IsTreeTask(4)
    s = task.samples()
    ref = task.reference()
    for w in s.positive:
        assert task.accepts(w) and ref.accepts(w)
    for w in (*s.negative, *s.near_miss):
        assert not task.accepts(w) and not ref.accepts(w)
    dfa = task.reference_dfa()
    for w in (*s.positive, *s.negative):
        assert dfa.accepts(w) == task.accepts(w)


@pytest.mark.parametrize("text", ["", "[BOS] 1 - 2 [EOS]", "3 - x", "1 ~ 1 2 3", "9" * 30, "[BOS] 3 -- 1 [EOS]"])
def test_bad_graph_text(text):
    if text == "":
        assert parse_graph(text) == []
        return
    with pytest.raises(InvalidGraphError):
        parse_graph(text)


@pytest.mark.parametrize("edges", [[(1, 0)], [(1, 0), (1, 0)], [(1, 1), (2, 0)], [(3, 0), (2, 0)], [(0, 1), (2, 0)],
                                   "ab", [(1, 0, 2), (2, 0)]])
def test_bad_edges(edges):
    with pytest.raises(SuccinctError):
        IsTreeTask(3).check_edges(edges)


@pytest.mark.parametrize("n", [0, 1, 1025, "5", 2.0, True])
def test_bad_n(n):
    with pytest.raises(ParameterError):
        IsTreeTask(n)


def test_next_token_refuses_a_finished_cot():
    with pytest.raises(ParameterError):
        next_token(2, [(1, 0)], ("0", "1", "0", EOS, TRUE))


@pytest.mark.parametrize("cot", [["0", "[BOS]"], ["9"], ["1"], ["0", "3"], ["0", "٣"]])
def test_next_token_refuses_non_walks(cot):
    with pytest.raises(InvalidGraphError):
        next_token(4, [(1, 0), (2, 1), (3, 2)], cot)


def test_index_of_and_check_edges_validate():
    task = IsTreeTask(4)
    edges = [(1, 0), (2, 1), (3, 2)]
    assert task.index_of(iter(edges)) == task.index_of(edges) == 7
    for bad in ([(1.5, 0), (2, 1), (3, 2)], [(True, False), (2, 1), (3, 2)], [(1.0, 0), (2, 1), (3, 2)]):
        with pytest.raises(InvalidGraphError):
            task.index_of(bad)


def test_batches_validated():
    task = IsTreeTask(3)
    for bad in (np.array([[[0, 2], [1, 0]]]), np.array([[[2, 1], [2, 1]]]), np.array([[[2, -1], [1, 0]]]),
                np.zeros((1, 3, 2), dtype=np.int64), np.array([[[2.0, 1.0], [1.0, 0.0]]])):
        with pytest.raises(InvalidGraphError):
            task.trees(bad)
        with pytest.raises(InvalidGraphError):
            task.cots(bad)


def test_parse_graph_ascii_digits_only():
    with pytest.raises(InvalidGraphError):
        parse_graph("٣-١ 2-1 1-0")


def test_index_range_checked():
    task = IsTreeTask(4)
    with pytest.raises(ParameterError):
        task.encode_inputs(100, 121)
    with pytest.raises(ParameterError):
        task.encode_inputs(5, 4)


def test_orientation_free_paper_format_equals_release():
    a = parse_graph("<s> 0 ~ 3 2 ~ 1")
    b = parse_graph("[BOS] 3 - 0 2 - 1 [EOS]")
    assert a == b == [(3, 0), (2, 1)]
    assert list(itertools.chain(*a)) == [3, 0, 2, 1]
