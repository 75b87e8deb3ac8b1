"""Lemma 8's tiling program ([BCL] App. A.2, THEORY App. A): the corrected program accepts exactly the
encodings of solutions (exhaustively on a tiny instance, on the witness words and all their single-symbol
changes), the printed aggregate (eq. 14e with ∧) accepts nothing, Lemma 9 compiles it (both forms) and the
packed network agrees with the interpreter, the size formulas hold, and a broken program is caught.
The references are :class:`tasks.tiling.TilingTask` (its minimal reference DFA and its direct checker)
and the witness / instance suite of :mod:`tasks.tiling_witness`."""
from __future__ import annotations

import dataclasses
import random
from typing import Any, Callable, Sequence

import numpy as np
import pytest

from automata.alphabet import encode_word, show_word
from automata.errors import NotLemma9FormError, ParameterError
from constructions.brasp.formula import P, Q, conj, disj, size
from constructions.brasp.interpreter import accepts
from constructions.brasp.program import AttentionOp, Program
from constructions.library.tiling_brasp import (
    PRINTED_AGGREGATE_EMPTY,
    generic_formula_nodes,
    tiling_program,
    tiling_program_size,
)
from constructions.uhat.form import split_score
from constructions.uhat.lemma9 import compile_lemma9
from proofs_check.deciders import Decider, dfa_decider, program_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check

from tasks.tiling import Tile, TilingInstance, TilingTask, shortest_word
from tasks.tiling_witness import INSTANCE_SUITE, counter_witness


def task_accepts(inst: Any) -> Callable[[Sequence[str]], bool]:
    task = TilingTask(inst)
    return lambda w: bool(task.accepts(tuple(w)))


def reference_decider(inst: Any) -> Decider:
    """The task's reference automaton, explored and minimised."""
    return dfa_decider(TilingTask(inst).reference().explore().minimise())


def witness_word(n: int) -> tuple[str, ...]:
    """The strict-border witness's shortest word ((n+2)·2^n·2^(2^n) symbols)."""
    return tuple(shortest_word(counter_witness(n, "strict")))


def witness_instance(n: int) -> Any:
    return counter_witness(n, "strict")


TINY = TilingInstance(1, (Tile(0, 0, 1, 0, "a"), Tile(1, 0, 0, 0, "b")), "b", "as-stated")
TINY3 = TilingInstance(1, (Tile(0, 0, 1, 0, "a"), Tile(1, 0, 0, 0, "b"), Tile(1, 0, 1, 1, "c")), "b", "strict")


def run_word(program: Program, word: Sequence[str]) -> bool:
    return bool(accepts(program, encode_word(word, program.alphabet)[None, :])[0])


def formula_nodes(program: Program) -> int:
    return sum(
        size(op.score) + size(op.value) + size(op.default) if isinstance(op, AttentionOp) else size(op.formula)
        for op in program.ops
    )


@pytest.mark.parametrize("inst, max_len", [(TINY, 8), (TINY3, 7)])
def test_corrected_matches_reference_exhaustively(inst: Any, max_len: int) -> None:
    program = tiling_program(inst)
    assert program.is_causal and program.in_strict_model and len(program.alphabet) <= 6
    report = exhaustive_check(program.alphabet, [reference_decider(inst),
                                                 program_decider(program)], max_len)
    assert report.agree, report.summary()
    assert sum(report.accepted) > 0  # not vacuous: one-row solutions of length 6 exist


def test_printed_accepts_nothing_up_to_8() -> None:
    program = tiling_program(TINY, "printed")
    empty = Decider("empty language", True, lambda w: np.zeros(w.shape, dtype=bool))
    report = exhaustive_check(program.alphabet, [empty, program_decider(program, "printed program")], 8)
    assert report.agree, report.summary()
    assert not run_word(program, "0a#1b#") and run_word(tiling_program(TINY), "0a#1b#")
    assert "exclude each other" in PRINTED_AGGREGATE_EMPTY


@pytest.mark.parametrize("n, length", [(1, 24), (2, 256)])
def test_witness_shortest_word(n: int, length: int) -> None:
    inst, word = witness_instance(n), witness_word(n)
    assert len(word) == length and task_accepts(inst)(word)
    assert run_word(tiling_program(inst), word)
    assert not run_word(tiling_program(inst, "printed"), word)
    as_stated = dataclasses.replace(inst, borders="as-stated")
    assert run_word(tiling_program(as_stated), word)


def test_witness_single_symbol_changes_n1() -> None:
    inst, word = witness_instance(1), witness_word(1)
    program, printed, oracle = tiling_program(inst), tiling_program(inst, "printed"), task_accepts(inst)
    changes = [word[:p] + (s,) + word[p + 1:] for p in range(len(word)) for s in program.alphabet if s != word[p]]
    codes = np.stack([encode_word(c, program.alphabet) for c in changes])
    got = accepts(program, codes)
    expected = np.array([oracle(c) for c in changes])
    wrong = [show_word(changes[k]) for k in np.flatnonzero(got != expected)]
    assert not wrong, f"differ on {wrong[:3]}"
    assert not accepts(printed, codes).any()


