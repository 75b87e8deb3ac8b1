"""The hybrid linear RNN + one transformer layer of :mod:`constructions.library.retrieval_hybrid`
([WDL] Def 5.5 / Thm 5.6).

* The linear RNN's int64 states (numpy and torch) equal the closed form (1, t, t², v_t, v_t², flags,
  v_{t−1}, …) exactly on random words of any symbols (hypothesis).
* Every valid input for small n: the hybrid's answer (torch float64, exact or certified) equals
  ``task.answers``; the exact rational run (``run_exact`` with the states as ``initial``) agrees with
  torch on samples, with read-out margin ≥ 1; random inputs at n = 1024.
* Size: the formulas equal the built objects for several n, the core is constant in n, the state is
  d·(1 + bl((L − 1)²)) = O(log n) bits, the attention layer's precision O(log n) bits.
* Negative: a perturbed RNN or attention weight is caught on a printed input; int64 overflow and
  float32 beyond the audited range are refused.
"""
from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.errors import DtypeError, ParameterError
from constructions.library.retrieval_hybrid import (Hybrid, LinearRNN, core_size, hybrid_size, largest_state_entry,
                                                    retrieval_hybrid, state_bits)
from constructions.uhat.certified import certify_float
from constructions.uhat.model import AttentionLayer
from constructions.uhat.precision import precision_audit
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def ids(task: RetrievalTask) -> str:
    return f"{task.name}-{'-'.join(map(str, task.params.values()))}"


def show(task: RetrievalTask, codes: np.ndarray) -> str:
    return " ".join(task.alphabet[int(c)] for c in codes)


# ---- the linear RNN: closed form ------------------------------------------------------------------


def closed_form(task: RetrievalTask, word: list[int], unit: str, t: int) -> int:
    """Unit ``unit`` after position t, written out independently of the construction."""
    sym = [task.alphabet[c] for c in word]

    def v(j: int) -> int:  # the token code at position j (0 before the start); Counting: data symbols only
        if j < 0:
            return 0
        if isinstance(task, CountingTask):
            return task.value(sym[j]) if sym[j].isdigit() else 0
        return task.value(sym[j])

    key = lambda j: int(j >= 0 and sym[j].startswith("k"))  # noqa: E731
    table = {"one": 1, "pos": t, "pos2": t * t, "tok": v(t), "tok2": v(t) ** 2, "iskey": key(t),
             "prev": v(t - 1), "prev2": v(t - 1) ** 2, "prevkey": key(t - 1),
             "flag": int(sym[t] == "<s>" or sym[t].startswith("#")),
             "num": task.value(sym[t]) if sym[t].startswith("#") else 0}
    for r in (1, 2):
        table[f"p{r}"], table[f"p{r}sq"] = v(t - r), v(t - r) ** 2
    return table[unit]


SMALL = [IndexTask(4), IndexTask(3, "binary"), ARTask(4), CgramTask(4, 2), CgramTask(5, 3), CountingTask(3),
         CountingTask(3, 6)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SMALL), st.data())
def test_states_equal_the_closed_form(task: RetrievalTask, data) -> None:
    rnn = retrieval_hybrid(task).rnn
    words = data.draw(st.lists(st.lists(st.integers(0, len(task.alphabet) - 1), min_size=12, max_size=12),
                               min_size=1, max_size=4))
    codes = np.array(words, dtype=np.int64)
    states = rnn.states(codes)
    assert states.dtype == np.int64 and states.shape == (*codes.shape, rnn.dim)
    assert torch.equal(rnn.states_torch(torch.from_numpy(codes)), torch.from_numpy(states))
    for b, word in enumerate(words):
        for t in range(len(word)):
            want = [closed_form(task, word, u, t) for u in rnn.names]
            assert states[b, t].tolist() == want, (show(task, codes[b]), t)
    lo, hi = np.array(rnn.bounds(codes.shape[1])).T  # the interval bounds contain every state
    assert (states >= lo).all() and (states <= hi).all()


def test_linear_rnn_checks_its_weights() -> None:
    eye = ((1, 0), (0, 1))
    with pytest.raises(ParameterError, match="integer"):
        LinearRNN(eye, ((1,), (Fraction(1, 2),)), (0, 0))
    with pytest.raises(ParameterError, match="shapes"):
        LinearRNN(eye, ((1,),), (0, 0))
    rnn = LinearRNN(np.eye(2, dtype=np.int64), np.array([[1, 0], [0, 1]]), np.zeros(2, dtype=np.int64))
    assert rnn.states(np.array([[0, 1, 1]])).tolist() == [[[1, 0], [1, 1], [1, 2]]]
    doubling = LinearRNN(((2,),), ((1,),), (1,))  # s_t = 2^(t+2) − 1: overflows int64 at t = 61
    assert doubling.states(np.zeros((1, 61), dtype=np.int64))[0, -1, 0] == 2**62 - 1
    with pytest.raises(DtypeError, match="overflow"):
        doubling.states(np.zeros((1, 62), dtype=np.int64))
    with pytest.raises(DtypeError, match="overflow"):
        doubling.states_torch(torch.zeros((1, 62), dtype=torch.int64))
    with pytest.raises(ParameterError):
        rnn.states(np.array([[0, 2]]))


