"""tasks/tm_tiling.py: the TM → 2^n-tiling encoding ([BCL] Thm 15's cited step, our construction).

Solutions ↔ accepting runs (on every input, for the examples and random machines), the tile-count
formula against the built instance, the shortest word against the tiling solver (the counter's grows
doubly exponentially), and broken tile sets / corrupted transitions caught.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings

from automata.alphabet import encode_word
from automata.errors import ParameterError
from constructions.brasp.interpreter import accepts
from constructions.library.tiling_brasp import tiling_program, tiling_program_size
from tasks.tiling import decode, encode, is_solution, solve_report, violations
from tasks.tm import Transition, load_tm, parse_tm, simulate
from tasks.tm_tiling import (
    FINAL,
    program_ops,
    run_grid,
    shortest_run_length,
    simulator_accepts,
    tile_count,
    tm_tiling,
)
from tests.tasks.test_tm import TINY, machines

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str):
    return load_tm(str(EXAMPLES / f"{name}.tm"))


def runs_and_verdicts(m, n: int, interpreter: bool = True):
    """Every input's run with: solution?, simulator reference, interpreter on the encoding."""
    tt = tm_tiling(m, n)
    program = tiling_program(tt.instance) if interpreter else None
    out = []
    for w in m.inputs_of_length(1 << n):
        run = simulate(m, n, w, max_steps=10_000)
        grid = run_grid(tt, run)
        word = encode(grid)
        assert decode(tt.instance, word) == grid
        interp = bool(accepts(program, encode_word(word, tt.instance.alphabet)[None, :])[0]) if program else None
        out.append((run, is_solution(tt.instance, grid), simulator_accepts(tt, grid), interp))
    return tt, out


@pytest.mark.parametrize("name, n", [("counter", 1), ("counter", 2), ("palindrome", 1), ("palindrome", 2),
                                     ("loop", 1), ("loop", 2)])
def test_solutions_are_exactly_the_accepting_runs(name: str, n: int) -> None:
    m = example(name)
    tt, out = runs_and_verdicts(m, n, interpreter=name != "palindrome" or n == 1)
    for run, sol, sim, interp in out:
        assert sol == sim == run.accepted and interp in (None, run.accepted), (run.input, run.outcome)
    assert sum(r.accepted for r, *_ in out) == {"counter": 1, "palindrome": 2 ** (1 << (n - 1)), "loop": 0}[name]
    assert tt.instance.final == FINAL and tt.instance.borders == "strict"


@pytest.mark.parametrize("name", ["counter", "palindrome", "loop"])
def test_tile_count_formula_and_program_size(name: str) -> None:
    m = example(name)
    for n in (1, 2, 5):
        tt = tm_tiling(m, n)
        tc = tile_count(m)
        assert len(tt.instance.tiles) == tc["tiles"] == sum(v for k, v in tc.items() if k not in ("tiles", "bound"))
        assert tc["tiles"] <= tc["bound"]
        assert tiling_program_size(tt.instance)["ops"] == program_ops(m, n) == 3 * n + tc["tiles"] + 18
    assert len(tiling_program(tm_tiling(m, 1).instance).ops) == program_ops(m, 1)
    assert {"counter": 70, "palindrome": 243, "loop": 23}[name] == tile_count(m)["tiles"]


def test_a_move_into_a_dead_head_content_rejects_without_a_tile() -> None:
    """Found by the property below: q0 has no move, so no tile carries the head entering in q0; the run's
    grid uses a copy tile there, which breaks the horizontal match (before the fix: ParameterError)."""
    m = parse_tm("start: q2\naccept: acc\nstates: q0 q2 acc\nsymbols: s0 s1\nblank: s0\nedge: reject\n"
                 "q2 s0 -> q0 s0 R\n")
    tt, out = runs_and_verdicts(m, 1)
    assert [(r.outcome, sol, sim, interp) for r, sol, sim, interp in out] == [("reject", False, False, False)]
    grid = run_grid(tt, out[0][0])
    assert grid[0] == ("iF.step.q2.s0", "iL.copy.s0") and violations(tt.instance, grid)


