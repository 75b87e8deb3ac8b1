"""The four preset languages of the official B-RASP simulator ([YCA]), with hand-built reference DFAs.

The automata below are written from the languages' definitions, independently of the B-RASP programs in
:mod:`constructions.library.presets` (tests check the two against each other on all short words).

* ``dyck1_depth2`` — Dyck-1 of depth ≤ 2, (l(lr)*r)+ over {l, r};
* ``stair3`` — Stair_3 = Σ*ac*ac*aΣ* over {a, b, c};
* ``ab_plus`` — (ab)+ over {a, b};
* ``b_prec_a_nosucc_c`` — {a,b,c}*a{b,c}*ba* over {a, b, c}.

>>> PRESET_TASKS["ab_plus"]().accepts(("a", "b", "a", "b"))
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Mapping

from automata.alphabet import Word
from automata.implicit import ImplicitAutomaton
from tasks.base import Citation, Samples, Task

YCA = "[YCA] Yang, Chiang, Angluin, NeurIPS 2024 (arXiv 2310.13897)"
Table = Mapping[Hashable, Mapping[str, Hashable]]


@dataclass(frozen=True)
class TableAutomaton(ImplicitAutomaton):
    """A small deterministic automaton given as a table ``state → {symbol: state}``; a missing entry is
    the dead state (``step`` returns None).

    >>> TableAutomaton(("a",), {0: {"a": 1}}, 0, frozenset({1})).accepts("a")
    True
    """

    alphabet: tuple[str, ...]
    table: Table
    initial: Hashable
    accepting: frozenset

    def start(self) -> Hashable:
        return self.initial

    def step(self, state: Hashable, symbol: str) -> Hashable | None:
        return self.table.get(state, {}).get(symbol)

    def is_accepting(self, state: Hashable) -> bool:
        return state in self.accepting


def _words(*texts: str) -> tuple[Word, ...]:
    return tuple(tuple(t) for t in texts)


class PresetTask(Task):
    """A fixed preset language: no parameters, a table automaton, hand-picked samples."""

    table: Table
    start_state: Hashable
    accepting: frozenset
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    near_miss: tuple[str, ...]

    @property
    def params(self) -> Mapping[str, object]:
        return {}

    def reference(self) -> ImplicitAutomaton:
        return TableAutomaton(self.alphabet, self.table, self.start_state, self.accepting)

    def samples(self) -> Samples:
        return Samples(_words(*self.positive), _words(*self.negative), _words(*self.near_miss))


class Dyck1Depth2(PresetTask):
    """Balanced l/r words of nesting depth 1 or 2: (l(lr)*r)+. State: current depth; "s" = nothing read."""

    name = "dyck1_depth2"
    alphabet = ("l", "r")
    citation = Citation(YCA, "B-RASP simulator preset 'Dyck-1 of Depth 2'")
    table = {"s": {"l": 1}, 0: {"l": 1}, 1: {"l": 2, "r": 0}, 2: {"r": 1}}
    start_state = "s"
    accepting = frozenset({0})
    positive = ("lr", "llrr", "lrlr", "llrlrr", "llrrlr", "lrllrlrr")
    negative = ("l", "r", "rl", "lll", "lrr", "lllrrr", "llrrr", "lrl")
    near_miss = ("lrrr", "llr", "lrlrl", "lllrr")


class Stair3(PresetTask):
    """Σ*ac*ac*aΣ*: three a's separated only by c's. State: a's in the current a c* a c* … run (3 is
    absorbing); b breaks the run."""

    name = "stair3"
    alphabet = ("a", "b", "c")
    citation = Citation(YCA, "B-RASP simulator preset 'Stair_3'")
    table = {
        0: {"a": 1, "b": 0, "c": 0},
        1: {"a": 2, "b": 0, "c": 1},
        2: {"a": 3, "b": 0, "c": 2},
        3: {"a": 3, "b": 3, "c": 3},
    }
    start_state = 0
    accepting = frozenset({3})
    positive = ("aaa", "acaca", "bacccaab", "aacab", "caccacab")
    negative = ("a", "aa", "abaa", "acacba", "cccbbb", "aabaa")
    near_miss = ("acaba", "acbca", "bacab")


class ABPlus(PresetTask):
    """(ab)+. State: 0 start, 1 after an a, 2 after a b (accepting)."""

    name = "ab_plus"
    alphabet = ("a", "b")
    citation = Citation(YCA, "B-RASP simulator preset '(ab)^+'; THEORY §2")
    table = {0: {"a": 1}, 1: {"b": 2}, 2: {"a": 1}}
    start_state = 0
    accepting = frozenset({2})
    positive = ("ab", "abab", "ababab")
    negative = ("a", "b", "ba", "aab", "abb", "aba", "bab")
    near_miss = ("abaa", "bbab", "abaab", "abb")


class BPrecANoSuccC(PresetTask):
    """{a,b,c}*a{b,c}*ba*: some b has an a before it and no c after it.
    State: 0 no a yet; 1 an a seen, no such b pending; 2 a b after an a with no c since (accepting)."""

    name = "b_prec_a_nosucc_c"
    alphabet = ("a", "b", "c")
    citation = Citation(YCA, "B-RASP simulator preset '{a,b,c}^*a{b,c}^*ba^*'")
    table = {
        0: {"a": 1, "b": 0, "c": 0},
        1: {"a": 1, "b": 2, "c": 1},
        2: {"a": 2, "b": 2, "c": 1},
    }
    start_state = 0
    accepting = frozenset({2})
    positive = ("ab", "abaa", "acbab", "cabb", "abcab", "bcab")
    negative = ("a", "b", "ba", "abc", "bbca", "cccc", "abcaa")
    near_miss = ("abca", "cbb", "ac")


PRESET_TASKS: dict[str, Callable[[], Task]] = {
    "dyck1_depth2": Dyck1Depth2,
    "stair3": Stair3,
    "ab_plus": ABPlus,
    "b_prec_a_nosucc_c": BPrecANoSuccC,
}

__all__ = ["PRESET_TASKS", "TableAutomaton", "PresetTask", "Dyck1Depth2", "Stair3", "ABPlus", "BPrecANoSuccC"]
