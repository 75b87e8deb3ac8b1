"""RNN constructions against their reference automata, exhaustively on short words, exact and torch."""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pytest
import torch

from automata.alphabet import all_words, encode_word, show_word
from automata.dfa import DFA
from constructions.exact import bit_length
from constructions.library.counter_rnn import counter_rnn, counter_rnn_for, predicted_units as counter_units
from constructions.library.dfa_rnn import dfa_to_rnn, predicted_units, reachable_states
from constructions.rnn.model import ElmanRNN
from constructions.rnn.torch_backend import to_torch
from tasks.counter import ALPHABET, CounterTask

CHUNK = 1 << 18


def first_disagreement(got: np.ndarray, ref: np.ndarray) -> tuple[int, int] | None:
    """``(column, row)`` of the shortest, then first, prefix on which two (B, L) prefix tables differ."""
    diff = got != ref
    if not diff.any():
        return None
    col = int(np.flatnonzero(diff.any(axis=0))[0])
    return col, int(np.flatnonzero(diff[:, col])[0])


def exhaustive(rnn: ElmanRNN, dfa: DFA, length: int, torch_dtype: torch.dtype | None = None) -> str | None:
    """The shortest, then lexicographically least, word of length ≤ ``length`` on which ``rnn`` and
    ``dfa`` disagree, or None. All words of length ``length`` are run in lexicographic chunks; every
    shorter word is a prefix of some row, and for a fixed prefix length the earliest chunk and row
    holding a difference spell the least word."""
    k = len(dfa.alphabet)
    module = to_torch(rnn, torch_dtype) if torch_dtype is not None else None
    best: tuple[int, str] | None = None
    for lo in range(0, k**length, CHUNK):
        words = all_words(length, k, lo, lo + CHUNK)
        ref = dfa.run_prefixes(words)
        if module is None:
            got = rnn.run_prefixes(words)
        else:
            with torch.no_grad():
                got = module(torch.from_numpy(words)).numpy()
        hit = first_disagreement(got, ref)
        if hit is not None and (best is None or hit[0] < best[0]):
            col, row = hit
            best = (col, show_word(tuple(dfa.alphabet[c] for c in words[row, : col + 1])))
    return None if best is None else best[1]



pytestmark = pytest.mark.usefixtures("one_torch_thread")

# ---- the one-hot DFA construction ----------------------------------------------------------------

def random_dfa(rng: np.random.Generator) -> DFA:
    m, k = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    delta = rng.integers(-1, m, size=(m, k)) if rng.random() < 0.5 else rng.integers(0, m, size=(m, k))
    return DFA("abc"[:k], delta, int(rng.integers(0, m)), rng.random(m) < 0.4)


RANDOM_DFAS = [random_dfa(np.random.default_rng(seed)) for seed in range(20)]


@pytest.mark.parametrize("index", range(20))
def test_one_hot_rnn_equals_dfa(index: int) -> None:
    dfa = RANDOM_DFAS[index]
    rnn = dfa_to_rnn(dfa)
    assert exhaustive(rnn, dfa, 7) is None
    assert exhaustive(rnn, dfa, 7, torch.float32) is None
    words = all_words(7, len(dfa.alphabet))
    rnn.check_precision(words)  # every value is 0 or 1
    values = rnn.states(words[:200])
    assert set(np.unique(values).tolist()) <= {0, 1} and (values.sum(axis=2) <= 1).all()  # one-hot


def test_one_hot_size_formula() -> None:
    for dfa, trim in [(d, t) for d in RANDOM_DFAS for t in (True, False)]:
        rnn = dfa_to_rnn(dfa, trim)
        src = dfa.trim() if trim else dfa
        m, k = src.num_states, len(dfa.alphabet)
        reach = reachable_states(src)
        pairs = {(int(src.delta[p, a]), a) for p in reach for a in range(k) if src.delta[p, a] >= 0}
        assert rnn.units == predicted_units(dfa, trim) == 1 + len(pairs) <= m * k + 1
        assert rnn.size().precision == 1 and rnn.size().max_bits == 3  # weights in {−1, 0, 1}
        if not trim:
            assert exhaustive(rnn, dfa, 5) is None
    full = DFA("ab", np.array([[1, 0], [0, 1]]), 0, np.array([False, True]))  # complete, all pairs used
    assert dfa_to_rnn(full).units == 2 * 2 + 1
    sink = DFA("ab", np.array([[1, 2], [2, 0], [2, 2]]), 0, np.array([False, True, False]))
    assert dfa_to_rnn(sink, trim=False).units == 1 + 4 and dfa_to_rnn(sink).units == 1 + 2


# ---- the structured counter RNN ------------------------------------------------------------------

@lru_cache(maxsize=None)
def task(n: int, variant: str) -> CounterTask:
    return CounterTask(n, variant)


@lru_cache(maxsize=None)
def ref_dfa(n: int, variant: str) -> DFA:
    return task(n, variant).reference_dfa()


