"""The extended UHAT model ([WDL] retrieval extensions): torch backend ≡ exact reference semantics.

Random small extended networks (hypothesis): 1–3 layers, 1–3 heads per attention layer, hard and
average heads, every mask and tie-break, integer weights in −2..2, positional features of degree ≤ 2, an
output read-out (2–3 symbols) or an acceptance vector, ReLU layers; random words of length 1–6.

* hard-only networks are integral, so the float64 module must reproduce :func:`run_exact` **exactly**:
  every coordinate after every layer (read through a *probe*: the same layers with an identity
  read-out), the verdict / argmax at every position, and ``fast=False`` ≡ ``fast=True``;
* networks with average heads run only with a float certificate: where :func:`certify_float` gives one,
  every coordinate is within the certified ``logit_error`` of the exact rational value, the answer is
  the exact one wherever the exact margin exceeds twice the error, and ``fast`` does not matter; where
  it refuses, the backend refuses too (:class:`DtypeError`).

Plus: plain [BCL] networks (compiled presets) behave as before, ``is_plain`` separates the two models,
the [BCL]-only executors refuse extended networks, the ``max_len`` contract for positional networks,
and the model's validation errors.
"""
from __future__ import annotations

import os
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from automata.alphabet import all_words
from automata.errors import DtypeError, ParameterError
from constructions.brasp.interpreter import accepts as program_accepts
from constructions.exact import Affine
from constructions.library.presets import PRESETS
from constructions.uhat.certified import certify_float
from constructions.uhat.class_exec import class_prefixes, class_run
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer
from constructions.uhat.precision import precision_audit
from constructions.uhat.semantics import generate_exact, run_exact
from constructions.uhat.streaming import stream_prefixes
from constructions.uhat.torch_backend import to_torch

torch.set_num_threads(1)

MASKS = ("none", "j<i", "j>i", "j<=i", "j>=i")
CAUSAL = ("j<i", "j<=i")
# UHAT_EXAMPLES=N: a longer, randomised campaign (default: 150 derandomised examples per property)
SETTINGS = settings(max_examples=int(os.environ.get("UHAT_EXAMPLES", 150)), deadline=None,
                    derandomize=not os.environ.get("UHAT_EXAMPLES"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------- random extended networks
weights = st.integers(-2, 2)


@st.composite
def affines(draw, in_dim: int, out_dim: int, bias: bool = True) -> Affine:
    """A random affine map, some rows sparse (half of the entries zero on average)."""
    entries = {}
    for r in range(out_dim):
        dense = draw(st.booleans())
        for c in range(in_dim):
            if dense or draw(st.integers(0, 3)) == 0:
                entries[(r, c)] = draw(weights)
    b = {r: draw(weights) for r in range(out_dim)} if bias else {}
    return Affine.build(in_dim, out_dim, entries, b)


@st.composite
def heads(draw, width: int, modes: tuple[str, ...]) -> Head:
    r = draw(st.integers(1, 2))
    if draw(st.integers(0, 2)) == 0:  # a constant query (bias only): the key-only path of the backend
        a = Affine.build(width, r, {}, {k: draw(weights) for k in range(r)})
    else:
        a = draw(affines(width, r))
    return Head(a, draw(affines(width, r)), draw(st.sampled_from(MASKS)),
                draw(st.sampled_from(("leftmost", "rightmost"))), draw(st.sampled_from(modes)))


@st.composite
def c_maps(draw, width: int, n_heads: int) -> Affine:
    """C over (v, a¹, …, aᴴ): each output row copies a coordinate of v (the backend keeps its slot),
    copies an attended coordinate, or is a random affine row."""
    out = draw(st.integers(1, 3))
    entries, bias = {}, {}
    for o in range(out):
        kind = draw(st.sampled_from(("copy", "attended", "random", "random")))
        if kind == "copy":
            entries[(o, draw(st.integers(0, width - 1)))] = 1
        elif kind == "attended":
            entries[(o, width * draw(st.integers(1, n_heads)) + draw(st.integers(0, width - 1)))] = 1
        else:
            row = draw(affines((1 + n_heads) * width, 1))
            entries.update({(o, c): v for _, c, v in row.entries})
            bias.update({o: v for _, v in row.bias})
    return Affine.build((1 + n_heads) * width, out, entries, bias)


@st.composite
def nets(draw, modes: tuple[str, ...] = ("hard",)) -> UHAT:
    plain = draw(st.integers(0, 3)) == 0  # [BCL]'s model: no positions, one hard head, acceptance
    k = draw(st.integers(2, 3))
    alphabet = tuple("abc"[:k])
    width = draw(st.integers(1, 3))
    emb = Affine.build(k, width, {(r, c): draw(weights) for r in range(width) for c in range(k)})
    positions = None
    if not plain and draw(st.booleans()):
        degree = draw(st.integers(0, 2))
        positions = draw(affines(degree + 1, width, bias=False))
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 3)) == 0:
            coords = draw(st.sets(st.integers(0, width - 1), min_size=1))
            layers.append(ReLULayer(width, tuple(sorted(coords))))
            continue
        hs = [draw(heads(width, ("hard",) if plain else modes)) for _ in range(1 if plain else draw(st.integers(1, 3)))]
        h0 = hs[0]
        c = draw(c_maps(width, len(hs)))
        layers.append(AttentionLayer(h0.A, h0.B, c, h0.mask, h0.tiebreak, h0.mode, None, tuple(hs[1:])))
        width = c.out_dim
    if plain or draw(st.booleans()):
        t = Affine.build(width, 1, {(0, c): draw(weights) for c in range(width)})
        return UHAT(alphabet, emb, tuple(layers), t, model="packed", positions=positions)
    m = draw(st.integers(2, 3))
    out = draw(affines(width, m))
    return UHAT(alphabet, emb, tuple(layers), None, model="packed", positions=positions, output=out,
                output_symbols=tuple(f"s{i}" for i in range(m)))


