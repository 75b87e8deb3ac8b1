"""The DeepRNN model ([BCL] §2.4, feed-forward transition): exact semantics, sizes, typed errors."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import torch

from automata.alphabet import all_words
from automata.errors import DtypeError, ParameterError, PrecisionError, UnknownSymbolError
from constructions.exact import ZERO_BITS, Affine, bit_length
from constructions.rnn.deep import ACTIVATIONS, DeepRNN, Layer
from constructions.rnn.deep_torch import audit, deep_to_torch

pytestmark = pytest.mark.usefixtures("one_torch_thread")

AB = ("a", "b")


def reference(rnn: DeepRNN, codes: list[int]) -> list[bool]:
    """Straightforward one-word simulation with Fractions and Affine.apply."""
    h, out = list(rnn.h0), []
    for c in codes:
        x = h + [Fraction(int(c == a)) for a in range(len(rnn.alphabet))]
        for layer in rnn.layers:
            pre = layer.affine.apply(x)
            if layer.activation == "relu":
                x = [max(v, Fraction(0)) for v in pre]
            elif layer.activation == "heaviside":
                x = [Fraction(int(v > 0)) for v in pre]
            else:
                x = [min(max(v, Fraction(0)), Fraction(1)) for v in pre]
        h = x
        out.append(rnn.readout.apply(h)[0] > 0)
    return out


def random_affine(rng: np.random.Generator, n_in: int, n_out: int, fractional: bool) -> Affine:
    def val() -> Fraction:
        v = Fraction(int(rng.integers(-3, 4)))
        return v / int(rng.integers(1, 4)) if fractional else v
    ent = {(r, c): val() for r in range(n_out) for c in range(n_in) if rng.random() < 0.7}
    return Affine.build(n_in, n_out, ent, {r: val() for r in range(n_out)})


def random_deep(seed: int) -> DeepRNN:
    rng = np.random.default_rng(seed)
    fractional = seed % 3 == 0
    d, widths = int(rng.integers(1, 4)), [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3)))]
    dims = [d + 2, *widths, d]
    layers = tuple(Layer(random_affine(rng, a, b, fractional), str(rng.choice(ACTIVATIONS)))
                   for a, b in zip(dims, dims[1:]))
    h0 = tuple(Fraction(int(v)) for v in rng.integers(0, 2, size=d))
    return DeepRNN(AB, layers, h0, random_affine(rng, d, 1, fractional), precision_bits=8)


@pytest.mark.parametrize("seed", range(24))
def test_exact_semantics_match_reference(seed: int) -> None:
    rnn = random_deep(seed)
    words = all_words(6, 2)
    got = rnn.run_prefixes(words, chunk=7)  # chunking must not matter
    for row, codes in zip(got, words):
        assert row.tolist() == reference(rnn, codes.tolist())
    assert (rnn.run(words) == got[:, -1]).all()


def contains_ab() -> DeepRNN:
    """State (seen_a_last, seen_ab); hidden: AND gates. Words containing 'ab'."""
    # layer 1 reads (h0, h1, x_a, x_b): g0 = [x_a], g1 = [h0 ∧ x_b], g2 = [h1]
    l1 = Affine.build(4, 3, {(0, 2): 1, (1, 0): 1, (1, 3): 1, (2, 1): 1}, {1: -1})
    l2 = Affine.build(3, 2, {(0, 0): 1, (1, 1): 1, (1, 2): 1})
    return DeepRNN(AB, (Layer(l1, "relu"), Layer(l2, "heaviside")), (Fraction(0), Fraction(0)),
                   Affine.build(2, 1, {(0, 1): 1}), 1, ("a_last", "ab_seen"))


def test_hand_example_and_sizes() -> None:
    rnn = contains_ab()
    assert rnn.accepts("bab") and rnn.accepts("aab") and not rnn.accepts("bba") and not rnn.accepts("")
    words = all_words(8, 2)
    want = np.array([["ab" in "".join(AB[c] for c in w[: p + 1]) for p in range(8)] for w in words])
    assert (rnn.run_prefixes(words) == want).all()
    rnn.check_precision(words)
    size = rnn.size()
    assert (size.state_units, size.hidden_units, size.depth, size.precision, size.state_bits) == (2, 3, 2, 1, 2)
    assert size.params == (4 * 3 + 3) + (3 * 2 + 2) + 2 + 3 and size.nonzeros == 4 + 1 + 3 + 1
    assert size.total_bits == 8 * bit_length(Fraction(1)) + bit_length(Fraction(-1)) + (size.params - 9) * ZERO_BITS
    assert rnn.states(words[:3]).shape == (3, 8, 2) and rnn.states(np.zeros((2, 0), dtype=int)).shape == (2, 0, 2)


def test_int64_overflow_falls_back_to_exact_integers() -> None:
    # h' = ReLU(2^40 h + x_a): after three a's, h = 2^80 + 2^40 + 1, beyond int64
    big = 1 << 40
    rnn = DeepRNN(AB, (Layer(Affine.build(3, 1, {(0, 0): big, (0, 1): 1}), "relu"),), (Fraction(0),),
                  Affine.build(1, 1, {(0, 0): 1}, {0: -(big * big)}), precision_bits=90)
    states = rnn.states(np.array([[0, 0, 0]]))
    assert [int(v) for v in states[0, :, 0]] == [1, big + 1, big * big + big + 1]
    assert rnn.run_prefixes(np.array([[0, 0, 0]])).tolist() == [[False, False, True]]
    assert all(type(v) is int for v in states[0, :, 0])  # Python integers, not Fractions
    huge = DeepRNN(AB, (Layer(Affine.build(3, 1, {(0, 0): 1, (0, 1): big * big}), "relu"),), (Fraction(big * big),),
                   Affine.build(1, 1, {(0, 0): 1}, {0: -2 * big * big}), precision_bits=90)  # weights, h0 ≥ 2^63
    assert huge.run_prefixes(np.array([[1, 0, 1, 0]])).tolist() == [[False, False, False, True]]
    assert reference(huge, [1, 0, 1, 0]) == [False, False, False, True]
    counter = DeepRNN(AB, (Layer(Affine.build(3, 1, {(0, 0): 1, (0, 1): 1}), "relu"),), (Fraction(0),),
                      Affine.build(1, 1, {(0, 0): 1 << 61}), precision_bits=3)  # 4·2^61 would wrap in int64
    assert counter.run_prefixes(np.array([[0, 0, 0, 0, 0]])).tolist() == [[True] * 5]


def test_precision_claim_is_checked() -> None:
    counter = DeepRNN(AB, (Layer(Affine.build(3, 1, {(0, 0): 1, (0, 1): 1}), "relu"),), (Fraction(0),),
                      Affine.build(1, 1, {(0, 0): 1}), precision_bits=2)
    counter.check_precision(all_words(3, 2))  # at most 3 a's: values 0..3
    with pytest.raises(PrecisionError, match="unit h0 = 4 after 4 symbols") as err:
        counter.check_precision(all_words(4, 2))
    print("caught:", err.value)
    halves = dataclasses.replace(counter, layers=(Layer(Affine.build(3, 1, {(0, 0): Fraction(1, 2), (0, 1): 1}), "relu"),),
                                 precision_bits=1)
    halves.check_precision(np.array([[1, 1]]))
    with pytest.raises(PrecisionError, match="more than 2"):
        halves.check_precision(np.array([[0, 0, 0]]))


def test_bad_input_raises_typed_errors() -> None:
    rnn = contains_ab()
    l1, l2 = rnn.layers
    with pytest.raises(UnknownSymbolError):
        rnn.accepts("abc")
    with pytest.raises(UnknownSymbolError):
        rnn.run_prefixes(np.array([[0, 2]]))
    with pytest.raises(ParameterError):
        rnn.run_prefixes(np.array([0, 1]))  # not (B, L)
    bad = [
        dict(layers=(Layer(Affine.zero(3, 3), "relu"), l2)),  # first layer must read D + |Σ| = 4
        dict(layers=(l1, Layer(Affine.zero(2, 2), "heaviside"))),  # chain mismatch 3 → 2
        dict(layers=()),
        dict(layers=(l1, "heaviside")),
        dict(readout=Affine.zero(3, 1)),
        dict(readout=Affine.zero(2, 2)),
        dict(h0=(Fraction(0),)),
        dict(precision_bits=0),
        dict(alphabet=("a", "a")),
        dict(unit_names=("x",)),
    ]
    for change in bad:
        with pytest.raises(ParameterError) as err:
            dataclasses.replace(rnn, **change)
        print("rejected:", err.value)
    with pytest.raises(ParameterError):
        Layer(Affine.zero(1, 1), "tanh")
    with pytest.raises(ParameterError):
        Layer("not an affine", "relu")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        rnn.step(np.zeros((3, 1), dtype=np.int64), np.array([0]))
    assert rnn.step(np.zeros((2, 2), dtype=np.int64), np.array([0, 1])).tolist() == [[1, 0], [0, 0]]


@pytest.mark.parametrize("seed", [s for s in range(24) if s % 3])  # the integral random networks
@pytest.mark.parametrize("dtype", [torch.float64, torch.int64])
def test_torch_backend_is_exact(seed: int, dtype: torch.dtype) -> None:
    words = all_words(6, 2)
    peak = int(np.abs(random_deep(seed).states(words)).max())
    rnn = dataclasses.replace(random_deep(seed), precision_bits=max(1, peak.bit_length()))  # a true claim
    rnn.check_precision(words)
    module = deep_to_torch(rnn, dtype)
    with torch.no_grad():
        got = module(torch.from_numpy(words)).numpy()
    assert (got == rnn.run_prefixes(words)).all()


def test_torch_backend_refuses_inexact_settings() -> None:
    rnn = contains_ab()
    words = torch.from_numpy(all_words(8, 2))
    for dtype in (torch.float32, torch.float64, torch.int64):
        assert (deep_to_torch(rnn, dtype)(words).numpy() == rnn.run_prefixes(words.numpy())).all()
    assert audit(rnn).layer_bounds == (3, 4) and audit(rnn).max_abs == 4  # Σ|w|·bound + |b| per layer
    big = dataclasses.replace(rnn, readout=Affine.build(2, 1, {(0, 1): 1 << 30}))
    with pytest.raises(DtypeError, match="float32 is exact only up to"):
        deep_to_torch(big, torch.float32)
    deep_to_torch(big, torch.float64)
    with pytest.raises(DtypeError, match="non-integral"):
        deep_to_torch(dataclasses.replace(rnn, readout=Affine.build(2, 1, {(0, 1): Fraction(1, 2)})))
    with pytest.raises(DtypeError):
        deep_to_torch(rnn, torch.float16)
    counter = DeepRNN(AB, (Layer(Affine.build(3, 1, {(0, 0): 1, (0, 1): 1}), "relu"),), (Fraction(0),),
                      Affine.build(1, 1, {(0, 0): 1}), precision_bits=2)
    module = deep_to_torch(counter, torch.int64)
    module(torch.tensor([[0, 0, 0, 1]]))
    with pytest.raises(DtypeError, match="reached 4"):  # the precision claim is re-checked at run time
        module(torch.tensor([[0, 0, 0, 0]]))
    with pytest.raises(UnknownSymbolError):
        module(torch.tensor([[0, 2]]))
    with pytest.raises(ParameterError):
        module(torch.tensor([0, 1]))
    assert set(module.state_dict()) == {"M0", "b0", "h0", "t", "c"}
