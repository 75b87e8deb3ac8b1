"""Lemma 9's special form of an attention score ([BCL] Lemma 9; THEORY §2).

A score compiles when it is a conjunction of
* conjuncts reading only j — together S(j);
* equalities P_k(i) ↔ P_k(j) — the set K;
* conjuncts reading only i — together S_i(i). These are outside the literal form but fold
  soundly into the result: the operation returns V(i, o(i)) only when S_i(i) holds, else D(i),
  exactly as the program does (no position qualifies when S_i(i) is false).
Anything else (a conjunct mixing i and j other than an equality of one predicate) is refused with
:class:`NotLemma9FormError` — no silent DNF blow-up.
"""
from __future__ import annotations

from dataclasses import dataclass

from automata.errors import NotLemma9FormError
from constructions.brasp.formula import TRUE, And, Const, Formula, Not, Or, Pred, conj, sides
from constructions.brasp.program import AttentionOp
from constructions.brasp.syntax import format_formula


@dataclass(frozen=True)
class ScoreForm:
    s_j: Formula  # reads j only
    keys: tuple[str, ...]  # K: predicates compared for equality between i and j
    s_i: Formula  # reads i only (TRUE in the literal form)


def _equality(f: Formula) -> str | None:
    """The predicate name if ``f`` is P(i) ↔ P(j) (in the shape the builders and parser produce)."""
    if not (isinstance(f, Or) and len(f.args) == 2):
        return None
    pos, negs = None, None
    for arg in f.args:
        if not (isinstance(arg, And) and len(arg.args) == 2):
            return None
        if all(isinstance(a, Pred) for a in arg.args):
            pos = arg.args
        elif all(isinstance(a, Not) and isinstance(a.arg, Pred) for a in arg.args):
            negs = tuple(a.arg for a in arg.args)  # type: ignore[union-attr]
    if pos is None or negs is None:
        return None
    for pair in (pos, negs):
        a, b = pair  # type: ignore[misc]
        if a.name != b.name or {a.side, b.side} != {"i", "j"}:
            return None
    if pos[0].name != negs[0].name:
        return None
    return pos[0].name


def split_score(op: AttentionOp) -> ScoreForm:
    conjuncts = op.score.args if isinstance(op.score, And) else (op.score,)
    s_j: list[Formula] = []
    s_i: list[Formula] = []
    keys: list[str] = []
    for c in conjuncts:
        where = sides(c)
        if isinstance(c, Const) or where == {"j"}:
            s_j.append(c)
        elif where == {"i"}:
            s_i.append(c)
        else:
            k = _equality(c)
            if k is None:
                raise NotLemma9FormError(
                    f"{op.name}: score conjunct {format_formula(c)} mixes positions i and j; Lemma 9 needs "
                    "S(j) ∧ ⋀ (P_k(i) ↔ P_k(j))"
                )
            if k not in keys:
                keys.append(k)
    return ScoreForm(conj(*s_j) if s_j else TRUE, tuple(keys), conj(*s_i) if s_i else TRUE)