@st.composite
def nets_and_words(draw, modes: tuple[str, ...] = ("hard",)) -> tuple[UHAT, np.ndarray]:
    net = draw(nets(modes))
    length = draw(st.integers(1, 6))
    batch = draw(st.integers(1, 4))
    words = np.array(draw(st.lists(st.lists(st.integers(0, len(net.alphabet) - 1), min_size=length,
                                            max_size=length), min_size=batch, max_size=batch)), dtype=np.int64)
    return net, words


# ---------------------------------------------------------------- helpers
def probe(net: UHAT, upto: int | None = None) -> UHAT:
    """``net``'s first ``upto`` layers with an identity read-out: its logits are the coordinates."""
    layers = net.layers if upto is None else net.layers[:upto]
    width = layers[-1].out_width if layers else net.embedding.out_dim
    ident = Affine.build(width, width, {(r, r): 1 for r in range(width)})
    return replace(net, layers=tuple(layers), accept=None, output=ident,
                   output_symbols=tuple(f"x{r}" for r in range(width)), names=())


def exact_runs(net: UHAT, words: np.ndarray):
    return [run_exact(net, [net.alphabet[c] for c in w]) for w in words.tolist()]


def exact_decisions(net: UHAT, runs) -> list[list[int]]:
    """Per word and position: 1/0 for acceptance, or the argmax (smallest index among ties)."""
    if net.accept is not None:
        return [[int(o[0] > 0) for o in run.out] for run in runs]
    return [[min(range(len(o)), key=lambda k: (-o[k], k)) for o in run.out] for run in runs]


def exact_margins(net: UHAT, runs) -> list[list[Fraction]]:
    """How far each exact decision is from flipping: |⟨t, v⟩| or best − second logit."""
    if net.accept is not None:
        return [[abs(o[0]) for o in run.out] for run in runs]
    return [[sorted(o)[-1] - sorted(o)[-2] for o in run.out] for run in runs]


def module_decisions(module, words: np.ndarray) -> list[list[int]]:
    return module(torch.from_numpy(words)).to(torch.int64).tolist()


def expected_plain(net: UHAT) -> bool:
    return (net.positions is None and net.accept is not None
            and all(l.n_heads == 1 and l.mode == "hard" for l in net.layers if isinstance(l, AttentionLayer)))


def layer_prefixes(net: UHAT) -> range:
    return range(len(net.layers) + 1)


