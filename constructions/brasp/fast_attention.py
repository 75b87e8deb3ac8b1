"""Linear-time selection for B-RASP attention (THEORY §2; [YCA] §3, [BCL] §2.3).

For ◀/▶_j[M, S] with a score S(i, j) that reads a atoms at position i: split the queries into the
≤ 2^a classes of their valuation of those atoms. Within a class c the score is a formula of j alone,
a bool table T_c(j), and the selected position is the nearest / farthest true entry of T_c inside the
mask — a running maximum (``np.maximum.accumulate``) of the true positions for rightmost-with-j<i,
a running minimum from the right for leftmost-with-j>i, or simply the first/last true position
otherwise. Only valuations that occur are evaluated: O(L · min(2^a, L)) time and O(B·L) memory per
operation, against the O(L²) of the matrix path. ``None`` means "use the quadratic path" (a > MAX_ATOMS).

The class split (:func:`score_i_atoms`, :func:`class_codes`, :func:`class_table`) is shared with the
chunked causal interpreter :mod:`constructions.brasp.streaming`, which also uses
:func:`select_causal_chunk`: the same running max/min, started from a carried position.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from constructions.brasp.formula import Formula, Pred, atoms

MAX_ATOMS = 8
Evaluator = Callable[[Formula, Callable[[Pred], np.ndarray]], np.ndarray]
CAUSAL_MASKS = ("j<i", "j<=i")


def score_i_atoms(score: Formula) -> tuple[str, ...]:
    """The predicates the score reads at position i, sorted: bit k of a class code is the k-th one."""
    return tuple(sorted(name for name, side in atoms(score) if side == "i"))


def class_codes(i_atoms: tuple[str, ...], env: dict[str, np.ndarray]) -> np.ndarray:
    """Per position, the class code Σ_k [P_k(i)]·2^k of the i-side valuation (uint8, a ≤ 8; else uint32)."""
    ref = env[i_atoms[0]] if i_atoms else next(iter(env.values()))
    dtype = np.uint8 if len(i_atoms) <= 8 else np.uint32
    code = np.zeros(ref.shape, dtype=dtype)
    for bit, name in enumerate(i_atoms):
        code |= env[name].astype(dtype) << dtype(bit)
    return code


def present_classes(code: np.ndarray) -> np.ndarray:
    """The class codes that occur (sorted), by counting: codes are small non-negative integers."""
    return np.bincount(code.ravel()).nonzero()[0]


def class_table(score: Formula, i_atoms: tuple[str, ...], c: int, env: dict[str, np.ndarray],
                evaluate: Evaluator) -> np.ndarray | np.bool_:
    """T_c(j): the score with its i-atoms fixed to class ``c``'s valuation (may be a numpy scalar)."""
    val = {name: np.bool_((c >> bit) & 1) for bit, name in enumerate(i_atoms)}

    def resolve(p: Pred) -> np.ndarray:
        return val[p.name] if p.side == "i" else env[p.name]

    return evaluate(score, resolve)


def select_in_class(table: np.ndarray, mask: str, tiebreak: str) -> tuple[np.ndarray, np.ndarray]:
    """For a j-only score ``table`` (B, L): chosen position and whether any is selectable, per i."""
    batch, length = table.shape
    pos = np.arange(length)
    rightmost = tiebreak == "rightmost"
    if mask in ("j<i", "j<=i") and rightmost:
        marks = np.multiply(table, pos + 1)  # (j + 1)·T(j) − 1: j where T holds, else −1
        marks -= 1
        run = np.empty_like(marks)
        if mask == "j<i":
            run[:, 0] = -1
            np.maximum.accumulate(marks[:, :-1], axis=1, out=run[:, 1:])
        else:
            np.maximum.accumulate(marks, axis=1, out=run)
        return np.maximum(run, 0), run >= 0
    if mask in ("j>i", "j>=i") and not rightmost:
        run = np.minimum.accumulate(np.where(table, pos, length)[:, ::-1], axis=1)[:, ::-1]
        if mask == "j>i":
            run = np.concatenate([run[:, 1:], np.full((batch, 1), length)], axis=1)
        return np.minimum(run, length - 1), run < length
    anyt = table.any(axis=1)
    if rightmost:
        edge = np.where(anyt, length - 1 - table[:, ::-1].argmax(axis=1), -1)
    else:
        edge = np.where(anyt, table.argmax(axis=1), length)
    e = np.broadcast_to(edge[:, None], (batch, length))
    i = pos[None, :]
    found = {"none": np.broadcast_to(anyt[:, None], (batch, length)), "j<i": e < i, "j<=i": e <= i,
             "j>i": (e > i) & (e < length), "j>=i": (e >= i) & (e < length)}[mask]
    return np.clip(e, 0, length - 1), found


