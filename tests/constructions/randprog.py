"""Random B-RASP programs in Lemma 9's form, for property tests."""
from __future__ import annotations

import random

from constructions.brasp.formula import FALSE, TRUE, Formula, P, conj, disj, iff, neg
from constructions.brasp.program import MASKS, AttentionOp, PositionOp, Program


def _formula(rng: random.Random, preds: list[str], sides: str, depth: int) -> Formula:
    if depth == 0 or rng.random() < 0.3:
        if rng.random() < 0.08:
            return rng.choice([TRUE, FALSE])
        return P(rng.choice(preds), rng.choice(sides))
    kind = rng.choice(["and", "or", "not"])
    if kind == "not":
        return neg(_formula(rng, preds, sides, depth - 1))
    args = [_formula(rng, preds, sides, depth - 1) for _ in range(rng.randint(2, 3))]
    return conj(*args) if kind == "and" else disj(*args)


def random_program(seed: int, alphabet: tuple[str, ...] = ("a", "b", "c"), n_ops: int = 6) -> Program:
    rng = random.Random(seed)
    preds = [f"Q_{a}" for a in alphabet]
    ops = []
    for k in range(n_ops):
        name = f"P{k}"
        if rng.random() < 0.35:
            ops.append(PositionOp(name, _formula(rng, preds, "i", 2)))
        else:
            parts = [_formula(rng, preds, "j", 2)]
            for key in rng.sample(preds, k=min(len(preds), rng.choice([0, 0, 1, 2]))):
                parts.append(iff(P(key, "i"), P(key, "j")))
            if rng.random() < 0.2:
                parts.append(_formula(rng, preds, "i", 1))
            ops.append(
                AttentionOp(
                    name,
                    rng.choice(["leftmost", "rightmost"]),
                    rng.choice(MASKS),
                    conj(*parts),
                    _formula(rng, preds, "ij", 2),
                    _formula(rng, preds, "i", 1),
                )
            )
        preds.append(name)
    return Program(alphabet, tuple(ops), accept_at=rng.choice(["last", "first"]))
