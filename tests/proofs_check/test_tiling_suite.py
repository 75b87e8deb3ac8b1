"""The tiling suite check (issue 3, [BCL] Lemma 8 + Lemma 9): on every instance of
:data:`tasks.tiling_witness.INSTANCE_SUITE` the program is non-empty exactly when the solver finds a
solution, and the reference DFA, interpreter, packed and paper UHAT agree on the enumerated word sets;
the printed eq. (14e) program accepts nothing. Negative tests: a broken program, a broken UHAT weight
and the printed program are each caught with a counterexample word (printed; run with -s)."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from automata.alphabet import show_word
from automata.errors import ParameterError
from constructions.brasp.formula import Q
from constructions.brasp.program import Program
from constructions.library.tiling_brasp import tiling_program
from constructions.uhat.lemma9 import compile_lemma9
from proofs_check.mutation import Mutation, apply_mutation
from proofs_check.tiling_suite import Bounds, check_instance, check_suite, render, run_suite, valid_rows
from tasks.tiling import Tile, TilingInstance
from tasks.tiling_witness import INSTANCE_SUITE

torch.set_num_threads(1)

SMALL = Bounds(max_len=3, word_budget=200, max_rows=4, enc_budget=100, max_cells=4, cell_budget=100,
               max_stack_rows=4, stack_budget=120, solver_rows=64, direct_cap=500)


def _mutate(program: Program, name: str, score) -> Program:
    ops = tuple(dataclasses.replace(o, score=score) if o.name == name else o for o in program.ops)
    return dataclasses.replace(program, ops=ops)


@pytest.mark.parametrize("key", list(INSTANCE_SUITE))
def test_every_suite_instance(key: str) -> None:
    inst, height = INSTANCE_SUITE[key]()
    report = check_instance(inst, height, SMALL, key)
    assert report.ok, report.failures
    assert report.solver.height == height
    assert all(c.printed_accepted == 0 for c in report.sets)
    if height is None:
        assert report.solver.exhausted and report.word is None
        assert all(c.accepted == 0 for c in report.sets)
        assert report.proved_empty == (key != "n2_segments_strict")  # needs more than a local argument
    else:
        assert not report.proved_empty and report.language == "non-empty"
        verdicts = dict(report.word_verdicts)
        assert verdicts["B-RASP interpreter"] and verdicts["UHAT paper"] and verdicts["UHAT packed"]
        assert verdicts["reference DFA"] and not verdicts["printed"]
        assert len(report.word) == height * inst.width * (inst.n + 2)
        edits = report.sets[4]
        assert edits.checked == 1 + (len(inst.alphabet) - 1) * len(report.word) and edits.accepted >= 1
    assert sum(c.checked for c in report.sets) > 0


def test_render_and_minimality_counts() -> None:
    inst, height = INSTANCE_SUITE["one_row"]()
    report = check_instance(inst, height, SMALL, "one_row")
    text = render([report])
    assert "one_row" in text and "min height 1" in text and "1/1 instances pass" in text
    # strict one_row: exactly one solution per height ([a, b] stacked r times)
    enc = report.sets[1]
    assert enc.bound == 3 and enc.accepted_by_rows == (1, 1, 1)  # 4^3 ≤ enc_budget = 100 < 4^4
    inst2, h2 = INSTANCE_SUITE["two_layers"]()
    rep2 = check_instance(inst2, h2, SMALL, "two_layers")
    stacks = rep2.sets[3]
    assert stacks.bound >= 2 and stacks.accepted_by_rows[0] == 0 and stacks.accepted_by_rows[1] == 1
    print(render([report, rep2]))


def test_valid_rows() -> None:
    inst = TilingInstance(1, (Tile(0, 0, 1, 0, "a"), Tile(1, 0, 0, 0, "b"), Tile(0, 0, 0, 0, "z")), "b", "strict")
    assert valid_rows(inst).tolist() == [[0, 1]]
    assert valid_rows(dataclasses.replace(inst, borders="as-stated")).tolist() == [[0, 1], [2, 2]]


def test_broken_program_is_caught() -> None:
    """E_down without its column equality compares each cell with the previous one, not the one below."""
    inst, height = INSTANCE_SUITE["two_layers"]()
    broken = _mutate(tiling_program(inst), "E_down", Q("#", "j"))
    report = check_instance(inst, height, SMALL, "two_layers (E_down without eq)", program=broken)
    assert not report.ok
    bad = [c.disagreement for c in report.sets if c.disagreement is not None]
    assert bad, report.failures
    print(f"broken E_down: first disagreement {bad[0]}")
    assert "disagreement" in render([report])


def test_flipped_connective_is_caught() -> None:
    """The printed eq. (14e) aggregate (∧): every solvable instance's solution is missed."""
    inst, height = INSTANCE_SUITE["one_row"]()
    report = check_instance(inst, height, SMALL, "one_row (printed)", program=tiling_program(inst, "printed"))
    assert not report.ok
    dis = report.sets[1].disagreement
    assert dis is not None and show_word(dis.word) == "0a#1b#"
    print(f"printed aggregate: first disagreement {dis}")


