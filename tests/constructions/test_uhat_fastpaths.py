"""The O(L) paths of the extended torch backend against the general ones: the positional quadratic-match
kernel against the dense argmax, and ``generate`` (last attention step at the last position only)
against ``forward`` — with negative tests that a wrong kernel is caught."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from constructions.library.retrieval_uhat import READOUT_MARGIN, retrieval_uhat
from constructions.uhat.certified import certify_float
from constructions.uhat import torch_backend
from constructions.uhat.model import AttentionLayer
from constructions.uhat.torch_backend import AttendSpec, position_match, to_torch
from tasks.retrieval import retrieval_task

torch.set_num_threads(1)
MASKS = ("none", "j<i", "j>i", "j<=i", "j>=i")


def _dense(a: torch.Tensor, c: int, mask: str, tiebreak: str) -> tuple[torch.Tensor, torch.Tensor]:
    n, length = a.shape
    pos = torch.arange(length)
    score = a[:, :, None] * pos[None, None, :] - c * pos[None, None, :] ** 2  # (n, i, j) in int64
    allowed = {"none": torch.ones(length, length, dtype=torch.bool), "j<i": pos[None] < pos[:, None],
               "j>i": pos[None] > pos[:, None], "j<=i": pos[None] <= pos[:, None], "j>=i": pos[None] >= pos[:, None]}[mask]
    score = score.masked_fill(~allowed, torch.iinfo(torch.int64).min)
    best = score.amax(2, keepdim=True)
    top = (score == best) & allowed
    rank = pos if tiebreak == "rightmost" else length - 1 - pos
    idx = torch.where(top, rank, -1).argmax(2)
    return idx, allowed.any(1)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 3), st.sampled_from(MASKS),
       st.sampled_from(("leftmost", "rightmost")), st.data())
def test_position_match_is_the_dense_argmax(n, length, c, mask, tiebreak, data) -> None:
    a = torch.tensor(data.draw(st.lists(st.integers(-30, 30), min_size=n * length, max_size=n * length)),
                     dtype=torch.float64).view(n, length)
    pos = torch.arange(length, dtype=torch.float64)
    q = torch.stack([a.reshape(-1), torch.full((n * length,), -float(c), dtype=torch.float64)])
    key = torch.stack([pos.repeat(n), (pos * pos).repeat(n)])
    spec = AttendSpec(mask, tiebreak, (0, 1), (0, 1), False)
    idx, exists = position_match(q, key, spec, n, length)
    want, want_exists = _dense(a.to(torch.int64), c, mask, tiebreak)
    assert torch.equal(exists, want_exists)
    assert torch.equal(idx[:, exists], want[:, want_exists])


def test_position_match_declines_other_shapes() -> None:
    q = torch.tensor([[1.0, 2.0], [-1.0, -1.0]])
    spec = AttendSpec("none", "leftmost", (0, 1), (0, 1), False)
    assert position_match(q, torch.tensor([[0.0, 2.0], [0.0, 4.0]]), spec, 1, 2) is None  # keys not positions
    assert position_match(q, torch.tensor([[0.0, 1.0], [0.0, 2.0]]), spec, 1, 2) is None  # not squares
    assert position_match(torch.tensor([[1.0, 2.0], [1.0, 1.0]]), torch.tensor([[0.0, 1.0], [0.0, 1.0]]), spec, 1, 2) is None
    assert position_match(torch.tensor([[0.5, 2.0], [-1.0, -1.0]]), torch.tensor([[0.0, 1.0], [0.0, 1.0]]), spec, 1, 2) is None


@pytest.mark.parametrize("name,n", [("index", 7), ("ar", 8), ("cgram", 7), ("cgram3", 7), ("counting", 6)])
def test_fast_paths_equal_the_general_run(name: str, n: int) -> None:
    """generate (last-position attention, position kernel) = forward(...)[:, -1] with fast=False (dense)."""
    from proofs_check.retrieval_check import uhat_answerer

    task = retrieval_task(name, n)
    net = retrieval_uhat(task)
    rng = np.random.default_rng(0)
    codes = task.sample_inputs(rng, 300)
    fast, _ = uhat_answerer(task, net)
    hard = all(h.mode == "hard" for layer in net.layers if isinstance(layer, AttentionLayer) for h in layer.heads)
    cert = None if net.is_integral() and hard else certify_float(net, "float64", task.input_length, {}, READOUT_MARGIN)
    module = to_torch(net, "float64", fast=False, max_len=task.input_length, certificate=cert)
    index = {s: k for k, s in enumerate(task.alphabet)}
    sym = np.array([index[s] for s in net.output_symbols])
    slow = sym[module(torch.from_numpy(codes))[:, -1].numpy()]
    assert np.array_equal(fast(codes), slow)
    assert np.array_equal(slow, task.answers(codes))


def test_a_wrong_position_kernel_is_caught(monkeypatch) -> None:
    """Negative test: a kernel off by one position must disagree with the reference on a concrete input
    (AR: its previous-token head runs on the position kernel)."""
    from proofs_check.retrieval_check import check_task, transformer_answerers

    real = torch_backend.position_match

    def off_by_one(q, key, spec, n, length):
        got = real(q, key, spec, n, length)
        return None if got is None else ((got[0] + 1).clamp(max=length - 1), got[1])

    monkeypatch.setattr(torch_backend, "position_match", off_by_one)
    task = retrieval_task("ar", 4)
    report = check_task(task, transformer_answerers(task))
    assert not report.agree
    print(report.summary())
