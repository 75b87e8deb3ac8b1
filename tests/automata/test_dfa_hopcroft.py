"""Compiled Hopcroft minimisation (automata/hopcroft.py) against the numpy/Python minimiser of automata.graph."""
from __future__ import annotations

import numpy as np
import pytest

import automata.graph as graph
from automata.dfa import DFA, DFAError
from automata.hopcroft import bfs_order, hopcroft_partition, minimal_table

ALPHABET = tuple("abcde")


def random_dfa(rng: np.random.Generator, m: int, k: int, partial: float) -> DFA:
    """A random DFA; with ``partial > 0`` that fraction of edges is missing. Half of the time it is a
    small random DFA blown up into copies (edges redirected to random copies), so many states merge."""
    if m >= 4 and rng.random() < 0.5:
        base = int(rng.integers(1, m // 2 + 1))
        small = rng.integers(0, base, size=(base, k))
        acc_small = rng.random(base) < 0.4
        copies = -(-m // base)
        owner = np.arange(copies * base)[:m] % base
        delta = small[owner] + base * rng.integers(0, copies, size=(m, k))
        delta = np.where(delta < m, delta, small[owner])  # keep targets inside 0..m-1
        acc = acc_small[owner]
    else:
        delta = rng.integers(0, m, size=(m, k))
        acc = rng.random(m) < rng.random()
    if partial:
        delta[rng.random((m, k)) < partial] = -1
    return DFA(ALPHABET[:k], delta, int(rng.integers(0, m)), acc)


def reference_minimise(d: DFA, monkeypatch: pytest.MonkeyPatch) -> DFA:
    """The existing (uncompiled) minimiser: the compiled path switched off."""
    with monkeypatch.context() as mp:
        mp.setattr(graph, "COMPILED_MIN", 10**12)
        return d.minimise()


def same_partition(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether two block-id arrays induce the same partition."""
    pairs = np.unique(np.stack([x, y], 1), axis=0)
    return len(pairs) == len(np.unique(x)) == len(np.unique(y))


def test_hopcroft_equals_existing_minimiser_on_random_dfas(monkeypatch):
    rng = np.random.default_rng(2026)
    seen_partial = seen_complete = 0
    for trial in range(240):
        m = int(rng.integers(1, 501)) if trial % 4 else int(rng.integers(1, 12))
        k = int(rng.integers(1, 6))
        d = random_dfa(rng, m, k, partial=0.0 if trial % 2 else float(rng.choice([0.02, 0.1, 0.4])))
        seen_partial += not d.is_complete
        seen_complete += d.is_complete
        ref = reference_minimise(d, monkeypatch)
        table, acc = minimal_table(d.delta, d.accepting, d.start)
        assert DFA(d.alphabet, table, 0, acc).identical(ref), (trial, d)
        c = d.complete()
        block, nblocks = hopcroft_partition(c.delta, c.accepting)
        want, n_want = graph.coarsest_partition(c.delta, c.accepting)
        assert nblocks == n_want == np.unique(block).size and same_partition(block, want)
        assert np.array_equal(bfs_order(d.delta, d.start), graph.breadth_first(lambda f: d.delta[f], k, d.start, m,
                                                                       delta=d.delta)[0])
    assert seen_partial > 50 and seen_complete > 50


def test_minimise_dispatches_to_hopcroft(monkeypatch):
    """DFA.minimise with the compiled path forced on everywhere gives the same canonical DFAs."""
    rng = np.random.default_rng(7)
    dfas = [random_dfa(rng, int(rng.integers(1, 200)), int(rng.integers(1, 4)), 0.1 * (i % 2)) for i in range(30)]
    expected = [reference_minimise(d, monkeypatch) for d in dfas]
    monkeypatch.setattr(graph, "COMPILED_MIN", 0)
    for d, mn in zip(dfas, expected):
        assert d.minimise().identical(mn)
        assert d.reachable().identical(d.reachable())  # the compiled BFS keeps reachable() working
        assert d.equivalent(mn) is None


@pytest.mark.parametrize("n", range(1, 9))
def test_counter_dfa_minimal_size(n, monkeypatch):
    from tasks.counter import expected_min_dfa_states
    from tasks.counter import counter_dfa

    d = counter_dfa(n)
    table, acc = minimal_table(d.delta, d.accepting, d.start)
    mn = DFA(d.alphabet, table, 0, acc)
    assert mn.num_states == (n + 2) * 2 ** (n + 1) - n == expected_min_dfa_states(n)
    assert mn.identical(reference_minimise(d, monkeypatch))


def test_degenerate_inputs():
    one = DFA(("a",), np.array([[-1]]), 0, np.array([True]))  # accepts only ε: needs the sink
    table, acc = minimal_table(one.delta, one.accepting, one.start)
    assert table.tolist() == [[1], [1]] and acc.tolist() == [True, False]
    none = DFA(("a", "b"), np.array([[0, -1]]), 0, np.array([False]))  # empty language: one state
    table, acc = minimal_table(none.delta, none.accepting, none.start)
    assert table.tolist() == [[0, 0]] and acc.tolist() == [False]
    with pytest.raises(DFAError):
        hopcroft_partition(np.array([[0], [-1]]), np.array([True, False]))  # partial: not allowed here


def test_corrupted_partition_or_transition_is_caught():
    """Negative test: merging two Hopcroft classes, or redirecting one edge of the minimal DFA, changes
    the language; DFA.equivalent finds the shortest distinguishing word."""
    rng = np.random.default_rng(5)
    d = random_dfa(rng, 300, 3, partial=0.1)
    c = d.complete()
    block, nblocks = hopcroft_partition(c.delta, c.accepting)
    assert nblocks > 3
    table, acc = minimal_table(d.delta, d.accepting, d.start)
    good = DFA(d.alphabet, table, 0, acc)
    assert good.equivalent(d) is None
    # corrupt the partition: merge the class of the start with another class of the same acceptance
    same = np.flatnonzero(c.accepting == c.accepting[d.start])
    other = next(int(block[q]) for q in same if block[q] != block[d.start])
    bad_block = np.where(block == other, block[d.start], block)
    rep = np.zeros(nblocks, dtype=np.int64)
    rep[bad_block] = np.arange(c.num_states)
    quotient = DFA(d.alphabet, bad_block[c.delta[rep]], int(bad_block[d.start]), c.accepting[rep])
    word = quotient.equivalent(d)
    print("merged classes: distinguishing word", "".join(word) if word is not None else None)
    assert word is not None and quotient.accepts(word) != d.accepts(word)
    # corrupt one transition of the minimal DFA
    bad = table.copy()
    bad[0, 0] = (bad[0, 0] + 1) % bad.shape[0]
    broken = DFA(d.alphabet, bad, 0, acc)
    word = broken.equivalent(d)
    print("redirected edge: distinguishing word", "".join(word) if word is not None else None)
    assert word is not None and broken.accepts(word) != d.accepts(word)
