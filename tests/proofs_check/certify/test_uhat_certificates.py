"""z3 layer certificates for compiled UHATs ([BCL] Lemma 9; proofs_check.certify.uhat).

Positive: every preset, the Example 2 counter and the tiling witness compile (paper-faithful and packed)
to networks whose every lemma is proved. Negative: a flipped tie-break, a broken ReLU gadget and a changed
score weight are each refused with a z3 counterexample, which the exhaustive check turns into a concrete
word (shortest, then least, up to length 7) — or says that none exists within the bound.
"""
from __future__ import annotations

import random
from dataclasses import replace

import pytest

from automata.errors import ParameterError
from constructions.brasp.program import AttentionOp
from constructions.library.counter_brasp import counter_program
from constructions.library.presets import PRESETS
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer, ReLULayer
from proofs_check.certify.uhat import Certificate, certify_uhat, counterexample_word
from proofs_check.mutation import apply_mutation, random_mutation
from tasks.tiling_witness import counter_witness

FORMS = [pytest.param(False, id="paper"), pytest.param(True, id="packed")]


def _assert_proved(cert: Certificate) -> None:
    assert cert.proved, cert.render()
    assert all(e.verdict == "proved" for e in cert.entries)
    assert "PROVED for every word length" in cert.render()


def _swap(net: UHAT, k: int, layer) -> UHAT:
    return replace(net, layers=net.layers[: k - 1] + (layer,) + net.layers[k:])


def _layer_of(cert: Certificate, op: str) -> int:
    entry = next(e for e in cert.entries if e.op == op)
    return int(entry.detail.split("layer ")[1].split(";")[0].split(",")[0])


# -- positive ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("packed", FORMS)
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_certified(name: str, packed: bool) -> None:
    program = PRESETS[name]()
    cert = certify_uhat(program, compile_lemma9(program, packed=packed))
    _assert_proved(cert)
    ops = {e.op for e in cert.entries}
    assert {op.name for op in program.ops} <= ops and "accept" in ops
    for op in program.ops:  # every attention op is pinned to one attention layer of the network
        entry = next(e for e in cert.entries if e.op == op.name)
        assert (entry.kind == "attention") == isinstance(op, AttentionOp)


@pytest.mark.parametrize("packed", FORMS)
@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n", [1, 2])
def test_counter_certified(n: int, variant: str, packed: bool) -> None:
    program = counter_program(n, variant)
    _assert_proved(certify_uhat(program, compile_lemma9(program, packed=packed)))


