"""Float certificates (:mod:`constructions.uhat.certified`) on the [WDL] retrieval constructions.

* softmax constructions (Index, AR, c-gram) are certified for a large β; the least certified β
  (``beta_min``) grows with n, logarithmically; below it the certificate is refused and so is the run;
* the refusal is necessary: with β well below the bound a concrete input gets the wrong answer (found by
  scanning the task's product space, printed), while with β ≥ beta_min every input of a small task is
  answered correctly and the logits stay within the certified error of the hard reference;
* Counting (an average head) is certified in float64 and float32 for small n, and correct on every input;
* a certificate unlocks exactly its network, dtype and length bound; the reasons for a refusal.
"""
from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import torch

from automata.errors import DtypeError, ParameterError
from constructions.exact import Affine
from constructions.library.retrieval_uhat import READOUT_MARGIN, retrieval_uhat, score_margin
from constructions.uhat.certified import FloatCertificate, certify_float, require_certificate, with_beta
from constructions.uhat.model import UHAT, AttentionLayer, Head
from constructions.uhat.semantics import run_exact
from constructions.uhat.torch_backend import to_torch
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask

torch.set_num_threads(1)

SOFTMAX_TASKS = {
    "index": lambda n: IndexTask(n),
    "ar": lambda n: ARTask(n),
    "cgram": lambda n: CgramTask(n, 2),
    "cgram3": lambda n: CgramTask(n, 3),
}
SMALL = {"index": IndexTask(4), "ar": ARTask(4), "cgram": CgramTask(4, 2), "cgram3": CgramTask(4, 3)}


def margins(net: UHAT) -> dict[tuple[int, int], Fraction]:
    """Score margin 1 (the constructions' proved margin) for every head of every attention layer."""
    return {(k, h): Fraction(1) for k, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer)
            for h in range(layer.n_heads)}


def certify(net: UHAT, task, dtype: str = "float64") -> FloatCertificate:
    return certify_float(net, dtype, task.input_length, margins(net), READOUT_MARGIN)


def softmax_heads(net: UHAT) -> list[tuple[int, int]]:
    return [(k, h) for k, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer)
            for h, head in enumerate(layer.heads) if head.mode == "softmax"]


def all_inputs(task) -> tuple[np.ndarray, np.ndarray]:
    """Every valid input of the task's product space and its answer (alphabet index)."""
    codes, valid = task.encode_inputs(0, task.input_space())
    codes = codes[valid]
    return codes, task.answers(codes)


def answers_of(module, net: UHAT, task, codes: np.ndarray) -> np.ndarray:
    """The module's generated answers as alphabet indices of the task."""
    to_alpha = np.array([task.index[s] for s in net.output_symbols])
    return to_alpha[module.generate(torch.from_numpy(codes)).numpy()]


def test_score_margin_is_the_certified_one() -> None:
    assert all(score_margin(t) == 1 for t in SMALL.values()) and READOUT_MARGIN == 1


# ---------------------------------------------------------------- certified with a large β
@pytest.mark.parametrize("name", sorted(SOFTMAX_TASKS))
def test_large_beta_is_certified(name: str) -> None:
    task = SMALL[name]
    net = retrieval_uhat(task, softmax=40)
    heads = softmax_heads(net)
    assert heads and all(net.layers[k].heads[h].beta == 40 for k, h in heads)
    assert not net.is_plain
    cert = certify(net, task)
    assert cert.ok, cert.reason
    assert cert.dtype == "float64" and cert.max_len == task.input_length and cert.reason == ""
    assert 2 * cert.logit_error < float(READOUT_MARGIN)
    assert set(cert.beta_min) == set(heads)
    assert all(0 < b < 40 for b in cert.beta_min.values())
    assert "CERTIFIED" in cert.render() and "NOT CERTIFIED" not in cert.render()
    to_torch(net, "float64", max_len=task.input_length, certificate=cert)  # unlocked


@pytest.mark.parametrize("name", sorted(SOFTMAX_TASKS))
def test_beta_min_grows_logarithmically(name: str) -> None:
    ns = (8, 16, 32, 64, 128)
    bmins = {}
    for n in ns:
        task = SOFTMAX_TASKS[name](n)
        net = retrieval_uhat(task, softmax=40)
        cert = certify(net, task)
        assert cert.ok, (n, cert.reason)
        bmins[n] = cert.beta_min
    for key in bmins[8]:
        seq = [float(bmins[n][key]) for n in ns]
        print(name, key, dict(zip(ns, seq)))
        assert all(a < b for a, b in zip(seq, seq[1:])), seq  # monotone in n
        # from n = 8 to 64 (×8): an additive step of the order of ln 8, not a factor
        step = float(bmins[64][key] - bmins[8][key])
        assert math.log(8) <= step <= 5 * math.log(8), step
        # logarithmic, not polynomial: each ×4 of n adds about the same amount
        d1 = float(bmins[32][key] - bmins[8][key])
        d2 = float(bmins[128][key] - bmins[32][key])
        assert 0.8 <= d2 / d1 <= 1.25, (d1, d2)


