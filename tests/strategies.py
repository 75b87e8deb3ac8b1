"""Shared hypothesis strategies: B-RASP formulas and programs, words, DFAs.

* :func:`raw_formulas` — any formula AST over given atoms (nested ∧ inside ∧, ``¬¬x``, constants
  inside connectives): what the printer must write and the parser read back
  (:mod:`constructions.brasp.syntax`, docs/theory.md §2);
* :func:`syntax_programs` — well-formed programs of every shape: odd symbols (``#``, ``Q``, ``(``,
  multi-character), every mask and tie-break, both acceptance sides, any program name the text
  format can hold;
* :func:`lemma9_programs` — programs in [BCL] Lemma 9's form (scores ``S(j) ∧ ⋀_k (P_k(i) ↔ P_k(j))``,
  sometimes with an i-only conjunct, which the compiler folds soundly): the shape of
  ``tests/constructions/randprog.py``'s seeded programs, but every choice a hypothesis draw (failures
  shrink to small programs), and tuned to be non-trivial — mostly read-once formulas chained through
  the newest predicate, and S(j) = ⊤ a third of the time so that the tie-break decides. (Measured:
  randprog's distribution, drawn by hypothesis, gave a constant output on ~half the programs and
  caught a flipped tie-break in ~1% of them; this one in ~36%, words of length ≤ 4 all checked.)
* :func:`words` — ``(B, L)`` int64 batches of symbol codes;
* :func:`dfas` — small, possibly partial DFAs ([BCL] §2.2), sometimes a random DFA *blown up* into
  bisimilar copies so that minimisation has states to merge; :func:`dfa_pairs` — two over one alphabet;
* :func:`counterexample` — run a property under a planted bug and return a counterexample.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, TypeVar

import numpy as np
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

from automata.dfa import DFA
from constructions.brasp.formula import (
    FALSE,
    TRUE,
    And,
    Const,
    Formula,
    Not,
    Or,
    P,
    Pred,
    conj,
    disj,
    iff,
    neg,
    symbol_predicate,
)
from constructions.brasp.program import MASKS, AttentionOp, Op, PositionOp, Program

Draw = st.DrawFn
T = TypeVar("T")

# ----------------------------------------------------------------------------- formulas and programs

#: Alphabets for semantic tests (the interpreter, compilers and DFAs): 1 to 3 plain symbols.
ALPHABETS: tuple[tuple[str, ...], ...] = (("a", "b"), ("a", "b", "c"), ("a",))
#: Symbols that stress the tokenizer: ``Q_`` prefixes of each other, punctuation, digits, non-ASCII.
ODD_SYMBOLS: tuple[str, ...] = ("a", "b", "ab", "#", "0", "1", "Y", "Q", "a_b", "(", ")", "->", "é", "▶", ":=")
_KEYWORDS = frozenset({"not", "and", "or"})
#: Predicate names the text format can write (identifiers, not the keywords ``not and or``).
NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True).filter(lambda s: s not in _KEYWORDS)
#: Program names: any non-blank one-line text (no line breaks of any kind: Program refuses them).
PROGRAM_NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=8
).filter(lambda s: s == s.strip() and s != "")


@lru_cache(maxsize=4096)
def raw_formulas(atoms: tuple[tuple[str, str], ...], depth: int = 3) -> st.SearchStrategy[Formula]:
    """A formula AST built from the node classes directly (no simplification): And/Or with 2–3
    arguments, ``Not`` over anything, constants anywhere; leaves are ``Pred(name, side)`` from ``atoms``.
    Strategies are built once per ``(atoms, depth)`` and cached (building them per draw costs more
    than the tests)."""
    const = st.builds(Const, st.booleans())
    if not atoms:
        return const
    pred = st.sampled_from(atoms).map(lambda a: Pred(*a))
    leaf = st.one_of(pred, pred, pred, const)
    if depth <= 0:
        return leaf
    sub = raw_formulas(atoms, depth - 1)
    args = st.lists(sub, min_size=2, max_size=3).map(tuple)
    return st.one_of(leaf, st.builds(Not, sub), args.map(And), args.map(Or))


def _atoms(preds: list[str], sides: str) -> tuple[tuple[str, str], ...]:
    return tuple((p, s) for p in preds for s in sides)


@st.composite
def syntax_programs(draw: Draw, max_ops: int = 4, depth: int = 2) -> Program:
    """A well-formed program of any shape the text format covers (see the module docstring)."""
    alphabet = tuple(draw(st.lists(st.sampled_from(ODD_SYMBOLS), min_size=1, max_size=3, unique=True)))
    preds = [symbol_predicate(a) for a in alphabet]
    ops: list[Op] = []
    for _ in range(draw(st.integers(1, max_ops))):
        name = draw(NAMES)
        while name in preds:
            name += "_"
        if draw(st.booleans()):
            ops.append(PositionOp(name, draw(raw_formulas(_atoms(preds, "i"), depth + 1))))
        else:
            ops.append(AttentionOp(
                name, draw(st.sampled_from(("leftmost", "rightmost"))), draw(st.sampled_from(MASKS)),
                draw(raw_formulas(_atoms(preds, "ij"), depth)), draw(raw_formulas(_atoms(preds, "ij"), depth)),
                draw(raw_formulas(_atoms(preds, "i"), depth - 1))))
        preds.append(name)
    return Program(alphabet, tuple(ops), draw(st.sampled_from(("last", "first"))), draw(PROGRAM_NAMES))


@lru_cache(maxsize=4096)
def simplified_formulas(preds: tuple[str, ...], sides: str, depth: int) -> st.SearchStrategy[Formula]:
    """randprog's ``_formula`` as a strategy: a leaf (rarely a constant) or ¬, ∧, ∨ of 2–3 subformulas,
    built with the simplifying builders ``neg``/``conj``/``disj`` (so constants fold away); cached."""
    pred = st.tuples(st.sampled_from(preds), st.sampled_from(tuple(sides))).map(lambda a: P(*a))
    leaf = st.one_of(*([pred] * 11), st.sampled_from((TRUE, FALSE)))
    if depth <= 0:
        return leaf
    sub = simplified_formulas(preds, sides, depth - 1)
    args = st.lists(sub, min_size=2, max_size=3)
    return st.one_of(leaf, args.map(lambda a: conj(*a)), args.map(lambda a: disj(*a)), sub.map(neg))


@lru_cache(maxsize=4096)
def read_once_formulas(preds: tuple[str, ...], sides: str, max_leaves: int, lead: str | None = None
                       ) -> st.SearchStrategy[Formula]:
    """Formulas reading each atom at most once: 1..``max_leaves`` distinct atoms, each possibly negated,
    folded left with ∧/∨ and the occasional ¬. With ``lead`` the first atom is the newest predicate
    read at side ``lead``, so the operations of a program form a chain (later ones depend on earlier
    ones). Read-once formulas are rarely constant, so programs built from them rarely compute a
    trivial language — randprog's often do (``P ∨ ¬P``, ``Q_a ∧ Q_b``), and hypothesis, which favours
    simple draws, makes such programs even more often."""
    every = tuple((p, s) for p in preds for s in sides)
    first = st.just((preds[-1], lead)) if lead else st.sampled_from(every)

    @st.composite
    def build(draw: Draw) -> Formula:
        chosen = [draw(first)]
        for a in draw(st.lists(st.sampled_from(every), max_size=max_leaves - 1)):
            if a not in chosen:
                chosen.append(a)
        literals = [neg(P(*a)) if draw(st.integers(0, 2)) == 2 else P(*a) for a in chosen]  # type: ignore[arg-type]
        f = literals[0]
        for lit in literals[1:]:
            f = (conj if draw(st.booleans()) else disj)(f, lit)
            if draw(st.integers(0, 4)) == 4:
                f = neg(f)
        return f

    return build()


@st.composite
def _mixed(draw: Draw, preds: tuple[str, ...], sides: str, depth: int, lead: str | None = None) -> Formula:
    """Mostly a read-once formula (≤ depth + 1 atoms, led by the newest predicate at ``lead``), one time
    in eight randprog's general formula of depth ``depth`` (repeated atoms, constants)."""
    if draw(st.integers(0, 7)) == 7:
        return draw(simplified_formulas(preds, sides, depth))
    return draw(read_once_formulas(preds, sides, depth + 1, lead))