# ---------------------------------------------------------------- hard-only networks: exact
@SETTINGS
@given(nets_and_words(("hard",)))
def test_hard_networks_equal_exact_semantics(case) -> None:
    net, words = case
    length = words.shape[1]
    assert net.is_plain == expected_plain(net)
    event("plain" if net.is_plain else "extended")
    try:
        module = to_torch(net, "float64", max_len=length)
    except DtypeError:  # values beyond 2^53: refused by the audit, nothing to compare
        event("refused by the audit")
        return
    runs = exact_runs(net, words)
    assert module_decisions(module, words) == exact_decisions(net, runs)
    # every coordinate after every layer, exactly
    for upto in layer_prefixes(net):
        p = probe(net, upto)
        got = to_torch(p, "float64", max_len=length).logits(torch.from_numpy(words))
        want = torch.tensor([[[float(x) for x in v] for v in run.layers[upto]] for run in runs], dtype=torch.float64)
        assert torch.equal(got, want), upto
    # residual() is slot-major (the backend's own layout): every final coordinate lives in some slot
    res = module.residual(torch.from_numpy(words))
    final = [[[float(x) for x in v] for v in run.layers[-1]] for run in runs]
    for r in range(net.width_out):
        col = torch.tensor([[v[r] for v in w] for w in final], dtype=torch.float64)
        assert any(torch.equal(res[:, :, s], col) for s in range(res.shape[2])), r
    # fast=False (dense attention everywhere) is the same run
    slow = to_torch(net, "float64", fast=False, max_len=length)
    assert torch.equal(slow(torch.from_numpy(words)), module(torch.from_numpy(words)))
    if net.output is not None:
        lg = module.logits(torch.from_numpy(words))
        assert torch.equal(slow.logits(torch.from_numpy(words)), lg)
        want = torch.tensor([[[float(x) for x in o] for o in run.out] for run in runs], dtype=torch.float64)
        assert torch.equal(lg, want)
        gen = module.generate(torch.from_numpy(words)).tolist()
        for w, g, run in zip(words.tolist(), gen, runs):
            sym, margin = generate_exact(net, [net.alphabet[c] for c in w])
            if margin > 0:  # a tie has no unique answer; the module then takes the smallest index
                assert net.output_symbols[g] == sym
    # [BCL]'s executors run plain networks and refuse extended ones
    word = words[0]
    whole = module(torch.from_numpy(word[None]))[0]
    if net.is_plain:
        assert torch.equal(class_prefixes(module, word), whole)
        if all(l.mask in CAUSAL for l in net.layers if isinstance(l, AttentionLayer) and l.attends):
            assert torch.equal(stream_prefixes(module, word), whole)
    else:
        with pytest.raises(ParameterError):
            class_run(module, word)
        with pytest.raises(ParameterError):
            stream_prefixes(module, word)


# ---------------------------------------------------------------- average heads: certified
BIG = Fraction(2**40)  # a read-out margin large enough that only the structural checks can refuse


@SETTINGS
@given(nets_and_words(("hard", "average")))
def test_average_networks_within_certified_error(case) -> None:
    net, words = case
    length = words.shape[1]
    has_average = any(h.mode == "average" for l in net.layers if isinstance(l, AttentionLayer) and l.attends
                      for h in l.heads)
    assert net.is_plain == expected_plain(net)
    runs = exact_runs(net, words)
    x = torch.from_numpy(words)
    # the values, through the probe: within the certificate's error bound of the exact rationals
    p = probe(net)
    cert = certify_float(p, "float64", length, {}, BIG)
    if not cert.ok:
        event("refused: " + cert.reason.split(": ", 1)[-1].split(" and ")[0].split(" above ")[0])
        with pytest.raises(DtypeError):
            to_torch(p, "float64", max_len=length, certificate=cert)
        return
    if has_average:
        with pytest.raises(DtypeError):
            to_torch(p, "float64", max_len=length)  # no certificate, no run
        event("certified average network")
    fast = to_torch(p, "float64", max_len=length, certificate=cert)
    got = fast.logits(x)
    want = torch.tensor([[[float(v) for v in vec] for vec in run.layers[-1]] for run in runs], dtype=torch.float64)
    err = (got - want).abs().max().item()
    assert err <= cert.logit_error, (err, cert.logit_error)
    assert err <= 1e-9 * max(1.0, want.abs().max().item())
    slow = to_torch(p, "float64", fast=False, max_len=length, certificate=cert)
    assert torch.equal(slow.logits(x), got)
    # the network's own answers: the exact ones wherever the exact margin exceeds twice the error
    # (BIG only unlocks the run; the assertion below uses the real margins of these words)
    ncert = certify_float(net, "float64", length, {}, BIG)
    assert ncert.ok
    module = to_torch(net, "float64", max_len=length, certificate=ncert)
    dec = module_decisions(module, words)
    for d_row, e_row, m_row in zip(dec, exact_decisions(net, runs), exact_margins(net, runs)):
        for d, e, m in zip(d_row, e_row, m_row):
            if m > 2 * ncert.logit_error:
                assert d == e
    assert dec == module_decisions(to_torch(net, "float64", fast=False, max_len=length, certificate=ncert), words)


