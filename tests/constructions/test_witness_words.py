"""The strict witness word for n = 3 (THEORY §5; [BCL] Lemma 8 + Lemma 9): 10,240 symbols through the
PACKED compiled UHAT with the O(L·K) attention kernel, the linear B-RASP interpreter and the reference
(decode + violations) — accepted; random single-symbol corruptions rejected by all three."""
from __future__ import annotations

import random
from typing import Iterator

import numpy as np
import pytest
import torch

from automata.alphabet import encode_word
from constructions.brasp.interpreter import accepts
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.torch_backend import to_torch
from tasks.tiling import TilingTask, shortest_word
from tasks.tiling_witness import counter_witness, expected_witness_length


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Two shared cores: intra-op threads only oversubscribe them."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _corruptions(word: tuple[str, ...], alphabet: tuple[str, ...], count: int, seed: int) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        p = rng.randrange(len(word))
        sym = rng.choice([a for a in alphabet if a != word[p]])
        out.append(word[:p] + (sym,) + word[p + 1:])
    return out


def test_n3_witness_through_packed_uhat(one_thread: None) -> None:
    inst = counter_witness(3, "strict")
    program, task = tiling_program(inst), TilingTask(inst)
    word = tuple(shortest_word(inst))
    assert len(word) == expected_witness_length(3) == 10240
    module = to_torch(compile_lemma9(program, packed=True), torch.float64)
    bad = _corruptions(word, program.alphabet, 6, seed=3)
    batch = np.stack([encode_word(w, program.alphabet) for w in (word, *bad)])
    with torch.no_grad():
        uhat = module(torch.from_numpy(batch))[:, -1].tolist()
    brasp = accepts(program, batch).tolist()
    ref = [task.accepts(w) for w in (word, *bad)]
    assert ref == [True] + [False] * len(bad)
    assert uhat == brasp == ref


def test_a_corruption_is_seen(one_thread: None) -> None:
    """Negative test: the network rejects a word whose last cell is changed (and says so)."""
    inst = counter_witness(3, "strict")
    program = tiling_program(inst)
    word = list(shortest_word(inst))
    word[-1] = next(a for a in program.alphabet if a != word[-1])
    codes = torch.from_numpy(encode_word(word, program.alphabet)[None, :])
    module = to_torch(compile_lemma9(program, packed=True), torch.float64)
    with torch.no_grad():
        assert not bool(module(codes)[0, -1])
    assert not TilingTask(inst).accepts(word)


@pytest.mark.slow
def test_n3_witness_through_paper_faithful_uhat(one_thread: None) -> None:
    """[BCL] Lemma 9 as written (one ReLU per layer, ~2,700 layers): same verdicts as the reference."""
    inst = counter_witness(3, "strict")
    program, task = tiling_program(inst), TilingTask(inst)
    word = tuple(shortest_word(inst))
    bad = _corruptions(word, program.alphabet, 3, seed=5)
    batch = np.stack([encode_word(w, program.alphabet) for w in (word, *bad)])
    module = to_torch(compile_lemma9(program), torch.float64)
    with torch.no_grad():
        got = module(torch.from_numpy(batch))[:, -1].tolist()
    assert got == [task.accepts(w) for w in (word, *bad)] == [True, False, False, False]