# ---- correctness ----------------------------------------------------------------------------------

EXHAUSTIVE = ([IndexTask(n, "binary") for n in range(1, 11)] + [IndexTask(n) for n in range(1, 6)]
              + [ARTask(n) for n in (2, 4, 6)] + [CgramTask(n, 2) for n in range(2, 6)]
              + [CgramTask(n, 3) for n in range(3, 6)] + [CountingTask(n) for n in range(1, 5)] + [CountingTask(4, 2)])


def all_valid(task: RetrievalTask) -> np.ndarray:
    codes, valid = task.encode_inputs(0, task.input_space())
    return codes[valid]


@pytest.mark.parametrize("task", EXHAUSTIVE, ids=ids)
def test_all_inputs_against_the_reference(task: RetrievalTask) -> None:
    codes = all_valid(task)
    got, ref = retrieval_hybrid(task).answer(codes), task.answers(codes)
    bad = np.nonzero(got != ref)[0]
    assert bad.size == 0, f"{show(task, codes[bad[0]])}: expected {task.alphabet[ref[bad[0]]]}"


@pytest.mark.parametrize("task", [IndexTask(5), IndexTask(6, "binary"), ARTask(6), CgramTask(5, 2), CgramTask(5, 3),
                                  CountingTask(4), CountingTask(5, 2)], ids=ids)
def test_torch_equals_the_exact_semantics(task: RetrievalTask) -> None:
    hybrid = retrieval_hybrid(task)
    codes = task.sample_inputs(np.random.default_rng(1), 12)
    got = hybrid.answer(codes)
    for row, g in zip(codes, got):
        exact, margin = hybrid.answer_exact(row)
        assert exact == g and margin >= 1, show(task, row)


BIG = [IndexTask(1024), IndexTask(1024, "binary"), ARTask(1024), CgramTask(1024, 2), CgramTask(1024, 3),
       CountingTask(1024), CountingTask(1024, 3)]


@pytest.mark.parametrize("task", BIG, ids=ids)
def test_random_inputs_at_n_1024(task: RetrievalTask) -> None:
    hybrid = retrieval_hybrid(task)
    codes = task.sample_inputs(np.random.default_rng(7), 200)
    assert (hybrid.answer(codes) == task.answers(codes)).all()
    if isinstance(task, CountingTask):  # the average head runs with a float certificate
        cert = hybrid.certificate(task.input_length)
        assert cert.ok and cert.logit_error < 1e-5 and cert.initial_bounds is not None
    else:  # hard heads: float64 proved exact on the RNN's state bounds
        assert hybrid.audit(task.input_length).exact("float64")


# ---- sizes and precision --------------------------------------------------------------------------


def family(n: int) -> list[RetrievalTask]:
    return [IndexTask(n), IndexTask(n, "binary"), ARTask(2 * n), CgramTask(n + 2, 2), CgramTask(n + 3, 3),
            CountingTask(n), CountingTask(n, 2)]


@pytest.mark.parametrize("n", [1, 3, 8, 64, 300])
def test_size_formulas_equal_the_built_objects(n: int) -> None:
    for task in family(n):
        hybrid = retrieval_hybrid(task)
        length = task.input_length
        size = hybrid.size(length)
        assert size == hybrid_size(task), ids(task)
        assert size.state_bits == state_bits(task) == hybrid.rnn.state_bits(length)
        assert hybrid.rnn.magnitude(length) == largest_state_entry(task)
        assert size.core == hybrid_size(type(task)(**{**task.params, "n": task.n + 2 * (1 + task.n % 2)})).core
        assert size.table_params == hybrid.rnn.dim * len(task.alphabet) + len(task.answer_symbols) * (size.width + 1)
        net = hybrid.net
        assert net.positions is None and not net.embedding.entries and len(net.layers) == 1 + size.relu_units // 2
        assert sum(isinstance(x, AttentionLayer) for x in net.layers) == 1


