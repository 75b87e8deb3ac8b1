"""The hybrid linear RNN + one transformer layer of :mod:`constructions.library.istree_hybrid`
([WDL] Def 5.5 / Thm 5.6, IsTree with an O(n log n) chain of thought).

* The linear RNN's states equal their closed form (counter, token features, shift register, counts) on
  random words of any symbols (hypothesis).
* Every input n ≤ 5 (2,000 random at n = 6; all 360,360 under ``-m slow``): the decoded CoT equals
  :func:`reference_cot` token for token, its answer equals networkx, its length is within the bound.
* The key/value decoder equals full recomputation (``generate(initial=states)``) and the exact rational
  semantics (margin ≥ 1) at every position of sampled CoTs.
* The format itself (plain Python) on random trees and near-trees up to n = 64: answer = networkx,
  chains of at most ⌊log2 n⌋ + 1 vertices, length within the bound; the hybrid on random trees n ≤ 12.
* Sizes: the formulas against the built objects, the constant core, the O(log n) state.
* Negative: a perturbed weight of the attention layer is caught on a printed input.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.errors import ParameterError
from constructions.library.istree_hybrid import (CORE_NONZEROS, EDGE, LINK, ROOT1, ROOT2, cot_length_bound,
                                                 generate_cots, hybrid_alphabet, hybrid_answers, hybrid_size,
                                                 istree_hybrid, max_length, max_weight, reference_cot)
from constructions.library.retrieval_hybrid import Hybrid
from constructions.uhat.model import AttentionLayer
from constructions.uhat.semantics import generate_exact
from tests.constructions.istree_graphs import graphs
from tasks.istree import BOS, EOS, FALSE, TRUE, IsTreeTask

pytestmark = pytest.mark.usefixtures("one_torch_thread")
HYP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def edge_list(row) -> list[tuple[int, int]]:
    return [tuple(map(int, e)) for e in row]


# ---- the linear RNN --------------------------------------------------------------------------------------


def closed_form(task: IsTreeTask, syms: list[str], t: int) -> dict[str, int]:
    """Every unit after position t, written out from the symbols (independent of the construction)."""
    def val(j: int) -> int:
        return int(syms[j]) if j >= 0 and syms[j].isdigit() else 0

    def was(j: int, s: str) -> int:
        return int(j >= 0 and syms[j] == s)

    count = lambda s: sum(x == s for x in syms[: t + 1])  # noqa: E731
    return {"one": 1, "pos": t, "pos2": t * t, "tok": val(t), "tok2": val(t) ** 2, "isBOS": was(t, BOS),
            "isV": int(syms[t].isdigit()), "isEOS": was(t, EOS), "isE": was(t, EDGE), "isM": was(t, ROOT1),
            "isN": was(t, ROOT2), "isL": was(t, LINK), "p1tok": val(t - 1), "p1tok2": val(t - 1) ** 2,
            "p2tok": val(t - 2), "p2tok2": val(t - 2) ** 2, "p3tok": val(t - 3), "p4tok": val(t - 4),
            "p1isM": was(t - 1, ROOT1), "p1isN": was(t - 1, ROOT2), "p1isL": was(t - 1, LINK),
            "p2isL": was(t - 2, LINK), "p3isL": was(t - 3, LINK), "K": count(EDGE), "cM": count(ROOT1),
            "cN": count(ROOT2), "cL": count(LINK), "cEOS": count(EOS)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 9), st.data())
def test_rnn_states_equal_the_closed_form(n: int, data) -> None:
    task = IsTreeTask(n)
    rnn = istree_hybrid(task).rnn
    alphabet = hybrid_alphabet(task)
    word = data.draw(st.lists(st.integers(0, len(alphabet) - 1), min_size=1, max_size=14))
    states = rnn.states(np.array([word], dtype=np.int64))[0]
    syms = [alphabet[c] for c in word]
    for t in range(len(word)):
        want = closed_form(task, syms, t)
        assert states[t].tolist() == [want[u] for u in rnn.names], (syms, t)


# ---- every input -------------------------------------------------------------------------------------------


def check_cots(task: IsTreeTask, edges: np.ndarray) -> int:
    """CoT = reference, answer = networkx, length ≤ bound; returns the longest CoT."""
    cots = generate_cots(task, edges)
    want = task.trees(edges)
    longest = 0
    for row, cot, tree in zip(edges, cots, want):
        e = edge_list(row)
        assert cot == reference_cot(task.n, e), task.show(e)
        assert (cot[-1] == TRUE) == tree, task.show(e)
        longest = max(longest, len(cot))
    assert longest <= cot_length_bound(task.n)
    return longest


@pytest.mark.parametrize("n, longest", [(2, 13), (3, 25), (4, 37), (5, 50)])
def test_every_input(n: int, longest: int) -> None:
    task = IsTreeTask(n)
    assert check_cots(task, task.encode_inputs(0, task.input_space())) == longest


def test_random_inputs_n6() -> None:
    task = IsTreeTask(6)
    check_cots(task, task.sample_inputs(np.random.default_rng(6), 2000))


@pytest.mark.slow
def test_every_input_n6() -> None:
    task = IsTreeTask(6)
    for lo in range(0, task.input_space(), 1 << 15):
        check_cots(task, task.encode_inputs(lo, min(lo + (1 << 15), task.input_space())))


def test_float32_run_agrees() -> None:
    task = IsTreeTask(5)
    edges = task.sample_inputs(np.random.default_rng(3), 300)
    assert generate_cots(task, edges, "float32") == generate_cots(task, edges)
    assert (hybrid_answers(task, edges, "float32") == task.trees(edges)).all()


# ---- the decoder against full recomputation and the exact semantics ---------------------------------------


def prefix_states(task: IsTreeTask, hyb: Hybrid, edges, cot) -> tuple[list[str], np.ndarray]:
    alphabet = hybrid_alphabet(task)
    word = [*task.prompt(edges), *cot]
    return word, hyb.rnn.states(np.array([[alphabet.index(s) for s in word]], dtype=np.int64))[0]


def test_decoder_equals_full_recomputation_and_exact_semantics() -> None:
    task = IsTreeTask(4)
    hyb = istree_hybrid(task)
    module = hyb.module(max_length(task))
    rng = np.random.default_rng(4)
    rows = [task.encode_inputs(i, i + 1)[0] for i in rng.choice(task.input_space(), 2, replace=False)]
    rows.append(np.array([(1, 0), (2, 1), (3, 2)]))  # a path: every token kind, a rank-1 link
    exact_checked = 0
    for row in rows:
        e = edge_list(row)
        (cot,) = generate_cots(task, np.array([e]))
        word, states = prefix_states(task, hyb, e, cot)
        p = task.prompt_length
        with torch.no_grad():  # full recomputation of every prefix, batched by length
            for k in range(len(cot)):
                got = module.generate(initial=torch.from_numpy(states[None, : p + k]).to(module.dtype))
                assert module.output_symbols[int(got[0])] == cot[k]
        for k in range(0, len(cot), 3):  # the exact rational run on every third prefix
            sym, margin = generate_exact(hyb.net, None, initial=states[: p + k].tolist())
            assert sym == cot[k] and margin >= 1
            exact_checked += 1
    assert exact_checked >= 8


# ---- the format on larger n ----------------------------------------------------------------------------------


def chains(cot: tuple[str, ...]) -> list[int]:
    """Vertices per find chain: ``[EDGE] u … r_u [ROOT1] ρ_u v … r_v [ROOT2]``."""
    out = []
    for k, s in enumerate(cot):
        if s == EDGE:
            j = cot.index(ROOT1, k)
            out += [j - k - 1, cot.index(ROOT2, j) - j - 2]
    return out


@HYP
@given(graphs())
def test_reference_format_on_larger_graphs(case) -> None:
    n, edges = case
    task = IsTreeTask(n)
    cot = reference_cot(n, edges)
    assert (cot[-1] == TRUE) == task.is_tree(edges) and cot[-2] == EOS
    assert len(cot) <= cot_length_bound(n)
    assert max(chains(cot)) <= n.bit_length()  # ≤ ⌊log2 n⌋ + 1 vertices: depth ≤ rank ≤ ⌊log2 n⌋


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(7, 12))
def test_hybrid_on_random_graphs(case) -> None:
    n, edges = case
    task = IsTreeTask(n)
    (cot,) = generate_cots(task, np.array([edges]))
    assert cot == reference_cot(n, edges) and (cot[-1] == TRUE) == task.is_tree(edges)


# ---- sizes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 5, 8, 16, 64])
def test_size_formulas_equal_the_built_objects(n: int) -> None:
    task = IsTreeTask(n)
    hyb = istree_hybrid(task)
    size = hyb.size(max_length(task))
    assert size == hybrid_size(n)
    assert size.core == (28, 1, 4, 24, 52, CORE_NONZEROS)  # constant in n
    layer = hyb.attention
    maps = [m for h in layer.heads for m in (h.A, h.B)] + [layer.C, hyb.net.output]
    assert max(abs(v) for m in maps for v in m.values()) == max_weight(n) == 4 * n * n
    assert all(m.is_integral() for m in maps) and hyb.net.embedding.nonzeros == 0
    assert size.state_bits == 28 * (1 + ((max_length(task) - 1) ** 2).bit_length())
    if n >= 8:
        assert size.state_bits <= 28 * (5 * n.bit_length() + 4)  # O(log n)


def test_cot_bound_is_n_log_n() -> None:
    assert [cot_length_bound(n) for n in (2, 3, 4, 5, 6)] == [15, 28, 47, 62, 77]
    assert cot_length_bound(1024) == 1023 * 31 + 2


def test_bad_arguments() -> None:
    task = IsTreeTask(4)
    with pytest.raises(ParameterError):
        istree_hybrid("istree")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        generate_cots(task, np.zeros((1, 2, 2), dtype=np.int64))
    with pytest.raises(ParameterError):
        generate_cots(task, np.array([[[0, 1], [2, 1], [3, 2]]]))
    with pytest.raises(ParameterError):
        cot_length_bound(1)
    assert generate_cots(task, np.zeros((0, 3, 2), dtype=np.int64)) == []


# ---- negative -----------------------------------------------------------------------------------------------


def test_a_perturbed_attention_weight_is_caught() -> None:
    """The rank head's sentinel constant 3 → 5 (the sentinel then beats a match: every rank reads 0):
    union by rank breaks, the CoT differs from the reference on some input, printed."""
    task = IsTreeTask(5)
    hyb = istree_hybrid(task)
    layer = hyb.attention
    rank_head = layer.extra_heads[1]
    one = hyb.rnn.names.index("one")
    assert rank_head.A.rows()[3][one] == 3  # query row 3 = 2·p1tok2 + 3·one, paired with isBOS
    broken_head = replace(rank_head, A=rank_head.A.with_entry(3, one, 5))
    heads = (*layer.extra_heads[:1], broken_head, *layer.extra_heads[2:])
    broken_net = replace(hyb.net, layers=(AttentionLayer(layer.A, layer.B, layer.C, layer.mask, layer.tiebreak,
                                                         extra_heads=heads), *hyb.net.layers[1:]))
    broken = Hybrid(hyb.rnn, broken_net)
    edges = task.encode_inputs(0, task.input_space())
    caught = None
    for lo in range(0, len(edges), 512):
        batch = edges[lo: lo + 512]
        try:
            cots = generate_cots(task, batch, hybrid=broken)
        except ParameterError:  # no answer within the bound: find the input one by one
            cots = []
            for row in batch:
                try:
                    cots += generate_cots(task, row[None], hybrid=broken)
                except ParameterError:
                    cots.append(("no answer",))
        for row, cot in zip(batch, cots):
            if cot != reference_cot(task.n, edge_list(row)):
                caught = (task.show(edge_list(row)), " ".join(cot))
                break
        if caught:
            break
    print("caught on:", caught)
    assert caught is not None
    assert generate_cots(task, edges[:64]) == [reference_cot(5, edge_list(r)) for r in edges[:64]]
    assert FALSE in reference_cot(5, [(1, 0), (2, 1), (2, 0), (4, 3)])
