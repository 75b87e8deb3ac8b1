"""The exhaustive checker finds exactly the shortest, then lexicographically least, disagreement."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from automata.errors import ParameterError
from proofs_check.deciders import Decider
from proofs_check.exhaustive import exhaustive_check


def _prefix_decider(name: str, pred) -> Decider:
    def run(words: np.ndarray) -> np.ndarray:
        out = np.zeros(words.shape, dtype=bool)
        for r, w in enumerate(words):
            for p in range(1, words.shape[1] + 1):
                out[r, p - 1] = pred(tuple(int(x) for x in w[:p]))
        return out

    return Decider(name, True, run)


def _whole_decider(name: str, pred) -> Decider:
    return Decider(name, False, lambda words: np.array([pred(tuple(int(x) for x in w)) for w in words]))


def _even_ones(w) -> bool:
    return sum(w) % 2 == 0


def _brute_first(pred_a, pred_b, k: int, max_len: int):
    for n in range(1, max_len + 1):
        for w in itertools.product(range(k), repeat=n):
            if pred_a(w) != pred_b(w):
                return w
    return None


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_first_disagreement_is_shortest_then_least(causal: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    flips = {tuple(int(x) for x in rng.integers(0, 3, size=int(rng.integers(2, 6)))) for _ in range(4)}

    def broken(w):
        return _even_ones(w) != (w in flips)

    make = _prefix_decider if causal else _whole_decider
    report = exhaustive_check("abc", [make("ref", _even_ones), make("broken", broken)], 5, chunk=37)
    expected = _brute_first(_even_ones, broken, 3, 5)
    assert report.disagreement is not None
    assert report.disagreement.word == tuple("abc"[x] for x in expected)
    assert dict(report.disagreement.verdicts) == {"ref": _even_ones(expected), "broken": broken(expected)}


def test_agreement_counts_words_and_acceptances() -> None:
    ds = [_prefix_decider("a", _even_ones), _whole_decider("b", _even_ones)]
    report = exhaustive_check("ab", ds, 6)
    assert report.agree and report.words == 2 + 4 + 8 + 16 + 32 + 64
    assert report.accepted == tuple(2 ** (n - 1) for n in range(1, 7))  # half the words have even weight
    assert "AGREE" in report.summary()


def test_bad_arguments() -> None:
    d = _prefix_decider("a", _even_ones)
    with pytest.raises(ParameterError):
        exhaustive_check("ab", [d, d], 0)
    with pytest.raises(ParameterError):
        exhaustive_check("ab", [d], 3)
    with pytest.raises(ParameterError, match="limit"):
        exhaustive_check("ab", [d, d], 40)