@st.composite
def lemma9_programs(draw: Draw, alphabets: tuple[tuple[str, ...], ...] = ALPHABETS, max_ops: int = 6) -> Program:
    """A program in Lemma 9's form ([BCL] Lemma 9, docs/theory.md §2), shaped like randprog's: each
    attention score is ``S(j) ∧ ⋀_{k∈K} (P_k(i) ↔ P_k(j))`` (|K| ≤ 2), sometimes ∧ an i-only conjunct;
    values read i and j, defaults i. Operations are position-wise about a third of the time; any mask
    and tie-break; accepting at the last or the first position."""
    alphabet = draw(st.sampled_from(alphabets))
    preds = [symbol_predicate(a) for a in alphabet]
    ops: list[Op] = []
    for n in range(draw(st.integers(1, max_ops))):
        name = f"P{n}"
        known = tuple(preds)
        if draw(st.integers(0, 2)) == 0:
            ops.append(PositionOp(name, draw(_mixed(known, "i", 2, "i"))))
        else:
            # S(j) = ⊤ a third of the time: every unmasked position ties, so the tie-break decides
            parts = [TRUE if draw(st.integers(0, 2)) == 0 else draw(_mixed(known, "j", 1))]
            keys = draw(st.lists(st.sampled_from(known), max_size=min(2, len(known)), unique=True))
            parts += [iff(P(k, "i"), P(k, "j")) for k in keys]
            if draw(st.integers(0, 4)) == 0:
                parts.append(draw(_mixed(known, "i", 0)))
            ops.append(AttentionOp(
                name, draw(st.sampled_from(("leftmost", "rightmost"))), draw(st.sampled_from(MASKS)),
                conj(*parts), draw(_mixed(known, "ij", 1, "j")), draw(_mixed(known, "i", 0))))
        preds.append(name)
    return Program(alphabet, tuple(ops), accept_at=draw(st.sampled_from(("last", "first"))))


