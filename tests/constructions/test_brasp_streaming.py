"""Chunked B-RASP evaluation with checkpoints (constructions/brasp/streaming.py) equals the whole-word
interpreter at every position, for every chunk size, and after resuming on corrupted words."""
from __future__ import annotations

import dataclasses

import random
from dataclasses import replace

import numpy as np
import pytest

from automata.alphabet import encode_word
from automata.errors import ParameterError, UnknownSymbolError
from constructions.brasp import fast_attention as fa
from constructions.brasp import streaming as st
from constructions.brasp.formula import P, conj, disj, iff, neg
from constructions.brasp.interpreter import accepts, evaluate
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.brasp.streaming import first_disagreement, last_checkpoint, stream_evaluate
from constructions.brasp.syntax import parse_program
from constructions.library.tiling_brasp import tiling_program
from tasks.tiling import shortest_word
from tasks.tiling_witness import counter_witness
from tests.constructions.randprog import _formula, random_program

CHUNKS = (1, 2, 3, 5, 8, 13, 64)


def _causal(program: Program, seed: int) -> Program:
    """The same program with every mask made causal (j<i or j<=i) and acceptance at the last position."""
    rng = random.Random(seed)
    ops = tuple(replace(op, mask=rng.choice(["j<i", "j<=i"])) if isinstance(op, AttentionOp) else op
                for op in program.ops)
    return replace(program, ops=ops, accept_at="last")


def _general_causal(seed: int, n_ops: int = 7) -> Program:
    """Causal programs whose scores mix i- and j-atoms freely (several classes per attention)."""
    rng = random.Random(seed)
    preds = ["Q_a", "Q_b", "Q_c"]
    ops: list[PositionOp | AttentionOp] = []
    for k in range(n_ops):
        name = f"G{k}"
        if rng.random() < 0.25:
            ops.append(PositionOp(name, _formula(rng, preds, "i", 2)))
        else:
            ops.append(AttentionOp(name, rng.choice(["leftmost", "rightmost"]), rng.choice(["j<i", "j<=i"]),
                                   _formula(rng, preds, "ij", 3), _formula(rng, preds, "ij", 2),
                                   _formula(rng, preds, "i", 1)))
        preds.append(name)
    return Program(("a", "b", "c"), tuple(ops))


def _whole(program: Program, codes: np.ndarray) -> np.ndarray:
    return evaluate(program, codes[None, :])[program.output][0]


def _programs(seed: int) -> list[Program]:
    return [_causal(random_program(seed, n_ops=8), seed), _general_causal(seed)]


