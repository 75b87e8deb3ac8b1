"""The vectorised counter DFA (tasks.counter.counter_dfa) against the explored reference automaton."""
from __future__ import annotations

import numpy as np
import pytest

from automata.alphabet import show_word
from automata.dfa import DFA
from automata.errors import ParameterError, StateLimitError
from tasks.counter import ALPHABET, DEFAULT_H, CounterTask, expected_min_dfa_states
from tasks.counter import counter_dfa

RELATIONS = [DEFAULT_H, frozenset({("a", "a")}), frozenset({("a", "b"), ("b", "c")}), frozenset()]


@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n", range(1, 6))
def test_equivalent_to_explored_reference(n: int, variant: str) -> None:
    for relation in RELATIONS:
        task = CounterTask(n, variant, relation)
        explored = task.reference().explore()
        built = counter_dfa(n, variant, relation)
        assert built.num_states == explored.num_states  # exactly the reachable states, no more
        assert built.equivalent(explored) is None
        assert built.minimise().identical(explored.minimise())


@pytest.mark.parametrize("variant", ["full", "stream"])
def test_minimal_sizes_up_to_8(variant: str) -> None:
    for n in range(1, 9):
        assert counter_dfa(n, variant).minimise().num_states == expected_min_dfa_states(n, variant)


def test_reference_dfa_uses_the_builder() -> None:
    task = CounterTask(7, "stream")
    assert task.reference_dfa().identical(counter_dfa(7, "stream").minimise())
    with pytest.raises(StateLimitError):
        CounterTask(6).reference_dfa(max_states=100)


def test_accepts_the_full_word_and_not_its_neighbours() -> None:
    task = CounterTask(4)
    d = counter_dfa(4)
    word = task.full_word()
    assert d.accepts(word) and not d.accepts(word[:-1]) and not d.accepts(word + ("0",))


def test_bad_parameters_are_typed_errors() -> None:
    with pytest.raises(ParameterError):
        counter_dfa(0)
    with pytest.raises(ParameterError):
        counter_dfa(3, "both")
    with pytest.raises(ParameterError):
        counter_dfa(3, "full", {("a", "z")})


@pytest.mark.parametrize("seed", range(3))
def test_negative_corrupted_transition_is_detected(seed: int, capsys) -> None:
    """Redirect one live transition: the DFAs are no longer equivalent and a shortest witness is shown."""
    rng = np.random.default_rng(seed)
    good = counter_dfa(3)
    delta = good.delta.copy()
    live = np.argwhere(delta >= 0)
    q, a = live[int(rng.integers(0, len(live)))]
    delta[q, a] = -1  # the transition now falls into the sink
    bad = DFA(ALPHABET, delta, good.start, good.accepting)
    word = bad.equivalent(good)
    assert word is not None
    print("counterexample:", show_word(word))
    assert bad.accepts(word) != good.accepts(word) and good.accepts(word) == CounterTask(3).accepts(word)
    assert "counterexample:" in capsys.readouterr().out