def test_counter_unit_formula() -> None:
    counts = {}
    for n in range(1, 7):
        for variant in ("full", "stream"):
            rnn = counter_rnn(n, variant)
            size = rnn.size()
            assert rnn.units == 6 * n + 3 == counter_units(n)
            assert size.precision == 1 and size.state_bits == 6 * n + 3 and size.max_bits <= bit_length(Fraction(-max(2, n)))
            # weights in {−2, …, 1}; the full readout's threshold is −n
            counts[n] = rnn.units
    assert counts == {1: 9, 2: 15, 3: 21, 4: 27, 5: 33, 6: 39}
    for n in range(1, 4):  # far below the one-hot route through the minimal DFA
        assert counter_rnn(n).units < dfa_to_rnn(ref_dfa(n, "full")).units


@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n, length", [(1, 6), (2, 8)])
def test_counter_rnn_exhaustive(n: int, length: int, variant: str) -> None:
    rnn, dfa = counter_rnn(n, variant), ref_dfa(n, variant)
    assert exhaustive(rnn, dfa, length) is None
    assert exhaustive(rnn, dfa, length, torch.float32 if n == 2 else torch.int64) is None
    if n == 1:
        rnn.check_precision(all_words(length, len(ALPHABET)))


@pytest.mark.parametrize("seed", range(6))
def test_counter_rnn_other_relations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pairs = [(x, y) for x in "abc" for y in "abc"]
    relation = frozenset(p for p, keep in zip(pairs, rng.random(9) < 0.5) if keep)
    for variant in ("full", "stream"):
        t = CounterTask(1, variant, relation)
        rnn = counter_rnn_for(t)
        assert rnn.units == counter_units(1, relation)
        assert exhaustive(rnn, t.reference_dfa(), 7) is None, sorted(relation)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counter_full_word_and_mutations(n: int) -> None:
    for variant in ("full", "stream"):
        rnn, t = counter_rnn(n, variant), task(n, variant)
        word = tuple(t.full_word())
        codes = encode_word(word, ALPHABET)
        assert rnn.accepts(word)
        rnn.check_precision(codes[None, :])
        mutants = []
        for i in range(len(codes)):
            for s in range(len(ALPHABET)):
                if s != codes[i]:
                    m = codes.copy()
                    m[i] = s
                    mutants.append(m)
        batch = np.stack(mutants)
        # every change is rejected except swapping a letter for one with the same H-neighbours (a ↔ c)
        expected = np.array([t.accepts(tuple(ALPHABET[c] for c in m)) for m in mutants])
        assert all(sorted({word[i], ALPHABET[m[i]]}) == ["a", "c"]
                   for m, ok in zip(mutants, expected) for i in np.flatnonzero(m != codes) if ok)
        assert (rnn.run(batch) == expected).all()
        with torch.no_grad():
            got = to_torch(rnn, torch.float32)(torch.from_numpy(np.vstack([codes[None, :], batch]))).numpy()
        assert got[0, -1] and (got[1:, -1] == expected).all()
        # the prefixes accepted along the full word: after each '#' in stream, only at the end in full
        hashes = [i for i, s in enumerate(word) if s == "#"]
        expected = hashes if variant == "stream" else [len(word) - 1]
        assert np.flatnonzero(rnn.run_prefixes(codes[None, :])[0]).tolist() == expected


# ---- negative tests: a broken network is caught -------------------------------------------------

def test_broken_rnn_is_caught(capsys: pytest.CaptureFixture[str]) -> None:
    rnn, dfa = counter_rnn(2, "stream"), ref_dfa(2, "stream")
    p0 = rnn.unit_names.index("P0")
    b = rnn.U.bias_dict()[p0]
    broken = dataclasses.replace(rnn, U=rnn.U.with_entry(p0, None, b + 1))  # P0 fires on a bare '#'
    bad = exhaustive(broken, dfa, 8)
    print(f"first disagreeing word: {bad}")
    assert bad == "#"  # P0 = ReLU(P_{n+1} + x_# + 0) is 1 on '#' alone
    letter = rnn.unit_names.index("letter.b")
    lb = rnn.unit_names.index("Lb.hold")
    broken2 = dataclasses.replace(rnn, W=rnn.W.with_entry(letter, lb, 0))  # forget "no b after b"
    bad2 = exhaustive(broken2, dfa, 8)
    print(f"first disagreeing word: {bad2}")
    assert bad2 == "00b#01b#"
    assert exhaustive(broken2, dfa, 8, torch.float32) == bad2  # the torch backend sees it too
    out = capsys.readouterr().out
    assert "first disagreeing word: #" in out and "00b#01b#" in out


def test_broken_one_hot_rnn_is_caught() -> None:
    dfa = RANDOM_DFAS[3]
    rnn = dfa_to_rnn(dfa)
    row, col, v = rnn.W.entries[0]
    broken = dataclasses.replace(rnn, W=rnn.W.with_entry(row, col, 0))
    if exhaustive(broken, dfa, 7) is None:  # that edge may be irrelevant to acceptance: flip readout
        broken = dataclasses.replace(rnn, readout=rnn.readout.with_entry(0, None, 1))
    assert exhaustive(broken, dfa, 7) is not None
