"""The precision audit's attention scores and the dtype limits behind every "dtype proved exact"
(docs/theory.md §1 on exactness, [BCL] Prop 12: polynomially many bits).

Found by ``make mutation`` (issue 14): computing the score's value set as q + k instead of q·k, and
letting :func:`constructions.dtypes.check_exact` (the RNN backends' gate) accept twice the limit, both
survived the default suite. The checks here pin the exact values and both sides of every limit."""
from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from automata.errors import DtypeError
from constructions.dtypes import EXACT_LIMIT, check_exact, smallest_exact
from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.precision import precision_audit
from constructions.uhat.semantics import run_exact, scores


def _dot_net() -> UHAT:
    """Embedding (2, 5, 3, 7) for the one symbol; query (x0, x1), key (x2, x3): every score is
    2·3 + 5·7 = 41, summed from the products 6 and 35 (partial sums 6, 35, 41)."""
    emb = Affine.build(1, 4, {(0, 0): 2, (1, 0): 5, (2, 0): 3, (3, 0): 7})
    a = Affine.build(4, 2, {(0, 0): 1, (1, 1): 1})
    b = Affine.build(4, 2, {(0, 2): 1, (1, 3): 1})
    c = Affine.build(8, 4, {(r, r): 1 for r in range(3)} | {(3, 4): 1})  # reads the attended x0
    return UHAT(("a",), emb, (AttentionLayer(a, b, c, "none", "leftmost"),), Affine.build(4, 1, {(0, 0): 1}),
                model="packed")


def test_the_score_set_is_the_dot_product() -> None:
    net = _dot_net()
    report = precision_audit(net)
    (layer,) = [p for p in report.layers if p.index == 1]
    assert layer.score == frozenset({Fraction(41)})
    assert layer.partial == 41 and report.max_abs == 41
    head = net.layers[0].heads[0]
    vs = run_exact(net, ["a", "a", "a"]).layers[0]
    for i in range(3):  # the reference semantics computes the same score at every pair
        assert set(scores(head, vs, i)[1]) == {Fraction(41)}


def test_a_score_past_the_limit_refuses_the_dtype() -> None:
    """Scaled so that only the score (2^24 + 1), not any coordinate, passes float32's limit."""
    emb = Affine.build(1, 2, {(0, 0): 4097, (1, 0): 4096})
    a = Affine.build(2, 1, {(0, 0): 1})
    b = Affine.build(2, 1, {(0, 1): 1})
    c = Affine.build(4, 2, {(0, 0): 1, (1, 2): 1})
    net = UHAT(("a",), emb, (AttentionLayer(a, b, c, "none", "leftmost"),), Affine.build(2, 1, {(0, 0): 1}),
               model="packed")
    report = precision_audit(net)
    assert report.max_abs == 4097 * 4096 > 2**24
    assert not report.exact("float32") and report.exact("float64")
    with pytest.raises(DtypeError, match="float32"):
        report.check("float32")


@pytest.mark.parametrize("dtype", sorted(EXACT_LIMIT, key=str))
def test_check_exact_holds_exactly_up_to_the_limit(dtype: torch.dtype) -> None:
    limit = EXACT_LIMIT[dtype]
    check_exact(dtype, Fraction(limit), True)
    with pytest.raises(DtypeError, match="exact only up to"):
        check_exact(dtype, Fraction(limit + 1), True)
    with pytest.raises(DtypeError, match="non-integral"):
        check_exact(dtype, Fraction(1), False)


def test_smallest_exact_switches_at_the_significands() -> None:
    assert smallest_exact(Fraction(2**24), True) == torch.float32
    assert smallest_exact(Fraction(2**24 + 1), True) == torch.float64
    assert smallest_exact(Fraction(2**53), True) == torch.float64
    with pytest.raises(DtypeError):
        smallest_exact(Fraction(2**53 + 1), True)
    with pytest.raises(DtypeError):
        smallest_exact(Fraction(1), False)
