"""Interval audit of a UHAT: a bound on |value| of every coordinate, score and partial sum."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from constructions.exact import abs_bound
from constructions.uhat.model import UHAT, AttentionLayer


@dataclass(frozen=True)
class Audit:
    integral: bool
    max_abs: Fraction  # over coordinates, scores and every partial sum
    per_layer: tuple[Fraction, ...]  # max |value| after each layer (index 0: embedding)


def _max(xs) -> Fraction:
    return max([Fraction(0), *xs])


def audit(net: UHAT) -> Audit:
    emb_rows: dict[int, Fraction] = {}
    for r, _, v in net.embedding.entries:
        emb_rows[r] = max(emb_rows.get(r, Fraction(0)), abs(v))
    bounds = [emb_rows.get(r, Fraction(0)) for r in range(net.embedding.out_dim)]
    overall = _max(bounds)
    per_layer = [overall]
    for layer in net.layers:
        if isinstance(layer, AttentionLayer):
            qb = abs_bound(layer.A, bounds)
            kb = abs_bound(layer.B, bounds)
            score = sum((q * k for q, k in zip(qb, kb)), Fraction(0))
            bounds = abs_bound(layer.C, bounds + bounds)
            overall = max(overall, score, _max(qb), _max(kb))
        overall = max(overall, _max(bounds))
        per_layer.append(_max(bounds))
    overall = max(overall, _max(abs_bound(net.accept, bounds)))
    return Audit(net.is_integral(), overall, tuple(per_layer))


__all__ = ["Audit", "audit"]