@given(machines())
@settings(max_examples=30)
def test_random_machines_solutions_iff_accepting_runs(m) -> None:
    tt, out = runs_and_verdicts(m, 1)
    assert len(tt.instance.tiles) == tile_count(m)["tiles"] <= tile_count(m)["bound"]
    for run, sol, sim, interp in out:
        assert sol == sim == interp == run.accepted, (run.input, run.outcome, run.reason)
    decided = all(r.outcome != "running" for r, *_ in out)
    acc = [len(r.configs) + 1 for r, *_ in out if r.accepted]
    rep = solve_report(tt.instance, 400)
    assert decided
    assert rep.height == (min(acc) if acc else None)
    if rep.grid is not None:
        assert simulator_accepts(tt, rep.grid)


def test_counter_shortest_word_is_doubly_exponential() -> None:
    m = example("counter")
    rows = []
    for n in (1, 2, 3):
        run = simulate(m, n)
        tt = tm_tiling(m, n)
        rep = solve_report(tt.instance, 4096)
        assert run.accepted and rep.height == len(run.configs) + 1
        assert rep.grid == run_grid(tt, run)  # the solution is unique: the machine's one run
        assert len(encode(rep.grid)) == shortest_run_length(run) == rep.height * (1 << n) * (n + 2)
        assert rep.height >= 2 ** (2**n)
        rows.append(rep.height)
    assert rows == [10, 44, 760]
    assert [r * (1 << n) * (n + 2) for n, r in zip((1, 2, 3), rows)] == [60, 704, 30_400]


def test_palindrome_shortest_and_loop_empty() -> None:
    m = example("palindrome")
    for n, height in ((1, 11), (2, 24)):
        runs = [simulate(m, n, w) for w in m.inputs_of_length(1 << n)]
        assert min(len(r.configs) + 1 for r in runs if r.accepted) == height
        assert solve_report(tm_tiling(m, n).instance, 200).height == height
    loop = example("loop")
    for n in (1, 2, 3):
        rep = solve_report(tm_tiling(loop, n).instance, 200)
        assert rep.height is None and rep.exhausted and simulate(loop, n).outcome == "loop"


def test_start_in_accept_state_and_off_tape_rejection() -> None:
    now = parse_tm("start: s\naccept: s\ninput: a b\nsymbols: a b\nblank: a\n")
    tt, out = runs_and_verdicts(now, 1)
    assert all(sol and run.accepted and len(run_grid(tt, run)) == 2 for run, sol, _, _ in out) and len(out) == 4
    off = parse_tm("start: s\naccept: t\ns _ -> t _ L\n")  # edge: reject — no tile moves off the tape
    tt, out = runs_and_verdicts(off, 1)
    assert [(r.outcome, sol) for r, sol, _, _ in out] == [("reject", False)]
    assert solve_report(tt.instance, 50).exhausted


def test_a_broken_tile_set_is_caught() -> None:
    m = example("counter")
    tt = tm_tiling(m, 1)
    grid = run_grid(tt, simulate(m, 1))
    assert is_solution(tt.instance, grid)
    name = grid[1][1]  # a tile of row 2 (its up colour meets row 3)
    tiles = tuple(dataclasses.replace(t, up=t.up + 1) if t.name == name else t for t in tt.instance.tiles)
    broken = dataclasses.replace(tt.instance, tiles=tiles)
    found = violations(broken, grid)
    assert found and any("up" in v for v in found)


def test_a_corrupted_transition_is_caught() -> None:
    m = parse_tm(TINY)
    bad = dataclasses.replace(m, transitions=(Transition("s", "_", "t", "_", "R"),))  # writes _ instead of x
    good_tt, bad_tt = tm_tiling(m, 1), tm_tiling(bad, 1)
    grid = run_grid(good_tt, simulate(m, 1))
    assert is_solution(good_tt.instance, grid) and not is_solution(bad_tt.instance, grid)
    assert not simulator_accepts(good_tt, run_grid(bad_tt, simulate(bad, 1)))


def test_bad_arguments() -> None:
    with pytest.raises(ParameterError, match="n must be"):
        tm_tiling(parse_tm(TINY), 0)
    with pytest.raises(ParameterError, match="TuringMachine"):
        tm_tiling("no", 1)  # type: ignore[arg-type]
    tt = tm_tiling(parse_tm(TINY), 1)
    with pytest.raises(ParameterError, match="another machine"):
        run_grid(tt, simulate(parse_tm(TINY), 2))
