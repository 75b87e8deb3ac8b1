"""Properties of the explicit DFA core (automata/dfa.py; [BCL] §2.2, docs/theory.md §3) against
brute force on small hypothesis-drawn DFAs (partial ones and bisimilar blow-ups included).

* ``minimise`` is idempotent, preserves the language (``equivalent`` is None; membership on random
  words), has the fewest states (Myhill–Nerode classes counted by brute force over words), agrees with
  Hopcroft's compiled minimiser (automata/hopcroft.py), and is canonical (isomorphic DFAs, and a DFA
  and its blow-up, minimise to identical arrays);
* ``product(op)`` accepts exactly ``op`` of the two memberships;
* ``count_by_length`` equals enumeration; ``shortest_accepted`` is accepted and no shorter or
  lexicographically smaller word of its length is; ``equivalent`` returns the least distinguishing word.

Every property has a planted bug (in the real code path, monkeypatched and restored) that it catches.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import automata.dfa as dfa_module
import automata.graph as graph
from automata.alphabet import all_words
from automata.dfa import DFA
from automata.hopcroft import hopcroft_partition, minimal_table
from tests.strategies import ALPHABETS, blown_up, counterexample, dfa_pairs, dfas, permuted, plain_dfas, words

BRUTE_LEN = 5  # enumeration length: ≤ 3^5 = 243 words per length
EQUIV_LEN = 7  # for equivalent: ≤ 3^7 = 2187 words
OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor, "diff": lambda x, y: x & ~y}


# ----------------------------------------------------------------------------- brute-force references

def naive_run(d: DFA, words_: np.ndarray) -> np.ndarray:
    """Acceptance of each row, one transition at a time in plain Python (independent of ``DFA.run``)."""
    out = []
    for row in words_.tolist():
        q = d.start
        for c in row:
            q = int(d.delta[q, c])
            if q < 0:
                break
        out.append(q >= 0 and bool(d.accepting[q]))
    return np.array(out, dtype=bool)


def enumerate_words(k: int, max_len: int) -> list[np.ndarray]:
    """All words of length 0..max_len, one lexicographically ordered (k^L, L) array per length."""
    return [all_words(n, k) for n in range(max_len + 1)]


def reachable(d: DFA) -> set[int]:
    seen, stack = {d.start}, [d.start]
    while stack:
        for r in d.delta[stack.pop()].tolist():
            if r >= 0 and r not in seen:
                seen.add(r)
                stack.append(r)
    return seen


def residual_classes(d: DFA) -> int:
    """Myhill–Nerode classes of ``L(d)`` by brute force: the reachable states of the completed DFA
    grouped by their acceptance of every word of length ≤ ℓ, for growing ℓ until the grouping of all
    states stops changing (then it never changes again — Moore)."""
    c = d.complete()
    table, acc = c.delta, c.accepting
    distinct = lambda rows: len({row.tobytes() for row in rows})  # noqa: E731
    exact = acc[:, None]  # acceptance of the words of length exactly ℓ from each state
    signature = exact  # … of every word of length ≤ ℓ
    classes = distinct(signature)
    while True:
        exact = np.concatenate([exact[table[:, a]] for a in range(table.shape[1])], axis=1)
        longer = np.concatenate([signature, exact], axis=1)
        if distinct(longer) == classes:  # a refinement with as many classes is the same partition
            break
        signature, classes = longer, distinct(longer)
    return len({signature[q].tobytes() for q in reachable(c)})


def first_word(pred: Callable[[np.ndarray], np.ndarray], k: int, max_len: int) -> tuple[int, ...] | None:
    """The shortest, then lexicographically least, word of length ≤ max_len with ``pred``; None if none."""
    for w in enumerate_words(k, max_len):
        hits = np.flatnonzero(pred(w))
        if hits.size:
            return tuple(int(c) for c in w[hits[0]])
    return None


def describe(case: object) -> str:
    """DFAs and word batches spelled out (the counterexamples the planted-bug tests print)."""
    if isinstance(case, DFA):
        return (f"DFA({case.alphabet}, delta={case.delta.tolist()}, start={case.start}, "
                f"accepting={np.flatnonzero(case.accepting).tolist()})")
    if isinstance(case, np.ndarray):
        return f"words {case.tolist()}"
    if isinstance(case, tuple):
        return "; ".join(describe(c) for c in case)
    return repr(case)


# ----------------------------------------------------------------------------- properties

def check_idempotent(d: DFA) -> None:
    m = d.minimise()
    assert m.minimise().identical(m)


def check_language_preserved(case: tuple[DFA, np.ndarray]) -> None:
    d, batch = case
    m = d.minimise()
    assert (m.equivalent(d), m.run(batch).tolist()) == (None, naive_run(d, batch).tolist())


def check_fewest_states(d: DFA) -> None:
    m = d.minimise()
    assert (m.is_complete, m.num_states) == (True, residual_classes(d))


def check_hopcroft_agrees(d: DFA) -> None:
    """The compiled Hopcroft minimiser and the partition-refinement path give identical arrays, and
    their partitions of the completed DFA's states agree (same classes, up to names)."""
    table, acc = minimal_table(d.delta, d.accepting, d.start)
    m = d.minimise()
    c = d.complete()
    block_h, _ = hopcroft_partition(c.delta, c.accepting)
    block_r, _ = graph.coarsest_partition(c.delta, c.accepting)
    pairs = {(int(x), int(y)) for x, y in zip(block_h, block_r)}
    same_partition = len(pairs) == len(set(block_h.tolist())) == len(set(block_r.tolist()))
    assert (table.tolist(), acc.tolist(), same_partition) == (m.delta.tolist(), m.accepting.tolist(), True)