# ----------------------------------------------------------------------------- words

@st.composite
def words(draw: Draw, k: int, min_len: int = 1, max_len: int = 8, max_batch: int = 6) -> np.ndarray:
    """A ``(B, L)`` int64 batch of words over ``range(k)``: one length ``L`` in ``min_len..max_len``,
    ``1..max_batch`` rows."""
    length = draw(st.integers(min_len, max_len))
    batch = draw(st.integers(1, max_batch))
    codes = draw(st.lists(st.integers(0, k - 1), min_size=batch * length, max_size=batch * length))
    return np.array(codes, dtype=np.int64).reshape(batch, length)


# ----------------------------------------------------------------------------- DFAs

@st.composite
def plain_dfas(draw: Draw, alphabet: tuple[str, ...], max_states: int = 6, partial: bool = True) -> DFA:
    """A DFA over ``alphabet`` with 1..``max_states`` states, uniform transitions (``-1`` = missing
    when ``partial``), any start, any accepting set."""
    m = draw(st.integers(1, max_states))
    k = len(alphabet)
    lo = -1 if partial else 0
    delta = draw(st.lists(st.integers(lo, m - 1), min_size=m * k, max_size=m * k))
    accepting = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    return DFA(alphabet, np.array(delta, dtype=np.int64).reshape(m, k), draw(st.integers(0, m - 1)),
               np.array(accepting, dtype=bool))