@pytest.mark.slow
@pytest.mark.parametrize("packed", FORMS)
@pytest.mark.parametrize("variant", ["full", "stream"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counter_certified_slow(n: int, variant: str, packed: bool) -> None:
    program = counter_program(n, variant)
    _assert_proved(certify_uhat(program, compile_lemma9(program, packed=packed)))


def test_tiling_witness_certified_n1_packed() -> None:
    program = tiling_program(counter_witness(1, "strict"))
    _assert_proved(certify_uhat(program, compile_lemma9(program, packed=True)))


@pytest.mark.slow
@pytest.mark.parametrize("packed", FORMS)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiling_witness_certified_slow(n: int, packed: bool) -> None:
    program = tiling_program(counter_witness(n, "strict"))
    _assert_proved(certify_uhat(program, compile_lemma9(program, packed=packed)))


def test_render_lines() -> None:
    program = PRESETS["ab_plus"]()
    text = certify_uhat(program, compile_lemma9(program)).render()
    assert "op AB (attention ▶, j<i, layer 3)  proved" in text
    assert "op I (position-wise)  proved" in text and "op accept" in text


def test_bad_input_is_typed() -> None:
    program = PRESETS["ab_plus"]()
    net = compile_lemma9(program)
    with pytest.raises(ParameterError):
        certify_uhat(PRESETS["stair3"](), net)
    with pytest.raises(ParameterError):
        certify_uhat(program, replace(net, names=()))


# -- negative ---------------------------------------------------------------------------------------


def _refused(program, bad: UHAT, op: str) -> str | None:
    cert = certify_uhat(program, bad)
    assert not cert.proved
    failed = [e for e in cert.failures if e.verdict == "counterexample"]
    assert failed and failed[0].op == op, cert.render()
    assert failed[0].counterexample, "a refusal carries z3's assignment"
    assert "counterexample:" in cert.render()
    word = counterexample_word(program, bad, 7)
    return None if word is None else "".join(word.word)


@pytest.mark.parametrize("packed", FORMS)
def test_flipped_tiebreak_refused_with_word(packed: bool) -> None:
    program = PRESETS["ab_plus"]()
    net = compile_lemma9(program, packed=packed)
    k = _layer_of(certify_uhat(program, net), "AB")
    layer = net.layers[k - 1]
    assert isinstance(layer, AttentionLayer) and layer.tiebreak == "rightmost"
    bad = _swap(net, k, replace(layer, tiebreak="leftmost"))
    assert _refused(program, bad, "AB") == "abb"  # AB at the 2nd b reads the 1st a instead of the b


@pytest.mark.parametrize("packed", FORMS)
def test_harmless_tiebreak_flip_is_proved_and_equivalent(packed: bool) -> None:
    """Y := ▶[¬I(j)] 0 : 1 — the value is constant, so any qualifying key gives the same output."""
    program = PRESETS["ab_plus"]()
    net = compile_lemma9(program, packed=packed)
    k = _layer_of(certify_uhat(program, net), "Y")
    layer = net.layers[k - 1]
    bad = _swap(net, k, replace(layer, tiebreak="leftmost"))
    cert = certify_uhat(program, bad)
    assert cert.proved and "tie-break differs" in cert.render()
    assert counterexample_word(program, bad, 7) is None


def _relu_gadget(net: UHAT) -> tuple[int, int]:
    """(UHA layer, row) of the pre-activation of the first ReLU unit whose row has a bias."""
    for k, layer in enumerate(net.layers, start=1):
        if isinstance(layer, ReLULayer):
            uha = max(j for j in range(1, k) if isinstance(net.layers[j - 1], AttentionLayer))
            for c in layer.coords:
                if c in net.layers[uha - 1].C.bias_dict():  # type: ignore[union-attr]
                    return uha, c
    raise AssertionError("no ReLU gadget")


@pytest.mark.parametrize("packed", FORMS)
def test_broken_relu_gadget_refused_with_word(packed: bool) -> None:
    program = PRESETS["dyck1_depth2"]()
    net = compile_lemma9(program, packed=packed)
    k, row = _relu_gadget(net)
    layer = net.layers[k - 1]
    assert isinstance(layer, AttentionLayer)
    old = layer.C.bias_dict()[row]
    bad = _swap(net, k, replace(layer, C=layer.C.with_entry(row, None, old + 1)))  # x + y − 1 → x + y
    # the first gadget is P_l's recompute R ∧ V; P_l(3) of "lrr" reads the r before it as an l
    assert _refused(program, bad, "P_l") == "lrr"


@pytest.mark.parametrize("packed", FORMS)
def test_changed_score_weight_refused_with_word(packed: bool) -> None:
    program = PRESETS["ab_plus"]()
    net = compile_lemma9(program, packed=packed)
    k = _layer_of(certify_uhat(program, net), "Y")
    layer = net.layers[k - 1]
    assert isinstance(layer, AttentionLayer)
    r, c, v = layer.B.entries[0]
    bad = _swap(net, k, replace(layer, B=layer.B.with_entry(r, c, 0)))  # the score no longer sees S
    cert = certify_uhat(program, bad)
    entry = next(e for e in cert.failures if e.op == "Y")
    assert "outscore" in entry.detail and entry.counterexample
    word = counterexample_word(program, bad, 7)
    assert word is not None and "".join(word.word) == "aab"


def test_counterexample_without_word_within_bound() -> None:
    """A refused lemma need not change the language: the embedding of b scaled by 2 breaks Booleanity
    (refused), yet no word of length ≤ 6 tells the networks apart — the certificate is stronger than
    bounded equivalence, and the test says so instead of inventing a word."""
    program = PRESETS["stair3"]()
    net = compile_lemma9(program)
    bad = replace(net, embedding=net.embedding.with_entry(1, 1, 2))
    cert = certify_uhat(program, bad)
    assert [e.op for e in cert.failures] == ["Q_b"]
    assert counterexample_word(program, bad, 6) is None


@pytest.mark.parametrize("packed", FORMS)
def test_proved_mutants_are_equivalent(packed: bool) -> None:
    """Soundness cross-check on random single-weight mutants: whatever the certificate proves, no word
    up to length 5 separates the mutant from the program."""
    program = PRESETS["dyck1_depth2"]()
    net = compile_lemma9(program, packed=packed)
    rng = random.Random(2026)
    refused = proved = 0
    for _ in range(12):
        bad = apply_mutation(net, random_mutation(net, rng))
        cert = certify_uhat(program, bad)
        if cert.proved:
            proved += 1
            assert counterexample_word(program, bad, 5) is None
        else:
            refused += 1
    assert refused > 0


@pytest.mark.parametrize("packed", FORMS)
def test_counter_increment_tiebreak_flip_refused(packed: bool) -> None:
    """INC compares the bits with the rightmost earlier # — with leftmost it reads the first block."""
    program = counter_program(2, "full")
    net = compile_lemma9(program, packed=packed)
    k = _layer_of(certify_uhat(program, net), "INC")
    bad = _swap(net, k, replace(net.layers[k - 1], tiebreak="leftmost"))
    cert = certify_uhat(program, bad)
    assert [e.op for e in cert.failures if e.verdict == "counterexample"] == ["INC"]
    entry = cert.failures[0]
    assert "tie-break" in entry.detail and dict(entry.counterexample)["empty@L%d" % k] == "0"
