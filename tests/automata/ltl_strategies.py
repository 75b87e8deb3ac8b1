"""Hypothesis strategies for LTL formulas (:mod:`automata.ltl.formula`), shared by the LTL tests.

Formulas use every operator of the AST (``! Y P H X F G`` and ``& | -> <-> S U``), constants and the
letters of a small alphabet — 1 to 3 symbols, some of which only print as ``Q_#``, ``Q_0``, ``Q_Y``.

* :func:`formulas` — formulas of depth ≤ ``depth`` over a given alphabet;
* :func:`cases` — ``(alphabet, formula)`` pairs, the alphabet drawn from :data:`ALPHABETS`;
* :func:`past_rooted` — about half the roots are past operators: read at the last position a future
  operator at the root is trivial (X, F, U false; G = the argument), so these make the future
  operators underneath matter.
"""
from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from automata.ltl.formula import FALSE, TRUE, Binary, Formula, Letter, Unary

UNARY_OPS = ("!", "Y", "P", "H", "X", "F", "G")
BINARY_OPS = ("&", "|", "->", "<->", "S", "U")
ALPHABETS: tuple[tuple[str, ...], ...] = (
    ("a",), ("a", "b"), ("a", "b", "c"), ("#", "0"), ("0", "1", "#"), ("b", "Y"), ("#",),
)
TWO_LETTERS: tuple[tuple[str, ...], ...] = (("a", "b"), ("#", "0"))


@lru_cache(maxsize=None)
def formulas(alphabet: tuple[str, ...], depth: int = 4) -> st.SearchStrategy[Formula]:
    """Formulas of depth ≤ ``depth`` over ``alphabet``; leaves are mostly letters and rarer than
    operators above depth 0 (uniform choices give mostly trivial languages)."""
    letter = st.sampled_from(alphabet).map(Letter)
    leaves = st.one_of(letter, letter, letter, st.sampled_from([TRUE, FALSE]))
    if depth <= 0:
        return leaves
    sub = formulas(alphabet, depth - 1)
    unary = st.builds(Unary, st.sampled_from(UNARY_OPS), sub)
    binary = st.builds(Binary, st.sampled_from(BINARY_OPS), sub, sub)
    return st.one_of(leaves, unary, binary, unary, binary)


@lru_cache(maxsize=None)
def past_rooted(alphabet: tuple[str, ...], depth: int = 4) -> st.SearchStrategy[Formula]:
    """Half plain formulas of depth ≤ ``depth``, half a past operator (Y P H S) over ones of depth ≤ ``depth - 1``."""
    inner = formulas(alphabet, depth - 1)
    root = st.one_of(st.builds(Unary, st.sampled_from(("Y", "P", "H")), inner),
                     st.builds(Binary, st.just("S"), inner, inner))
    return st.one_of(formulas(alphabet, depth), root)


@lru_cache(maxsize=None)
def cases(depth: int = 4, alphabets: tuple[tuple[str, ...], ...] = ALPHABETS
          ) -> st.SearchStrategy[tuple[tuple[str, ...], Formula]]:
    """``(alphabet, formula)`` with the formula's letters in the alphabet (strategies are built once and
    cached: rebuilding them per example, as ``flatmap`` would, costs more than the tests)."""
    return st.one_of(*(st.tuples(st.just(a), past_rooted(a, depth)) for a in alphabets))