@st.composite
def blown_up(draw: Draw, base: DFA, max_copies: int = 3) -> DFA:
    """``c`` bisimilar copies of ``base``: state ``(copy, q)`` goes on ``a`` to ``(copy', δ(q, a))`` for a
    drawn ``copy'``, accepting iff ``q`` is — the same language, ``c·m`` states, many to merge."""
    m, k = base.delta.shape
    copies = draw(st.integers(1, max_copies))
    where = np.array(draw(st.lists(st.integers(0, copies - 1), min_size=copies * m * k, max_size=copies * m * k)),
                     dtype=np.int64).reshape(copies * m, k)
    inner = np.tile(base.delta, (copies, 1))
    delta = np.where(inner >= 0, where * m + inner, -1)
    start = draw(st.integers(0, copies - 1)) * m + base.start
    return DFA(base.alphabet, delta, start, np.tile(base.accepting, copies))


@st.composite
def dfas(draw: Draw, alphabets: tuple[tuple[str, ...], ...] = ALPHABETS, max_states: int = 6,
         partial: bool = True, blowup: bool = True) -> DFA:
    """A small DFA (:func:`plain_dfas`), a third of the time blown up into bisimilar copies (:func:`blown_up`)."""
    d = draw(plain_dfas(draw(st.sampled_from(alphabets)), max_states, partial))
    if blowup and draw(st.integers(0, 2)) == 0:
        d = draw(blown_up(d))
    return d


@st.composite
def dfa_pairs(draw: Draw, max_states: int = 5) -> tuple[DFA, DFA]:
    """Two DFAs over one alphabet."""
    alphabet = draw(st.sampled_from(ALPHABETS))
    return draw(plain_dfas(alphabet, max_states)), draw(plain_dfas(alphabet, max_states))


def permuted(d: DFA, perm: np.ndarray) -> DFA:
    """The isomorphic DFA in which old state ``q`` is named ``perm[q]`` (``perm`` a permutation)."""
    inv = np.argsort(perm)
    delta = np.where(d.delta[inv] >= 0, perm[np.maximum(d.delta[inv], 0)], -1)
    return DFA(d.alphabet, delta, int(perm[d.start]), d.accepting[inv])


# ----------------------------------------------------------------------------- planted-bug runs

def counterexample(strategy: st.SearchStrategy[T], check: Callable[[T], object],
                   errors: tuple[type[BaseException], ...] = (AssertionError,), max_examples: int = 100,
                   shrink: bool = False) -> T:
    """An input of ``strategy`` on which ``check`` raises one of ``errors`` — how the planted-bug tests
    run a property: :func:`hypothesis.find` under the active profile (fixed seed in CI), without the
    example database and without the *explain* phase (which reruns a failing case many times only to
    annotate the report). Raises ``hypothesis.errors.NoSuchExample`` when ``max_examples`` inputs all
    pass — a planted bug that the property does not catch. Not shrunk unless ``shrink``: shrinking
    reruns the property hundreds of times, more than the suite's time budget allows for every planted
    bug (a real failure of the ``@given`` tests is shrunk and explained as usual)."""

    def fails(example: T) -> bool:
        try:
            check(example)
        except errors:
            return True
        return False

    quick = settings(settings.default, database=None, max_examples=max_examples,
                     phases=[p for p in Phase if p is not Phase.explain and (shrink or p is not Phase.shrink)],
                     suppress_health_check=list(HealthCheck))
    return find(strategy, fails, settings=quick)


__all__ = [
    "ALPHABETS", "ODD_SYMBOLS", "NAMES", "PROGRAM_NAMES", "raw_formulas", "syntax_programs", "simplified_formulas",
    "read_once_formulas", "lemma9_programs", "words", "plain_dfas", "blown_up", "dfas", "dfa_pairs", "permuted",
    "counterexample",
]
