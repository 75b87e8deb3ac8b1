"""The value-set precision audit: sound on every run we can enumerate, never looser than the interval
audit, and it refuses dtypes that cannot hold the values."""
from __future__ import annotations

from fractions import Fraction

import pytest

from automata.alphabet import all_words
from automata.errors import DtypeError
from constructions.exact import Affine
from constructions.library.counter_brasp import counter_program
from constructions.library.presets import PRESETS
from constructions.uhat import precision
from constructions.uhat.audit import audit
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.precision import Interval, precision_audit


def _exact_trace(net: UHAT, word: tuple[int, ...]) -> list[list[tuple[Fraction, ...]]]:
    """Every layer's vectors on one word, in Fractions (an independent reference evaluator)."""
    onehot = [tuple(Fraction(int(i == a)) for i in range(len(net.alphabet))) for a in word]
    vs = [net.embedding.apply(x) for x in onehot]
    trace = [vs]
    for layer in net.layers:
        if isinstance(layer, AttentionLayer):
            out = []
            for n, v in enumerate(vs):
                allowed = [m for m in range(len(vs)) if {"none": True, "j<i": m < n, "j>i": m > n,
                           "j<=i": m <= n, "j>=i": m >= n}[layer.mask]]
                if allowed:
                    q = layer.A.apply(v)
                    sc = {m: sum(a * b for a, b in zip(q, layer.B.apply(vs[m]))) for m in allowed}
                    best = max(sc.values())
                    tied = [m for m in allowed if sc[m] == best]
                    a = vs[min(tied) if layer.tiebreak == "leftmost" else max(tied)]
                else:
                    a = tuple(Fraction(0) for _ in v)
                out.append(layer.C.apply((*v, *a)))
            vs = out
        else:
            vs = [tuple(max(x, Fraction(0)) if c in layer.coords else x for c, x in enumerate(v)) for v in vs]
        trace.append(vs)
    return trace


def _inside(x: Fraction, vals) -> bool:
    return vals.lo <= x <= vals.hi if isinstance(vals, Interval) else x in vals


NETS = [
    ("ab_plus", lambda: PRESETS["ab_plus"]()),
    ("dyck1_depth2", lambda: PRESETS["dyck1_depth2"]()),
    ("counter1_stream", lambda: counter_program(1, "stream")),
]
MAX_LEN = {"ab_plus": 4, "dyck1_depth2": 4, "counter1_stream": 2}  # the reference evaluator is plain Python


def _value_sets(net: UHAT):
    """Per layer, per coordinate value sets, by re-running the audit's transfer functions."""
    sets = []
    orig = precision._record

    def spy(index, kind, vals, partial, score=None):
        sets.append(list(vals))
        return orig(index, kind, vals, partial, score)

    precision._record = spy
    try:
        precision_audit(net)
    finally:
        precision._record = orig
    return sets


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("name,make", NETS)
def test_every_enumerated_value_lies_in_its_value_set(name, make, packed) -> None:
    net = compile_lemma9(make(), packed=packed)
    sets = _value_sets(net)
    for word in all_words(MAX_LEN[name], len(net.alphabet)):
        for k, vs in enumerate(_exact_trace(net, tuple(int(a) for a in word))):
            for v in vs:
                for c, x in enumerate(v):
                    assert _inside(x, sets[k][c]), (name, k, c, x, sets[k][c], word)


def test_a_broken_transfer_function_is_caught(monkeypatch) -> None:
    """Negative test: an unsound audit (ReLU forgotten) is detected by the same enumeration."""
    net = compile_lemma9(PRESETS["ab_plus"](), packed=False)
    monkeypatch.setattr(precision, "_relu", lambda v: frozenset({Fraction(5)}))
    sets = _value_sets(net)
    bad = None
    for word in all_words(3, len(net.alphabet)):
        for k, vs in enumerate(_exact_trace(net, tuple(int(a) for a in word))):
            for v in vs:
                for c, x in enumerate(v):
                    if not _inside(x, sets[k][c]) and bad is None:
                        bad = (tuple(net.alphabet[int(a)] for a in word), k, c, x)
    assert bad is not None
    print("counterexample (word, layer, coordinate, value):", bad)