def test_core_is_constant_and_state_logarithmic() -> None:
    rows = {}
    for n in (4, 16, 64, 256, 1024, 4096):
        for task in family(n):
            size = hybrid_size(task)
            rows.setdefault(ids(task).split("-")[0] + str(getattr(task, "c", "")), []).append(size)
            length = task.input_length
            assert size.unit_bits == 1 + ((length - 1) ** 2).bit_length() or isinstance(task, CountingTask)
            assert size.unit_bits <= 2 * math.log2(length) + 2  # O(log n) per unit, constant units
    for sizes in rows.values():
        assert len({s.core for s in sizes}) == 1
    assert core_size(CgramTask(9, 3)) == (9, 1, 1, 0, 10, 33) and core_size(CountingTask(9)) == (9, 1, 1, 2, 11, 32)
    assert hybrid_size(IndexTask(1024)).state_bits == 4 * 22  # (1025)² has 21 bits, + sign


@pytest.mark.parametrize("n", [16, 256, 1024])
def test_attention_precision_is_logarithmic(n: int) -> None:
    for task in family(n):
        hybrid = retrieval_hybrid(task)
        length = task.input_length
        bits = hybrid.attention_bits(length)
        assert bits <= 3 * math.log2(length) + 8, (ids(task), bits)  # c-gram's scores ~ L·n²
        report = hybrid.audit(length)
        assert report.layers[0].kind == "initial" and report.integral != isinstance(task, CountingTask)


# ---- negative tests -------------------------------------------------------------------------------


def perturbed_rnn(hybrid: Hybrid, unit: str, src: str, delta: int) -> Hybrid:
    rnn = hybrid.rnn
    r, c = rnn.names.index(unit), rnn.names.index(src)
    A = [list(row) for row in rnn.A]
    A[r][c] += delta
    return Hybrid(replace(rnn, A=tuple(map(tuple, A))), hybrid.net)


def first_wrong(task: RetrievalTask, hybrid: Hybrid) -> str | None:
    codes = all_valid(task)
    bad = np.nonzero(hybrid.answer(codes) != task.answers(codes))[0]
    return None if bad.size == 0 else show(task, codes[bad[0]])


@pytest.mark.parametrize("task, unit, src", [(IndexTask(4), "pos2", "pos"), (ARTask(4), "prev", "tok"),
                                             (CgramTask(4, 3), "p2", "p1"), (CountingTask(3), "prev2", "tok2")],
                         ids=["index-counter", "ar-register", "cgram3-register", "counting-register"])
def test_a_perturbed_rnn_weight_is_caught(task: RetrievalTask, unit: str, src: str) -> None:
    hybrid = retrieval_hybrid(task)
    assert first_wrong(task, hybrid) is None
    wrong = first_wrong(task, perturbed_rnn(hybrid, unit, src, 1))
    assert wrong is not None
    print(f"{ids(task)}: A[{unit}][{src}] + 1 answers wrongly on {wrong}")


def test_a_perturbed_attention_weight_is_caught() -> None:
    task = CountingTask(4)
    hybrid = retrieval_hybrid(task)
    layer = hybrid.net.layers[0]
    bias = dict(layer.C.bias)
    row = hybrid.net.names[1].index("r1")
    C = layer.C.with_entry(row, None, bias[row] - 2)  # M·e − 1 instead of M·e + 1: "yes" at c = t + 1 lost
    broken = Hybrid(hybrid.rnn, replace(hybrid.net, layers=(replace(layer, C=C), *hybrid.net.layers[1:])))
    wrong = first_wrong(task, broken)
    assert wrong is not None
    print(f"counting-4: r1's bias − 2 answers wrongly on {wrong}")


def test_dtypes_beyond_the_audit_are_refused() -> None:
    task = CgramTask(256, 2)
    hybrid = retrieval_hybrid(task)
    assert not hybrid.audit(task.input_length).exact("float32")
    with pytest.raises(DtypeError):
        hybrid.answer(task.sample_inputs(np.random.default_rng(0), 2), dtype="float32")
    small = retrieval_hybrid(IndexTask(64))
    codes = IndexTask(64).sample_inputs(np.random.default_rng(0), 50)
    assert (small.answer(codes, dtype="float32") == IndexTask(64).answers(codes)).all()


def test_given_layer0_bounds_in_the_audit_and_certificate() -> None:
    net = retrieval_hybrid(CountingTask(3)).net
    with pytest.raises(ParameterError):
        precision_audit(net, 6, initial_values=[(0, 1)])
    with pytest.raises(ParameterError):
        certify_float(net, "float64", 6, {}, Fraction(1), initial_bounds=[1, 2])
    index = retrieval_hybrid(IndexTask(3)).net
    assert not precision_audit(index, 5, initial_values=[(0, Fraction(1, 2))] * 4).integral
    assert precision_audit(index, 5, initial_values=[(0, 9)] * 4).max_abs == 2 * 9 * 9  # score term 2·tok·pos
