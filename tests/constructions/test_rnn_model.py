"""The symbolic Elman RNN: exact semantics per activation, the torch backend, errors and sizes."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import torch

from automata.alphabet import all_words, encode_word
from automata.errors import DtypeError, ParameterError, UnknownSymbolError
from constructions.exact import ZERO_BITS, Affine, bit_length
from constructions.rnn.model import ElmanRNN, PrecisionError
from constructions.rnn.torch_backend import audit, to_torch


pytestmark = pytest.mark.usefixtures("one_torch_thread")

AB = ("a", "b")


def rnn1(w: int | Fraction, ua: int | Fraction, ub: int | Fraction, b: int | Fraction, act: str,
         t: int | Fraction = 1, c: int | Fraction = 0, k: int = 1, h0: int = 0) -> ElmanRNN:
    """A one-unit RNN over {a, b}: h' = σ(w h + ua x_a + ub x_b + b), accept iff t h + c > 0."""
    return ElmanRNN(AB, Affine.build(1, 1, {(0, 0): w}), Affine.build(2, 1, {(0, 0): ua, (0, 1): ub}, {0: b}),
                    (Fraction(h0),), act, Affine.build(1, 1, {(0, 0): t}, {0: c}), k, ("h",))


def simulate(rnn: ElmanRNN, word: str) -> list[bool]:
    """Straightforward one-unit reference simulation with Fractions."""
    (w,) = [v for _, _, v in rnn.W.entries] or [Fraction(0)]
    m, bias = rnn.U.to_dense()
    (t,), c = [v for _, _, v in rnn.readout.entries], rnn.readout.bias_dict().get(0, Fraction(0))
    h, out = rnn.h0[0], []
    for s in word:
        x = w * h + m[0, AB.index(s)] + bias[0]
        h = {"relu": max(x, Fraction(0)), "heaviside": Fraction(int(x > 0)),
             "satlin": min(max(x, Fraction(0)), Fraction(1))}[rnn.activation]
        out.append(t * h + c > 0)
    return out


COUNT_A = rnn1(1, 1, 0, 0, "relu", c=-2, k=3)  # more than two a's (precision: up to 7 a's)
SEEN_A = rnn1(1, 1, 0, 0, "heaviside")  # contains an a
LAST_A = rnn1(1, 1, -1, 0, "satlin")  # the last symbol was a (satlin saturates both ways)
HALF = rnn1(Fraction(1, 2), Fraction(1, 2), 0, 0, "satlin", c=Fraction(-5, 8), k=3)  # fractional weights
EXAMPLES = [COUNT_A, SEEN_A, LAST_A, HALF]


@pytest.mark.parametrize("rnn", EXAMPLES, ids=["relu", "heaviside", "satlin", "fraction"])
def test_exact_semantics_match_reference_simulation(rnn: ElmanRNN) -> None:
    words = all_words(7, 2)
    got = rnn.run_prefixes(words)
    for row, codes in zip(got, words):
        assert row.tolist() == simulate(rnn, "".join(AB[c] for c in codes))


def test_hand_examples() -> None:
    assert COUNT_A.accepts("abaa") and not COUNT_A.accepts("abab")
    assert SEEN_A.accepts("bba") and SEEN_A.accepts("abb") and not SEEN_A.accepts("bbb")
    assert LAST_A.accepts("bba") and not LAST_A.accepts("aab") and LAST_A.accepts("aaaa")
    # HALF: h after a^k is 1 − 2^−k; accept iff > 5/8, i.e. k ≥ 2 trailing a's after b's decay
    assert not HALF.accepts("a") and HALF.accepts("aa")
    h = HALF.states(encode_word("aab", AB)[None, :])[0, :, 0]
    assert h.tolist() == [Fraction(1, 2), Fraction(3, 4), Fraction(3, 8)]
    for rnn in EXAMPLES:
        assert not rnn.accepts(())  # the empty word is never accepted
        assert rnn.run(np.zeros((3, 0), dtype=np.int64)).tolist() == [False] * 3
        assert rnn.run_prefixes(np.zeros((2, 0), dtype=np.int64)).shape == (2, 0)


def test_int64_falls_back_to_python_integers() -> None:
    double = rnn1(2, 1, 0, 0, "relu", k=80)  # h' = 2h + x_a: 2^70 − 1 after 70 a's
    h = double.states(np.zeros((1, 70), dtype=np.int64))[0, -1, 0]
    assert h == 2**70 - 1
    assert double.run_prefixes(np.zeros((1, 70), dtype=np.int64)).all()


