"""Implicit (on-the-fly) deterministic automata, explored into explicit :class:`~automata.dfa.DFA`s.

A reference automaton for a task is usually easier to write as a step function on readable states
(tuples, counters) than as a table. Subclass :class:`ImplicitAutomaton`, or wrap three functions in
:class:`FunctionAutomaton`:

>>> mod3 = FunctionAutomaton(("0", "1"), 0, lambda r, b: (2 * r + int(b)) % 3, lambda r: r == 0)
>>> mod3.accepts("110"), mod3.accepts("111")
(True, False)
>>> mod3.explore().delta.tolist()
[[0, 1], [2, 0], [1, 2]]
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

import numpy as np

from automata.alphabet import check_alphabet, encode_word, word_tuple
from automata.dfa import DFA
from automata.errors import ArgumentError, StateLimitError, check_int


class ImplicitAutomaton(ABC):
    """A deterministic automaton given by ``start``, ``step`` and ``is_accepting``.

    ``step`` returns ``None`` for the dead (rejecting, absorbing) state. Subclasses provide
    ``alphabet`` (a tuple of distinct symbol strings) as an attribute or a property.
    """

    alphabet: tuple[str, ...]

    @abstractmethod
    def start(self) -> Hashable:
        """The initial state (hashable)."""

    @abstractmethod
    def step(self, state: Hashable, symbol: str) -> Hashable | None:
        """The successor of ``state`` on ``symbol``, or None for the dead state."""

    @abstractmethod
    def is_accepting(self, state: Hashable) -> bool:
        """Whether ``state`` is accepting."""

    def accepts(self, word: Sequence[str]) -> bool:
        """Run on ``word``; every symbol is validated first (:class:`UnknownSymbolError`)."""
        word = word_tuple(word)
        encode_word(word, self.alphabet)
        state: Hashable | None = self.start()
        for symbol in word:
            if state is None:
                return False
            state = self.step(state, symbol)
        return state is not None and bool(self.is_accepting(state))

    def explore_states(self, max_states: int = 2_000_000) -> tuple[DFA, list[Hashable]]:
        """Like :meth:`explore`, also returning the state objects (index ``i`` = DFA state ``i``)."""
        check_int(max_states, "explore: max_states", 1)
        alphabet = tuple(self.alphabet)
        first = self.start()
        if first is None:  # an empty language: one rejecting state without transitions
            return DFA(alphabet, np.full((1, len(alphabet)), -1, dtype=np.int64), 0, np.zeros(1, bool)), [None]
        index: dict[Hashable, int] = {first: 0}
        states: list[Hashable] = [first]
        rows: list[list[int]] = []
        accepting: list[bool] = []
        i = 0
        while i < len(states):
            state = states[i]
            accepting.append(bool(self.is_accepting(state)))
            row = []
            for symbol in alphabet:
                target = self.step(state, symbol)
                if target is None:
                    row.append(-1)
                    continue
                j = index.get(target)
                if j is None:
                    if len(states) >= max_states:
                        raise StateLimitError(
                            f"{type(self).__name__} has more than {max_states} reachable states"
                        )
                    j = index[target] = len(states)
                    states.append(target)
                row.append(j)
            rows.append(row)
            i += 1
        delta = np.array(rows, dtype=np.int64).reshape(len(states), len(alphabet))
        return DFA(alphabet, delta, 0, np.array(accepting, dtype=bool)), states

    def explore(self, max_states: int = 2_000_000) -> DFA:
        """The reachable part as a partial DFA: BFS numbering (symbols in alphabet order), dead -> -1.

        Raises :class:`StateLimitError` once more than ``max_states`` states are discovered.
        """
        return self.explore_states(max_states)[0]


@dataclass(frozen=True)
class FunctionAutomaton(ImplicitAutomaton):
    """An :class:`ImplicitAutomaton` from plain functions (handy in tests and small tasks)."""

    alphabet: tuple[str, ...]
    initial: Hashable
    transition: Callable[[Hashable, str], Hashable | None]
    accept: Callable[[Hashable], bool]

    def __post_init__(self) -> None:
        object.__setattr__(self, "alphabet", tuple(check_alphabet(self.alphabet, "FunctionAutomaton: the alphabet")))
        for label in ("transition", "accept"):
            if not callable(getattr(self, label)):
                raise ArgumentError(f"FunctionAutomaton: {label} must be a function, got "
                                    f"{type(getattr(self, label)).__name__}")

    def start(self) -> Hashable:
        return self.initial

    def step(self, state: Hashable, symbol: str) -> Hashable | None:
        return self.transition(state, symbol)

    def is_accepting(self, state: Hashable) -> bool:
        return bool(self.accept(state))
