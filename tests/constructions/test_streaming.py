"""Streaming a causal UHAT chunk by chunk equals running it on the whole word, position by position."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from automata.alphabet import encode_word
from automata.errors import ParameterError
from constructions.brasp.program import AttentionOp, Program
from constructions.library.presets import PRESETS
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat import streaming
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.streaming import stream_prefixes
from constructions.uhat.torch_backend import to_torch
from tasks.tiling import shortest_word
from tasks.tiling_witness import counter_witness
from tests.constructions.conftest import caught_on_witness
from tests.constructions.randprog import random_program


def _causal(program: Program, seed: int) -> Program:
    """The same program with every attention's mask made causal (j<i or j<=i)."""
    rng = np.random.default_rng(seed)
    ops = tuple(replace(op, mask=("j<i", "j<=i")[int(rng.integers(2))]) if isinstance(op, AttentionOp) else op
                for op in program.ops)
    return replace(program, ops=ops)


CASES = [(seed, packed) for seed in range(24) for packed in (False, True)]


@pytest.mark.parametrize("seed,packed", CASES)
def test_stream_equals_whole_word(seed: int, packed: bool) -> None:
    net = compile_lemma9(_causal(random_program(seed), seed), packed=packed)
    module = to_torch(net, "float64")
    rng = np.random.default_rng(seed)
    for length in (1, 2, 17, 40):
        word = rng.integers(0, len(net.alphabet), size=length)
        whole = module(torch.from_numpy(word[None]))[0]
        for chunk in (1, 3, 8, 64):
            assert torch.equal(stream_prefixes(module, word, chunk), whole), (seed, packed, length, chunk)


def test_witness_word_streams() -> None:
    inst = counter_witness(3, "strict")
    program = tiling_program(inst)
    word = shortest_word(inst)
    codes = encode_word(word, program.alphabet)
    module = to_torch(compile_lemma9(program, packed=True), "float32")
    out = stream_prefixes(module, codes, chunk=1000)
    assert bool(out[-1]) and int(out.sum()) == 1  # the whole word, and no proper prefix
    corrupted = codes.copy()
    corrupted[5000] = (corrupted[5000] + 1) % len(program.alphabet)
    assert not bool(stream_prefixes(module, corrupted, chunk=1000)[-1])


def test_forgetting_the_carry_is_caught(monkeypatch) -> None:
    """Negative test: a streamer that drops what earlier chunks saw disagrees with the whole-word run."""
    real = streaming._attend

    def forgetful(m, h, k, carry, start):
        carry.pos = torch.full_like(carry.pos, -1)
        return real(m, h, k, carry, start)

    monkeypatch.setattr(streaming, "_attend", forgetful)
    caught_on_witness(lambda module, word: stream_prefixes(module, word, chunk=4))


def test_refusals() -> None:
    dyck = to_torch(compile_lemma9(PRESETS["ab_plus"]()), "float64")  # (ab)+ uses j>i: not causal
    with pytest.raises(ParameterError, match="causal"):
        stream_prefixes(dyck, np.array([0, 1]))
    causal = to_torch(compile_lemma9(_causal(random_program(1), 1)), "float64")
    with pytest.raises(ParameterError, match="chunk"):
        stream_prefixes(causal, np.array([0, 1]), chunk=0)
    with pytest.raises(ParameterError, match="empty word"):
        stream_prefixes(causal, np.array([], dtype=np.int64))