def test_readout_beyond_int64_is_exact() -> None:
    """The state fits int64 but ⟨t, h⟩ + c does not: the readout must not wrap around."""
    count = rnn1(1, 1, 0, 0, "relu", t=2**61, c=-(2**62), k=8)  # h = number of a's; accept iff 2^61·h > 2^62
    verdicts = count.run_prefixes(np.zeros((1, 4), dtype=np.int64))[0].tolist()
    assert verdicts == [False, False, True, True]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
@pytest.mark.parametrize("rnn", EXAMPLES[:3], ids=["relu", "heaviside", "satlin"])
def test_torch_equals_exact(rnn: ElmanRNN, dtype: torch.dtype) -> None:
    words = all_words(7, 2)
    module = to_torch(rnn, dtype)
    with torch.no_grad():
        got = module(torch.from_numpy(words)).numpy()
    assert got.dtype == np.bool_ and got.shape == words.shape
    assert (got == rnn.run_prefixes(words)).all()
    assert set(module.state_dict()) == {"W", "table", "h0", "t", "c"}


def test_dtype_errors() -> None:
    with pytest.raises(DtypeError, match="non-integral"):
        to_torch(HALF)
    big = rnn1(1, 2**25, 0, 0, "heaviside")  # pre-activation up to 2^25 + 1
    assert audit(big).max_abs == 2**25 + 1
    to_torch(big, torch.float64)
    with pytest.raises(DtypeError, match="float32"):
        to_torch(big, torch.float32)
    with pytest.raises(DtypeError):
        to_torch(SEEN_A, torch.float16)
    with pytest.raises(DtypeError):
        to_torch(SEEN_A, "complex128")
    # ReLU: the audit trusts precision_bits; a run beyond it is refused, not answered
    liar = dataclasses.replace(COUNT_A, precision_bits=1)
    module = to_torch(liar)
    module(torch.zeros(1, 1, dtype=torch.long))
    with pytest.raises(DtypeError, match="precision"):
        module(torch.zeros(1, 2, dtype=torch.long))
    with pytest.raises(PrecisionError, match="after 2 symbols"):
        liar.check_precision(np.zeros((1, 2), dtype=np.int64))
    COUNT_A.check_precision(all_words(7, 2))
    with pytest.raises(PrecisionError):
        COUNT_A.check_precision(np.zeros((1, 8), dtype=np.int64))


def test_validation_errors() -> None:
    with pytest.raises(UnknownSymbolError):
        SEEN_A.accepts("abz")
    with pytest.raises(UnknownSymbolError):
        SEEN_A.run_prefixes(np.array([[0, 2]]))
    with pytest.raises(UnknownSymbolError):
        to_torch(SEEN_A)(torch.tensor([[0, 5]]))
    with pytest.raises(ParameterError):
        SEEN_A.run_prefixes(np.array([0, 1]))
    with pytest.raises(ParameterError):
        SEEN_A.run_prefixes(np.array([[0.0, 1.0]]))
    ok = dict(alphabet=AB, W=SEEN_A.W, U=SEEN_A.U, h0=SEEN_A.h0, activation="relu", readout=SEEN_A.readout)
    bad = [
        {"activation": "tanh"},
        {"W": Affine.build(2, 1, {})},
        {"W": Affine.build(1, 1, {}, {0: 1})},
        {"U": Affine.build(3, 1, {})},
        {"readout": Affine.build(1, 2, {})},
        {"h0": (Fraction(0), Fraction(1))},
        {"precision_bits": 0},
        {"unit_names": ("x", "y")},
        {"alphabet": ("a", "a")},
    ]
    ElmanRNN(**ok)
    for change in bad:
        with pytest.raises(ParameterError):
            ElmanRNN(**{**ok, **change})


def test_size_measures() -> None:
    s = COUNT_A.size()
    # W 1, U 2, b 1, h0 1, readout 2
    assert (s.units, s.alphabet_size, s.precision, s.params, s.state_bits) == (1, 2, 3, 7, 3)
    assert s.nonzeros == 4  # w = 1, ua = 1, t = 1, c = −2
    assert s.total_bits == 3 * bit_length(Fraction(1)) + bit_length(Fraction(-2)) + 3 * ZERO_BITS
    assert s.max_bits == bit_length(Fraction(-2))
    assert HALF.size().max_bits == bit_length(Fraction(-5, 8))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (torch.cuda.is_available() is False)")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_cuda_equals_exact(dtype: torch.dtype) -> None:
    words = all_words(7, 2)
    for rnn in EXAMPLES[:3]:
        module = to_torch(rnn, dtype, "cuda")
        got = module(torch.from_numpy(words)).cpu().numpy()
        assert (got == rnn.run_prefixes(words)).all()
