"""Dyck-(k, D): well-nested words over k bracket pairs with nesting depth at most D (THEORY §9).

Sources: S. Yao, B. Peng, C. Papadimitriou, K. Narasimhan, *Self-Attention Networks Can Process Bounded
Hierarchical Languages*, ACL 2021 ([YAO]: transformers with D + 1 layers); J. Hewitt, M. Hahn, S. Ganguli,
P. Liang, C. D. Manning, *RNNs can generate bounded hierarchical languages with optimal memory*, EMNLP
2020 ([HEW]: Θ(D log k) units suffice and are necessary). The family is the counterpoint to [BCL]'s L_n:
its recognisers grow with the depth, but **no representation is exponentially smaller than another**.

The language: ``S → ε | (_a S )_a S`` (a = 1..k) restricted to depth ≤ D and to non-empty words (the
project's words are non-empty, THEORY §1). Symbols: the pairs ``( )``, ``[ ]``, ``{ }``, ``< >``, then
``a A``, ``b B``, ``c C``, ``d D`` (k ≤ 8); the alphabet is ordered opens first, then closes.

Reference automaton: the state is the stack of open types (a tuple of length ≤ D) plus a flag "some
symbol was read"; an unmatched close, a wrong type or depth D + 1 is the dead state.

**Minimal DFA** (:func:`dyck_dfa_states`, checked against Hopcroft in the tests): every stack of depth
≤ D is reachable and any two differ on some closing suffix, the empty stack occurs twice (before the
first symbol: rejecting; after a non-empty balanced word: accepting), plus the sink:
``m(k, D) = (k^(D+1) − 1)/(k − 1) + 2`` for k ≥ 2 and ``D + 3`` for k = 1.

Lower bounds: a DFA needs ``m(k, D)`` states (exact); an RNN at any fixed precision needs
``log2 m(k, D) ≥ D·log2 k`` state bits ([BCL] Prop 1: an RNN with k·D state bits is an automaton with
2^(k·D) states) — linear in D, never exponential.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Hashable, Mapping

from automata.alphabet import Word
from automata.errors import ParameterError, StateLimitError
from automata.implicit import ImplicitAutomaton
from tasks.base import Citation, LowerBound, Samples, Task

YAO = "[YAO] Yao, Peng, Papadimitriou, Narasimhan, ACL 2021"
HEW = "[HEW] Hewitt, Hahn, Ganguli, Liang, Manning, EMNLP 2020"
PAIRS: tuple[tuple[str, str], ...] = (
    ("(", ")"), ("[", "]"), ("{", "}"), ("<", ">"), ("a", "A"), ("b", "B"), ("c", "C"), ("d", "D"),
)
K_MAX = len(PAIRS)
D_MAX = 16  # the program and the stack RNN are linear in D; the DFA is refused by its own state limit
MAX_DFA_STATES = 2_000_000  # the minimal DFA is built only up to this many states (closed form checked first)


def check_params(k: object, depth: object) -> tuple[int, int]:
    """(k, D) validated: integers with 1 ≤ k ≤ 8 and 1 ≤ D ≤ 16 (ParameterError otherwise)."""
    for name, v, hi in (("k", k, K_MAX), ("D", depth, D_MAX)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= hi:
            raise ParameterError(f"dyck: {name} = {v!r} is out of range 1..{hi}")
    return int(k), int(depth)  # type: ignore[arg-type]


def dyck_alphabet(k: int) -> tuple[str, ...]:
    """The k opening symbols, then the k closing ones."""
    check_params(k, 1)
    return tuple(p[0] for p in PAIRS[:k]) + tuple(p[1] for p in PAIRS[:k])


def dyck_dfa_states(k: int, depth: int) -> int:
    """States of the minimal complete DFA of Dyck-(k, D) ∩ Σ⁺ (module docstring)."""
    k, depth = check_params(k, depth)
    stacks = depth + 1 if k == 1 else (k ** (depth + 1) - 1) // (k - 1)
    return stacks + 2


def depth_of(word: Word, k: int) -> int | None:
    """The nesting depth of a well-nested ``word`` over Dyck-k's alphabet, None if it is not well nested."""
    opens = {p[0]: t for t, p in enumerate(PAIRS[:k])}
    closes = {p[1]: t for t, p in enumerate(PAIRS[:k])}
    stack: list[int] = []
    deepest = 0
    for sym in word:
        if sym in opens:
            stack.append(opens[sym])
            deepest = max(deepest, len(stack))
        elif sym in closes and stack and stack[-1] == closes[sym]:
            stack.pop()
        else:
            return None
    return deepest if not stack else None


