"""Linear-time selection for B-RASP attention (THEORY §2; [YCA] §3, [BCL] §2.3).

For ◀/▶_j[M, S] with a score S(i, j) that reads a atoms at position i: split the queries into the
≤ 2^a classes of their valuation of those atoms. Within a class the score is a formula of j alone,
a (B, L) bool array T, and the selected position is the nearest / farthest true entry of T inside the
mask — a running maximum (``np.maximum.accumulate``) of the true positions for rightmost-with-j<i,
a running minimum from the right for leftmost-with-j>i, or simply the first/last true position
otherwise. Only valuations that occur are evaluated: O(L · min(2^a, L)) time and O(B·L) memory per
operation, against the O(L²) of the matrix path. ``None`` means "use the quadratic path" (a > MAX_ATOMS).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from constructions.brasp.formula import Formula, Pred, atoms

MAX_ATOMS = 8
Evaluator = Callable[[Formula, Callable[[Pred], np.ndarray]], np.ndarray]


def select_in_class(table: np.ndarray, mask: str, tiebreak: str) -> tuple[np.ndarray, np.ndarray]:
    """For a j-only score ``table`` (B, L): chosen position and whether any is selectable, per i."""
    batch, length = table.shape
    pos = np.arange(length)
    rightmost = tiebreak == "rightmost"
    if mask in ("j<i", "j<=i") and rightmost:
        run = np.maximum.accumulate(np.where(table, pos, -1), axis=1)
        if mask == "j<i":
            run = np.concatenate([np.full((batch, 1), -1), run[:, :-1]], axis=1)
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
    i_atoms = sorted(name for name, side in atoms(score) if side == "i")
    if len(i_atoms) > max_atoms:
        return None
    code = np.zeros((batch, length), dtype=np.int64)
    for bit, name in enumerate(i_atoms):
        code |= env[name].astype(np.int64) << bit
    chosen = np.zeros((batch, length), dtype=np.int64)
    found = np.zeros((batch, length), dtype=bool)
    for c in np.unique(code):
        val = {name: np.bool_((int(c) >> bit) & 1) for bit, name in enumerate(i_atoms)}

        def resolve(p: Pred) -> np.ndarray:
            return val[p.name] if p.side == "i" else env[p.name]

        table = np.broadcast_to(evaluate(score, resolve), (batch, length))
        ch, fd = select_in_class(table, mask, tiebreak)
        where = code == c
        chosen[where] = ch[where]
        found[where] = fd[where]
    return chosen, found


__all__ = ["MAX_ATOMS", "linear_select", "select_in_class"]
