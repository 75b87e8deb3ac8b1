"""The simulator presets: the B-RASP programs agree with independent reference DFAs on every word of
length 1..8, and a broken program is caught with its first (shortest, then lexicographically least)
disagreeing word."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from automata.alphabet import all_words, decode_word, encode_word, show_word
from automata.dfa import DFA
from constructions.brasp.formula import atoms, neg
from constructions.brasp.interpreter import accepts
from constructions.brasp.program import Program
from constructions.library.presets import PRESETS
from tasks.presets import PRESET_TASKS

MAX_LEN = 8


def first_disagreement(program: Program, dfa: DFA, max_len: int = MAX_LEN) -> tuple[str, ...] | None:
    """The shortest, then lexicographically least, word of length 1..max_len on which they differ."""
    for length in range(1, max_len + 1):
        words = all_words(length, len(program.alphabet))
        diff = np.flatnonzero(accepts(program, words) != dfa.run(words))
        if diff.size:
            return decode_word(words[diff[0]], program.alphabet)
    return None


def test_same_keys() -> None:
    assert set(PRESETS) == set(PRESET_TASKS)


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_program_matches_reference_on_all_short_words(key: str) -> None:
    program, task = PRESETS[key](), PRESET_TASKS[key]()
    assert program.alphabet == task.alphabet
    dfa = task.reference_dfa()
    assert tuple(dfa.alphabet) == task.alphabet
    assert first_disagreement(program, dfa) is None
    assert any(dfa.run(all_words(n, len(task.alphabet))).any() for n in range(1, MAX_LEN + 1))


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_scores_read_j_only(key: str) -> None:
    """Lemma 9 with K = ∅ (THEORY §2)."""
    for op in PRESETS[key]().attention_ops:
        assert {side for _, side in atoms(op.score)} <= {"j"}, op.name


@pytest.mark.parametrize("key", sorted(PRESET_TASKS))
def test_samples_are_classified_correctly(key: str) -> None:
    task = PRESET_TASKS[key]()
    s = task.samples()
    assert s.positive and s.negative and s.near_miss
    assert all(task.accepts(w) for w in s.positive)
    assert not any(task.accepts(w) for w in s.negative + s.near_miss)
    program = PRESETS[key]()
    for group, expected in ((s.positive, True), (s.negative + s.near_miss, False)):
        for w in group:
            assert accepts(program, encode_word(w, program.alphabet)[None]).tolist() == [expected], w
    for w in s.near_miss:
        assert any(edit_distance(w, p) == 1 for p in s.positive), w


def edit_distance(u: tuple[str, ...], v: tuple[str, ...]) -> int:
    row = list(range(len(v) + 1))
    for i, a in enumerate(u, 1):
        prev, row[0] = row[0], i
        for j, b in enumerate(v, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (a != b))
    return row[-1]


def replace_op(program: Program, name: str, **changes: object) -> Program:
    ops = tuple(dataclasses.replace(o, **changes) if o.name == name else o for o in program.ops)
    return dataclasses.replace(program, ops=ops)


def test_flipped_tiebreak_is_caught() -> None:
    program = PRESETS["ab_plus"]()
    broken = replace_op(program, "AB", tiebreak="leftmost")  # "b after the first symbol's a"
    word = first_disagreement(broken, PRESET_TASKS["ab_plus"]().reference_dfa())
    print("first disagreement, AB with leftmost tie-break:", show_word(word or ()))
    assert word == ("a", "b", "b")


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_negated_value_is_caught(key: str) -> None:
    program = PRESETS[key]()
    dfa = PRESET_TASKS[key]().reference_dfa()
    caught = {}
    for op in program.attention_ops:
        broken = replace_op(program, op.name, value=neg(op.value))
        caught[op.name] = first_disagreement(broken, dfa)
        print(f"{key}: negated value of {op.name}: first disagreement",
              "none" if caught[op.name] is None else show_word(caught[op.name]))
    assert caught[program.output] is not None
    assert sum(w is not None for w in caught.values()) >= len(caught) - 1


def test_broken_reference_is_caught() -> None:
    """The check is two-sided: a wrong automaton is caught as well."""
    task = PRESET_TASKS["stair3"]()
    dfa = task.reference_dfa()
    broken = DFA(dfa.alphabet, dfa.delta, dfa.start, ~np.asarray(dfa.accepting))
    assert first_disagreement(PRESETS["stair3"](), broken) == ("a",)