@pytest.mark.parametrize("key", sorted(INSTANCE_SUITE))
def test_instance_suite(key: str) -> None:
    """Each suite instance with a solution: its shortest word is accepted (not by the printed program),
    and every single-symbol change is accepted exactly when TilingTask.accepts does."""
    inst, height = INSTANCE_SUITE[key]()
    program, oracle = tiling_program(inst), task_accepts(inst)
    if height is None:
        return
    word = tuple(shortest_word(inst))
    assert len(word) == height * 2**inst.n * (inst.n + 2)
    assert run_word(program, word) and not run_word(tiling_program(inst, "printed"), word)
    changes = [word[:p] + (s,) + word[p + 1:] for p in range(len(word)) for s in program.alphabet if s != word[p]]
    got = accepts(program, np.stack([encode_word(c, program.alphabet) for c in changes]))
    wrong = [show_word(changes[k]) for k in np.flatnonzero(got != np.array([oracle(c) for c in changes]))]
    assert not wrong, f"differ on {wrong[:3]}"


@pytest.mark.parametrize("packed", [False, True])
def test_lemma9_compiles_and_agrees(packed: bool) -> None:
    for inst in (TINY, TINY3, witness_instance(1), witness_instance(2)):
        program = tiling_program(inst)
        for op in program.attention_ops:
            assert (op.mask, op.tiebreak) == ("j<i", "rightmost")
            form = split_score(op)
            assert form.keys in ((), tuple(f"B_{k}" for k in range(1, inst.n + 1))), op.name
    net = compile_lemma9(tiling_program(TINY), packed=packed)
    program = tiling_program(TINY)
    max_len = 7 if packed else 5
    report = exhaustive_check(program.alphabet, [program_decider(program), uhat_decider(net)], max_len)
    assert report.agree, report.summary()


def test_size_formulas() -> None:
    rng = random.Random(7)
    instances = [TINY, TINY3, witness_instance(1), witness_instance(2)]
    for _ in range(150):
        tau, colours = rng.randint(1, 4), rng.randint(1, 3)
        tiles = tuple(Tile(*(rng.randint(0, colours) for _ in range(4)), name=f"t{x}") for x in range(tau))
        instances.append(TilingInstance(rng.randint(1, 4), tiles, "t0", rng.choice(["as-stated", "strict"])))
    for inst in instances:
        for strict in (None, True, False):
            program, expected = tiling_program(inst, strict_borders=strict), tiling_program_size(inst, strict_borders=strict)
            got = {"ops": len(program.ops), "attention_ops": len(program.attention_ops),
                   "position_ops": len(program.ops) - len(program.attention_ops), "formula_nodes": formula_nodes(program),
                   "increment_nodes": size(program.op("B_inc").value),
                   "match_nodes": size(program.op("E_left").value) + size(program.op("E_down").value)}
            assert got == expected, (inst, strict)
    for n in (1, 2, 3):
        inst = witness_instance(1) if n == 1 else dataclasses.replace(witness_instance(1), n=n)
        t = inst.tiles
        stats = [sum(getattr(x, a) == 0 for x in t) for a in ("up", "down", "left", "right")]
        h = sum(x.left == y.right for x in t for y in t)
        v = sum(x.down == y.up for x in t for y in t)
        assert min(stats + [h, v]) >= 2
        assert generic_formula_nodes(n, len(t), *stats, h, v, True) == formula_nodes(tiling_program(inst))
        assert tiling_program_size(inst)["ops"] == 3 * n + len(t) + 18


def test_broken_programs_are_caught() -> None:
    """Dropping E_↓'s equality (it then compares with the previous cell) and D_⊥'s equality (only the
    very first cell is checked for down = 0) must both be detected; the first bad word is printed (-s)."""
    def mutate(program: Program, name: str, score) -> Program:
        ops = tuple(dataclasses.replace(o, score=score) if o.name == name else o for o in program.ops)
        return dataclasses.replace(program, ops=ops)

    inst = witness_instance(1)
    good = tiling_program(inst)
    broken = mutate(good, "E_down", Q("#", "j"))
    oracle = task_accepts(inst)
    word = witness_word(1)
    candidates = [word] + [word[:p] + (s,) + word[p + 1:] for p in range(len(word)) for s in good.alphabet]
    bad = next((c for c in candidates if run_word(broken, c) != oracle(c)), None)
    assert bad is not None
    print(f"E_down without eq: first disagreement {show_word(bad)}")
    inst3 = dataclasses.replace(TINY3, tiles=(*TINY3.tiles[:2], Tile(1, 0, 0, 1, "c")), final="c")
    d_broken = mutate(tiling_program(inst3), "D_bot", Q("#", "j"))
    report = exhaustive_check(d_broken.alphabet, [reference_decider(inst3),
                                                  program_decider(d_broken)], 6)
    assert not report.agree and report.disagreement is not None
    print(f"D_bot without eq: first disagreement {report.disagreement}")


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        tiling_program(TINY, "sometimes")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        tiling_program(dataclasses.replace(TINY, final="zzz"))
    program = tiling_program(TINY)
    mixed = conj(Q("#", "j"), disj(P("T_a"), P("T_b", "j")))  # an i–j conjunct that is no equality
    ops = tuple(dataclasses.replace(o, score=mixed) if o.name == "E_left" else o for o in program.ops)
    with pytest.raises(NotLemma9FormError):
        compile_lemma9(dataclasses.replace(program, ops=ops))
