"""Shared fixtures for the constructions tests."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def one_torch_thread():
    """Many small CPU ops: intra-op threads only contend (badly so on a loaded machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def caught_on_witness(run) -> None:
    """Negative-test helper: ``run(module, codes)`` (a broken per-position executor) must disagree with the
    packed module's whole-word run on the n = 1 witness word; prints the first disagreeing prefix."""
    from automata.alphabet import encode_word
    from constructions.library.tiling_brasp import tiling_program
    from constructions.uhat.lemma9 import compile_lemma9
    from constructions.uhat.torch_backend import to_torch
    from tasks.tiling import shortest_word
    from tasks.tiling_witness import counter_witness

    inst = counter_witness(1, "strict")
    program = tiling_program(inst)
    module = to_torch(compile_lemma9(program, packed=True), "float64")
    word = encode_word(shortest_word(inst), program.alphabet)
    whole = module(torch.from_numpy(word[None]))[0]
    got = run(module, word)
    assert not torch.equal(got, whole)
    first = int(torch.nonzero(got != whole)[0, 0])
    print("first disagreeing prefix:", " ".join(module.net_alphabet[c] for c in word[: first + 1]))
