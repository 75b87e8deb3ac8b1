"""[BCL] Lemma 9's equality keys K in both compilers (docs/theory.md §2): the score must prefer the
positions j with P_k(j) = P_k(i) for *every* valuation of P_k(i), so the tie-break picks among them.

Found by ``make mutation`` (issue 14): weighting the packed compiler's key rows 1 instead of 2 (then
P_k(i) = 1 no longer prefers a match) was caught only by chance, by a hypothesis search of another
test. Here the smallest program where it matters is checked on every word, every mask and tie-break."""
from __future__ import annotations

import pytest

from constructions.brasp.formula import FALSE, TRUE, Q, iff
from constructions.brasp.program import AttentionOp, Program
from constructions.uhat.lemma9 import compile_lemma9
from proofs_check.deciders import program_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check


def _same(mask: str, tiebreak: str) -> Program:
    """SAME(i) := ◀/▶_j[M, Q_a(i) ↔ Q_a(j)] 1 : 0 — 'some unmasked j has i's symbol' (K = {Q_a}, S = 1)."""
    op = AttentionOp("SAME", tiebreak, mask, iff(Q("a", "i"), Q("a", "j")), TRUE, FALSE)
    return Program(("a", "b"), (op,), accept_at="last" if mask == "j<i" else "first")


@pytest.mark.parametrize("mask", ["j<i", "j>i"])
@pytest.mark.parametrize("tiebreak", ["leftmost", "rightmost"])
@pytest.mark.parametrize("packed", [False, True])
def test_equality_keys_prefer_a_match_for_either_valuation(mask: str, tiebreak: str, packed: bool) -> None:
    prog = _same(mask, tiebreak)
    ds = [program_decider(prog), uhat_decider(compile_lemma9(prog, packed=packed))]
    report = exhaustive_check(prog.alphabet, ds, 6)
    assert report.agree, report.summary()
    assert 0 < sum(report.accepted) < report.words  # the language is neither empty nor everything