@dataclass(frozen=True)
class DyckAutomaton(ImplicitAutomaton):
    """The stack automaton: state ``(read_something, stack)``; None is the dead state."""

    k: int
    depth: int
    alphabet: tuple[str, ...] = field(init=False)
    _code: dict[str, int] = field(init=False, repr=False, compare=False)  # symbol → its code, once

    def __post_init__(self) -> None:
        alphabet = dyck_alphabet(self.k)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "_code", {a: t for t, a in enumerate(alphabet)})

    def start(self) -> Hashable:
        return (False, ())

    def step(self, state: Hashable, symbol: str) -> Hashable | None:
        _, stack = state  # type: ignore[misc]
        t = self._code[symbol]
        if t < self.k:
            return None if len(stack) == self.depth else (True, stack + (t,))
        if not stack or stack[-1] != t - self.k:
            return None
        return (True, stack[:-1])

    def is_accepting(self, state: Hashable) -> bool:
        read, stack = state  # type: ignore[misc]
        return bool(read) and not stack


class DyckTask(Task):
    """Dyck-(k, D) ∩ Σ⁺ (module docstring). ``params`` = {k, D}."""

    name = "dyck"
    citation = Citation(f"{YAO}; {HEW}", "Dyck-(k, D), THEORY §9")

    def __init__(self, k: int, depth: int) -> None:
        self.k, self.depth = check_params(k, depth)
        self.alphabet = dyck_alphabet(self.k)

    @property
    def params(self) -> Mapping[str, object]:
        return {"k": self.k, "D": self.depth}

    def reference(self) -> ImplicitAutomaton:
        return DyckAutomaton(self.k, self.depth)

    def reference_dfa(self, max_states: int = MAX_DFA_STATES):
        """The minimal DFA; refused at once (closed form, no exploration) beyond ``max_states`` states."""
        m = dyck_dfa_states(self.k, self.depth)
        if m > max_states:
            raise StateLimitError(f"dyck k={self.k} D={self.depth}: the minimal DFA has {m:,} states "
                                  f"(k^(D+1)−1)/(k−1) + 2, over the limit of {max_states:,}")
        return super().reference_dfa(max_states)

    def shortest_word(self) -> Word:
        """The shortest word of the language: one pair."""
        return PAIRS[0]

    def shortest_length(self) -> int:
        return 2

    def deepest_word(self) -> Word:
        """A shortest word of depth exactly D: D opens of the last type, then their closes."""
        o, c = PAIRS[self.k - 1]
        return (o,) * self.depth + (c,) * self.depth

    def samples(self) -> Samples:
        k, d = self.k, self.depth
        o, c = zip(*PAIRS[:k])
        pos = [(o[0], c[0]), self.deepest_word(), (o[0], c[0], o[k - 1], c[k - 1])]
        if k >= 2:
            pos.append((o[0], o[1], c[1], c[0]))
        neg = [(o[0],), (c[0],), (c[0], o[0]), (o[0],) * (d + 1) + (c[0],) * (d + 1)]
        near = [(o[0], c[0], c[0]), (o[0],) * d + (c[0],) * (d - 1)]
        if k >= 2:
            neg.append((o[0], o[1], c[0], c[1]))  # crossed
            near.append((o[0], c[1]))
        return Samples(tuple(pos), tuple(neg), tuple(near))

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        m = dyck_dfa_states(self.k, self.depth)
        return (
            LowerBound("DFA states", m, "the minimal DFA (every stack of depth ≤ D is a distinct state)"),
            LowerBound("RNN state bits k*D", math.log2(m),
                       "[BCL] Prop 1: an RNN with b state bits is an automaton with 2^b states; ≥ D·log2 k"),
        )

    def describe(self) -> str:
        return f"dyck(k={self.k}, D={self.depth}) — {self.citation}"


__all__ = ["DyckAutomaton", "DyckTask", "D_MAX", "K_MAX", "MAX_DFA_STATES", "PAIRS", "check_params", "depth_of", "dyck_alphabet",
           "dyck_dfa_states"]
