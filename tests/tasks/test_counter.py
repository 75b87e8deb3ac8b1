"""The counter task of [BCL] Example 2: membership, the reference automaton against the independent
block-wise membership test, the canonical full word, parameters, minimal DFA sizes and lower bounds."""
from __future__ import annotations

import math

import numpy as np
import pytest

from automata.alphabet import all_words, encode_word
from automata.errors import ParameterError, UnknownSymbolError
from tasks.counter import DEFAULT_H, CounterTask, expected_min_dfa_states

VARIANTS = ("full", "stream")


def w(text: str) -> tuple[str, ...]:
    return tuple(text)


def decode_all(codes: np.ndarray, alphabet: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [tuple(map(alphabet.__getitem__, row)) for row in codes.tolist()]


def single_symbol_changes(word: tuple[str, ...], alphabet: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [word[:p] + (s,) + word[p + 1:] for p in range(len(word)) for s in alphabet if s != word[p]]


@pytest.mark.parametrize(
    "n, text, full, stream",
    [
        (1, "0a#1b#", True, True),
        (1, "0c#1b#", True, True),
        (1, "0b#1a#", True, True),
        (1, "0b#1c#", True, True),
        (1, "0a#1a#", False, False),  # (a, a) ∉ H
        (1, "0a#1c#", False, False),  # (a, c) ∉ H
        (1, "0a#", False, True),
        (1, "1a#", False, False),  # the first block is 0^n
        (1, "0a#1b#0a#", False, False),  # no block after 1^n
        (1, "0a#1b", False, False),
        (1, "0a1b##", False, False),
        (1, "a#", False, False),
        (1, "00a#", False, False),
        (2, "00a#01b#10c#11b#", True, True),
        (2, "00a#01b#10a#", False, True),
        (2, "00a#10b#", False, False),  # skips 01
        (2, "00a#01b#11a#", False, False),
        (2, "01a#", False, False),
        (2, "00a#01b#10a#11b#00a#", False, False),
        (3, "000a#001b#", False, True),
    ],
)
def test_membership_by_hand(n: int, text: str, full: bool, stream: bool) -> None:
    for variant, expected in (("full", full), ("stream", stream)):
        task = CounterTask(n, variant)
        assert task.accepts(w(text)) is expected, (variant, text)
        assert task.reference().accepts(w(text)) is expected, (variant, text)


def test_empty_word_and_foreign_symbols() -> None:
    task = CounterTask(1, "stream")
    assert not task.accepts(())
    with pytest.raises(UnknownSymbolError):
        task.accepts(w("0x#"))
    with pytest.raises(UnknownSymbolError):
        task.reference().accepts(w("0x#"))


def test_reference_dfa_matches_accepts_on_all_words_up_to_8_for_n1() -> None:
    """Both variants in one pass (decoding 1.7M words dominates the cost)."""
    tasks = {v: CounterTask(1, v) for v in VARIANTS}
    explored = {v: t.reference().explore() for v, t in tasks.items()}
    minimal = {v: t.reference_dfa() for v, t in tasks.items()}
    for v in VARIANTS:
        assert minimal[v].equivalent(explored[v]) is None
    alphabet = tasks["full"].alphabet
    accepted = dict.fromkeys(VARIANTS, 0)
    for length in range(1, 9):
        codes = all_words(length, len(alphabet))
        words = decode_all(codes, alphabet)
        for v, task in tasks.items():
            by_dfa = minimal[v].run(codes)
            assert np.array_equal(by_dfa, explored[v].run(codes))
            by_task = np.array([task.accepts(word) for word in words], dtype=bool)
            diff = np.flatnonzero(by_dfa != by_task)
            assert diff.size == 0, f"{v}: first disagreement {''.join(words[diff[0]])}"
            accepted[v] += int(by_dfa.sum())
    assert accepted == {"full": 4, "stream": 3 + 4}


@pytest.mark.parametrize("variant", VARIANTS)
def test_reference_dfa_matches_accepts_on_sampled_words_for_n2(variant: str) -> None:
    """Random words, random block sequences, and valid words with 1-3 random substitutions."""
    task = CounterTask(2, variant)
    dfa = task.reference_dfa()
    rng = np.random.default_rng(2)
    alphabet = task.alphabet
    words: list[tuple[str, ...]] = []
    for _ in range(2000):
        words.append(tuple(rng.choice(alphabet, size=int(rng.integers(1, 20)))))
    for _ in range(2000):
        blocks = int(rng.integers(1, 6))
        word: list[str] = []
        for _b in range(blocks):
            word += list(rng.choice(("0", "1"), size=2)) + [str(rng.choice(("a", "b", "c"))), "#"]
        words.append(tuple(word))
    full = task.full_word() if variant == "full" else CounterTask(2, "full").full_word()
    for _ in range(2000):
        base = list(full if variant == "full" else full[: 4 * int(rng.integers(1, 5))])
        for _k in range(int(rng.integers(0, 4))):
            base[int(rng.integers(len(base)))] = str(rng.choice(alphabet))
        words.append(tuple(base))
    verdict = [task.accepts(x) for x in words]
    assert sum(verdict) > 50 and len(verdict) - sum(verdict) > 50  # both kinds are exercised
    for word, expected in zip(words, verdict):
        assert dfa.accepts(word) is expected, "".join(word)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_full_word_accepted_and_every_single_change_rejected(n: int) -> None:
    """Every single-symbol change is rejected except swapping a letter a ↔ c: under the default H both
    have the same neighbours (b), so those 2^(n−1) changes stay in the language — for the default H
    *every* full word has such valid single-letter changes, whatever canonical word is chosen."""
    task = CounterTask(n)
    word = task.full_word()
    assert len(word) == task.shortest_length() == 2**n * (n + 2)
    letters = word[n :: n + 2]
    assert letters == tuple("ab" * (2 ** (n - 1)))  # the documented choice for the default H
    dfa = task.reference_dfa()
    assert task.accepts(word) and dfa.accepts(word)
    assert dfa.shortest_accepted() == word  # shortest, then lexicographically least
    changes = single_symbol_changes(word, task.alphabet)
    swap = {"a": "c", "c": "a"}
    valid = {word[:p] + (swap[word[p]],) + word[p + 1:] for p in range(n, len(word), n + 2) if word[p] in swap}
    assert len(valid) == 2 ** (n - 1)
    assert {c for c in changes if task.accepts(c)} == valid
    codes = np.stack([encode_word(c, task.alphabet) for c in changes])
    assert {changes[k] for k in np.flatnonzero(dfa.run(codes))} == valid


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": 21},
        {"n": -3},
        {"n": 1.5},
        {"n": True},
        {"n": "2"},
        {"n": 2, "variant": "half"},
        {"n": 2, "relation": frozenset({("a", "d")})},
        {"n": 2, "relation": frozenset({("a",)})},
        {"n": 2, "relation": 5},
    ],
)
def test_parameter_errors(kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        CounterTask(**kwargs)


def test_parameter_error_message_for_n() -> None:
    for bad in (0, 21):
        with pytest.raises(ParameterError, match=r"n must be an integer in 1\.\.20"):
            CounterTask(bad)
    CounterTask(20)  # the largest n is fine (nothing exponential happens on construction)


@pytest.mark.parametrize("variant", VARIANTS)
def test_min_dfa_sizes_and_closed_form(variant: str) -> None:
    for n in range(1, 7):
        task = CounterTask(n, variant)
        explored = task.reference().explore()
        assert explored.num_states <= 4 * 2**n * (n + 2) + 1  # O(2^n·n), not 4^n
        assert task.reference_dfa().num_states == expected_min_dfa_states(n, variant)


@pytest.mark.parametrize("variant", VARIANTS)
def test_lower_bounds_consistent_with_the_dfa(variant: str) -> None:
    for n in range(1, 6):
        task = CounterTask(n, variant)
        dfa = task.reference_dfa()
        bounds = {b.measure: b for b in task.lower_bounds()}
        states = bounds["DFA states"].value
        assert isinstance(states, int) and dfa.num_states >= states
        shortest = dfa.shortest_accepted()
        assert shortest is not None and len(shortest) == task.shortest_length()
        counts = dfa.count_by_length(task.longest_length() + n + 3)
        longest = max(k for k, c in enumerate(counts) if c)
        assert longest == task.longest_length()
        if variant == "full":
            assert states == len(shortest) + 1
            assert "shorter than m" in bounds["DFA states"].reason
        else:
            assert states == longest + 1
        assert bounds["RNN state bits k*D"].value == pytest.approx(math.log2(states))
        assert bounds["LTL formula size"].value is None
        assert "LTL" in bounds["LTL formula size"].reason


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_samples_are_classified_correctly(n: int, variant: str) -> None:
    task = CounterTask(n, variant)
    s = task.samples()
    dfa = task.reference_dfa()
    assert s.positive and s.negative and s.near_miss
    assert all(task.accepts(x) and dfa.accepts(x) for x in s.positive)
    assert not any(task.accepts(x) or dfa.accepts(x) for x in s.negative + s.near_miss)
    for x in s.near_miss:
        assert any(len(p) == len(x) and sum(a != b for a, b in zip(p, x)) == 1 for p in s.positive)


def test_relation_without_long_walks() -> None:
    """H = {(a, b)}: at most two blocks, so the full variant is empty for n ≥ 2."""
    h = frozenset({("a", "b")})
    full, stream = CounterTask(2, "full", h), CounterTask(2, "stream", h)
    assert full.shortest_length() is None and full.reference_dfa().shortest_accepted() is None
    with pytest.raises(ParameterError):
        full.full_word()
    assert stream.longest_length() == 8 and stream.accepts(w("00a#01b#"))
    assert not stream.accepts(w("00a#01b#10a#"))
    assert CounterTask(1, "full", h).full_word() == w("0a#1b#")
    assert full.lower_bounds()[0].value is None


def test_params_and_citation() -> None:
    task = CounterTask(3, "stream")
    assert task.params["n"] == 3 and task.params["variant"] == "stream"
    assert task.relation == DEFAULT_H
    assert "Example 2" in str(task.citation) and "[BCL]" in str(task.citation)
    assert task.alphabet == ("0", "1", "#", "a", "b", "c")
