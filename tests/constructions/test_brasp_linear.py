"""The linear-time B-RASP selection equals the O(L²) matrix path (THEORY §2; [YCA] §3)."""
from __future__ import annotations

import random

import numpy as np
import pytest

from constructions.brasp import fast_attention as fa
from constructions.brasp.formula import P, conj, disj, neg
from constructions.brasp import interpreter
from constructions.brasp.interpreter import evaluate
from constructions.brasp.program import MASKS, AttentionOp, PositionOp, Program
from tests.constructions.randprog import _formula, random_program


def _words(seed: int, alphabet: int, batch: int, length: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, alphabet, (batch, length))


def _same(program: Program, words: np.ndarray) -> None:
    fast, slow = evaluate(program, words), evaluate(program, words, linear=False)
    assert fast.keys() == slow.keys()
    for name in fast:
        assert np.array_equal(fast[name], slow[name]), name


@pytest.mark.parametrize("seed", range(30))
def test_random_lemma9_programs(seed: int) -> None:
    prog = random_program(seed, n_ops=8)
    for length in (1, 2, 7, 19):
        _same(prog, _words(seed * 31 + length, 3, 6, length))


def _general_program(seed: int) -> Program:
    """Scores mixing i- and j-atoms arbitrarily (not Lemma 9's S(j) ∧ ⋀(P(i) ↔ P(j)) form)."""
    rng = random.Random(seed)
    preds = ["Q_a", "Q_b", "Q_c"]
    ops = []
    for k in range(7):
        name = f"G{k}"
        if rng.random() < 0.25:
            ops.append(PositionOp(name, _formula(rng, preds, "i", 2)))
        else:
            score = _formula(rng, preds, "ij", 3)
            ops.append(AttentionOp(name, rng.choice(["leftmost", "rightmost"]), rng.choice(MASKS), score,
                                   _formula(rng, preds, "ij", 2), _formula(rng, preds, "i", 1)))
        preds.append(name)
    return Program(("a", "b", "c"), tuple(ops))


@pytest.mark.parametrize("seed", range(30))
def test_random_general_scores(seed: int) -> None:
    prog = _general_program(seed)
    for length in (1, 3, 11, 24):
        _same(prog, _words(seed * 17 + length, 3, 5, length))


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("tie", ["leftmost", "rightmost"])
def test_every_mask_and_tiebreak_with_empty_sets(mask: str, tie: str) -> None:
    score = disj(conj(P("Q_a", "i"), P("Q_b", "j")), conj(neg(P("Q_a", "i")), P("Q_a", "j")))
    prog = Program(("a", "b", "c"), (AttentionOp("X", tie, mask, score, P("Q_c", "j"), P("Q_c", "i")),))
    words = np.array([[2, 2, 2, 2], [0, 1, 0, 1], [1, 0, 2, 0], [2, 0, 1, 2]])
    _same(prog, words)


def test_many_i_atoms_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fa, "MAX_ATOMS", 0)
    assert fa.linear_select(P("Q_a", "i"), "none", "leftmost", {"Q_a": np.ones((1, 2), bool)},
                            lambda f, r: r(f), 1, 2, max_atoms=0) is None
    _same(random_program(3), _words(3, 3, 4, 9))


def test_broken_strict_shift_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative test: treating j<i as j<=i in the running table is detected by the cross-check."""
    real = fa.select_in_class

    def broken(table: np.ndarray, mask: str, tiebreak: str):
        return real(table, "j<=i" if mask == "j<i" else mask, tiebreak)

    monkeypatch.setattr(fa, "select_in_class", broken)
    prog = Program(("a", "b"), (AttentionOp("X", "rightmost", "j<i", P("Q_a", "j"), P("Q_a", "j"), P("Q_b", "i")),))
    words = np.array([[0, 0, 1, 0]])
    with pytest.raises(AssertionError):
        _same(prog, words)


@pytest.mark.parametrize("seed", range(6))
def test_batch_equals_one_word_at_a_time(seed: int) -> None:
    """The batch-1 gather (1-D take) and the batched one (flat indices) agree."""
    prog = _general_program(seed)
    words = _words(seed, 3, 4, 13)
    batch = evaluate(prog, words)
    for b in range(4):
        single = evaluate(prog, words[b:b + 1])
        for name in batch:
            assert np.array_equal(batch[name][b:b + 1], single[name]), (seed, b, name)


def test_gather_reads_each_row_at_its_own_positions() -> None:
    env = {"X": np.array([[True, False, False], [False, False, True]])}
    chosen = np.array([[0, 0, 1], [2, 1, 2]])
    assert interpreter.gather_at(env, ["X"], chosen)["X"].tolist() == [[True, True, False], [True, False, True]]
    one = {"X": env["X"][1:]}
    assert interpreter.gather_at(one, ["X"], chosen[1:])["X"].tolist() == [[True, False, True]]