@pytest.mark.parametrize("name,make", NETS + [("counter3_full", lambda: counter_program(3, "full"))])
def test_never_looser_than_the_interval_audit(name, make) -> None:
    for packed in (False, True):
        net = compile_lemma9(make(), packed=packed)
        rep = precision_audit(net)
        assert rep.integral
        assert rep.max_abs <= audit(net).max_abs


def test_paper_networks_stay_boolean_and_admit_bfloat16() -> None:
    """Lemma 9's gadgets keep every value in {−1, 0, 1, 2}: even bfloat16 is exact (the interval audit
    bounded the counter at several hundred and refused it)."""
    net = compile_lemma9(counter_program(2, "full"), packed=False)
    rep = precision_audit(net)
    assert rep.max_abs <= 2 < audit(net).max_abs
    assert rep.exact("bfloat16")
    emb = rep.layers[0]
    assert emb.boolean == emb.width


def _scaled(weight: int) -> UHAT:
    emb = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    C = Affine.build(4, 2, {(0, 0): weight, (1, 3): 1})
    layer = AttentionLayer(Affine.zero(2, 2), Affine.zero(2, 2), C, "j<i", "rightmost")
    return UHAT(("a", "b"), emb, (layer,), Affine.build(2, 1, {(0, 0): 1}))


def test_dtype_refused_with_the_layer_named() -> None:
    rep = precision_audit(_scaled(300))
    assert rep.max_abs == 300 and rep.bits == 10
    rep.check("float32")
    with pytest.raises(DtypeError, match=r"layer 1 \(attention\) reaches \|value\| 300 but bfloat16"):
        rep.check("bfloat16")
    assert "bfloat16: REFUSED" in rep.render()


def test_non_integral_refused() -> None:
    rep = precision_audit(_scaled(Fraction(1, 3)))
    assert not rep.integral
    with pytest.raises(DtypeError, match="non-integral"):
        rep.check("float64")


def test_interval_fallback_is_sound() -> None:
    big = precision._add(frozenset(Fraction(i) for i in range(50)), frozenset(Fraction(10 * i) for i in range(50)))
    assert isinstance(big, Interval) and big.lo == 0 and big.hi == 49 + 490


def test_partial_sums_are_bounded_by_the_sum_of_the_terms() -> None:
    """y = x0 + x1 − x2 with x = (1000, 1000, 1500): the value is 500, but summed in some order a partial
    sum reaches 2000 — the bound every 'dtype proved exact' rests on (a mutant that bounds partial sums
    by the largest term, 1500, must fail here)."""
    from constructions.exact import Affine
    from constructions.uhat.model import UHAT, AttentionLayer

    emb = Affine.build(1, 3, {(0, 0): 1000, (1, 0): 1000, (2, 0): 1500})
    c = Affine.build(6, 3, {(0, 0): 1, (1, 1): 1, (2, 0): 1, (2, 1): 1, (2, 2): -1})
    layer = AttentionLayer(Affine.zero(3, 1), Affine.zero(3, 1), c, "none", "leftmost")
    net = UHAT(("a",), emb, (layer,), Affine.build(3, 1, {(0, 2): 1}), model="packed")
    report = precision_audit(net)
    (p,) = [p for p in report.layers if p.index == 1]
    assert p.max_value == 1000 and p.partial == 2000
    assert report.max_abs == 2000


def test_exact_limits_are_the_dtypes_significands() -> None:
    """EXACT_LIMIT[dt] is the largest L with every integer of |x| ≤ L representable: L − 1 and L are, L + 1
    is not (float32: 2^24, not 2^25)."""
    import torch

    from constructions.dtypes import EXACT_LIMIT

    for dt, limit in EXACT_LIMIT.items():
        if dt.is_floating_point:
            assert torch.tensor(limit - 1, dtype=dt).item() == limit - 1, dt
            assert torch.tensor(limit, dtype=dt).item() == limit, dt
            assert torch.tensor(limit + 1, dtype=dt).item() != limit + 1, dt
        else:
            assert torch.iinfo(dt).max == limit, dt
    assert EXACT_LIMIT[torch.float32] == 2 ** 24
