"""The torch backend: exact dtypes only, identical verdicts on every dtype and device."""
from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from automata.alphabet import all_words
from automata.errors import DtypeError
from constructions.exact import Affine
from constructions.library.presets import PRESETS
from constructions.uhat.audit import audit
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.torch_backend import to_torch


def _scaled_net(weight: Fraction) -> UHAT:
    emb = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    C = Affine.build(4, 2, {(0, 0): weight, (1, 3): 1})
    layer = AttentionLayer(Affine.zero(2, 2), Affine.zero(2, 2), C, "j<i", "rightmost")
    return UHAT(("a", "b"), emb, (layer,), Affine.build(2, 1, {(0, 0): 1}))


def test_dtype_refused_when_audit_exceeds_range() -> None:
    net = _scaled_net(Fraction(5000))
    assert audit(net).max_abs == 5000
    with pytest.raises(DtypeError, match="float16"):
        to_torch(net, torch.float16)
    to_torch(net, torch.float32)  # 5000 < 2^24


def test_non_integral_weights_refused() -> None:
    with pytest.raises(DtypeError, match="non-integral"):
        to_torch(_scaled_net(Fraction(1, 3)), torch.float64)


def test_unknown_dtype_name() -> None:
    with pytest.raises(DtypeError, match="unknown dtype"):
        to_torch(_scaled_net(Fraction(1)), "float8")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bfloat16])
def test_all_exact_dtypes_agree(dtype: torch.dtype) -> None:
    prog = PRESETS["dyck1_depth2"]()
    words = torch.from_numpy(all_words(8, 2))
    ref = to_torch(compile_lemma9(prog), torch.float64)(words)
    for packed in (False, True):
        net = compile_lemma9(prog, packed=packed)
        assert torch.equal(to_torch(net, dtype)(words), ref)


def test_state_dict_holds_the_weights() -> None:
    module = to_torch(compile_lemma9(PRESETS["ab_plus"](), packed=True))
    sd = module.state_dict()
    assert "embedding.weight" in sd and "accept.weight" in sd and "layers.0.C.weight" in sd


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none here)")
def test_cuda_matches_cpu() -> None:
    for key, make in PRESETS.items():
        net = compile_lemma9(make(), packed=True)
        words = torch.from_numpy(all_words(8, len(net.alphabet)))
        cpu = to_torch(net)(words)
        for dtype in (torch.float32, torch.float64, torch.int64):
            gpu = to_torch(net, dtype, "cuda")(words.cuda()).cpu()
            assert torch.equal(cpu, gpu), key


def test_attended_vector_is_zero_when_mask_is_empty() -> None:
    net = _scaled_net(Fraction(1))
    out = to_torch(net)(torch.tensor([[1, 0, 0]]))  # position 1 has no j < i: attends the zero vector
    h = to_torch(net).residual(torch.tensor([[1, 0, 0]]))
    assert h[0, 0, 1].item() == 0 and h[0, 1, 1].item() == 1  # copies Q_b of the rightmost j < i
    assert out.tolist() == [[False, True, True]]


def test_linear_attention_equals_dense_attention() -> None:
    from tests.constructions.randprog import random_program

    used_fast = 0
    for seed in range(16):
        prog = random_program(seed, n_ops=5)
        for packed in (False, True):
            net = compile_lemma9(prog, packed=packed)
            fast, dense = to_torch(net), to_torch(net, fast=False)
            used_fast += sum(s.attend is not None and s.attend.key_only for s in fast.steps)
            for length in (1, 3, 6):
                words = torch.from_numpy(all_words(length, 3))
                assert torch.equal(fast.residual(words), dense.residual(words)), (seed, packed, length)
    assert used_fast > 10