# ---------------------------------------------------------------- below beta_min: refused
@pytest.mark.parametrize("name", sorted(SOFTMAX_TASKS))
def test_below_beta_min_is_refused(name: str) -> None:
    task = SMALL[name]
    net = retrieval_uhat(task, softmax=40)
    bmin = certify(net, task).beta_min
    for key, b in bmin.items():
        at = with_beta(net, key, b)
        assert certify(at, task).ok  # β = beta_min: certified (the bisection's upper end)
        low = with_beta(net, key, b - Fraction(1, 100))
        cert = certify(low, task)
        assert not cert.ok and "β_min" in cert.reason and "NOT CERTIFIED" in cert.render()
        with pytest.raises(DtypeError, match="not certified"):
            to_torch(low, "float64", max_len=task.input_length, certificate=cert)
        with pytest.raises(DtypeError, match="FloatCertificate"):
            to_torch(low, "float64", max_len=task.input_length)
    # every head at β = 1 (well below): refused
    cert = certify(retrieval_uhat(task, softmax=1), task)
    assert not cert.ok


def test_with_beta_changes_one_head() -> None:
    net = retrieval_uhat(CgramTask(4, 3), softmax=40)
    assert net.layers[0].n_heads == 2
    new = with_beta(net, (0, 1), Fraction(7))
    assert [h.beta for h in new.layers[0].heads] == [40, 7] and new.layers[1].heads[0].beta == 40
    new = with_beta(net, (1, 0), Fraction(9, 2))
    assert [h.beta for h in new.layers[0].heads] == [40, 40] and new.layers[1].beta == Fraction(9, 2)
    assert new != net


# ---------------------------------------------------------------- the refusal is necessary
@pytest.mark.parametrize("beta", [Fraction(1, 2), Fraction(1)])
@pytest.mark.parametrize("name", ["index", "ar", "cgram"])
def test_small_beta_answers_wrong_on_a_concrete_input(name: str, beta: Fraction) -> None:
    """Negative test: force the run the certificate refuses (a forged ``ok``) and find an input of the
    task's product space whose softmax answer is wrong; the hard limit (β → ∞) answers it right."""
    task = SMALL[name]
    net = retrieval_uhat(task, softmax=beta)
    refused = certify(net, task)
    assert not refused.ok
    forged = replace(refused, ok=True, reason="forged: the uncertified run, for the negative test")
    module = to_torch(net, "float64", max_len=task.input_length, certificate=forged)
    codes, want = all_inputs(task)
    got = answers_of(module, net, task, codes)
    wrong = np.flatnonzero(got != want)
    assert wrong.size, "β well below beta_min still answered every input"
    row = codes[wrong[0]]
    word = [task.alphabet[c] for c in row]
    print(f"{name}, β = {beta}: input {' '.join(word)} → softmax answers {task.alphabet[got[wrong[0]]]!r}, "
          f"task answer {task.answer(word)!r} ({wrong.size}/{len(codes)} inputs wrong)")
    hard = retrieval_uhat(task)  # the same construction with hard heads: right on that input
    assert hard.is_integral()
    assert answers_of(to_torch(hard, "float64", max_len=task.input_length), hard, task, row[None])[0] == want[wrong[0]]
    out = run_exact(net, word, softmax_as_hard=True).out[-1]
    assert net.output_symbols[max(range(len(out)), key=lambda k: out[k])] == task.answer(word)


