"""proofs_check/tm_check.py and `succinct tm` (through an argparse harness: add_parsers + cmd_tm).

TM → tiling → B-RASP → UHAT ([BCL] Thm 15, Lemma 8, Lemma 9) agrees with the simulator on the
examples; a broken tile set and a corrupted transition are caught, with the counterexample printed.
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from automata.errors import ParameterError, SuccinctError
from proofs_check import tm_check
from proofs_check.tm_check import TMBounds, build, check_tm, render, with_broken_tile
from proofs_check.cli.tm import add_parsers, cmd_tm
from tasks.tm import TMFormatError, Transition, load_tm, parse_tm, simulate
from tasks.tm_tiling import run_grid, tm_tiling

ROOT = Path(__file__).resolve().parents[2]
TINY = "start: s\naccept: t\nsymbols: _ x\ns _ -> t x R\n"
SMALL = TMBounds(word_budget=2_000, enc_budget=2_000, cell_budget=2_000, stack_budget=2_000, corruptions=8,
                 paper_max_layers=0, dfa_states=0)


def succinct_tm(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="succinct")
    add_parsers(parser.add_subparsers(dest="cmd", required=True))
    rc = cmd_tm(parser.parse_args(["tm", *argv]))
    return rc, capsys.readouterr().out


def test_cli_counter_verify_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = succinct_tm(capsys, str(ROOT / "examples" / "counter.tm"), "-n", "1", "--verify", "--budget", "2000")
    assert rc == 0, out
    assert "== run on width 2^1 = 2, input _ _: accept after 8 step(s)" in out
    assert "== tiling: 10 rows × 2 tiles" in out and "    10: F.end" in out and "L.end" in out
    assert "tiles τ = 70 (formula 70" in out and "program ops 91 = 3n + τ + 18" in out
    assert "UHAT packed: 91 UHA + 91 ReLU layers" in out
    assert "(d) shortest word: simulator 10 rows = 60 symbols" in out and "tiling solver min height 10" in out
    assert "recognisers: simulator = tiling checker = B-RASP interpreter = UHAT packed = reference DFA" in out
    assert out.rstrip().splitlines()[-1].startswith("AGREE")


def test_cli_without_verify_and_with_an_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out = succinct_tm(capsys, str(ROOT / "examples" / "loop.tm"), "-n", "2")
    assert rc == 0 and "loop after 2 step(s)" in out and "no solution: the run does not accept" in out
    assert "== verify" not in out
    (tmp_path / "first_a.tm").write_text("start: s\naccept: t\ninput: a b\nsymbols: _ a b\ns a -> u a R\n"
                                         "u a -> u a R\nu b -> u b R\n", encoding="utf-8")
    rc, out = succinct_tm(capsys, str(tmp_path / "first_a.tm"), "-n", "2", "--input", "abba", "--show", "4")
    assert rc == 0 and "input a b b a: reject after 3 step(s) (u a -> u a R moves off the tape at cell 4" in out
    assert "more …" in out


@pytest.mark.parametrize("argv, error, fragment", [
    (["examples/counter.tm", "-n", "9"], ParameterError, "-n must be"),
    (["examples/palindrome.tm", "-n", "1", "--input", "aaa"], ParameterError, "exactly 2^1"),
    (["examples/palindrome.tm", "-n", "1", "--input", "aq"], SuccinctError, "unknown symbol"),
    (["examples/counter.tm", "-n", "1", "--show", "1"], ParameterError, "--show"),
    (["missing.tm", "-n", "1"], TMFormatError, "cannot read"),
])
def test_cli_bad_input_is_a_typed_error(capsys: pytest.CaptureFixture[str], argv: list[str], error: type,
                                        fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(error) as err:
        succinct_tm(capsys, *argv)
    assert fragment in str(err.value)


def test_cli_prints_the_counterexample_of_a_broken_tile_set(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tiny.tm").write_text(TINY, encoding="utf-8")
    original = tm_check.build

    def broken_build(m, n, bounds=TMBounds(), tiling=None):
        return original(m, n, bounds, with_broken_tile(tm_tiling(m, n), "L.acc._", up=0))

    monkeypatch.setattr(tm_check, "build", broken_build)
    rc, out = succinct_tm(capsys, str(tmp_path / "tiny.tm"), "-n", "1", "--verify", "--budget", "500")
    assert rc == 1
    assert "FAIL (a) runs disagree on the run on input __ (accept: accept state t): 0 iF.step.s._ # 1" in out
    assert "simulator: accept, tiling checker: reject, B-RASP interpreter: reject, UHAT packed: reject" in out
    assert out.rstrip().splitlines()[-1].startswith("DISAGREE")


def test_paper_and_packed_uhat_on_a_small_machine() -> None:
    m = parse_tm("start: s\naccept: t\ns _ -> t _ S\n")
    report = check_tm(m, 1, TMBounds(word_budget=1_000, enc_budget=1_000, cell_budget=1_000, stack_budget=2_000,
                                     corruptions=8, paper_max_layers=3_000))
    assert report.ok, render(report)
    assert "UHAT paper" in report.recognisers and "reference DFA" in report.recognisers
    assert report.sizes["paper layers"] == report.sizes["paper layers (closed form)"] == 2467
    stacks = report.sets[3]
    assert stacks.bound == 3 and stacks.accepted == 1  # the 3-row solution is among the enumerated stacks
    assert (report.shortest_rows, report.solver.height) == (3, 3)


def test_corrupted_transition_is_caught() -> None:
    m = parse_tm(TINY)
    bad = dataclasses.replace(m, transitions=(Transition("s", "_", "t", "_", "R"),))  # writes _ instead of x
    report = check_tm(m, 1, SMALL, tiling=tm_tiling(bad, 1))
    assert not report.ok
    assert report.run_mismatch is not None and dict(report.run_mismatch.verdicts) == {
        "simulator": True, "tiling checker": False, "B-RASP interpreter": False, "UHAT packed": False}
    text = render(report)
    assert "FAIL (a) runs disagree" in text and text.splitlines()[-1].startswith("DISAGREE")
    assert report.solver_failure is not None  # the solver's solution is the corrupted machine's run


def test_tiny_machine_agrees_and_sets_reach_its_solution() -> None:
    report = check_tm(parse_tm(TINY), 1, dataclasses.replace(SMALL, stack_budget=10_000))
    assert report.ok, render(report)
    assert report.sets[3].accepted == 1 and report.corruptions == 8 + 2 + 2
    assert report.size_failures == ()


def test_bounds_and_alphabet_are_checked() -> None:
    with pytest.raises(ParameterError, match="max_len"):
        TMBounds(max_len=0)
    m = parse_tm(TINY)
    other = tm_tiling(parse_tm("start: s\naccept: t\nsymbols: _ x y\ns _ -> t x R\n"), 1)
    with pytest.raises(ParameterError, match="tile names"):
        build(m, 1, SMALL, other)
    with pytest.raises(ParameterError, match="no tile"):
        with_broken_tile(tm_tiling(m, 1), "nope", up=0)


def test_grid_of_the_run_is_what_the_cli_prints(capsys: pytest.CaptureFixture[str]) -> None:
    m = load_tm(str(ROOT / "examples" / "counter.tm"))
    grid = run_grid(tm_tiling(m, 1), simulate(m, 1))
    rc, out = succinct_tm(capsys, str(ROOT / "examples" / "counter.tm"), "-n", "1")
    assert rc == 0 and f"{len(grid)} rows × 2 tiles" in out
    lines = out.splitlines()
    for k, row in enumerate(grid, 1):
        assert any(x.startswith(f"{k:>6}: {row[0]} ") and x.split()[-1] == row[-1] for x in lines), row


@pytest.mark.slow
@pytest.mark.parametrize("name, n", [("counter", 2), ("loop", 1), ("palindrome", 1)])
def test_examples_agree_slow(name: str, n: int) -> None:
    m = load_tm(str(ROOT / "examples" / f"{name}.tm"))
    report = check_tm(m, n, TMBounds(word_budget=5_000, enc_budget=5_000, cell_budget=5_000, stack_budget=5_000))
    assert report.ok, render(report)
    assert ("UHAT paper" in report.recognisers) == (name == "loop")
