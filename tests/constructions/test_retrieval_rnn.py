"""The "store everything" RNNs of :mod:`constructions.library.retrieval_rnn` ([WDL] Thm 4.6, upper side).

* **All words**, for tiny n: a breadth-first search of the product (RNN state, minimal reference DFA
  state) to saturation — the acceptance of a word depends only on the pair it reaches, so no
  disagreement among the reachable pairs means the RNN accepts exactly ``L_n``.
* **All valid inputs** (the task's product space) followed by **every** alphabet symbol, against the
  vectorised reference: Index binary n ≤ 8, Index range n ≤ 4, AR n ≤ 6, c-gram c = 2, 3 (n ≤ 5 / 4),
  Counting n ≤ 4 (k = n and k = 2); invalid c-gram rows (query absent) must reject every answer.
* Malformed words: every single-symbol substitution, deletion and insertion of sampled words, every
  proper prefix and extension; AR with a repeated key; wrong kinds.
* The size formulas against the built networks, precision claims (``check_precision``), the upper bound
  never below the measured lower bound ``log2 R(n)``; random larger inputs with hypothesis; perturbed
  weights caught with a printed counterexample.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.alphabet import decode_word, encode_word, show_word
from automata.dfa import DFA
from automata.errors import ParameterError, PrecisionError
from constructions.library.retrieval_rnn import (RetrievalRNNSize, ar_rnn, ar_rnn_size, cgram_rnn, cgram_rnn_size,
                                                 counting_rnn, counting_rnn_size, index_rnn, index_rnn_size,
                                                 retrieval_rnn, retrieval_rnn_size)
from constructions.rnn.deep import DeepRNN, Layer
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask
from tasks.retrieval_bounds import log2_rows

HYP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.lru_cache(maxsize=None)
def built(task: RetrievalTask) -> DeepRNN:
    return retrieval_rnn(task)


def reference(task: RetrievalTask, words: np.ndarray) -> np.ndarray:
    """``(B,)`` bool: ``word ∈ L_n`` (vectorised: a valid input followed by its answer)."""
    if words.shape[1] != task.input_length + 1:
        return np.zeros(words.shape[0], dtype=bool)
    return task.answers(words[:, :-1]) == words[:, -1]


def assert_agrees(rnn: DeepRNN, task: RetrievalTask, words: np.ndarray) -> None:
    got, want = rnn.run(words), reference(task, words)
    if (got != want).any():
        i = int(np.nonzero(got != want)[0][0])
        pytest.fail(f"{task.describe()}: RNN says {got[i]} on {show_word(decode_word(words[i], task.alphabet))}")


def with_every_symbol(task: RetrievalTask, codes: np.ndarray, symbols: tuple[str, ...] | None = None) -> np.ndarray:
    """Each row of ``codes`` followed by each of ``symbols`` (default: the whole alphabet), symbol-major."""
    last = encode_word(task.alphabet if symbols is None else symbols, task.alphabet)
    return np.concatenate([np.tile(codes, (len(last), 1)), np.repeat(last, codes.shape[0])[:, None]], axis=1)


def product_search(rnn: DeepRNN, dfa: DFA, max_pairs: int = 200_000) -> tuple[tuple[str, ...] | None, str, int]:
    """BFS over pairs (RNN state, DFA state) reached by the same word, to saturation. Every reachable
    state is also checked against the claimed precision, so both claims hold on all words when nothing is
    found. Returns ``(the shortest word on which the RNN and the DFA disagree, or which drives a unit out
    of 0..2^k − 1 — or None; "language" / "precision"; pairs explored)``."""
    k = len(dfa.alphabet)
    sink = dfa.delta.shape[0]
    delta = np.vstack([np.where(dfa.delta >= 0, dfa.delta, sink), np.full((1, k), sink)])
    accepting = np.append(dfa.accepting, False)
    h0 = rnn.initial_state(1)
    start = (h0[:, 0].tobytes(), dfa.start)
    parent: dict = {start: (None, -1)}
    fh, fq, keys = h0, np.array([dfa.start]), [start]
    while keys:
        h, syms = np.repeat(fh, k, axis=1), np.tile(np.arange(k), len(keys))
        nh, nq = rnn.step(h, syms), delta[np.repeat(fq, k), syms]
        out_of_range = ((nh < 0) | (nh > rnn.max_activation)).any(axis=0)
        bad = out_of_range | (rnn.accepting(nh) != accepting[nq])
        if bad.any():
            i = int(np.nonzero(bad)[0][0])
            word, key = [int(syms[i])], keys[i // k]
            while parent[key][0] is not None:
                key, s = parent[key]
                word.append(s)
            return decode_word(word[::-1], dfa.alphabet), "precision" if out_of_range[i] else "language", len(parent)
        new = []
        for i in range(len(syms)):
            key = (nh[:, i].tobytes(), int(nq[i]))
            if key not in parent:
                parent[key] = (keys[i // k], int(syms[i]))
                new.append((key, i))
        assert len(parent) <= max_pairs, "product search did not saturate"
        keys = [key for key, _ in new]
        cols = [i for _, i in new]
        fh, fq = nh[:, cols], nq[cols]
    return None, "", len(parent)


def ids(task: RetrievalTask) -> str:
    return f"{task.name}-{'-'.join(map(str, task.params.values()))}"


TINY = [IndexTask(1), IndexTask(3, "binary"), IndexTask(4, "binary"), IndexTask(3), ARTask(2), ARTask(4),
        CgramTask(3, 2), CgramTask(4, 2), CgramTask(3, 3), CgramTask(4, 3), CountingTask(2), CountingTask(3),
        CountingTask(3, 2), CountingTask(2, 4)]


@pytest.mark.parametrize("task", TINY, ids=ids)
def test_exactly_the_language_on_all_words(task: RetrievalTask) -> None:
    counterexample, reason, pairs = product_search(built(task), task.reference_dfa())
    assert counterexample is None, f"{reason}: {show_word(counterexample)}"
    assert pairs > task.input_length


EXHAUSTIVE = ([IndexTask(n, "binary") for n in range(1, 9)] + [IndexTask(n) for n in range(1, 5)]
              + [ARTask(n) for n in (2, 4, 6)] + [CgramTask(n, 2) for n in range(2, 6)]
              + [CgramTask(n, 3) for n in range(3, 5)] + [CountingTask(n) for n in range(1, 5)]
              + [CountingTask(n, 2) for n in range(1, 6)])


@pytest.mark.parametrize("task", EXHAUSTIVE, ids=ids)
def test_all_valid_inputs_with_every_answer(task: RetrievalTask) -> None:
    """Every input of the product space followed by every answer symbol (other last symbols: the
    product search and the one-edit neighbourhoods)."""
    rnn = built(task)
    codes, valid = task.encode_inputs(0, task.input_space())
    words = with_every_symbol(task, codes, task.answer_symbols)
    got = rnn.run(words)
    want = reference(task, words)
    if (got != want).any():
        i = int(np.nonzero(got != want)[0][0])
        pytest.fail(f"{task.describe()}: RNN says {got[i]} on {show_word(decode_word(words[i], task.alphabet))}")
    assert (got.reshape(len(task.answer_symbols), -1).sum(axis=0) == valid).all()  # one answer each, none if invalid
    rnn.check_precision(words[np.random.default_rng(0).permutation(len(words))[:3000]])


@pytest.mark.slow
@pytest.mark.parametrize("task", [CgramTask(5, 3), IndexTask(5), ARTask(8)], ids=ids)
def test_all_valid_inputs_larger(task: RetrievalTask) -> None:
    """Every input with its answer and one wrong answer (the next answer symbol), in chunks."""
    rnn, answers = built(task), encode_word(task.answer_symbols, task.alphabet)
    for start in range(0, task.input_space(), 1 << 17):
        codes, _ = task.encode_inputs(start, min(start + (1 << 17), task.input_space()))
        right = task.answers(codes)
        wrong = answers[(np.searchsorted(answers, right) + 1) % len(answers)]
        words = np.concatenate([np.concatenate([codes, right[:, None]], 1), np.concatenate([codes, wrong[:, None]], 1)])
        words = words[words[:, -1] >= 0]
        assert_agrees(rnn, task, words)


def neighbourhood(task: RetrievalTask, word: np.ndarray) -> dict[int, np.ndarray]:
    """Words one edit away from ``word`` (substitutions, deletions, insertions), its proper prefixes and
    one-symbol extensions, grouped by length."""
    k, n = len(task.alphabet), len(word)
    groups: dict[int, list[np.ndarray]] = {}
    for p in range(n):
        for s in range(k):
            sub = word.copy()
            sub[p] = s
            groups.setdefault(n, []).append(sub)
            groups.setdefault(n + 1, []).append(np.insert(word, p, s))
        groups.setdefault(n - 1, []).append(np.delete(word, p))
    for s in range(k):
        groups[n + 1].append(np.append(word, s))
    for p in range(1, n - 1):
        groups.setdefault(p, []).append(word[:p])
    return {length: np.stack(ws) for length, ws in groups.items()}


MALFORMED = [IndexTask(5, "binary"), IndexTask(4), ARTask(6), CgramTask(5, 2), CgramTask(5, 3), CountingTask(4),
             CountingTask(5, 2)]


@pytest.mark.parametrize("task", MALFORMED, ids=ids)
def test_one_edit_away_prefixes_and_extensions(task: RetrievalTask) -> None:
    rnn = built(task)
    rng = np.random.default_rng(1)
    inputs = task.sample_inputs(rng, 12)
    for inp, ans in zip(inputs, task.answers(inputs)):
        word = np.append(inp, ans)
        assert rnn.run(word[None])[0]
        for words in neighbourhood(task, word).values():
            assert_agrees(rnn, task, words)


def test_named_malformed_words_rejected() -> None:
    ar = ARTask(4)
    rnn = built(ar)
    for answer in ("1", "2", "3", "4"):
        assert not rnn.accepts(("<s>", "k1", "2", "k1", "3", "k1", answer))  # repeated key
        assert not rnn.accepts(("<s>", "k1", "2", "k2", "3", "k1", "2", answer))  # too long
    assert rnn.accepts(("<s>", "k2", "2", "k1", "3", "k1", "3"))
    assert not rnn.accepts(("<s>", "2", "k2", "k1", "3", "k1", "3"))  # value where a key belongs
    cg = CgramTask(4, 2)
    assert not any(built(cg).accepts(("<s>", "1", "2", "3", "4", "4", a)) for a in cg.answer_symbols)  # y = x_n only
    assert built(cg).accepts(("<s>", "1", "2", "1", "3", "1", "2"))  # first occurrence
    assert not built(cg).accepts(("<s>", "1", "2", "1", "3", "1", "3"))
    ix = IndexTask(3)
    assert not built(ix).accepts(("<s>", "1", "2", "?1", "?1", "1"))  # a query in a data slot
    assert not built(ix).accepts(("1", "1", "2", "3", "?1", "1"))  # no BOS
    assert not built(ix).accepts(("<s>",)) and not built(ix).accepts(("<s>", "<s>", "1", "2", "3", "?1", "1"))
    ct = CountingTask(2)
    assert built(ct).accepts(("<s>", "1", "1", "1", "#1", "yes")) and built(ct).accepts(("<s>", "1", "2", "1", "#1", "no"))
    assert not built(ct).accepts(("<s>", "1", "1", "1", "#1", "no")) and not built(ct).accepts(("<s>", "1", "1", "#1", "1", "no"))


# ---- sizes -------------------------------------------------------------------------------------------


SIZE_TASKS = ([IndexTask(n, v) for n in (1, 2, 7, 16, 33) for v in ("binary", "range")] + [ARTask(n) for n in (2, 6, 16, 34)]
              + [CgramTask(n, c) for n in (3, 8, 17) for c in (2, 3)] + [CountingTask(n, k) for n in (1, 9, 32) for k in (None, 2)])


@pytest.mark.parametrize("task", SIZE_TASKS, ids=ids)
def test_size_formula_matches_the_built_network(task: RetrievalTask) -> None:
    size, formula = built(task).size(), retrieval_rnn_size(task)
    assert (size.state_units, size.hidden_units, size.precision, size.state_bits, size.params, size.alphabet_size) == (
        formula.units, formula.hidden, formula.precision, formula.state_bits, formula.params, formula.alphabet_size)
    assert size.depth == 2 and built(task).is_integral()
    assert formula.state_bits >= log2_rows(task)  # an upper bound can never beat the lower bound


def test_closed_forms() -> None:
    for n in (1, 2, 5, 64, 1000):
        assert index_rnn_size(n, "binary") == RetrievalRNNSize(2 * n + 4, 3 * n + 5, 1, n + 3)
        assert index_rnn_size(n).precision == max(1, math.ceil(math.log2(n)))
        assert counting_rnn_size(n).units == n + 7 and counting_rnn_size(n, 3).units == 10
        assert counting_rnn_size(n).precision == math.floor(math.log2(n)) + 1
    for n in (4, 64, 1000):
        assert cgram_rnn_size(n, 2).units == 4 * n and cgram_rnn_size(n, 3).units == 5 * n - 4
        assert ar_rnn_size(n).units == 2 * n + 5
    # O(n log|Σ|) state bits: within a small constant of n·log2|Σ| for every task
    for n in (8, 64, 4096):
        for f in (index_rnn_size(n), ar_rnn_size(n), cgram_rnn_size(n, 3), counting_rnn_size(n)):
            assert f.state_bits <= 6 * n * math.log2(f.alphabet_size)
        assert index_rnn_size(n, "binary").state_bits == 2 * n + 4  # Θ(n) over {0, 1}
    for build, task in ((index_rnn, IndexTask(3)), (ar_rnn, ARTask(4)), (cgram_rnn, CgramTask(4, 3)),
                        (counting_rnn, CountingTask(3, 2))):
        assert build(task).size() == built(task).size()
    with pytest.raises(ParameterError):
        ar_rnn_size(5)
    with pytest.raises(ParameterError):
        cgram_rnn_size(2, 3)
    with pytest.raises(ParameterError):
        index_rnn(ARTask(2))  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        retrieval_rnn("index")  # type: ignore[arg-type]


# ---- random larger inputs ------------------------------------------------------------------------------


def check_input(task: RetrievalTask, inp: tuple[str, ...]) -> None:
    """The input with every answer symbol (and BOS) appended: exactly the right one accepted, and every
    state on the way within the claimed precision (one pass over the states)."""
    rnn = built(task)
    words = with_every_symbol(task, encode_word(inp, task.alphabet)[None], ("<s>", *task.answer_symbols))
    states = rnn.states(words)  # (B, L, D)
    assert states.min() >= 0 and states.max() <= rnn.max_activation
    got, want = rnn.accepting(states[:, -1, :].T), reference(task, words)
    assert (got == want).all(), f"{show_word(inp)}: accepted {[task.alphabet[w[-1]] for w in words[got]]}"


@HYP
@given(st.data(), st.sampled_from([1, 9, 64]), st.sampled_from(["range", "binary"]))
def test_random_index(data, n: int, variant: str) -> None:
    task = IndexTask(n, variant)
    xs = data.draw(st.lists(st.sampled_from(task.answer_symbols), min_size=n, max_size=n))
    check_input(task, ("<s>", *xs, f"?{data.draw(st.integers(1, n))}"))


@HYP
@given(st.data(), st.sampled_from([1, 5, 24]))
def test_random_ar(data, m: int) -> None:
    task = ARTask(2 * m)
    keys = data.draw(st.permutations(range(1, m + 1)))
    vals = data.draw(st.lists(st.integers(1, 2 * m), min_size=m, max_size=m))
    if data.draw(st.booleans()):  # a repeated key now and then: no answer accepted
        keys = list(keys)
        keys[data.draw(st.integers(0, m - 1))] = keys[data.draw(st.integers(0, m - 1))]
    body = tuple(s for q, v in zip(keys, vals) for s in (f"k{q}", str(v)))
    check_input(task, ("<s>", *body, f"k{data.draw(st.integers(1, m))}"))


@HYP
@given(st.data(), st.sampled_from([3, 11, 24]), st.sampled_from([2, 3]))
def test_random_cgram(data, n: int, c: int) -> None:
    task = CgramTask(n, c)
    alph = data.draw(st.integers(1, n))  # few distinct values: repeated windows, first occurrence matters
    xs = [str(v) for v in data.draw(st.lists(st.integers(1, alph), min_size=n, max_size=n))]
    if data.draw(st.booleans()):
        j = data.draw(st.integers(0, n - c))
        ys = xs[j: j + c - 1]
    else:
        ys = [str(v) for v in data.draw(st.lists(st.integers(1, n), min_size=c - 1, max_size=c - 1))]
    check_input(task, ("<s>", *xs, *ys))


@HYP
@given(st.data(), st.sampled_from([1, 7, 32]), st.sampled_from([1, 3, 40]))
def test_random_counting(data, n: int, k: int) -> None:
    task = CountingTask(n, k)
    xs = data.draw(st.lists(st.integers(1, min(k, data.draw(st.integers(1, k)))), min_size=n, max_size=n))
    q, t = data.draw(st.integers(1, k)), data.draw(st.integers(0, n))
    check_input(task, ("<s>", *map(str, xs), str(q), f"#{t}"))


# ---- negative tests: perturbed weights are caught ------------------------------------------------------


def perturbed(rnn: DeepRNN, layer: int, row: int, col: int | None, value: int) -> DeepRNN:
    layers = list(rnn.layers)
    layers[layer] = Layer(layers[layer].affine.with_entry(row, col, value), layers[layer].activation)
    return DeepRNN(rnn.alphabet, tuple(layers), rnn.h0, rnn.readout, rnn.precision_bits, rnn.unit_names)


def gate_row(rnn: DeepRNN, reads: str, weight: int) -> int:
    """The first layer-1 row reading state unit ``reads`` with ``weight``."""
    col = rnn.unit_names.index(reads)
    return next(r for r, c, v in rnn.layers[0].affine.entries if c == col and v == weight)


def symbol_col(rnn: DeepRNN, sym: str) -> int:
    return rnn.units + rnn.alphabet.index(sym)


def mutants() -> list[tuple[str, RetrievalTask, DeepRNN]]:
    out = []
    ix = IndexTask(3, "binary")
    r = built(ix)
    row = gate_row(r, "M1", 1)  # M1's keep gate: forget to zero it at the query ?2
    out.append(("index: no kill at ?2", ix, perturbed(r, 0, row, symbol_col(r, "?2"), 0)))
    ar = ARTask(4)
    r = built(ar)
    row = gate_row(r, "T1", -1)  # K1's freshness check: a repeated key k1 passes
    out.append(("ar: no freshness check", ar, perturbed(r, 0, row, r.unit_names.index("T1"), 0)))
    cg = CgramTask(4, 2)
    r = built(cg)
    g2 = r.unit_names.index("G2")
    col = gate_row(r, "E1.1", 1)  # the gate passing E_1 on; G_2 reads it with −1 ("no earlier match")
    assert (g2, col, -1) in r.layers[1].affine.entries
    out.append(("cgram: not the first occurrence", cg, perturbed(r, 1, g2, col, 0)))
    ct = CountingTask(3)
    r = built(ct)
    row = gate_row(r, "Q", 3)  # the gate y+ = ReLU(N − t + 3Q + 3·[#] − 6): bias off by one
    out.append(("counting: threshold off by one", ct, perturbed(r, 0, row, None, -5)))
    return out


@pytest.mark.parametrize("case", range(4))
def test_perturbed_weight_is_caught(case: int) -> None:
    name, task, bad = mutants()[case]
    counterexample, reason, _ = product_search(bad, task.reference_dfa())
    assert counterexample is not None, name
    print(f"{name}: {reason} counterexample {show_word(counterexample)} "
          f"(reference accepts: {task.accepts(counterexample)}, mutant: {bad.accepts(counterexample)})")
    if reason == "language":
        assert bad.accepts(counterexample) != task.accepts(counterexample)
    else:
        with pytest.raises(PrecisionError):
            bad.check_precision(encode_word(counterexample, task.alphabet)[None])