def linear_select(
    score: Formula, mask: str, tiebreak: str, env: dict[str, np.ndarray], evaluate: Evaluator,
    batch: int, length: int, max_atoms: int = MAX_ATOMS,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(chosen, found), each (B, L), by classes of the i-side valuation; None if a > ``max_atoms``."""
    i_atoms = score_i_atoms(score)
    if len(i_atoms) > max_atoms:
        return None
    code = class_codes(i_atoms, env) if i_atoms else None
    classes = present_classes(code) if code is not None else np.zeros(1, dtype=np.int64)
    chosen = found = None
    for c in classes:
        table = np.broadcast_to(class_table(score, i_atoms, int(c), env, evaluate), (batch, length))
        ch, fd = select_in_class(table, mask, tiebreak)
        if len(classes) == 1:
            return np.broadcast_to(ch, (batch, length)), np.broadcast_to(fd, (batch, length))
        if chosen is None:
            chosen = np.array(np.broadcast_to(ch, (batch, length)), dtype=np.int64)
            found = np.array(np.broadcast_to(fd, (batch, length)), dtype=bool)
            continue
        where = code == c
        np.copyto(chosen, ch, where=where)
        np.copyto(found, fd, where=where)
    assert chosen is not None and found is not None
    return chosen, found


def select_causal_chunk(table: np.ndarray, mask: str, tiebreak: str, start: int, carry: int,
                        above: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Causal selection inside one chunk of positions ``start .. start + n − 1`` (1-D ``table`` of n).

    ``carry`` is the tie-break's choice among the true positions of T_c before ``start`` (−1: none):
    the last one for rightmost, the first for leftmost. Returns the chosen absolute position per i
    (−1 where the masked set {j : M(i, j) ∧ T_c(j)} is empty) and the carry for the next chunk.
    Rightmost: a running maximum over [carry, marks…] with marks = (j + 1)·T_c(j) − 1 (no ``np.where``);
    ``above`` may pass ``arange(start + 1, start + n + 1)`` (shared by the calls of one chunk).
    """
    n = table.shape[0]
    if tiebreak == "rightmost":
        run = np.empty(n + 1, dtype=np.int64)
        run[0] = carry
        np.multiply(table, np.arange(start + 1, start + n + 1) if above is None else above, out=run[1:])
        run[1:] -= 1
        np.maximum.accumulate(run, out=run)
        return (run[:-1] if mask == "j<i" else run[1:]), int(run[-1])
    if carry >= 0:
        return np.full(n, carry, dtype=np.int64), carry
    hits = np.flatnonzero(table)
    if not hits.size:
        return np.full(n, -1, dtype=np.int64), -1
    first = int(hits[0])
    local = np.arange(n)
    inside = local > first if mask == "j<i" else local >= first
    return np.where(inside, start + first, -1), start + first


__all__ = ["CAUSAL_MASKS", "MAX_ATOMS", "class_codes", "class_table", "linear_select", "present_classes",
           "score_i_atoms", "select_causal_chunk", "select_in_class"]
