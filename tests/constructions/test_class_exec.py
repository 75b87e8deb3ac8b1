"""Class-memoised execution equals running the module on the whole word, position by position."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from automata.alphabet import encode_word
from automata.errors import ParameterError, UnknownSymbolError
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat import class_exec
from constructions.uhat.class_exec import class_prefixes, class_run
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.streaming import stream_prefixes
from constructions.uhat.torch_backend import to_torch
from tasks.tiling import shortest_word
from tasks.tiling_witness import counter_witness
from tests.constructions.conftest import caught_on_witness
from tests.constructions.randprog import random_program

CASES = [(seed, packed) for seed in range(30) for packed in (False, True)]


@pytest.mark.parametrize("seed,packed", CASES)
def test_classes_equal_whole_word(seed: int, packed: bool) -> None:
    """Random programs use every mask (none, j<i, j>i, j<=i, j>=i) and both tie-breaks."""
    net = compile_lemma9(random_program(seed), packed=packed)
    module = to_torch(net, "float64")
    rng = np.random.default_rng(seed)
    for length in (1, 2, 5, 17, 40):
        word = rng.integers(0, len(net.alphabet), size=length)
        whole = module(torch.from_numpy(word[None]))[0]
        assert torch.equal(class_prefixes(module, word), whole), (seed, packed, word.tolist())


def test_masks_and_tiebreaks_are_covered() -> None:
    seen = {(op.mask, op.tiebreak) for seed, _ in CASES for op in random_program(seed).attention_ops}
    assert {m for m, _ in seen} == {"none", "j<i", "j>i", "j<=i", "j>=i"}
    assert {t for _, t in seen} == {"leftmost", "rightmost"}


def test_witness_word_and_corruptions() -> None:
    inst = counter_witness(3, "strict")
    program = tiling_program(inst)
    codes = encode_word(shortest_word(inst), program.alphabet)
    module = to_torch(compile_lemma9(program, packed=True), "float32")
    run = class_run(module, codes)
    assert torch.equal(torch.from_numpy(run.verdicts), stream_prefixes(module, codes))
    assert run.verdicts[-1] and int(run.verdicts.sum()) == 1
    assert 1 < run.max_classes < 1000 and run.max_pairs >= run.max_classes // 4
    rng = np.random.default_rng(3)
    for _ in range(5):
        bad = codes.copy()
        p = int(rng.integers(codes.size))
        bad[p] = (bad[p] + 1 + int(rng.integers(len(program.alphabet) - 1))) % len(program.alphabet)
        assert torch.equal(class_prefixes(module, bad), stream_prefixes(module, bad))
        assert not class_prefixes(module, bad)[-1]


def test_a_wrong_tiebreak_is_caught(monkeypatch) -> None:
    """Negative test: a scan that keeps the older of two equal scores disagrees with the module."""
    real = class_exec._scan

    def older(cls, qc, kc, score, strict, prefer_new, out):
        return real(cls, qc, kc, score, strict, not prefer_new, out)

    monkeypatch.setattr(class_exec, "_scan", older)
    caught_on_witness(class_prefixes)


def test_a_forgotten_merge_is_caught(monkeypatch) -> None:
    """Negative test: merging classes that differ (here: by the first slot only) changes verdicts."""
    def sloppy(vectors, cls):
        keep = vectors.clone()
        keep[:, 1:] = 0
        uniq, inv = torch.unique(keep, dim=0, return_inverse=True)
        first = {int(c): r for r, c in reversed(list(enumerate(inv.tolist())))}
        return vectors[[first[c] for c in range(uniq.shape[0])]], inv.numpy().astype(np.int32)[cls]

    monkeypatch.setattr(class_exec, "_merge", sloppy)
    program = tiling_program(counter_witness(1, "strict"))
    module = to_torch(compile_lemma9(program, packed=True), "float64")
    word = encode_word(shortest_word(counter_witness(1, "strict")), program.alphabet)
    assert not torch.equal(class_prefixes(module, word), module(torch.from_numpy(word[None]))[0])


def test_refusals() -> None:
    program = tiling_program(counter_witness(1, "strict"))
    module = to_torch(compile_lemma9(program, packed=True), "float64")
    with pytest.raises(ParameterError):
        class_run(module, np.zeros(0, dtype=np.int64))
    with pytest.raises(UnknownSymbolError):
        class_run(module, np.array([0, len(program.alphabet)]))
    with pytest.raises(ParameterError):
        class_run(module, np.array([0.5, 1.0]))
    with pytest.raises(ParameterError, match="one word"):
        class_run(module, np.zeros((2, 3), dtype=np.int64))  # a batch is not one word
    assert class_run(module, np.zeros((1, 3), dtype=np.int64)).verdicts.shape == (3,)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_module_gives_the_same_verdicts() -> None:
    inst = counter_witness(2, "strict")
    program = tiling_program(inst)
    net = compile_lemma9(program, packed=True)
    codes = encode_word(shortest_word(inst), program.alphabet)
    cpu = class_prefixes(to_torch(net, "float64"), codes)
    gpu = class_prefixes(to_torch(net, "float64", device="cuda"), codes)
    assert torch.equal(cpu, gpu) and bool(gpu[-1])
