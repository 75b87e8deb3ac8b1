"""The structured tiling RNN ([BCL] Problem 6, §2.4; THEORY §4, §7) against :class:`tasks.tiling.TilingTask`.

* Equivalence with the minimal reference DFA by a breadth-first search of the product (RNN state, DFA
  state) to saturation: every word of every length leads to an explored pair, so this covers all words
  (in particular all words up to length 8 and beyond) — on the N = 1 witness (both conventions), the
  N = 2 witness and every instance of :data:`tasks.tiling_witness.INSTANCE_SUITE`.
* Brute force with :func:`automata.alphabet.all_words` and ``DFA.run_prefixes``: all words of length 4
  over the 20-symbol N = 1 witness alphabet, and all shape-correct encodings with ≤ 2 rows.
* The witness words (N = 1, 2, 3) accepted, 40 random single-symbol corruptions rejected (RNN and
  reference), precision k = 1, the size formula against the built networks, the torch backend, and
  broken networks caught with their counterexamples shown.
"""
from __future__ import annotations

import dataclasses
import itertools
import random
from fractions import Fraction

import numpy as np
import pytest
import torch

from automata.alphabet import all_words, encode_word, show_word
from automata.dfa import DFA
from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.library.tiling_rnn import tiling_rnn, tiling_rnn_for, tiling_rnn_size
from constructions.rnn.model import ElmanRNN
from constructions.rnn.torch_backend import to_torch
from tasks.tiling import TilingTask, decode, shortest_word
from tasks.tiling_witness import INSTANCE_SUITE, counter_witness, expected_witness_length

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def product_search(rnn: ElmanRNN, dfa: DFA, max_pairs: int = 400_000) -> tuple[tuple[str, ...] | None, int, int]:
    """BFS over pairs (RNN state, DFA state) reached by the same word, to saturation.

    Returns ``(counterexample, pairs, depth)``: the shortest word on which the RNN and the DFA
    disagree, or None when every reachable pair agrees — then they agree on **all** words, since the
    acceptance of a word depends only on the pair it reaches."""
    k = len(dfa.alphabet)
    delta = np.where(dfa.delta >= 0, dfa.delta, dfa.delta.shape[0])  # -1 → an extra rejecting sink
    delta = np.vstack([delta, np.full((1, k), dfa.delta.shape[0])])
    accepting = np.append(dfa.accepting, False)
    h0 = rnn.initial_state(1)
    start = (h0[:, 0].tobytes(), dfa.start)
    parent: dict[tuple[bytes, int], tuple[tuple[bytes, int] | None, int]] = {start: (None, -1)}
    frontier_h, frontier_q, keys = h0, np.array([dfa.start]), [start]
    depth = 0
    while keys:
        depth += 1
        b = len(keys)
        h = np.repeat(frontier_h, k, axis=1)
        syms = np.tile(np.arange(k), b)
        nh = rnn.step(h, syms)
        nq = delta[np.repeat(frontier_q, k), syms]
        bad = rnn.accepting(nh) != accepting[nq]
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            word = [dfa.alphabet[int(syms[i])]]
            key: tuple[bytes, int] | None = keys[i // k]
            while key is not None:
                key, sym = parent[key]
                if sym >= 0:
                    word.append(dfa.alphabet[sym])
            return tuple(reversed(word)), len(parent), depth
        new_h, new_q, new_keys = [], [], []
        for i in range(b * k):
            key = (nh[:, i].tobytes(), int(nq[i]))
            if key not in parent:
                parent[key] = (keys[i // k], int(syms[i]))
                new_h.append(i)
                new_q.append(int(nq[i]))
                new_keys.append(key)
        assert len(parent) <= max_pairs, "product too large"
        frontier_h, frontier_q, keys = nh[:, new_h], np.array(new_q, dtype=np.int64), new_keys
    return None, len(parent), depth


def agree_on(rnn: ElmanRNN, dfa: DFA, words: np.ndarray) -> str | None:
    """The first (shortest prefix, then first row) word of the batch on which RNN and DFA differ."""
    diff = rnn.run_prefixes(words) != dfa.run_prefixes(words)
    if not diff.any():
        return None
    col = int(np.flatnonzero(diff.any(axis=0))[0])
    row = int(np.flatnonzero(diff[:, col])[0])
    return show_word(tuple(dfa.alphabet[c] for c in words[row, : col + 1]))


SUITE = {name: make()[0] for name, make in INSTANCE_SUITE.items()}
WITNESS1 = {b: counter_witness(1, b) for b in ("strict", "as-stated")}


# ---- equivalence ----------------------------------------------------------------------------------

@pytest.mark.parametrize("borders", ["strict", "as-stated"])
def test_witness_n1_equals_reference_on_all_words(borders: str) -> None:
    inst = WITNESS1[borders]
    rnn, dfa = tiling_rnn(inst), TilingTask(inst).reference_dfa()
    bad, pairs, depth = product_search(rnn, dfa)
    assert bad is None, f"counterexample {show_word(bad)}"
    assert depth > 8 and pairs > dfa.delta.shape[0]  # saturated beyond length 8


@pytest.mark.parametrize("name", sorted(SUITE))
def test_suite_instances_equal_reference_on_all_words(name: str) -> None:
    inst = SUITE[name]
    bad, _, _ = product_search(tiling_rnn(inst), TilingTask(inst).reference_dfa())
    assert bad is None, f"{name}: counterexample {show_word(bad)}"


@pytest.mark.parametrize("borders", ["strict", "as-stated"])
def test_suite_instances_other_convention(borders: str) -> None:
    for name, inst in SUITE.items():
        other = inst.with_borders(borders)
        bad, _, _ = product_search(tiling_rnn(other), TilingTask(other).reference_dfa())
        assert bad is None, f"{name} ({borders}): counterexample {show_word(bad)}"


@pytest.mark.parametrize("borders", ["strict", "as-stated"])
def test_witness_n2_equals_reference_on_all_words(borders: str) -> None:
    inst = counter_witness(2, borders)
    bad, pairs, depth = product_search(tiling_rnn(inst), TilingTask(inst).reference_dfa())
    assert bad is None, f"counterexample {show_word(bad)}"
    assert depth > expected_witness_length(2, borders)  # saturated beyond the shortest accepted word


@pytest.mark.parametrize("borders", ["strict", "as-stated"])
def test_witness_n1_all_words_of_length_4(borders: str) -> None:
    inst = WITNESS1[borders]
    rnn, dfa = tiling_rnn(inst), TilingTask(inst).reference_dfa()
    assert agree_on(rnn, dfa, all_words(4, len(inst.alphabet))) is None  # 160,000 words, all prefixes


def test_witness_n1_all_words_of_length_8_over_five_symbols() -> None:
    """All 5^8 words over {0, 1, #, init_msb, top_lsb_b0} (codes of the full alphabet), all prefixes."""
    inst = WITNESS1["as-stated"]
    rnn, dfa = tiling_rnn(inst), TilingTask(inst).reference_dfa()
    sub = np.array([inst.alphabet.index(a) for a in ("0", "1", "#", "init_msb", "top_lsb_b0")])
    assert agree_on(rnn, dfa, sub[all_words(8, 5)]) is None


@pytest.mark.parametrize("borders", ["strict", "as-stated"])
def test_witness_n1_all_shape_correct_words_up_to_two_rows(borders: str) -> None:
    """Every word ``(bits tile #)^4``: all 17^4 with the right column bits, and all (2·17)^3 cells of
    any bits for three cells; all prefixes compared (≤ 2 rows of W = 2 cells)."""
    inst = WITNESS1[borders]
    rnn, dfa, task = tiling_rnn(inst), TilingTask(inst).reference_dfa(), TilingTask(inst)
    names = [t.name for t in inst.tiles]
    code = {a: i for i, a in enumerate(inst.alphabet)}
    cells = [[code[str(col % 2)], code[t], code["#"]] for col in range(4) for t in names]
    right = np.array([sum((cells[17 * col + i] for col, i in enumerate(pick)), [])
                      for pick in itertools.product(range(17), repeat=4)], dtype=np.int64)
    assert right.shape == (17**4, 12)
    assert agree_on(rnn, dfa, right) is None
    free = [[code[b], code[t], code["#"]] for b in "01" for t in names]
    anybits = np.array([sum(c, []) for c in itertools.product(free, repeat=3)], dtype=np.int64)
    assert agree_on(rnn, dfa, anybits) is None
    # the minimal height is 4 in both conventions: no word of ≤ 2 rows is accepted (RNN and checker)
    assert not rnn.run(right).any()
    assert not any(task.accepts([inst.alphabet[c] for c in w]) for w in right[:: 97])


# ---- the witness words ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2])
def test_witness_words_accepted(n: int) -> None:
    inst = counter_witness(n)
    word = shortest_word(inst)
    assert len(word) == expected_witness_length(n)
    rnn = tiling_rnn(inst)
    assert rnn.accepts(word) and TilingTask(inst).accepts(word)
    codes = encode_word(word, inst.alphabet)[None, :]
    rnn.check_precision(codes)  # every unit 0 or 1 along the whole word
    prefixes = rnn.run_prefixes(codes)[0]
    assert prefixes.sum() == 1  # only the complete word (strict: no shorter solution prefix)


def test_witness_n3_word_accepted_torch() -> None:
    inst = counter_witness(3)
    word = shortest_word(inst)
    assert len(word) == 10_240
    module = to_torch(tiling_rnn(inst), torch.float64)
    with torch.no_grad():
        got = module(torch.from_numpy(encode_word(word, inst.alphabet)[None, :]))
    assert bool(got[0, -1]) and int(got.sum()) == 1


@pytest.mark.slow
def test_witness_n3_word_accepted_exact() -> None:
    inst = counter_witness(3)
    word = shortest_word(inst)
    assert tiling_rnn(inst).accepts(word)  # about 10 s of exact int64 semantics


def test_corruptions_of_n2_word_rejected() -> None:
    inst = counter_witness(2)
    task, rnn = TilingTask(inst), tiling_rnn(inst)
    word = shortest_word(inst)
    rng = random.Random(20261123)
    batch = []
    for _ in range(40):
        p = rng.randrange(len(word))
        sym = rng.choice([a for a in inst.alphabet if a != word[p]])
        batch.append(word[:p] + (sym,) + word[p + 1:])
    got = rnn.run(np.stack([encode_word(w, inst.alphabet) for w in batch]))
    ref = [task.accepts(w) for w in batch]
    assert got.tolist() == ref == [False] * 40  # strict: the solution is unique


def test_torch_backend_agrees_on_shape_words() -> None:
    inst = counter_witness(1, "as-stated")
    rnn = tiling_rnn(inst)
    words = all_words(3, len(inst.alphabet))
    with torch.no_grad():
        got = to_torch(rnn, torch.float32)(torch.from_numpy(words)).numpy()
    assert np.array_equal(got, rnn.run_prefixes(words))


# ---- size and precision ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("borders", ["strict", "as-stated"])
def test_size_formula_matches_built(n: int, borders: str) -> None:
    inst = counter_witness(n, borders)
    rnn = tiling_rnn(inst)
    assert tiling_rnn_size(n, inst) == rnn.size()
    assert rnn.units == 6 * n + 4 * 2**n + (18 if borders == "strict" else 19)
    assert rnn.precision_bits == 1 and rnn.is_integral()


def test_size_formula_matches_built_on_suite() -> None:
    for name, inst in SUITE.items():
        assert tiling_rnn_size(inst.n, inst) == tiling_rnn(inst).size(), name


def test_size_formula_large_n() -> None:
    size = tiling_rnn_size(16, counter_witness(1))
    assert size.units == 6 * 16 + 4 * 65_536 + 18 and size.state_bits == size.units
    assert size.params == size.units**2 + size.units * 20 + 3 * size.units + 1
    # Prop 1 [BCL]: k·D ≥ log2(shortest word) ≥ 2^N; this network is ≈ 4·2^N
    assert 2**16 <= size.state_bits <= 5 * 2**16


def test_bad_input_raises() -> None:
    with pytest.raises(ParameterError):
        tiling_rnn("not an instance")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        tiling_rnn_size(0, counter_witness(1))
    with pytest.raises(ParameterError):
        tiling_rnn_for(counter_witness(1))  # type: ignore[arg-type]


# ---- negative tests: broken networks are caught ---------------------------------------------------

def with_weight(rnn: ElmanRNN, unit: str, column: str, value: int) -> ElmanRNN:
    """``rnn`` with ``W[unit, column] = value``."""
    r, c = rnn.unit_names.index(unit), rnn.unit_names.index(column)
    entries = {(i, j): v for i, j, v in rnn.W.entries}
    entries[(r, c)] = Fraction(value)
    return dataclasses.replace(rnn, W=Affine.build(rnn.units, rnn.units, entries))


def test_broken_weight_is_caught() -> None:
    inst = WITNESS1["strict"]
    rnn, task = tiling_rnn(inst), TilingTask(inst)
    dfa = task.reference_dfa()
    # the FIFO forgets: slot 1 (the cell below) no longer reads slot 0's colour 2
    broken = with_weight(rnn, "Q1.2.shift", "Q0.2.hold", 0)
    bad, _, _ = product_search(broken, dfa)
    assert bad is not None
    print("counterexample:", show_word(bad))
    assert broken.accepts(bad) != task.accepts(bad) and rnn.accepts(bad) == task.accepts(bad)


def test_broken_readout_is_caught() -> None:
    """Dropping the top-border term of the readout accepts a grid whose top row has up ≠ 0."""
    inst = counter_witness(1, "as-stated")
    rnn, task = tiling_rnn(inst), TilingTask(inst)
    broken = dataclasses.replace(rnn, readout=Affine.build(rnn.units, 1, {(0, rnn.unit_names.index("sep.fin")): 1}))
    bad, _, _ = product_search(broken, task.reference_dfa())
    assert bad is not None
    print("counterexample:", show_word(bad))
    assert broken.accepts(bad) and not task.accepts(bad) and not rnn.accepts(bad)
    grid = decode(inst, bad)  # a well-formed grid whose only flaw is the top border
    assert grid[-1][-1] == inst.final and any(inst.tile(x).up for x in grid[-1])
