"""Implicit automata: exploration, acceptance, limits."""
from __future__ import annotations

from collections.abc import Hashable

import pytest

from automata.alphabet import all_words, decode_word, show_word
from automata.dfa import DFA
from automata.errors import StateLimitError, UnknownSymbolError
from automata.implicit import FunctionAutomaton, ImplicitAutomaton


class DivisibleBy(ImplicitAutomaton):
    """Binary numbers, most significant bit first, divisible by n (ε reads as 0)."""

    alphabet = ("0", "1")

    def __init__(self, n: int, bug: bool = False) -> None:
        self.n, self.bug = n, bug

    def start(self) -> Hashable:
        return 0

    def step(self, state, symbol):
        if self.bug and state == 2 and symbol == "0":
            return 2  # deliberately wrong (should be 4 % n)
        return (2 * state + int(symbol)) % self.n

    def is_accepting(self, state) -> bool:
        return state == 0


class BoundedAnBn(ImplicitAutomaton):
    """a^i b^i for 0 <= i <= cap; the dead state is None."""

    def __init__(self, cap: int) -> None:
        self.cap = cap

    @property
    def alphabet(self) -> tuple[str, ...]:
        return ("a", "b")

    def start(self):
        return ("up", 0)

    def step(self, state, symbol):
        phase, i = state
        if symbol == "a":
            return ("up", i + 1) if phase == "up" and i < self.cap else None
        return ("down", i - 1) if i > 0 else None

    def is_accepting(self, state) -> bool:
        return state[1] == 0


class Unbounded(ImplicitAutomaton):
    alphabet = ("x",)

    def start(self):
        return 0

    def step(self, state, symbol):
        return state + 1

    def is_accepting(self, state) -> bool:
        return state % 2 == 0


def all_codes(k: int, n: int):
    for length in range(n + 1):
        yield all_words(length, k)


def test_divisible_by_three_explores_to_known_dfa():
    d = DivisibleBy(3).explore()
    assert d.alphabet == ("0", "1") and d.start == 0
    assert d.delta.tolist() == [[0, 1], [2, 0], [1, 2]]
    assert d.accepting.tolist() == [True, False, False]
    for w in all_codes(2, 9):
        values = [int("".join(map(str, row)) or "0", 2) for row in w]
        assert d.run(w).tolist() == [v % 3 == 0 for v in values]
    assert d.minimise().identical(d)


def test_explore_matches_accepts_on_all_short_words():
    for auto in (DivisibleBy(5), BoundedAnBn(3)):
        d = auto.explore()
        for w in all_codes(2, 9):
            assert d.run(w).tolist() == [auto.accepts(decode_word(r, auto.alphabet)) for r in w]


def test_dead_transitions_are_missing_and_bfs_numbering():
    d, states = BoundedAnBn(2).explore_states()
    assert states == [("up", 0), ("up", 1), ("up", 2), ("down", 0), ("down", 1)]
    assert d.delta.tolist() == [[1, -1], [2, 3], [-1, 4], [-1, -1], [-1, 3]]
    assert not d.is_complete and d.accepting.tolist() == [True, False, False, True, False]
    assert d.count_by_length(6) == [1, 0, 1, 0, 1, 0, 0]


def test_state_limit():
    with pytest.raises(StateLimitError):
        Unbounded().explore(max_states=100)
    assert Unbounded().accepts("xxxx") and not Unbounded().accepts("xxx")
    assert DivisibleBy(7).explore(max_states=7).num_states == 7
    with pytest.raises(StateLimitError):
        DivisibleBy(7).explore(max_states=6)


def test_unknown_symbols_rejected_even_after_death():
    auto = BoundedAnBn(1)
    assert not auto.accepts("bb")
    with pytest.raises(UnknownSymbolError):
        auto.accepts("bbc")  # dies at the first b, still validated
    with pytest.raises(UnknownSymbolError):
        DivisibleBy(3).accepts(["1", "2"])


def test_function_automaton_and_empty_start():
    parity = FunctionAutomaton(["a", "b"], 0, lambda s, x: s ^ (x == "a"), lambda s: s == 1)
    assert parity.alphabet == ("a", "b") and parity.accepts("aba") is False and parity.accepts("ab")
    assert parity.explore().num_states == 2
    nothing = FunctionAutomaton(("a",), None, lambda s, x: s, lambda s: True)
    d = nothing.explore()
    assert d.num_states == 1 and d.is_empty() and not nothing.accepts("")
    with pytest.raises(TypeError):
        ImplicitAutomaton()  # abstract


def test_negative_buggy_reference_is_caught_with_printed_word():
    good, bad = DivisibleBy(3).explore(), DivisibleBy(3, bug=True).explore()
    word = good.equivalent(bad)
    assert word is not None
    message = f"disagree on {show_word(word)}"
    assert message == "disagree on 1001"  # 9 is divisible by 3; the bug misreads "100"
    assert good.accepts(word) and not bad.accepts(word)
    assert DivisibleBy(3, bug=True).accepts(word) is False


def test_explore_equivalent_to_hand_written_dfa():
    hand = DFA.from_table("ab", {"s": {"a": "1"}, "1": {"a": "2", "b": "e"}, "2": {"b": "d"},
                                 "d": {"b": "e"}, "e": {}}, "s", {"s", "e"})
    assert BoundedAnBn(2).explore().equivalent(hand) is None
    assert BoundedAnBn(3).explore().equivalent(hand) == tuple("aaabbb")
