"""A batched numpy interpreter for B-RASP (THEORY §2; [YCA] §3, [BCL] §2.3).

Every predicate is a (B, L) bool array over a batch of B words of length L. Formulas are evaluated by
broadcasting: an atom at position i is viewed as (B, L, 1), at position j as (B, 1, L), so a score
S(i, j) becomes a (B, L, L) array. An attention operation ◀/▶_j[M, S] V : D picks, for each i,

    o(i) = min (◀, leftmost) or max (▶, rightmost) of { j : M(i, j) ∧ S(i, j) }

and outputs V(i, o(i)) if that set is non-empty, else D(i). The value is evaluated only at (i, o(i)).
By default o(i) comes from running max/min tables per class of the score's i-side valuation
(O(L·2^a) for a score reading a atoms at i, :mod:`constructions.brasp.fast_attention`); the O(L²)
matrix path is the fallback for a > 8 and the cross-check (``linear=False``).

>>> from constructions.brasp.syntax import parse_program
>>> p = parse_program("alphabet: a b\\nPA(i) := ▶_j[j<i, 1] Q_a(j) : 0")
>>> evaluate_word(p, ["a", "b", "a"])["PA"]
[False, True, False]
"""
from __future__ import annotations

from functools import reduce
from typing import Callable, Sequence

import numpy as np

from automata.alphabet import encode_word
from automata.alphabet import check_codes
from automata.errors import ParameterError
from constructions.brasp.fast_attention import linear_select
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred
from constructions.brasp.program import AttentionOp, PositionOp, Program

Resolver = Callable[[Pred], np.ndarray]


def _eval(f: Formula, resolve: Resolver) -> np.ndarray | np.bool_:
    """Evaluate ``f`` with atoms supplied by ``resolve`` (numpy broadcasting does the rest)."""
    if isinstance(f, Const):
        return np.bool_(f.value)
    if isinstance(f, Pred):
        return resolve(f)
    if isinstance(f, Not):
        return np.logical_not(_eval(f.arg, resolve))
    if isinstance(f, And):
        return reduce(np.logical_and, (_eval(a, resolve) for a in f.args), np.bool_(True))
    if isinstance(f, Or):
        return reduce(np.logical_or, (_eval(a, resolve) for a in f.args), np.bool_(False))
    raise TypeError(f"not a formula: {f!r}")


def mask_matrix(mask: str, length: int) -> np.ndarray:
    """The (L, L) bool matrix M[i, j] of a mask ('none', 'j<i', 'j>i', 'j<=i', 'j>=i').

    >>> mask_matrix("j<i", 3).astype(int).tolist()
    [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    """
    i = np.arange(length)[:, None]
    j = np.arange(length)[None, :]
    table = {"none": np.ones((length, length), dtype=bool), "j<i": j < i, "j>i": j > i,
             "j<=i": j <= i, "j>=i": j >= i}
    if mask not in table:
        raise ParameterError(f"unknown mask {mask!r}")
    return table[mask]


def _check_words(program: Program, words: np.ndarray) -> np.ndarray:
    return check_codes(words, program.alphabet)


def _quadratic_select(op: AttentionOp, env: dict[str, np.ndarray], batch: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """The O(L²) path: the (B, L, L) selectable matrix, then argmax per row."""
    def at_pair(p: Pred) -> np.ndarray:
        a = env[p.name]
        return a[:, :, None] if p.side == "i" else a[:, None, :]

    selectable = mask_matrix(op.mask, length)[None, :, :] & _eval(op.score, at_pair)
    selectable = np.broadcast_to(selectable, (batch, length, length))
    found = selectable.any(axis=2)  # (B, L)
    if op.tiebreak == "leftmost":
        chosen = selectable.argmax(axis=2)
    else:
        chosen = length - 1 - selectable[:, :, ::-1].argmax(axis=2)
    return chosen, found


def _attend(op: AttentionOp, env: dict[str, np.ndarray], batch: int, length: int, linear: bool = True) -> np.ndarray:
    if length == 0:
        return np.zeros((batch, 0), dtype=bool)
    picked = linear_select(op.score, op.mask, op.tiebreak, env, _eval, batch, length) if linear else None
    chosen, found = picked if picked is not None else _quadratic_select(op, env, batch, length)

    def at_chosen(p: Pred) -> np.ndarray:
        a = env[p.name]
        return a if p.side == "i" else np.take_along_axis(a, chosen, axis=1)

    value = np.broadcast_to(_eval(op.value, at_chosen), (batch, length))
    default = np.broadcast_to(_eval(op.default, lambda p: env[p.name]), (batch, length))
    return np.where(found, value, default)


def evaluate(program: Program, words: np.ndarray, *, linear: bool = True) -> dict[str, np.ndarray]:
    """Every predicate (symbol predicates ``Q_a`` first, then each operation) on a batch of words.

    ``words``: (B, L) integer codes into ``program.alphabet``. Returns name → (B, L) bool array.
    ``linear=True`` selects by classes of the score's i-side valuation (O(L·2^a) per attention, see
    :mod:`constructions.brasp.fast_attention`); ``linear=False`` forces the O(L²) matrix path.
    """
    words = _check_words(program, words)
    batch, length = words.shape
    env: dict[str, np.ndarray] = {}
    for code, pred in enumerate(program.symbol_predicates):
        env[pred] = words == code
    for op in program.ops:
        if isinstance(op, PositionOp):
            out = np.broadcast_to(_eval(op.formula, lambda p: env[p.name]), (batch, length))
        elif isinstance(op, AttentionOp):
            out = _attend(op, env, batch, length, linear)
        else:  # pragma: no cover - Program validation rules this out
            raise TypeError(f"unknown operation {op!r}")
        env[op.name] = np.ascontiguousarray(out, dtype=bool)
    return env


def accepts(program: Program, words: np.ndarray) -> np.ndarray:
    """(B,) bool: the output predicate at the last position (first if ``accept_at == 'first'``)."""
    words = np.asarray(words)
    if words.ndim == 2 and words.shape[1] == 0:
        raise ParameterError("words are non-empty: got a batch of length-0 words")
    out = evaluate(program, words)[program.output]
    return out[:, -1] if program.accept_at == "last" else out[:, 0]


def accepts_prefixes(program: Program, words: np.ndarray) -> np.ndarray:
    """(B, L) bool: entry [b, p] says whether the prefix w_1..w_{p+1} of word b is accepted.

    Only for causal programs (every mask j<i or j<=i, accepting at the last position): there the
    output at a position depends on the prefix up to it only, so one run decides every prefix.
    """
    if not program.is_causal:
        raise ParameterError(
            f"accepts_prefixes needs a causal program (masks j<i / j<=i, accept at last); "
            f"{program.name} is not"
        )
    return evaluate(program, words)[program.output]


def evaluate_word(program: Program, word: Sequence[str]) -> dict[str, list[bool]]:
    """:func:`evaluate` on one word given as symbols; raises UnknownSymbolError on a foreign symbol."""
    codes = encode_word(word, program.alphabet).reshape(1, -1)
    return {name: [bool(x) for x in arr[0]] for name, arr in evaluate(program, codes).items()}


__all__ = ["evaluate", "accepts", "accepts_prefixes", "evaluate_word", "mask_matrix"]