def bfs_numbering(d: DFA) -> list[int]:
    """States in queue-BFS order from the start, symbols in alphabet order (plain Python)."""
    order, seen = [d.start], {d.start}
    for q in order:
        for r in d.delta[q].tolist():
            if r >= 0 and r not in seen:
                seen.add(r)
                order.append(r)
    return order


def check_canonical(case: tuple[DFA, list[int], DFA]) -> None:
    """A DFA, an isomorphic copy (states renamed) and a blow-up (same language) minimise to identical
    arrays, numbered in BFS order from the start (the documented canonical numbering)."""
    d, perm, big = case
    m = d.minimise()
    assert (bfs_numbering(m), permuted(d, np.array(perm)).minimise().identical(m), big.minimise().identical(m)) == (
        list(range(m.num_states)), True, True)


def check_product(case: tuple[DFA, DFA, np.ndarray]) -> None:
    """Every operation, on the drawn words and on every word of length ≤ 3."""
    a, b, batch = case
    for w in [batch, *enumerate_words(len(a.alphabet), 3)]:
        for op, fn in OPS.items():
            assert a.product(b, op).run(w).tolist() == fn(naive_run(a, w), naive_run(b, w)).tolist(), op


def check_counts(d: DFA) -> None:
    brute = [int(naive_run(d, w).sum()) for w in enumerate_words(len(d.alphabet), BRUTE_LEN)]
    assert d.count_by_length(BRUTE_LEN) == brute


def from_each_state(d: DFA) -> list[DFA]:
    """The DFA restarted at each of its states (more, and longer, shortest words to check)."""
    return [DFA(d.alphabet, d.delta, q, d.accepting) for q in range(d.num_states)]


def check_shortest(d: DFA) -> None:
    """From every start state, for the accepting set and for each single target state: the answer is
    accepted and no word before it in (length, lexicographic) order is; None iff no word shorter than
    m (the number of states) is accepted."""
    targets = [d.accepting, *np.eye(d.num_states, dtype=bool)]
    for dq in from_each_state(d):
        for acc in targets:
            dt = DFA(d.alphabet, d.delta, dq.start, acc)
            got = dt.shortest_accepted()
            limit = d.num_states - 1 if got is None else len(got)  # non-empty: a word shorter than m
            brute = first_word(lambda w: naive_run(dt, w), len(d.alphabet), limit)
            assert got == (None if brute is None else tuple(d.alphabet[c] for c in brute)), describe(dt)


def check_equivalent(pair: tuple[DFA, DFA]) -> None:
    """``a.equivalent(b)``, ``a`` restarted at each state, is the least word (by length, then
    lexicographically) on which they differ, or None — by enumeration up to ``EQUIV_LEN`` (a longer
    answer must differ, and nothing up to ``EQUIV_LEN`` may)."""
    a0, b = pair
    for a in from_each_state(a0):
        assert a.equivalent(a) is None, "not reflexive"
        got = a.equivalent(b)
        differs = lambda w: naive_run(a, w) != naive_run(b, w)  # noqa: E731
        brute = first_word(differs, len(a.alphabet), EQUIV_LEN if got is None else min(len(got), EQUIV_LEN))
        if got is not None and len(got) > EQUIV_LEN:
            codes = np.array([[a.alphabet.index(s) for s in got]], dtype=np.int64)
            assert (brute, bool(differs(codes)[0])) == (None, True), f"start {a.start}"
        else:
            assert got == (None if brute is None else tuple(a.alphabet[c] for c in brute)), f"start {a.start}"


@st.composite
def dfa_and_words(draw: st.DrawFn) -> tuple[DFA, np.ndarray]:
    d = draw(dfas())
    return d, draw(words(len(d.alphabet), 0, 8, 8))


@st.composite
def canonical_cases(draw: st.DrawFn) -> tuple[DFA, list[int], DFA]:
    d = draw(plain_dfas(draw(st.sampled_from(ALPHABETS))))
    return d, draw(st.permutations(range(d.num_states))), draw(blown_up(d))


@st.composite
def product_cases(draw: st.DrawFn) -> tuple[DFA, DFA, np.ndarray]:
    a, b = draw(dfa_pairs())
    return a, b, draw(words(len(a.alphabet), 0, 8, 8))


