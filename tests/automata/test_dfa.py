"""Brute-force checks of the explicit DFA core on small random automata."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from automata.alphabet import all_words, decode_word, show_word
from automata.dfa import DFA, DFAError
from automata.errors import ParameterError, SuccinctError, UnknownSymbolError

ALPHABETS = [("a",), ("a", "b"), ("0", "1", "#")]


def random_dfa(rng: np.random.Generator, m: int | None = None, k: int | None = None, partial: float = 0.2) -> DFA:
    m = int(rng.integers(1, 7)) if m is None else m
    alphabet = ALPHABETS[int(rng.integers(0, 3))] if k is None else ALPHABETS[[1, 2, 3].index(k)]
    delta = rng.integers(0, m, size=(m, len(alphabet)))
    delta[rng.random(delta.shape) < partial] = -1
    return DFA(alphabet, delta, int(rng.integers(0, m)), rng.random(m) < 0.4)


def words_upto(k: int, n: int) -> list[np.ndarray]:
    """All words of length 0..n, each length as one (k**L, L) array in lexicographic order."""
    return [all_words(length, k) for length in range(n + 1)]


def language(d: DFA, n: int) -> np.ndarray:
    return np.concatenate([d.run(w) for w in words_upto(len(d.alphabet), n)])


def naive_accepts(d: DFA, codes) -> bool:
    q = d.start
    for c in codes:
        q = int(d.delta[q, c])
        if q < 0:
            return False
    return bool(d.accepting[q])


def brute_first(pred, k: int, n: int):
    """Shortest, then lexicographically least, code word of length <= n with pred true (None if none)."""
    for w in words_upto(k, n):
        hits = np.flatnonzero(pred(w))
        if hits.size:
            return tuple(int(c) for c in w[hits[0]])
    return None


def residual_classes(d: DFA) -> int:
    """Number of Myhill-Nerode classes by brute force: states of a complete reachable DFA with m
    states are equivalent iff they agree on all words of length <= m."""
    c = d.complete().reachable()
    sigs = {tuple(language(DFA(c.alphabet, c.delta, q, c.accepting), c.num_states)) for q in range(c.num_states)}
    return len(sigs)


def moore_reference(d: DFA) -> np.ndarray:
    """Textbook Moore refinement with full rounds (slow but obviously right)."""
    block = d.accepting.astype(np.int64)
    while True:
        sig = np.column_stack((block, block[d.delta]))
        new = np.unique(sig, axis=0, return_inverse=True)[1].reshape(-1)
        if np.unique(new).size == np.unique(block).size:
            return new
        block = new


def blow_up(d: DFA, rng: np.random.Generator, copies: int = 4) -> DFA:
    """A bigger DFA for the same language: every state split into copies, edges to random copies, junk added."""
    c = d.complete()
    m, k = c.delta.shape
    owner = np.concatenate([np.arange(m)] * copies + [rng.integers(0, m, size=3)])
    perm = rng.permutation(owner.size)
    owner = owner[perm]
    copies_of = [np.flatnonzero(owner == q) for q in range(m)]
    delta = np.array([[rng.choice(copies_of[c.delta[owner[i], a]]) for a in range(k)] for i in range(owner.size)])
    start = int(rng.choice(copies_of[c.start]))
    junk = rng.integers(0, owner.size, size=(2, k))  # two unreachable states
    delta = np.vstack((delta, junk))
    acc = np.concatenate((c.accepting[owner], [True, False]))
    return DFA(d.alphabet, delta, start, acc)


def test_run_matches_naive_and_prefixes():
    rng = np.random.default_rng(1)
    for _ in range(60):
        d = random_dfa(rng)
        for w in words_upto(len(d.alphabet), 5):
            got = d.run(w)
            assert got.tolist() == [naive_accepts(d, row) for row in w]
            if w.shape[1]:
                pref = d.run_prefixes(w)
                for p in range(w.shape[1]):
                    assert np.array_equal(pref[:, p], d.run(w[:, : p + 1]))
    d = random_dfa(rng)
    assert d.run(np.zeros((3, 0), dtype=np.int64)).tolist() == [bool(d.accepting[d.start])] * 3
    assert d.run(np.zeros((0, 4), dtype=np.int64)).shape == (0,)
    assert d.run_prefixes(np.zeros((2, 0), dtype=np.int64)).shape == (2, 0)


def test_accepts_and_unknown_symbols():
    d = DFA.from_table("ab", {0: {"a": 1}, 1: {"b": 0}}, 0, {0})
    assert d.accepts("abab") and d.accepts(()) and not d.accepts("aa") and not d.accepts("ba")
    with pytest.raises(UnknownSymbolError):
        d.accepts("abc")
    with pytest.raises(UnknownSymbolError):
        d.run(np.array([[0, 2]]))
    with pytest.raises(UnknownSymbolError):
        d.run(np.array([[-1]]))
    with pytest.raises(ParameterError):
        d.run(np.array([0, 1]))
    with pytest.raises(ParameterError):
        d.run(np.array([[0.0, 1.0]]))


def test_validation_errors():
    ok = dict(alphabet=("a", "b"), delta=np.zeros((2, 2), dtype=np.int64), start=0, accepting=np.zeros(2, bool))
    DFA(**ok)
    bad = [
        dict(alphabet=("a", "a")),
        dict(alphabet=("a", "")),
        dict(delta=np.zeros((2, 3), dtype=np.int64)),
        dict(delta=np.zeros((0, 2), dtype=np.int64), accepting=np.zeros(0, bool)),
        dict(delta=np.full((2, 2), 2)),
        dict(delta=np.full((2, 2), -2)),
        dict(delta=np.zeros((2, 2))),
        dict(start=2),
        dict(start=True),
        dict(accepting=np.zeros(3, bool)),
        dict(accepting=np.zeros(2, dtype=np.int64)),
    ]
    for change in bad:
        with pytest.raises(DFAError):
            DFA(**{**ok, **change})
    assert issubclass(DFAError, SuccinctError) and issubclass(DFAError, ValueError)
    d = DFA(**ok)
    assert not d.delta.flags.writeable and not d.accepting.flags.writeable
    with pytest.raises(Exception):
        d.start = 1  # frozen


def test_from_table():
    d = DFA.from_table(["x", "y"], {"p": {"x": "q"}, "q": {"y": "p", "x": "r"}}, "q", {"r"})
    assert d.start == 0 and d.num_states == 3
    assert d.delta.tolist() == [[2, 1], [0, -1], [-1, -1]]
    assert d.accepts("x") and d.accepts("yxx") and not d.accepts("y")
    with pytest.raises(UnknownSymbolError):
        DFA.from_table("ab", {0: {"c": 0}}, 0, set())
    with pytest.raises(DFAError):
        DFA.from_table("ab", {0: {"a": 0}}, 0, {7})


def test_complete_reachable_trim_preserve_language():
    rng = np.random.default_rng(2)
    for _ in range(80):
        d = random_dfa(rng, partial=0.3)
        ref = language(d, 5)
        for op in (d.complete(), d.reachable(), d.trim(), d.trim().complete()):
            assert np.array_equal(language(op, 5), ref)
        c = d.complete()
        assert c.is_complete and (c is d) == d.is_complete
        assert c.num_states == d.num_states + (not d.is_complete)
        r = d.reachable()
        assert r.num_states == len(r._reachable_order())  # every state reachable
        t = d.trim()
        for q in range(t.num_states):  # every state but the start is useful
            from_q = DFA(t.alphabet, t.delta, q, t.accepting)
            assert q == t.start or not from_q.is_empty()
        assert (t.num_states == 1) or not t.is_empty()


def test_product_ops_against_brute_force():
    rng = np.random.default_rng(3)
    ops = {"and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor, "diff": lambda x, y: x & ~y}
    for _ in range(40):
        a = random_dfa(rng)
        b = random_dfa(rng, partial=0.3)
        b = DFA(a.alphabet, rng.integers(-1, b.num_states, size=(b.num_states, len(a.alphabet))), b.start, b.accepting)
        la, lb = language(a, 5), language(b, 5)
        for op, f in ops.items():
            p = a.product(b, op)
            assert p.is_complete and p.num_states <= (a.num_states + 1) * (b.num_states + 1)
            assert np.array_equal(language(p, 5), f(la, lb))
    with pytest.raises(DFAError):
        a.product(b, "nand")
    with pytest.raises(DFAError):
        a.product(DFA(("z",), np.zeros((1, 1), dtype=np.int64), 0, np.ones(1, bool)), "and")


def test_minimise_preserves_language_and_is_minimal():
    rng = np.random.default_rng(4)
    for _ in range(60):
        d = random_dfa(rng)
        mn = d.minimise()
        assert mn.is_complete and mn.start == 0
        assert np.array_equal(language(mn, 6), language(d, 6))
        assert mn.num_states == residual_classes(d)
        for i, j in itertools.combinations(range(mn.num_states), 2):
            qi = DFA(mn.alphabet, mn.delta, i, mn.accepting)
            assert qi.equivalent(DFA(mn.alphabet, mn.delta, j, mn.accepting)) is not None
        assert mn.minimise().identical(mn)


def test_minimise_is_canonical():
    rng = np.random.default_rng(5)
    for _ in range(30):
        d = random_dfa(rng, partial=0.3)
        big = blow_up(d, rng)
        assert np.array_equal(language(big, 5), language(d, 5))
        assert big.minimise().identical(d.minimise())


def test_minimise_agrees_with_textbook_moore_on_bigger_dfas():
    rng = np.random.default_rng(6)
    for m, k in [(300, 2), (2000, 3), (500, 1)]:
        small = random_dfa(rng, m=m // 20, k=k, partial=0.0)
        for d in (random_dfa(rng, m=m, k=k, partial=0.1), blow_up(small, rng, copies=20)):
            c = d.complete().reachable()
            ref = moore_reference(c)
            mn = d.minimise()
            assert mn.num_states == np.unique(ref).size
            assert d.equivalent(mn) is None


def test_minimise_canonical_bfs_numbering():
    # a^n counter mod 4 written with scrambled state names
    d = DFA.from_table("ab", {"z": {"a": "x", "b": "z"}, "x": {"a": "y", "b": "x"},
                              "y": {"a": "w", "b": "y"}, "w": {"a": "z", "b": "w"}}, "y", {"y"})
    mn = d.minimise()
    assert mn.delta.tolist() == [[1, 0], [2, 1], [3, 2], [0, 3]]
    assert mn.accepting.tolist() == [True, False, False, False]
    empty = DFA(("a", "b"), np.array([[1, -1], [0, 1]]), 0, np.zeros(2, bool))
    e = empty.minimise()
    assert e.num_states == 1 and e.delta.tolist() == [[0, 0]] and e.is_empty()


def test_equivalent_is_shortest_lex_least():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(150):
        a = random_dfa(rng, m=int(rng.integers(1, 5)))
        b = DFA(a.alphabet, rng.integers(-1, 4, size=(4, len(a.alphabet))), 0, rng.random(4) < 0.5)
        k = len(a.alphabet)
        got = a.equivalent(b)
        assert got == b.equivalent(a)
        ref = brute_first(lambda w: a.run(w) != b.run(w), k, 7)
        if ref is not None:
            found += 1
            assert got == decode_word(ref, a.alphabet)
            assert a.accepts(got) != b.accepts(got)
        else:
            assert got is None or len(got) > 7
            if got is None:
                assert a.minimise().identical(b.minimise())
    assert found > 50
    assert a.equivalent(a.minimise()) is None


def test_shortest_accepted_and_is_empty():
    rng = np.random.default_rng(8)
    for _ in range(100):
        d = random_dfa(rng, partial=0.4)
        ref = brute_first(d.run, len(d.alphabet), 7)
        got = d.shortest_accepted()
        if ref is not None:
            assert got == decode_word(ref, d.alphabet)
        else:
            assert got is None or len(got) > 7
        assert d.is_empty() == (got is None)
    deep = DFA(("a", "b"), np.array([[1, 0], [2, 0], [3, 2], [3, 3]]), 0, np.array([0, 0, 0, 1], bool))
    assert deep.shortest_accepted() == ("a", "a", "a")


def test_count_by_length():
    rng = np.random.default_rng(9)
    for _ in range(60):
        d = random_dfa(rng, partial=0.3)
        ref = [int(d.run(w).sum()) for w in words_upto(len(d.alphabet), 7)]
        assert d.count_by_length(7) == ref
        assert d.count_by_length(0) == ref[:1]
    everything = DFA(("0", "1", "2"), np.zeros((1, 3), dtype=np.int64), 0, np.ones(1, bool))
    counts = everything.count_by_length(100)
    assert counts[100] == 3**100 and all(type(c) is int for c in counts)
    fib = DFA.from_table("ab", {0: {"a": 0, "b": 1}, 1: {"a": 0}}, 0, {0, 1})  # no "bb"
    c = fib.count_by_length(90)
    assert c[:6] == [1, 2, 3, 5, 8, 13] and c[90] == c[89] + c[88]
    with pytest.raises(DFAError):
        fib.count_by_length(-1)


def test_negative_wrong_transition_is_caught():
    # binary numbers (MSB first) divisible by 3; one transition deliberately wrong
    right = DFA(("0", "1"), np.array([[0, 1], [2, 0], [1, 2]]), 0, np.array([1, 0, 0], bool))
    wrong = DFA(("0", "1"), np.array([[0, 1], [2, 0], [2, 2]]), 0, np.array([1, 0, 0], bool))
    w = right.equivalent(wrong)
    assert w is not None and show_word(w) == "1001"
    assert int(show_word(w), 2) % 3 == 0 and right.accepts(w) and not wrong.accepts(w)
    assert right.equivalent(right.product(right, "or")) is None


def test_large_minimisation():  # timings belong to benchmarks/, not to tests
    rng = np.random.default_rng(10)
    m = 20_000
    d = DFA(tuple("abcd"), rng.integers(0, m, size=(m, 4)), 0, rng.random(m) < 0.5)
    mn = d.minimise()
    assert mn.minimise().identical(mn)
    n = 5_000  # a deep one: n Moore rounds
    chain = DFA(("a", "b"), np.stack([(np.arange(n) + 1) % n, np.zeros(n, dtype=np.int64)], 1), 0, np.arange(n) == 1)
    assert chain.minimise().num_states == n


@pytest.mark.parametrize("small", [0, 64, 10**9])
def test_numpy_and_python_paths_agree(monkeypatch, small):
    """Force the vectorised path (0), the hybrid (64) or the pure-Python path everywhere."""
    import automata.graph as dfa_mod

    monkeypatch.setattr(dfa_mod, "_SMALL", small)
    rng = np.random.default_rng(11)
    for trial in range(40):
        m, k = int(rng.integers(2, 400)), int(rng.integers(1, 4))
        if trial % 2:
            d = blow_up(random_dfa(rng, m=max(1, m // 10), k=k, partial=0.2), rng, copies=int(rng.integers(2, 12)))
        else:
            d = random_dfa(rng, m=m, k=k, partial=0.05)
        c = d.complete().reachable()
        mn = d.minimise()
        assert mn.num_states == np.unique(moore_reference(c)).size
        assert d.equivalent(mn) is None and mn.minimise().identical(mn)
        assert d.shortest_accepted() == mn.shortest_accepted()
        assert d.count_by_length(6) == mn.count_by_length(6) == d.trim().count_by_length(6)
    n = 300
    cyc = DFA(("a",), ((np.arange(n) + 1) % n)[:, None], 0, np.arange(n) % 7 == 3)
    assert cyc.minimise().num_states == n and cyc.shortest_accepted() == ("a",) * 3


def test_sparse_seen_path(monkeypatch):
    """The BFS for huge state spaces (no dense mask) gives the same orders and words."""
    import automata.graph as dfa_mod

    rng = np.random.default_rng(12)
    pairs = [(random_dfa(rng, m=40, k=2), random_dfa(rng, m=30, k=2)) for _ in range(10)]
    expected = [(a.product(b, "xor"), a.equivalent(b), a.minimise()) for a, b in pairs]
    monkeypatch.setattr(dfa_mod, "_DENSE_LIMIT", 0)
    for (a, b), (p, eq, mn) in zip(pairs, expected):
        assert a.product(b, "xor").identical(p)
        assert a.equivalent(b) == eq and a.minimise().identical(mn)


def random_acyclic_dfa(rng: np.random.Generator, m: int, k: int) -> DFA:
    """A DFA of a finite language: edges only go to higher states (or are missing)."""
    alphabet = ALPHABETS[k - 1]
    lo = np.arange(m)[:, None] + 1
    delta = np.where(lo < m, rng.integers(0, m, size=(m, k)) % np.maximum(m - lo, 1) + lo, -1)
    delta[(rng.random(delta.shape) < 0.3) | (delta >= m)] = -1
    return DFA(alphabet, delta, 0, rng.random(m) < 0.3)


@pytest.mark.parametrize("threshold", [0, 10**9])
def test_acyclic_path_agrees_with_moore(monkeypatch, threshold):
    """Revuz's path for finite languages (forced on with threshold 0) against textbook Moore refinement."""
    import automata.graph as graph

    monkeypatch.setattr(graph, "_ACYCLIC_MIN", threshold)
    rng = np.random.default_rng(13)
    for trial in range(60):
        k = int(rng.integers(1, 4))
        d = random_acyclic_dfa(rng, int(rng.integers(2, 60)), k)
        if trial % 3 == 0:
            d = blow_up(d, rng, copies=3)  # many equivalent states (and unreachable junk)
        c = d.complete().reachable()
        mn = d.minimise()
        assert mn.num_states == np.unique(moore_reference(c)).size
        assert d.equivalent(mn) is None and mn.minimise().identical(mn)
    cyclic = random_dfa(rng, m=30, k=2, partial=0.0)  # a cycle: the acyclic path must decline
    assert graph._acyclic_partition(cyclic.delta, cyclic.accepting) is None or threshold


def test_acyclic_partition_declines_cycles_and_handles_deep_chains():
    import automata.graph as graph

    loop = DFA(("a",), np.array([[1], [0], [2]]), 0, np.array([False, True, False]))
    assert graph._acyclic_partition(loop.complete().delta, loop.complete().accepting) is None
    n = 20_000  # a finite language whose DFA is one chain: a^n only (deep, no refinement rounds)
    chain = DFA(("a", "b"), np.stack([np.append(np.arange(1, n + 1), -1), np.full(n + 1, -1)], 1), 0,
                np.arange(n + 1) == n)
    block, nblocks = graph._acyclic_partition(chain.complete().delta, chain.complete().accepting)
    assert nblocks == n + 2 and np.unique(block).size == n + 2
    assert chain.minimise().num_states == n + 2 and chain.minimise().shortest_accepted() == ("a",) * n