def test_broken_uhat_weight_is_caught() -> None:
    inst, height = INSTANCE_SUITE["one_row"]()
    net = compile_lemma9(tiling_program(inst), packed=True)
    (row, col, old), = [(r, c, v) for r, c, v in net.accept.entries]
    mutant = apply_mutation(net, Mutation(len(net.layers) + 1, "t", row, col, old, -old))
    report = check_instance(inst, height, SMALL, "one_row (packed t flipped)", packed=mutant)
    assert not report.ok
    assert report.sets[0].disagreement is None  # words ≤ 3: nothing accepted, and the flip keeps rejections
    dis = report.sets[1].disagreement
    assert dis is not None and show_word(dis.word) == "0a#1b#"
    assert dict(dis.verdicts)["UHAT packed"] is False and dict(dis.verdicts)["UHAT paper"] is True
    print(f"flipped acceptance vector: first disagreement {dis}")


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        Bounds(max_len=0)
    with pytest.raises(ParameterError):
        check_suite(names=["no_such_instance"], bounds=SMALL)
    with pytest.raises(ParameterError):
        check_instance("not an instance", None, SMALL)  # type: ignore[arg-type]


@pytest.mark.slow
def test_suite_larger_bounds() -> None:
    bounds = Bounds(max_len=5, word_budget=5_000, max_rows=6, enc_budget=5_000, max_cells=6, cell_budget=5_000,
                    max_stack_rows=6, stack_budget=5_000)
    reports = check_suite(bounds=bounds)
    text = render(reports)
    print(text)
    assert all(r.ok for r in reports), text


def test_unknown_expected_height_is_not_compared() -> None:
    inst = TilingInstance(1, (Tile(0, 0, 1, 0, "a"), Tile(1, 0, 0, 0, "b")), "b")
    report = check_instance(inst, bounds=SMALL)
    assert report.ok and report.expected_height == "unknown" and report.solver.height == 1
    wrong = check_instance(inst, 2, SMALL)
    assert not wrong.ok and "expected 2" in wrong.failures[0]


def test_an_unsound_emptiness_claim_is_caught(monkeypatch) -> None:
    """Negative test: a prover that calls every program empty contradicts the solver's accepted word."""
    from proofs_check import tiling_suite

    real = tiling_suite.prove_empty
    monkeypatch.setattr(tiling_suite, "prove_empty", lambda p: dataclasses.replace(real(p), proved_empty=True))
    inst, height = INSTANCE_SUITE["one_row"]()
    report = check_instance(inst, height, SMALL, "one_row")
    assert not report.ok and any("emptiness proof" in f for f in report.failures)
    print(report.failures)


def test_run_suite_for_the_cli() -> None:
    ok, text = run_suite(max_len=3, max_rows=2, budget=60, names=["blank_strict", "one_row"])
    assert ok and "blank_strict" in text and "none, proved" in text and "2/2 instances pass" in text
    assert "empty, proved (z3)" in text and "1 of 1 unsolvable instances' programs proved empty" in text
