"""The task interface: a family of languages with a reference automaton and what theory says of it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from automata.alphabet import Word, encode_word
from automata.dfa import DFA
from automata.implicit import ImplicitAutomaton


@dataclass(frozen=True)
class Citation:
    """Where a result comes from, e.g. Citation("[BCL] Bergsträßer, Cotterell, Lin, ICLR 2026", "Example 2")."""

    paper: str
    result: str

    def __str__(self) -> str:
        return f"{self.paper}, {self.result}"


@dataclass(frozen=True)
class LowerBound:
    """A lower bound on the size of any representation of the language, with its argument."""

    measure: str  # e.g. "DFA states", "RNN state bits k*D", "LTL formula size"
    value: float | int | None  # None: no lower bound beyond a constant (no separation)
    reason: str


@dataclass(frozen=True)
class Samples:
    positive: tuple[Word, ...] = ()
    negative: tuple[Word, ...] = ()
    near_miss: tuple[Word, ...] = field(default=())  # negatives one edit away from a positive


class Task(ABC):
    """A language L ⊆ Σ⁺ (words are non-empty) of a family, fixed by its parameters."""

    name: str
    alphabet: tuple[str, ...]
    citation: Citation

    @property
    @abstractmethod
    def params(self) -> Mapping[str, object]: ...

    @abstractmethod
    def reference(self) -> ImplicitAutomaton:
        """A deterministic reference automaton for L (implicit; explore it for an explicit DFA)."""

    def accepts(self, word: Sequence[str]) -> bool:
        encode_word(word, self.alphabet)  # raises UnknownSymbolError
        return len(word) > 0 and self.reference().accepts(word)

    def reference_dfa(self, max_states: int = 2_000_000) -> DFA:
        """The minimal complete DFA of L."""
        return self._minimal_dfa(max_states)

    def _minimal_dfa(self, max_states: int) -> DFA:
        cache = self.__dict__.setdefault("_dfa_cache", {})
        if "min" not in cache:
            cache["min"] = self.reference().explore(max_states).minimise()
        return cache["min"]

    @abstractmethod
    def samples(self) -> Samples: ...

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        return ()

    def describe(self) -> str:
        ps = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({ps}) — {self.citation}"
