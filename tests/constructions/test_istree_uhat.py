"""The IsTree CoT transformer ([WDL] Thm 4.7, ours): exact semantics, torch with a KV cache, sizes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from automata.errors import ParameterError
from constructions.library.istree_uhat import WIDTH, core_size, cot_length_bound, istree_uhat
from constructions.uhat.decoding import decode, prefill, step
from constructions.uhat.semantics import generate_exact
from constructions.uhat.torch_backend import to_torch
from proofs_check.istree_check import generate_cots, istree_range, summary
from tasks.istree import FALSE, TRUE, IsTreeTask


def _graph(task, idx):
    return [tuple(map(int, e)) for e in task.encode_inputs(idx, idx + 1)[0]]


@pytest.mark.parametrize("n", [2, 3])
def test_exact_semantics_every_graph_every_prefix(n):
    """The rational semantics, teacher-forced: every next token of the reference CoT, margin ≥ 1."""
    task = IsTreeTask(n)
    net = istree_uhat(task)
    for idx in range(task.input_space()):
        edges = _graph(task, idx)
        prompt, cot = task.prompt(edges), task.cot(edges)
        for k in range(len(cot)):
            got, margin = generate_exact(net, prompt + cot[:k])
            assert got == cot[k] and margin >= 1, (edges, cot, k, got, margin)


@pytest.mark.parametrize("n, count", [(4, 6), (6, 2)])
def test_exact_semantics_sample(n, count):
    task = IsTreeTask(n)
    net = istree_uhat(task)
    rng = np.random.default_rng(5)
    for row in task.sample_inputs(rng, count):
        edges = [tuple(map(int, e)) for e in row]
        prompt, cot = task.prompt(edges), task.cot(edges)
        for k in range(len(cot)):
            assert generate_exact(net, prompt + cot[:k])[0] == cot[k]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_every_graph_free_running(n):
    """The compiled network decodes the whole CoT from the prompt (its own tokens fed back)."""
    result = istree_range(n, 0, IsTreeTask(n).input_space())
    assert result["first"] is None, result
    assert result["count"] == IsTreeTask(n).input_space()


def test_broken_weight_is_caught_with_the_graph():
    result = istree_range(5, 0, 5040, broken=True)
    assert result["first"] is not None
    text = summary(5, result, "float32")
    assert "DISAGREE" in text and "[BOS]" in text and "expected:" in text
    print(text)


def test_kv_cache_equals_full_recomputation_and_float64():
    task = IsTreeTask(6)
    net = istree_uhat(task)
    length = task.prompt_length + task.max_cot
    edges = task.sample_inputs(np.random.default_rng(1), 64)
    ref = task.cots(edges)
    for dtype in (torch.float32, torch.float64):
        mod = to_torch(net, dtype, max_len=length)
        got = generate_cots(task, edges, mod)
        assert (got == ref).all()
        # full recomputation: run the whole word for every step
        codes = torch.tensor(task.prompt_codes(edges))
        symbol = torch.tensor([task.alphabet.index(s) for s in net.output_symbols])
        for k in range(ref.shape[1]):
            alive = ref[:, k] >= 0
            if not alive.any():
                break
            nxt = symbol[mod.generate(codes[torch.tensor(alive)])]
            assert (nxt.numpy() == ref[alive, k]).all()
            codes = torch.cat([codes, torch.tensor(np.maximum(ref[:, k], 0))[:, None]], 1)


def test_step_by_step_matches_decode():
    task = IsTreeTask(5)
    mod = to_torch(istree_uhat(task), torch.float32, max_len=task.prompt_length + task.max_cot)
    edges = task.encode_inputs(0, 50)
    prompts = torch.tensor(task.prompt_codes(edges))
    cache, nxt = prefill(mod, prompts, task.prompt_length + task.max_cot)
    symbol = torch.tensor([task.alphabet.index(s) for s in mod.output_symbols])
    first = [nxt]
    for _ in range(3):
        nxt = step(mod, cache, symbol[nxt])
        first.append(nxt)
    out = decode(mod, prompts, 4)
    assert torch.equal(torch.stack(first, 1), out)


def test_decoding_refuses():
    task = IsTreeTask(3)
    mod = to_torch(istree_uhat(task), torch.float32, max_len=task.prompt_length + task.max_cot)
    prompts = torch.tensor(task.prompt_codes(task.encode_inputs(0, 2)))
    with pytest.raises(ParameterError):
        decode(mod, prompts, 0)
    with pytest.raises(ParameterError):  # beyond the audited length
        prefill(mod, prompts, task.prompt_length + task.max_cot + 1)
    cache, _ = prefill(mod, prompts, task.prompt_length)
    with pytest.raises(ParameterError):  # no room left
        step(mod, cache, torch.tensor([0, 0]))
    with pytest.raises(ParameterError):
        decode("not a module", prompts, 2)
    from constructions.library.retrieval_uhat import retrieval_uhat
    from tasks.retrieval import retrieval_task

    index = retrieval_task("index", 4)
    with pytest.raises(ParameterError, match="causal"):  # Index's head has mask "none"
        decode(to_torch(retrieval_uhat(index), torch.float64, max_len=index.input_length), torch.zeros(1, 3, dtype=torch.long), 1)


def test_sizes_constant_in_n():
    core = core_size()
    sizes = [istree_uhat(IsTreeTask(n)).size() for n in (3, 8, 64, 512)]
    for s in sizes:
        assert (s.layers, s.uha_layers, s.heads, s.max_width) == (core.layers, core.attention_layers, core.heads, core.width)
        assert s.core_params == sizes[0].core_params
    assert WIDTH == core.width
    # the tables grow linearly: embedding (n + 5)·W, read-out (n + 3)·(W + 1)
    for n, s in zip((3, 8, 64, 512), sizes):
        assert s.table_params == (n + 5) * WIDTH + (n + 3) * (WIDTH + 1)
    assert cot_length_bound(10) == 21


def test_integer_weights_bounded():
    net = istree_uhat(IsTreeTask(512))
    core = [m for layer in net.layers for m in layer.maps()]
    assert all(v.denominator == 1 and abs(v) <= 5 for m in core for _, _, v in m.entries)
    assert net.is_integral()


def test_answers_only_after_eos():
    task = IsTreeTask(4)
    net = istree_uhat(task)
    edges = _graph(task, 7)
    cot = task.cot(edges)
    assert generate_exact(net, task.prompt(edges) + cot[:-1])[0] in (TRUE, FALSE)