# ---------------------------------------------------------------- β ≥ beta_min: every input right
@pytest.mark.parametrize("name", sorted(SOFTMAX_TASKS))
def test_certified_beta_answers_every_input(name: str) -> None:
    task = SMALL[name]
    net = retrieval_uhat(task, softmax=40)
    cert = certify(net, task)
    floor = max(cert.beta_min.values())
    if len(cert.beta_min) == 1:  # one softmax head: its beta_min is the threshold itself
        beta = floor
    else:  # each head's beta_min assumes the others at β = 40: the least common β on a grid of 1/2
        beta = next(b for b in (Fraction(math.floor(floor * 2) + i, 2) for i in range(40))
                    if certify(retrieval_uhat(task, softmax=b), task).ok)
    low = retrieval_uhat(task, softmax=beta)
    cert = certify(low, task)
    assert cert.ok, cert.reason
    assert beta < 20  # far from the β = 40 certified above
    codes, want = all_inputs(task)
    module = to_torch(low, "float64", max_len=task.input_length, certificate=cert)
    assert np.array_equal(answers_of(module, low, task, codes), want)
    # the certified bound holds: logits within logit_error of the hard reference (a sample of inputs)
    logits = module.logits(torch.from_numpy(codes))[:, -1]
    worst = 0.0
    for i in range(0, len(codes), max(1, len(codes) // 40)):
        ref = run_exact(low, [task.alphabet[c] for c in codes[i]], softmax_as_hard=True).out[-1]
        worst = max(worst, (logits[i] - torch.tensor([float(x) for x in ref], dtype=torch.float64)).abs().max().item())
    print(f"{name}: β = {float(beta)}, worst logit deviation {worst:.3e} ≤ bound {cert.logit_error:.3e}")
    assert worst <= cert.logit_error


@pytest.mark.parametrize("name", ["index", "cgram"])
def test_large_beta_float32_answers_every_input(name: str) -> None:
    task = SMALL[name]
    net = retrieval_uhat(task, softmax=40)
    cert = certify(net, task, "float32")
    assert cert.ok, cert.reason
    codes, want = all_inputs(task)
    module = to_torch(net, "float32", max_len=task.input_length, certificate=cert)
    assert np.array_equal(answers_of(module, net, task, codes), want)


@pytest.mark.parametrize("name", sorted(SOFTMAX_TASKS))
def test_hard_constructions_are_exact_without_certificate(name: str) -> None:
    task = SMALL[name]
    net = retrieval_uhat(task)
    assert not softmax_heads(net) and net.is_integral()
    codes, want = all_inputs(task)
    for fast in (True, False):
        module = to_torch(net, "float64", fast=fast, max_len=task.input_length)
        assert np.array_equal(answers_of(module, net, task, codes), want)


# ---------------------------------------------------------------- counting: an average head
@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_counting_certified_and_correct(n: int, dtype: str) -> None:
    task = CountingTask(n)
    net = retrieval_uhat(task)
    assert not net.is_integral() and any(h.mode == "average" for l in net.layers
                                         if isinstance(l, AttentionLayer) for h in l.heads)
    cert = certify(net, task, dtype)
    assert cert.ok, cert.reason
    assert cert.beta_min == {}
    with pytest.raises(DtypeError, match="FloatCertificate"):
        to_torch(net, dtype, max_len=task.input_length)
    codes, want = all_inputs(task)
    module = to_torch(net, dtype, max_len=task.input_length, certificate=cert)
    assert np.array_equal(answers_of(module, net, task, codes), want)
    logits = module.logits(torch.from_numpy(codes))[:, -1].double()
    for i in range(0, len(codes), max(1, len(codes) // 25)):
        ref = run_exact(net, [task.alphabet[c] for c in codes[i]]).out[-1]
        assert (logits[i] - torch.tensor([float(x) for x in ref], dtype=torch.float64)).abs().max() <= cert.logit_error


def test_counting_float32_refused_for_large_n() -> None:
    """M = (n + 1)(n + 2) amplifies the averaging error: float32 is certified up to n = 64, not at 128."""
    for n, ok32 in ((64, True), (128, False)):
        task = CountingTask(n)
        net = retrieval_uhat(task)
        assert certify(net, task, "float64").ok
        cert = certify(net, task, "float32")
        assert cert.ok == ok32, (n, cert.reason)
    assert "margin" in cert.reason
    with pytest.raises(DtypeError, match="not certified"):
        to_torch(net, "float32", max_len=task.input_length, certificate=cert)


# ---------------------------------------------------------------- a certificate unlocks only its own run
def test_certificate_unlocks_only_its_network_dtype_and_length() -> None:
    task = IndexTask(4)
    net = retrieval_uhat(task, softmax=40)
    L = task.input_length
    cert = certify(net, task)
    assert cert.ok
    to_torch(net, "float64", max_len=L, certificate=cert)
    to_torch(net, "float64", max_len=L - 1, certificate=cert)  # shorter words are covered
    require_certificate(cert, net, torch.float64, L)
    with pytest.raises(DtypeError, match="for float64, not float32"):
        to_torch(net, "float32", max_len=L, certificate=cert)
    with pytest.raises(DtypeError, match="length ≤ 6"):
        to_torch(net, "float64", max_len=L + 1, certificate=cert)
    with pytest.raises(ParameterError, match="max_len"):
        to_torch(net, "float64", certificate=cert)  # positional: no run without max_len
    with pytest.raises(DtypeError, match="length ≤ 6"):
        require_certificate(cert, net, "float64", None)
    with pytest.raises(DtypeError, match="another network"):
        to_torch(with_beta(net, (0, 0), Fraction(41)), "float64", max_len=L, certificate=cert)
    other = IndexTask(5)
    with pytest.raises(DtypeError):
        to_torch(retrieval_uhat(other, softmax=40), "float64", max_len=L, certificate=cert)
    with pytest.raises(DtypeError, match="another network"):
        require_certificate(cert, retrieval_uhat(other, softmax=40), "float64", L)
    with pytest.raises(DtypeError, match="must be a FloatCertificate"):
        require_certificate("trust me", net, "float64", L)
    with pytest.raises(DtypeError, match="FloatCertificate"):
        require_certificate(None, net, "float64", L)
    # a counting certificate does not run the softmax network (and vice versa)
    ctask = CountingTask(3)
    cnet = retrieval_uhat(ctask)
    ccert = certify(cnet, ctask)
    assert ccert.ok
    with pytest.raises(DtypeError, match="another network"):
        to_torch(net, "float64", max_len=L, certificate=ccert)
    with pytest.raises(DtypeError, match="another network"):
        to_torch(cnet, "float64", max_len=ctask.input_length, certificate=cert)
    c32 = certify(cnet, ctask, "float32")
    with pytest.raises(DtypeError, match="for float32, not float64"):
        to_torch(cnet, "float64", max_len=ctask.input_length, certificate=c32)
    with pytest.raises(DtypeError, match="float32 or float64"):
        certify_float(cnet, "bfloat16", ctask.input_length, {}, Fraction(1))


# ---------------------------------------------------------------- the certificate's reasons
def _one_head_net(A: Affine, mode: str = "hard", beta: Fraction | None = None) -> UHAT:
    """Σ = {a, b} embedded as (1, tok); one head with query A, key = tok; C copies the attended tok."""
    emb = Affine.build(2, 2, {(0, 0): 1, (0, 1): 1, (1, 1): 1})
    B = Affine.build(2, 1, {(0, 1): 1})
    C = Affine.build(4, 2, {(0, 0): 1, (1, 3): 1})
    layer = AttentionLayer(A, B, C, "j<=i", "leftmost", mode, beta)
    out = Affine.build(2, 2, {(0, 1): -1, (1, 1): 1}, {0: 1})
    return UHAT(("a", "b"), emb, (layer,), None, model="packed", output=out, output_symbols=("a", "b"))


def test_reason_hard_head_with_inexact_scores_and_no_margin() -> None:
    net = _one_head_net(Affine.build(2, 1, {(0, 0): Fraction(1, 3)}))  # query 1/3: not a float
    cert = certify_float(net, "float64", 8, {}, Fraction(1))
    assert not cert.ok and cert.logit_error == math.inf
    assert "layer 1 head 1: hard scores not exact and no proved margin" in cert.reason
    assert cert.reason in cert.render()
    with pytest.raises(DtypeError, match="hard scores not exact"):
        to_torch(net, "float64", max_len=8, certificate=cert)
    # with a proved margin above the score error it is certified
    assert certify_float(net, "float64", 8, {(0, 0): Fraction(1, 3)}, Fraction(1)).ok
    # integral weights: exact scores, no margin needed (and no certificate needed either)
    exact = _one_head_net(Affine.build(2, 1, {(0, 0): 1}))
    assert certify_float(exact, "float64", 8, {}, Fraction(1)).ok
    to_torch(exact, "float64")


def test_reason_softmax_head_needs_a_margin() -> None:
    net = _one_head_net(Affine.build(2, 1, {(0, 0): 1}), "softmax", Fraction(30))
    cert = certify_float(net, "float64", 8, {}, Fraction(1))
    assert not cert.ok and "softmax head needs a proved score margin" in cert.reason


def test_reason_average_head_needs_exact_scores() -> None:
    net = _one_head_net(Affine.build(2, 1, {(0, 0): Fraction(1, 3)}), "average")
    cert = certify_float(net, "float64", 8, {(0, 0): Fraction(1)}, Fraction(1))
    assert not cert.ok and "average head needs exactly computed scores" in cert.reason


# ---------------------------------------------------------------- a soundness hole
def test_beta_override_does_not_certify_the_real_network() -> None:
    task = IndexTask(4)
    net = retrieval_uhat(task, softmax=Fraction(1, 2))  # far below beta_min ≈ 6.46
    cert = certify_float(net, "float64", task.input_length, margins(net), READOUT_MARGIN,
                         betas={(0, 0): Fraction(40)})
    codes, want = all_inputs(task)
    try:
        module = to_torch(net, "float64", max_len=task.input_length, certificate=cert)
    except DtypeError:
        return  # refused: what a sound certificate does
    wrong = int((answers_of(module, net, task, codes) != want).sum())
    assert wrong == 0, f"certified run answers {wrong}/{len(codes)} inputs wrong"