DFAS = dfas()
DFAS_AND_WORDS = dfa_and_words()
SMALL_DFAS = dfas(max_states=5)
PLAIN_DFAS = dfas(blowup=False)  # check_shortest enumerates up to m − 1 ≤ 5 symbols
CANONICAL_CASES = canonical_cases()
PRODUCT_CASES = product_cases()
PAIRS = dfa_pairs()


@given(DFAS)
def test_minimise_is_idempotent(d: DFA) -> None:
    note(describe(d))
    check_idempotent(d)


@given(DFAS_AND_WORDS)
def test_minimise_preserves_the_language(case: tuple[DFA, np.ndarray]) -> None:
    note(describe(case))
    check_language_preserved(case)


@given(DFAS)
def test_minimise_has_the_fewest_states(d: DFA) -> None:
    note(describe(d))
    check_fewest_states(d)


@given(DFAS)
def test_hopcroft_equals_partition_refinement(d: DFA) -> None:
    note(describe(d))
    check_hopcroft_agrees(d)


@given(CANONICAL_CASES)
def test_minimise_is_canonical(case: tuple[DFA, list[int], DFA]) -> None:
    note(describe(case))
    check_canonical(case)


@given(PRODUCT_CASES)
def test_product_is_the_op_of_memberships(case: tuple[DFA, DFA, np.ndarray]) -> None:
    note(describe(case))
    check_product(case)


@given(SMALL_DFAS)
def test_count_by_length_equals_enumeration(d: DFA) -> None:
    note(describe(d))
    check_counts(d)


@given(PLAIN_DFAS)
def test_shortest_accepted_is_least(d: DFA) -> None:
    note(describe(d))
    check_shortest(d)


@given(PAIRS)
def test_equivalent_gives_the_least_distinguishing_word(pair: tuple[DFA, DFA]) -> None:
    note(describe(pair))
    check_equivalent(pair)


#: property name → (check, the strategy its test draws from), for the planted-bug runs
PROPERTIES: dict[str, tuple[Callable[[object], None], st.SearchStrategy[object]]] = {
    "idempotent": (check_idempotent, DFAS),
    "language preserved": (check_language_preserved, DFAS_AND_WORDS),
    "fewest states": (check_fewest_states, DFAS),
    "hopcroft agrees": (check_hopcroft_agrees, DFAS),
    "canonical": (check_canonical, CANONICAL_CASES),
    "product": (check_product, PRODUCT_CASES),
    "count_by_length": (check_counts, SMALL_DFAS),
    "shortest_accepted": (check_shortest, PLAIN_DFAS),
    "equivalent": (check_equivalent, PAIRS),
}


# ----------------------------------------------------------------------------- planted bugs

def _refinement_stops_early(delta: np.ndarray, preds: np.ndarray, indptr: np.ndarray, block: np.ndarray,
                            elems: np.ndarray, loc: np.ndarray, bstart: np.ndarray, *rest: np.ndarray):
    """graph._refine_small returning the partition it was handed: rounds stop after the first split,
    so non-equivalent states stay merged."""
    return block, len(bstart)


PLANTED: dict[str, tuple[Callable[[pytest.MonkeyPatch], None], tuple[str, ...]]] = {
    "refinement stops early": (lambda mp: mp.setattr(graph, "_refine_small", _refinement_stops_early),
                               ("language preserved", "fewest states", "hopcroft agrees")),
    "numbering by block id": (lambda mp: mp.setattr(DFA, "_reachable_order", lambda self: np.sort(
        graph.breadth_first(lambda f: self.delta[f], len(self.alphabet), self.start, self.num_states, delta=self.delta)[0])),
                              ("canonical", "idempotent")),
    "diff operands swapped": (lambda mp: mp.setitem(dfa_module._OPS, "diff", lambda x, y: y & ~x), ("product",)),
    "xor computed as or": (lambda mp: mp.setitem(dfa_module._OPS, "xor", np.logical_or), ("product", "equivalent")),
    "csr drops last symbol": (lambda mp: mp.setattr(dfa_module, "reverse_csr",
                                                    lambda delta: graph.reverse_csr(delta[:, :-1])),
                              ("count_by_length",)),
    "path reversed": (lambda mp: mp.setattr(dfa_module, "tree_path", lambda *a: graph.tree_path(*a)[::-1]),
                      ("shortest_accepted", "equivalent")),
}


@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_planted_dfa_bug_is_caught(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each planted bug makes each of its properties fail; the counterexample is printed, fails
    with the bug and passes once the real code is restored."""
    plant, names = PLANTED[bug]
    for name in names:
        check, strategy = PROPERTIES[name]
        tried: list[object] = []

        def counted(case: object) -> None:
            tried.append(case)
            check(case)

        with monkeypatch.context() as mp:
            plant(mp)
            found = counterexample(strategy, counted)
            with pytest.raises(AssertionError):
                check(found)
        check(found)
        print(f"planted bug {bug!r} caught by {name!r} after {len(tried)} examples: {describe(found)}")
