"""The compact O(√m) DFA → DeepRNN construction against its DFA: exhaustive, sizes, broken copies."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import torch

from automata.alphabet import all_words, encode_word, show_word
from automata.dfa import DFA
from automata.errors import ParameterError, UnknownSymbolError
from constructions.library.dfa_rnn import dfa_to_rnn
from constructions.library.dfa_rnn_compact import (ceil_sqrt, compact_layout, compare_with_dfa,
                                                   dfa_to_compact_rnn, predicted_size)
from constructions.rnn.deep import DeepRNN, Layer
from constructions.rnn.deep_torch import audit, deep_to_torch

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LENGTH = {1: None, 2: 12, 3: 8, 4: 6}  # exhaustive lengths: |Σ|^L ≤ 4096 words (|Σ| = 1: 2m + 3)


def random_dfa(seed: int, m: int | None = None, partial: bool = False) -> DFA:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 41)) if m is None else m
    k = 1 + seed % 4
    delta = rng.integers(-1 if partial else 0, m, size=(m, k))
    return DFA("abcd"[:k], delta, int(rng.integers(0, m)), rng.random(m) < 0.4)


RANDOM_DFAS = [random_dfa(seed) for seed in range(36)]


def max_len(dfa: DFA) -> int:
    k = len(dfa.alphabet)
    return 2 * dfa.num_states + 3 if k == 1 else LENGTH[k]


@pytest.mark.parametrize("seed", range(36))
def test_compact_rnn_equals_dfa_on_every_short_word(seed: int) -> None:
    dfa = RANDOM_DFAS[seed]
    rnn = dfa_to_compact_rnn(dfa)
    assert compare_with_dfa(rnn, dfa, max_len(dfa)) is None
    # the internal invariant: after every prefix the state is the grid code of the DFA's state
    lay = compact_layout(dfa)
    words = all_words(max_len(dfa), len(dfa.alphabet))[:: 37]
    states = rnn.states(words)
    q = np.full(words.shape[0], dfa.start)
    codes = np.array([lay.code(p) for p in range(dfa.num_states)], dtype=np.int64).reshape(dfa.num_states, -1)
    for t in range(words.shape[1]):
        q = dfa.delta[q, words[:, t]]
        assert (states[:, t, :] == codes[q]).all()
    rnn.check_precision(words)  # every unit is 0/1


def test_tiny_dfas_with_empty_codes() -> None:
    for k in (1, 3):
        for acc in (False, True):  # m = 1: D = 0 state units, no hidden units; the readout is the bias
            dfa = DFA("abc"[:k], np.zeros((1, k), dtype=np.int64), 0, np.array([acc]))
            rnn = dfa_to_compact_rnn(dfa)
            assert rnn.units == 0 and rnn.size().hidden_units == 0 and not rnn.accepts("")
            assert compare_with_dfa(rnn, dfa, 5) is None and rnn.accepts("a") == acc
    two = DFA("ab", np.array([[1, 0], [0, 1]]), 0, np.array([False, True]))  # m = 2: R = 1, only columns
    rnn = dfa_to_compact_rnn(two)
    assert (rnn.units, rnn.size().hidden_units) == (1, 2) and compare_with_dfa(rnn, two, 10) is None


def test_partial_and_minimised_dfas() -> None:
    for seed in range(8):
        dfa = random_dfa(100 + seed, m=int(3 + 4 * seed), partial=True)
        for reduce in (False, True):
            rnn = dfa_to_compact_rnn(dfa, reduce=reduce)
            m = dfa.minimise().num_states if reduce else dfa.complete().num_states
            assert rnn.units == predicted_size(m, len(dfa.alphabet))["state_units"]
            assert compare_with_dfa(rnn, dfa, max_len(dfa)) is None


@pytest.mark.parametrize("m", [100, 250, 400])
def test_large_dfas_on_random_words(m: int) -> None:
    dfa = random_dfa(7 + m, m=m)  # |Σ| = 4, 2, 4 for m = 100, 250, 400
    rng = np.random.default_rng(m)
    words = rng.integers(0, len(dfa.alphabet), size=(2000, 64))
    rnn = dfa_to_compact_rnn(dfa)
    assert (rnn.run_prefixes(words) == dfa.run_prefixes(words)).all()
    assert rnn.units <= 2 * ceil_sqrt(m) - 2
    if m == 400:
        assert rnn.units == 38 <= 2 * 20


def test_size_formulas_against_built_objects() -> None:
    extra = [random_dfa(7 + m, m=m) for m in (100, 400)]
    for dfa in RANDOM_DFAS + extra:
        rnn = dfa_to_compact_rnn(dfa)
        m, k = dfa.num_states, len(dfa.alphabet)
        want = predicted_size(m, k)
        s, rows = ceil_sqrt(m), -(-m // ceil_sqrt(m))
        size = rnn.size()
        assert (size.state_units, size.hidden_units, size.depth, size.params, size.state_bits) == (
            want["state_units"], want["hidden_units"], 2, want["params"], want["state_bits"])
        assert size.state_units == rows + s - 2 <= 2 * ceil_sqrt(m) - 2 and size.precision == 1
        assert size.hidden_units == k * rows * ((rows > 1) + (s > 1)) <= 2 * k * s
        f_size = int(dfa.accepting.sum())
        assert rnn.is_integral() and all(abs(v) <= max(2 * s, f_size) for f in rnn.maps() for v in f.values())
        assert (m < 2) or rows in (s - 1, s)
    assert predicted_size(1, 3)["state_units"] == 0 and predicted_size(2, 1)["state_units"] == 1
    with pytest.raises(ParameterError):
        predicted_size(0, 2)


def test_state_units_grow_like_sqrt_m() -> None:
    table = []
    for n in range(1, 21):
        m = n * n
        d = predicted_size(m, 2)["state_units"]
        assert d == 2 * n - 2
        table.append((m, d, predicted_size(m, 2)["hidden_units"]))
    dfa = DFA("ab", np.array([[(q + 1) % 400, (2 * q) % 400] for q in range(400)]), 0,
              np.array([q % 7 == 0 for q in range(400)]))
    assert dfa_to_compact_rnn(dfa).units == 38 and dfa_to_rnn(dfa).units > 400  # vs one-hot ≈ m·|Σ|
    print("m, D, hidden:", table)


def mod_counter() -> DFA:
    """12 states, 'a' adds 1, 'b' doubles (mod 12); accept multiples of 5 — minimal and strongly connected."""
    m = 12
    return DFA("ab", np.array([[(q + 1) % m, (2 * q) % m] for q in range(m)]), 1, np.array([q % 5 == 0 for q in range(m)]))


def perturbed(rnn: DeepRNN, layer: int, row: int, col: int | None, delta: int) -> DeepRNN:
    aff = rnn.layers[layer].affine if layer >= 0 else rnn.readout
    old = (aff.bias_dict() if col is None else {(r, c): v for r, c, v in aff.entries}).get(row if col is None else (row, col), 0)
    new = aff.with_entry(row, col, Fraction(old) + delta)
    if layer < 0:
        return dataclasses.replace(rnn, readout=new)
    layers = list(rnn.layers)
    layers[layer] = Layer(new, layers[layer].activation)
    return dataclasses.replace(rnn, layers=tuple(layers))


@pytest.mark.parametrize("where", [
    (0, 0, 5, +1),     # a hidden weight: the x_a coefficient of z_{row 0, a}
    (0, 3, 0, -1),     # a hidden weight on the thermometer input T_1
    (0, 7, None, -1),  # a hidden bias
    (1, 0, None, -1),  # an output threshold: T'_1 = H(Σz − 2) instead of H(Σz − 1)
    (1, 4, None, +1),  # a column threshold
    (-1, 0, None, +1),  # the readout's |F| → |F| + 1
])
def test_broken_copies_are_caught(where: tuple[int, int, int | None, int]) -> None:
    dfa = mod_counter()
    rnn = dfa_to_compact_rnn(dfa)
    assert compare_with_dfa(rnn, dfa, 12) is None
    broken = perturbed(rnn, *where)
    word = compare_with_dfa(broken, dfa, 12)
    print(f"perturbation {where}: counterexample {show_word(word) if word else None}")
    assert word is not None and broken.accepts(word) != dfa.accepts(word)
    if len(word) > 1:  # nothing shorter disagrees
        assert compare_with_dfa(broken, dfa, len(word) - 1) is None


def test_compare_returns_the_shortest_then_least_word() -> None:
    found = 0
    for seed in range(30):
        a, b = random_dfa(200 + 4 * seed + 1, m=6), random_dfa(300 + 4 * seed + 1, m=6)  # |Σ| = 2
        if a.accepting[a.start] or b.accepting[b.start]:
            continue  # DFA.equivalent would report ε, which RNNs never accept
        want = a.equivalent(b)
        got = compare_with_dfa(dfa_to_compact_rnn(a), b, 10)
        assert got == (want if want is not None and len(want) <= 10 else None)
        found += got is not None
    assert found >= 5
    one_hot = dfa_to_rnn(mod_counter())  # the function works on Elman RNNs too
    assert compare_with_dfa(one_hot, mod_counter(), 10) is None


def test_bad_input_raises_typed_errors() -> None:
    dfa = mod_counter()
    rnn = dfa_to_compact_rnn(dfa)
    with pytest.raises(UnknownSymbolError):
        rnn.accepts("abz")
    with pytest.raises(UnknownSymbolError):
        rnn.run_prefixes(encode_word("ab", "ab")[None, :] + 1)
    with pytest.raises(ParameterError):
        dfa_to_compact_rnn("not a dfa")  # type: ignore[arg-type]
    for bad_len in (0, -1, True, 2.5):
        with pytest.raises(ParameterError):
            compare_with_dfa(rnn, dfa, bad_len)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        compare_with_dfa(rnn, random_dfa(3, m=5), 4)  # alphabets differ
    with pytest.raises(ParameterError):
        compare_with_dfa(rnn, dfa, 40)  # 2^40 words
    with pytest.raises(ParameterError):  # a malformed layer in a built network
        dataclasses.replace(rnn, layers=(rnn.layers[0], Layer(rnn.layers[1].affine.zero(3, 4), "heaviside")))


@pytest.mark.parametrize("seed", [1, 5, 10, 15, 22, 35])
def test_torch_backend_agrees_exhaustively(seed: int) -> None:
    dfa = RANDOM_DFAS[seed]
    rnn = dfa_to_compact_rnn(dfa)
    words = all_words(max_len(dfa), len(dfa.alphabet))
    want = rnn.run_prefixes(words)
    assert audit(rnn).max_abs < 1 << 24  # small integers (a loose interval bound): float32 is exact
    for dtype in (torch.float32, torch.int64):
        with torch.no_grad():
            got = deep_to_torch(rnn, dtype)(torch.from_numpy(words)).numpy()
        assert (got == want).all()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_torch_backend_on_cuda() -> None:
    dfa = random_dfa(407, m=400)
    rnn = dfa_to_compact_rnn(dfa)
    words = np.random.default_rng(1).integers(0, len(dfa.alphabet), size=(1 << 16, 64))
    for dtype in (torch.float32, torch.float64, torch.int64):
        with torch.no_grad():
            got = deep_to_torch(rnn, dtype, "cuda")(torch.from_numpy(words)).cpu().numpy()
        assert (got == dfa.run_prefixes(words)).all()