@pytest.mark.parametrize("seed", range(12))
def test_stream_equals_whole_word_every_chunk(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for prog in _programs(seed):
        assert prog.is_causal
        for length in (1, 2, 7, 23, 50):
            codes = rng.integers(0, 3, length)
            whole = _whole(prog, codes)
            for chunk in CHUNKS:
                run = stream_evaluate(prog, codes, chunk)
                assert run.start == 0 and run.checkpoints == ()
                assert np.array_equal(run.output, whole), (seed, length, chunk)


@pytest.mark.parametrize("seed", range(8))
def test_resume_from_every_checkpoint_on_corrupted_words(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for prog in _programs(seed):
        codes = rng.integers(0, 3, 31)
        for chunk in (1, 4, 7):
            clean = stream_evaluate(prog, codes, chunk, keep=True)
            assert [cp.position for cp in clean.checkpoints] == list(range(0, 31, chunk))
            for cp in clean.checkpoints:
                bad = codes.copy()
                p = int(rng.integers(cp.position, 31))
                bad[p] = (bad[p] + int(rng.integers(1, 3))) % 3
                run = stream_evaluate(prog, bad, 2 * chunk + 5, resume=cp)
                assert run.start == cp.position
                assert np.array_equal(run.output, _whole(prog, bad)[cp.position:]), (seed, chunk, cp.position, p)
                assert last_checkpoint(clean, p).position == p - p % chunk


def test_resume_does_not_change_the_checkpoint() -> None:
    prog = _general_causal(3)
    codes = np.random.default_rng(3).integers(0, 3, 30)
    cp = stream_evaluate(prog, codes, 6, keep=True).checkpoints[2]
    before = [a.copy() for a in cp.positions + cp.values]
    outs = [stream_evaluate(prog, codes, 4, resume=cp).output for _ in range(2)]
    assert np.array_equal(outs[0], outs[1])
    assert all(np.array_equal(a, b) for a, b in zip(before, cp.positions + cp.values))
    assert all(not a.flags.writeable for a in cp.positions + cp.values)
    again = stream_evaluate(prog, codes, 6, keep=True).checkpoints[2]
    assert cp.same_state(again) and not cp.same_state(stream_evaluate(prog, codes, 6, keep=True).checkpoints[1])


@pytest.mark.parametrize("mask", ["j<i", "j<=i"])
@pytest.mark.parametrize("tie", ["leftmost", "rightmost"])
def test_chunked_kernel_equals_whole_table_kernel(mask: str, tie: str) -> None:
    """select_causal_chunk over consecutive chunks, carry passed along, = select_in_class on the whole."""
    rng = np.random.default_rng(11)
    for density in (0.0, 0.05, 0.5, 1.0):
        table = rng.random(40) < density
        ch, fd = fa.select_in_class(table[None, :], mask, tie)
        for chunk in (1, 3, 16, 40):
            carry, got = -1, []
            for s in range(0, 40, chunk):
                part, carry = fa.select_causal_chunk(table[s:s + chunk], mask, tie, s, carry)
                got.append(part)
            chosen = np.concatenate(got)
            assert np.array_equal(chosen >= 0, fd[0]), (density, chunk)
            assert np.array_equal(chosen[fd[0]], ch[0][fd[0]]), (density, chunk)


# ------------------------------------------------------------------ the tiling witness (Lemma 8)


def _witness(n: int) -> tuple[Program, np.ndarray]:
    inst = counter_witness(n, "strict")
    prog = tiling_program(inst)
    return prog, encode_word(shortest_word(inst), prog.alphabet)


def test_witness_word_and_corruptions() -> None:
    prog, codes = _witness(2)
    assert len(codes) == 256
    clean = stream_evaluate(prog, codes, 37, keep=True)
    assert np.array_equal(clean.output, _whole(prog, codes)) and clean.output[-1]
    assert not clean.output[:-1].any()  # the shortest word: no proper prefix is accepted
    rng = np.random.default_rng(7)
    k = len(prog.alphabet)
    verdicts = []
    for p in rng.choice(len(codes), size=30, replace=False):
        bad = codes.copy()
        bad[p] = (bad[p] + int(rng.integers(1, k))) % k
        run = stream_evaluate(prog, bad, 37, resume=last_checkpoint(clean, int(p)))
        assert bool(run.output[-1]) == bool(accepts(prog, bad[None, :])[0]), int(p)
        verdicts.append(bool(run.output[-1]))
    assert not any(verdicts)  # a single-symbol change breaks the witness


def test_witness_n3_resume_from_the_middle() -> None:
    prog, codes = _witness(3)
    clean = stream_evaluate(prog, codes, 1 << 10, keep=True)
    assert clean.output[-1] and len(clean.checkpoints) == 10
    mid = clean.checkpoints[5]
    bad = codes.copy()
    bad[mid.position + 17] = prog.alphabet.index("#")
    run = stream_evaluate(prog, bad, 1 << 9, resume=mid)
    assert np.array_equal(run.output, _whole(prog, bad)[mid.position:]) and not run.output[-1]


# ------------------------------------------------------------------ negative tests: broken carries are caught

PREV_A = Program(("a", "b"), (AttentionOp("X", "rightmost", "j<i", P("Q_a", "j"), P("Q_b", "j"), P("Q_a", "i")),
                              AttentionOp("Y", "rightmost", "j<i", conj(P("Q_b", "j"), iff(P("X", "i"), P("X", "j"))),
                                          disj(P("X", "j"), neg(P("Q_a", "j"))), P("X", "i"))))


def _caught(prog: Program, codes: np.ndarray, chunk: int) -> int:
    bad = first_disagreement(prog, codes, chunk)
    assert bad is not None, "the broken carry went unnoticed"
    print(f"counterexample: word {codes.tolist()}, chunk {chunk}, first wrong output at position {bad}")
    return bad


def test_dropped_carry_position_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    codes = np.array([0, 1, 1, 0, 1, 1, 0, 0])
    assert first_disagreement(PREV_A, codes, 1) is None
    real = fa.select_causal_chunk
    monkeypatch.setattr(fa, "select_causal_chunk",
                        lambda t, m, tb, s, carry, *rest: real(t, m, tb, s, -1, *rest))
    assert _caught(PREV_A, codes, 3) > 0


def test_wrong_tiebreak_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    prog = parse_program("alphabet: a b\nX(i) := ▶_j[j<i, 1] Q_a(j) : 0")
    codes = np.array([0, 1, 1, 0, 1])
    real = fa.select_causal_chunk
    monkeypatch.setattr(fa, "select_causal_chunk",
                        lambda t, m, tb, s, carry, *rest: real(t, m, "leftmost", s, carry, *rest))
    assert _caught(prog, codes, 2) == 2


def test_stale_carried_values_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    prog = parse_program("alphabet: a b\nX(i) := ▶_j[j<i, 1] Q_a(j) : 0")
    monkeypatch.setattr(st, "_update_values", lambda *args: None)
    _caught(prog, np.array([0, 0, 1, 0, 1]), 1)


def test_wrong_carry_for_absent_class_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class absent from a chunk must still advance its carry (here class Q_a(i) = 1)."""
    prog = parse_program("alphabet: a b\nX(i) := ▶_j[j<i, Q_a(i) ↔ Q_a(j)] Q_a(j) ∧ Q_a(i) : 0\n"
                         "Y(i) := ▶_j[j<i, Q_a(i) ↔ Q_b(j)] Q_a(j) : 1")
    codes = np.array([1, 1, 0, 1, 1, 1, 0])
    assert first_disagreement(prog, codes, 2) is None
    monkeypatch.setattr(st, "_carry_only", lambda table, tb, s, carry: carry)
    _caught(prog, codes, 2)


# ------------------------------------------------------------------ bad input


def test_errors() -> None:
    causal = _causal(random_program(1), 1)
    codes = np.array([0, 1, 2, 0])
    with pytest.raises(ParameterError, match="causal"):
        stream_evaluate(parse_program("alphabet: a b\nX(i) := ▶_j[j>i, 1] Q_a(j) : 0"), np.array([0, 1]))
    for chunk in (0, -3, 1.5, True):
        with pytest.raises(ParameterError, match="chunk"):
            stream_evaluate(causal, codes, chunk)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="non-empty"):
        stream_evaluate(causal, np.zeros(0, dtype=np.int64))
    with pytest.raises(ParameterError, match="1-D"):
        stream_evaluate(causal, codes[None, :])
    with pytest.raises(UnknownSymbolError):
        stream_evaluate(causal, np.array([0, 3]))
    far = stream_evaluate(causal, np.zeros(10, dtype=np.int64), 4, keep=True).checkpoints[2]
    with pytest.raises(ParameterError, match="outside"):
        stream_evaluate(causal, codes, resume=far)
    other = stream_evaluate(_general_causal(5), codes, 2, keep=True).checkpoints[1]
    with pytest.raises(ParameterError, match="another program"):
        stream_evaluate(causal, codes, resume=other)
    with pytest.raises(ParameterError, match="Checkpoint"):
        stream_evaluate(causal, codes, resume=stream_evaluate(causal, codes))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="no kept checkpoint"):
        last_checkpoint(stream_evaluate(causal, codes), 2)
    good = stream_evaluate(causal, codes, 2, keep=True).checkpoints[1]
    assert good.positions  # the program attends: there are carries to break
    for bad in (dataclasses.replace(good, positions=(), values=()),
                dataclasses.replace(good, positions=tuple(a[:-1] for a in good.positions)),
                dataclasses.replace(good, positions=tuple(a.astype(np.int32) for a in good.positions))):
        with pytest.raises(ParameterError, match="malformed"):
            stream_evaluate(causal, codes, resume=bad)


def test_too_many_i_atoms() -> None:
    preds = [P(f"Q_{a}", "i") for a in "abcdefghi"]
    prog = Program(tuple("abcdefghi"), (AttentionOp("X", "rightmost", "j<i", disj(*preds), P("Q_a", "j"),
                                                    P("Q_a", "i")),))
    with pytest.raises(ParameterError, match="a ≤ 8"):
        stream_evaluate(prog, np.array([0, 1]))
