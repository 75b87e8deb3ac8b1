"""Streaming, throughput and device handling of proofs_check.exhaustive (used by bench_exhaustive)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from automata.errors import ParameterError
from proofs_check.deciders import Decider, dfa_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check


def _parity(words: np.ndarray) -> np.ndarray:
    return np.cumsum(words, axis=1) % 2 == 0


def test_chunks_bound_the_batch_and_one_pass_decides_prefixes() -> None:
    seen: list[tuple[int, int]] = []

    def run(words: np.ndarray) -> np.ndarray:
        seen.append(words.shape)
        return _parity(words)

    report = exhaustive_check("ab", [Decider("a", True, run), Decider("b", True, _parity)], 9, chunk=100)
    assert report.agree and report.device == "cpu"
    assert max(b for b, _ in seen) <= 100 and {length for _, length in seen} == {9}  # only the top length
    assert sum(b for b, _ in seen) == 2**9
    assert report.accepted == tuple(2 ** (n - 1) for n in range(1, 10))
    assert report.words_per_second > 0 and "words/s" in report.summary()


def test_negative_a_flipped_prefix_verdict_is_found_in_the_single_pass() -> None:
    def broken(words: np.ndarray) -> np.ndarray:
        out = _parity(words)
        out[(words[:, :3] == [1, 0, 1]).all(axis=1), 2] ^= True  # wrong on the prefix "bab" only
        return out

    report = exhaustive_check("ab", [Decider("ref", True, _parity), Decider("broken", True, broken)], 8, chunk=16)
    assert report.disagreement is not None and report.disagreement.word == ("b", "a", "b")
    print(report.disagreement)


def test_device_is_validated() -> None:
    d = Decider("a", True, _parity)
    with pytest.raises(ParameterError, match="device"):
        exhaustive_check("ab", [d, d], 3, device="nonsense")
    for bad in ("tpu", "cpu:99", "cpu:1"):
        with pytest.raises(ParameterError, match="device"):
            exhaustive_check("ab", [d, d], 3, device=bad)
    exhaustive_check("ab", [d, d], 3, device="cpu:0")
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="CUDA is not available"):
            exhaustive_check("ab", [d, d], 3, device="cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_run_agrees_and_catches_a_broken_network() -> None:
    from constructions.uhat.lemma9 import compile_lemma9
    from proofs_check.registry import family

    fam = family("counter")
    program = fam.program(1, "full")
    task = fam.task(1, "full")
    net = compile_lemma9(program, packed=True)
    ds = [dfa_decider(task.reference_dfa()), uhat_decider(net, "UHAT cuda", device="cuda")]
    report = exhaustive_check(task.alphabet, ds, 6, device="cuda")
    assert report.agree and report.device.startswith("cuda")
    wrong = Decider("negated", True, lambda w: ~task.reference_dfa().run_prefixes(w))
    assert not exhaustive_check(task.alphabet, [ds[1], wrong], 3, device="cuda").agree