def test_average_head_is_the_exact_mean() -> None:
    """A hand-checked average head: prefix means 0, 1/2, 2/3, 3/4 of the indicator of b."""
    emb = Affine.build(2, 1, {(0, 1): 1})
    zero = Affine.build(1, 1, {}, {})
    C = Affine.build(2, 1, {(0, 1): 1})  # the attended mean
    layer = AttentionLayer(zero, zero, C, "j<=i", "leftmost", "average")
    net = UHAT(("a", "b"), emb, (layer,), None, output=Affine.build(1, 1, {(0, 0): 1}), output_symbols=("m",),
               model="packed")
    run = run_exact(net, list("abbb"))
    assert [v[0] for v in run.layers[-1]] == [0, Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)]
    assert run.attended[0][3] == ((0, 1, 2, 3),)
    cert = certify_float(net, "float64", 4, {}, Fraction(1))
    assert cert.ok
    got = to_torch(net, "float64", max_len=4, certificate=cert).logits(torch.tensor([[0, 1, 1, 1]]))[0, :, 0]
    assert torch.allclose(got, torch.tensor([0, 1 / 2, 2 / 3, 3 / 4], dtype=torch.float64), rtol=0, atol=1e-15)
    with pytest.raises(DtypeError, match="FloatCertificate"):
        to_torch(net, "float64", max_len=4)


