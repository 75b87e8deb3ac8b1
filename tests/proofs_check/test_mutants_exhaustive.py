"""Sharded exhaustive ranges (:func:`proofs_check.exhaustive.check_range`) compare *every* decider with
the first (issue 14; mutation harness ``make mutation``: ``bad |= …`` → ``bad = …`` in either path of
``check_range`` survived the default suite, which sharded only two deciders or broke the last one)."""
from __future__ import annotations

import numpy as np
import pytest

from proofs_check.deciders import Decider, dfa_decider
from proofs_check.exhaustive import check_range, exhaustive_check, word_rank, word_space
from proofs_check.registry import family


def _flip_prefix(fn, target: tuple[int, ...]):
    """``fn`` with the verdict on the word ``target`` (codes) flipped, as a prefix (causal) or a word."""
    def run(words: np.ndarray) -> np.ndarray:
        out = np.array(fn(words), dtype=bool, copy=True)
        n = len(target)
        if words.shape[1] < n:
            return out
        hit = np.all(words[:, :n] == np.array(target), axis=1)
        if out.ndim == 2:
            out[hit, n - 1] = ~out[hit, n - 1]
        elif words.shape[1] == n:
            out[hit] = ~out[hit]
        return out
    return run


def _deciders(causal: bool, position: int) -> tuple[tuple[str, ...], list[Decider]]:
    task = family("ab-plus").task(None, None)
    dfa = task.reference_dfa()
    good = dfa_decider(dfa) if causal else Decider("reference DFA", False, dfa.run)
    ds = [good] + [Decider(f"copy {c}", causal, good.fn) for c in (1, 2, 3)]
    ds[position] = Decider("broken", causal, _flip_prefix(good.fn, (0, 1, 0)))  # 'a b a' flipped
    return task.alphabet, ds


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("position", [1, 2])
@pytest.mark.parametrize("shards", [1, 3])
def test_a_broken_decider_in_the_middle_of_a_shard_is_caught(causal: bool, position: int, shards: int) -> None:
    alphabet, ds = _deciders(causal, position)
    max_len = 5
    size = word_space(len(alphabet), max_len, causal)
    cuts = [size * s // shards for s in range(shards + 1)]
    firsts = [check_range(alphabet, ds, max_len, lo, hi, chunk=7)["first"] for lo, hi in zip(cuts, cuts[1:])]
    found = [f for f in firsts if f is not None]
    assert found, "a shard with a broken middle decider reported no disagreement"
    first = min(found, key=lambda f: f["index"])
    assert first["input"] == "aba" and first["recogniser"] == "broken"
    assert first["index"] == word_rank((0, 1, 0), len(alphabet))
    assert len(first["verdicts"]) == 4
    want = exhaustive_check(alphabet, ds, max_len)
    assert not want.agree and "".join(want.disagreement.word) == first["input"]


@pytest.mark.parametrize("causal", [True, False])
def test_intact_deciders_agree_in_every_shard(causal: bool) -> None:
    alphabet, ds = _deciders(causal, 1)
    ds[1] = Decider("copy 1", causal, ds[0].fn)
    size = word_space(len(alphabet), 5, causal)
    r = check_range(alphabet, ds, 5, 0, size, chunk=7)
    assert r["first"] is None and r["count"] == size
