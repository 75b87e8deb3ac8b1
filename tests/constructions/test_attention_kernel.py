"""The O(L·K) class kernel equals the dense hard-attention argmax (THEORY §1; [BCL] §2)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from automata.alphabet import all_words
from constructions.uhat import attention_kernel as ak
from constructions.uhat.attention_kernel import class_attention, dense_attention, hard_attention
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.torch_backend import to_torch
from tests.constructions.randprog import random_program

MASKS = ("none", "j<i", "j>i", "j<=i", "j>=i")
TIES = ("leftmost", "rightmost")


def _reference(q: torch.Tensor, k: torch.Tensor, mask: str, tie: str) -> tuple[list[list[int]], list[bool]]:
    """Plain-Python argmax with tie-break: −1 where nothing is unmasked."""
    r, n, length = k.shape
    ok = {"none": lambda i, j: True, "j<i": lambda i, j: j < i, "j>i": lambda i, j: j > i,
          "j<=i": lambda i, j: j <= i, "j>=i": lambda i, j: j >= i}[mask]
    out = []
    for b in range(n):
        row = []
        for i in range(length):
            js = [j for j in range(length) if ok(i, j)]
            if not js:
                row.append(-1)
                continue
            sc = {j: sum(int(q[x, b, i]) * int(k[x, b, j]) for x in range(r)) for j in js}
            best = max(sc.values())
            win = [j for j in js if sc[j] == best]
            row.append(max(win) if tie == "rightmost" else min(win))
        out.append(row)
    return out, [any(ok(i, j) for j in range(length)) for i in range(length)]


def _check(q: torch.Tensor, k: torch.Tensor, mask: str, tie: str) -> None:
    got = class_attention(q, k, mask, tie)
    assert got is not None
    dense = dense_attention(q, k, mask, tie)
    ref, exists = _reference(q, k, mask, tie)
    assert got[1].tolist() == dense[1].tolist() == exists
    for b, row in enumerate(ref):
        for i, j in enumerate(row):
            if j >= 0:
                assert int(got[0][b, i]) == j == int(dense[0][b, i]), (mask, tie, b, i)


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("tie", TIES)
def test_random_vectors_with_ties(mask: str, tie: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ak, "CELLS", 23)  # many chunks: the running tables cross chunk borders
    rng = np.random.default_rng(hash((mask, tie)) % 2**32)
    for trial in range(12):
        r, n, length = int(rng.integers(0, 3)), int(rng.integers(1, 3)), int(rng.integers(1, 14))
        q = torch.from_numpy(rng.integers(-2, 3, (r, n, length))).to(torch.float64)
        k = torch.from_numpy(rng.integers(-1, 2, (r, n, length))).to(torch.float64)
        _check(q, k, mask, tie)
        _check(q.to(torch.int64), k.to(torch.int64), mask, tie)


def test_single_position_and_empty_unmasked_set() -> None:
    q = torch.ones(1, 1, 1, dtype=torch.float64)
    for mask in MASKS:
        for tie in TIES:
            _check(q, q, mask, tie)
    idx, exists = hard_attention(q, q, "j<i", "leftmost")
    assert exists.tolist() == [False] and idx.tolist() == [[0]]


def test_too_many_classes_falls_back_to_dense() -> None:
    k = torch.arange(40, dtype=torch.float64).view(1, 1, 40)
    q = torch.ones_like(k)
    assert class_attention(q, k, "j<i", "leftmost", max_classes=8) is None
    idx, _ = hard_attention(q, k, "j<i", "leftmost", max_classes=8)
    assert idx[0, 1:].tolist() == list(range(39))  # the largest key before i is i − 1


def test_broken_tiebreak_is_caught() -> None:
    """Negative test: swapping the tie-break changes the answer on ties, and the check sees it."""
    q = torch.zeros(1, 1, 5, dtype=torch.float64)
    k = torch.zeros(1, 1, 5, dtype=torch.float64)
    right = class_attention(q, k, "none", "rightmost")[0]
    left = dense_attention(q, k, "none", "leftmost")[0]
    assert right.tolist() != left.tolist()
    with pytest.raises(AssertionError):
        assert right.tolist() == _reference(q, k, "none", "leftmost")[0]


@pytest.mark.parametrize("seed", range(8))
def test_random_networks_fast_equals_dense(seed: int) -> None:
    prog = random_program(seed)
    words = torch.from_numpy(all_words(5, 3))
    for packed in (False, True):
        net = compile_lemma9(prog, packed=packed)
        fast, slow = to_torch(net, fast=True), to_torch(net, fast=False)
        assert torch.equal(fast(words), slow(words))
        assert torch.equal(fast.residual(words), slow.residual(words))


def test_unknown_tie_breaks_and_masks_are_refused() -> None:
    """'middle' used to behave as leftmost (issue 14): the kernel and the model refuse it."""
    from automata.errors import ParameterError
    from constructions.exact import Affine
    from constructions.uhat.model import Head

    q = torch.zeros((1, 1, 3), dtype=torch.float64)
    with pytest.raises(ParameterError, match="tie-break 'middle'"):
        hard_attention(q, q, "none", "middle")
    with pytest.raises(ParameterError, match="mask 'j<>i'"):
        hard_attention(q, q, "j<>i", "leftmost")
    ident = Affine.build(1, 1, {(0, 0): 1})
    with pytest.raises(ParameterError, match="tie-break 'middle'"):
        Head(ident, ident, "none", "middle")
    with pytest.raises(ParameterError, match="mask 'all'"):
        Head(ident, ident, "all", "leftmost")