# ---------------------------------------------------------------- plain [BCL] networks
@pytest.mark.parametrize("key", sorted(PRESETS))
@pytest.mark.parametrize("packed", [False, True])
def test_presets_are_plain_and_unchanged(key: str, packed: bool) -> None:
    program = PRESETS[key]()
    net = compile_lemma9(program, packed=packed)
    assert net.is_plain and net.positions is None and net.output is None
    assert all(l.n_heads == 1 and l.mode == "hard" and l.beta is None
               for l in net.layers if isinstance(l, AttentionLayer))
    net.require_plain("test")
    size = net.size()
    assert size.heads == 1 and size.table_params == 0 and size.core_params == size.params
    module = to_torch(net, "float64")  # no max_len needed, no certificate
    assert module.plain and module.exact and module.max_len is None and not module.generator
    words = all_words(6, len(net.alphabet))
    got = module(torch.from_numpy(words))[:, -1].numpy()
    assert np.array_equal(got, program_accepts(program, words))
    assert torch.equal(to_torch(net, "float64", fast=False)(torch.from_numpy(words)), module(torch.from_numpy(words)))
    long = words[-1]
    assert torch.equal(class_prefixes(module, long), module(torch.from_numpy(long[None]))[0])
    for w in words[:: max(1, len(words) // 15)].tolist():  # the exact reference agrees on plain nets too
        run = run_exact(net, [net.alphabet[c] for c in w])
        assert (run.out[-1][0] > 0) == bool(module(torch.tensor([w]))[0, -1])
    with pytest.raises(ParameterError, match="output read-out"):
        module.generate(torch.from_numpy(words[:1]))
    with pytest.raises(ParameterError, match="output read-out"):
        module.logits(torch.from_numpy(words[:1]))
    with pytest.raises(ParameterError, match="output read-out"):
        generate_exact(net, ["a"] if "a" in net.alphabet else [net.alphabet[0]])


# ---------------------------------------------------------------- small hand-made extended networks
def _positional_net() -> UHAT:
    """x_j = tok + j² ; one hard head (query constant, key x): the position of the largest x."""
    emb = Affine.build(2, 2, {(0, 1): 1})
    pos = Affine.build(3, 2, {(0, 2): 1, (1, 0): 1})  # coord 0 += j², coord 1 = 1
    A = Affine.build(2, 1, {}, {0: 1})
    B = Affine.build(2, 1, {(0, 0): 1})
    C = Affine.build(4, 2, {(0, 0): 1, (1, 2): 1})
    layer = AttentionLayer(A, B, C, "j<=i", "leftmost")
    return UHAT(("a", "b"), emb, (layer,), Affine.build(2, 1, {(0, 1): 1}), positions=pos)


def test_is_plain_flags_each_extension() -> None:
    net = _positional_net()
    assert not net.is_plain
    plain = replace(net, positions=None)
    assert plain.is_plain
    layer = plain.layers[0]
    two = replace(layer, C=Affine.build(6, 2, {(0, 0): 1, (1, 2): 1}), extra_heads=(layer.heads[0],))
    assert not replace(plain, layers=(two,)).is_plain and not two.is_plain
    avg = replace(layer, mode="average")
    assert not replace(plain, layers=(avg,)).is_plain
    gen = replace(plain, accept=None, output=Affine.build(2, 2, {(0, 0): 1}), output_symbols=("x", "y"))
    assert not gen.is_plain
    with pytest.raises(ParameterError, match="retrieval extensions"):
        gen.require_plain("Lemma 9 tooling")
    assert replace(plain, layers=(ReLULayer(2, (0,)),)).is_plain


def test_extended_networks_refused_by_bcl_executors() -> None:
    net = _positional_net()
    module = to_torch(net, "float64", max_len=8)
    assert not module.plain
    word = np.array([0, 1, 0, 0])
    with pytest.raises(ParameterError, match="BCL"):
        class_run(module, word)
    with pytest.raises(ParameterError, match="BCL"):
        class_prefixes(module, word)
    with pytest.raises(ParameterError, match="BCL"):
        stream_prefixes(module, word)


def test_positional_networks_need_max_len() -> None:
    net = _positional_net()
    with pytest.raises(ParameterError, match="max_len"):
        to_torch(net, "float64")
    with pytest.raises(ParameterError, match="max_len"):
        precision_audit(net)
    with pytest.raises(ParameterError, match="max_len"):
        to_torch(net, "float64", max_len=0)
    module = to_torch(net, "float64", max_len=5)
    assert module.max_len == 5
    for length in (1, 3, 5):
        word = np.arange(length) % 2
        want = [int(o[0] > 0) for o in run_exact(net, [net.alphabet[c] for c in word]).out]
        assert module(torch.from_numpy(word[None]))[0].to(torch.int64).tolist() == want
    with pytest.raises(ParameterError, match="max_len = 5"):
        module(torch.zeros(1, 6, dtype=torch.long))
    with pytest.raises(ParameterError, match="max_len"):
        module.residual(torch.zeros(2, 9, dtype=torch.long))
    # the audit depends on max_len: j² grows, and a small dtype is refused for long words
    assert precision_audit(net, 5).max_abs < precision_audit(net, 50).max_abs
    to_torch(net, "bfloat16", max_len=8)
    with pytest.raises(DtypeError):
        to_torch(net, "bfloat16", max_len=40)  # 39² > 2^8


def test_positional_features_are_zero_based() -> None:
    """p(j) = (1, j, j²) with j = 0 at the first position, added to the embedding."""
    net = _positional_net()
    run = run_exact(net, ["b", "a", "a", "b"])
    assert [v[0] for v in run.layers[0]] == [1, 1, 4, 10]
    assert [v[1] for v in run.layers[0]] == [1, 1, 1, 1]
    got = to_torch(probe(net, 0), "float64", max_len=4).logits(torch.tensor([[1, 0, 0, 1]]))[0]
    assert got.tolist() == [[1, 1], [1, 1], [4, 1], [10, 1]]


def test_multi_head_reads_every_head() -> None:
    """Two heads of one layer: leftmost b and rightmost b; C reads (v, a¹, a²)."""
    emb = Affine.build(2, 2, {(0, 1): 1})
    pos = Affine.build(2, 2, {(1, 1): 1})  # coord 1 = j
    A = Affine.build(2, 1, {}, {0: 1})
    B = Affine.build(2, 1, {(0, 0): 1})
    C = Affine.build(6, 2, {(0, 3): 1, (1, 5): 1})  # (pos of head 1's pick, pos of head 2's pick)
    layer = AttentionLayer(A, B, C, "none", "leftmost", extra_heads=(Head(A, B, "none", "rightmost"),))
    assert layer.n_heads == 2 and len(layer.heads) == 2
    net = UHAT(("a", "b"), emb, (layer,), None, positions=pos, output=Affine.build(2, 2, {(0, 0): 1, (1, 1): 1}),
               output_symbols=("first", "last"), model="packed")
    assert net.size().heads == 2
    word = ["a", "b", "a", "b", "b", "a"]
    run = run_exact(net, word)
    assert run.layers[-1][0] == (1, 4) and run.attended[0][0] == ((1,), (4,))
    for fast in (True, False):
        got = to_torch(net, "float64", fast=fast, max_len=6).logits(torch.tensor([[0, 1, 0, 1, 1, 0]]))[0]
        assert got.tolist() == [[1, 4]] * 6


def test_empty_mask_attends_zero_in_every_mode() -> None:
    emb = Affine.build(2, 1, {(0, 0): 3, (0, 1): 5})
    zero = Affine.build(1, 1, {}, {})
    C = Affine.build(3, 2, {(0, 1): 1, (1, 2): 1})
    layer = AttentionLayer(zero, zero, C, "j<i", "leftmost", "hard",
                           extra_heads=(Head(zero, zero, "j>i", "leftmost", "average"),))
    net = UHAT(("a", "b"), emb, (layer,), None, output=Affine.build(2, 2, {(0, 0): 1, (1, 1): 1}),
               output_symbols=("hard", "avg"), model="packed")
    run = run_exact(net, ["a", "b", "b"])
    assert run.layers[-1] == ((0, 5), (3, 5), (3, 0))
    cert = certify_float(net, "float64", 3, {}, Fraction(1))
    got = to_torch(net, "float64", max_len=3, certificate=cert).logits(torch.tensor([[0, 1, 1]]))[0]
    assert got.tolist() == [[0, 5], [3, 5], [3, 0]]


# ---------------------------------------------------------------- validation
def _aff(i: int, o: int) -> Affine:
    return Affine.build(i, o, {(0, 0): 1})


def test_validation_errors() -> None:
    A = _aff(2, 1)
    with pytest.raises(ValueError, match=r"C must read \(1 \+ 1\)·R = 4"):
        AttentionLayer(A, A, _aff(3, 2), "none", "leftmost")
    with pytest.raises(ValueError, match=r"C must read \(1 \+ 2\)·R = 6"):
        AttentionLayer(A, A, _aff(4, 2), "none", "leftmost", extra_heads=(Head(A, A, "none"),))
    AttentionLayer(A, A, _aff(6, 2), "none", "leftmost", extra_heads=(Head(A, A, "none"),))
    with pytest.raises(ValueError, match="every head reads"):
        AttentionLayer(A, A, _aff(6, 2), "none", "leftmost", extra_heads=(Head(_aff(3, 1), _aff(3, 1), "none"),))
    with pytest.raises(ValueError, match="softmax head needs beta"):
        Head(A, A, "none", mode="softmax")
    with pytest.raises(ValueError, match="softmax head needs beta"):
        AttentionLayer(A, A, _aff(4, 2), "none", "leftmost", "softmax")
    with pytest.raises(ValueError, match="softmax head needs beta"):
        Head(A, A, "none", mode="hard", beta=Fraction(2))
    with pytest.raises(ValueError, match="beta must be positive"):
        Head(A, A, "none", mode="softmax", beta=Fraction(0))
    with pytest.raises(ValueError, match="unknown attention mode"):
        Head(A, A, "none", mode="linear")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="head shapes"):
        Head(A, _aff(3, 1), "none")
    Head(A, A, "none", mode="softmax", beta=Fraction(1, 2))
    emb = Affine.build(2, 2, {(0, 0): 1})
    layer = AttentionLayer(A, A, _aff(4, 2), "none", "leftmost")
    t = Affine.build(2, 1, {(0, 0): 1})
    out = Affine.build(2, 2, {(0, 0): 1})
    with pytest.raises(ValueError, match="exactly one"):
        UHAT(("a", "b"), emb, (layer,), t, output=out, output_symbols=("x", "y"))
    with pytest.raises(ValueError, match="exactly one"):
        UHAT(("a", "b"), emb, (layer,), None)
    with pytest.raises(ValueError, match="one logit per output symbol"):
        UHAT(("a", "b"), emb, (layer,), None, output=out, output_symbols=("x",))
    with pytest.raises(ValueError, match="positions must map"):
        UHAT(("a", "b"), emb, (layer,), t, positions=Affine.build(2, 2, {(0, 0): 1}, {0: 1}))  # a bias
    with pytest.raises(ValueError, match="positions must map"):
        UHAT(("a", "b"), emb, (layer,), t, positions=Affine.build(2, 3, {(0, 0): 1}))  # wrong width
    UHAT(("a", "b"), emb, (layer,), None, output=out, output_symbols=("x", "y"),
         positions=Affine.build(3, 2, {(1, 2): 1}))


def test_exact_reference_refusals() -> None:
    emb = Affine.build(2, 1, {(0, 1): 1})
    one = Affine.build(1, 1, {(0, 0): 1})
    layer = AttentionLayer(one, one, Affine.build(2, 1, {(0, 1): 1}), "none", "leftmost", "softmax", Fraction(3))
    net = UHAT(("a", "b"), emb, (layer,), None, output=Affine.build(1, 2, {(1, 0): 1}), output_symbols=("a", "b"),
               model="packed")
    with pytest.raises(ParameterError, match="irrational"):
        run_exact(net, ["a", "b"])
    assert generate_exact(net, ["a", "b"], softmax_as_hard=True) == ("b", 1)
    with pytest.raises(ParameterError, match="non-empty"):
        run_exact(net, [])
    with pytest.raises(DtypeError):
        to_torch(net, "float64", max_len=2)  # softmax: no run without a certificate


# ---------------------------------------------------------------- a bug found by these tests
def _half_position_net() -> UHAT:
    """One hard head, constant query, key = j/2 (a rational positional weight): the score j/2 is
    uniquely maximal at the last position with margin 1/2 for every word; C copies the attended token,
    the read-out gives logits (1 − tok, tok)."""
    emb = Affine.build(2, 2, {(0, 1): 1})
    pos = Affine.build(2, 2, {(1, 1): Fraction(1, 2)})
    A = Affine.build(2, 1, {}, {0: 1})
    B = Affine.build(2, 1, {(0, 1): 1})
    C = Affine.build(4, 2, {(0, 2): 1, (1, 1): 1})
    layer = AttentionLayer(A, B, C, "none", "leftmost")
    out = Affine.build(2, 2, {(0, 0): -1, (1, 0): 1}, {0: 1})
    return UHAT(("a", "b"), emb, (layer,), None, model="packed", positions=pos, output=out, output_symbols=("a", "b"))


def test_key_only_hard_head_with_rational_scores() -> None:
    net = _half_position_net()
    length = 6
    cert = certify_float(net, "float64", length, {(0, 0): Fraction(1, 2)}, Fraction(1))
    assert cert.ok  # the margin 1/2 is true for every word (scores j/2, distinct positions)
    word = ["a"] * 5 + ["b"]
    assert generate_exact(net, word) == ("b", 1)
    x = torch.tensor([[0] * 5 + [1]])
    slow = to_torch(net, "float64", fast=False, max_len=length, certificate=cert)
    assert slow.generate(x).tolist() == [1]  # dense attention: right
    fast = to_torch(net, "float64", fast=True, max_len=length, certificate=cert)
    assert fast.generate(x).tolist() == [1]  # the running maximum of int(j/2): attends j = 4 → "a"
