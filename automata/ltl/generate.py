"""Seeded random LTL formulas (for ``succinct verify ltl-random``; the tests use hypothesis instead).

Every operator of the syntax appears; half of the roots are past operators, since a future operator
at the root is read at the last position, where it is trivially false (U, X, F) or trivial (G).

>>> import random
>>> from automata.ltl.syntax import to_text
>>> to_text(random_formula(random.Random(1), ("a", "b"), 2)) == to_text(random_formula(random.Random(1), ("a", "b"), 2))
True
"""
from __future__ import annotations

import random
from typing import Sequence

from automata.errors import ParameterError
from automata.ltl.formula import FALSE, TRUE, Binary, Formula, Letter, Unary

_UNARY = ("!", "Y", "P", "H", "X", "F", "G")
_BINARY = ("&", "|", "->", "<->", "S", "U")
_PAST_ROOTS = ("Y", "P", "H", "S")
MAX_DEPTH = 8


def random_formula(rng: random.Random, alphabet: Sequence[str], depth: int, root: bool = True) -> Formula:
    """A random formula of nesting depth ≤ ``depth`` over ``alphabet`` (1 ≤ depth ≤ 8)."""
    if not 0 <= depth <= MAX_DEPTH:
        raise ParameterError(f"formula depth must lie in 0..{MAX_DEPTH}, got {depth}")
    alphabet = tuple(alphabet)
    if depth == 0 or (not root and rng.random() < 0.25):
        r = rng.random()
        if r < 0.06:
            return TRUE
        if r < 0.1:
            return FALSE
        return Letter(rng.choice(alphabet))
    if root and rng.random() < 0.5:
        op = rng.choice(_PAST_ROOTS)
    else:
        op = rng.choice(_UNARY + _BINARY)
    if op in _UNARY:
        return Unary(op, random_formula(rng, alphabet, depth - 1, False))
    return Binary(op, random_formula(rng, alphabet, depth - 1, False), random_formula(rng, alphabet, depth - 1, False))
