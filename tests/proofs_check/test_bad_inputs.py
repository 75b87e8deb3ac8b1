"""Issue 14's must-show: every bad input of ``bad_inputs.txt`` (≥ 100, every subcommand) is refused with exit
status 2 and exactly one ``error:`` line, within 60 s and 2 GiB — replayed by
:func:`tests.proofs_check.replay_bad_inputs.replay`, the function the standalone script runs.

The default suite replays the whole list in forked children of this process (the imports are paid once;
each child has its own time limit and ``RLIMIT_AS``); a few inputs also go through a fresh
``python -m proofs_check`` under a 2 GiB address-space limit, and ``-m slow`` replays the whole list that way.
The checker itself is tested too: a planted traceback, hang, memory hog, exit 0 or second stderr line is
reported as a failure.
"""
from __future__ import annotations

import argparse
import time

import pytest

from automata.errors import ParameterError
from tests.proofs_check import replay_bad_inputs as rb

INPUTS = rb.load_inputs()


def _failures(results: list[rb.Replayed]) -> str:
    return "\n".join(r.line() for r in results if r.problems)


def test_the_list_has_over_100_distinct_inputs_across_every_subcommand() -> None:
    from proofs_check.cli import build_parser

    assert len(INPUTS) >= 100 and len({i.template for i in INPUTS}) == len(INPUTS)
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    covered = {i.template[0] for i in INPUTS if i.template}
    assert set(sub.choices) <= covered, f"subcommands without a bad input: {set(sub.choices) - covered}"
    assert any(not i.template for i in INPUTS)  # no subcommand at all


def test_every_bad_input_is_refused_in_one_line_within_bounds() -> None:
    """The whole list, forked: exit 2, one ``error:`` line, ≤ 60 s each, no traceback (≈ 30-60 s here)."""
    results = rb.replay(INPUTS, mode="fork")
    assert len(results) == len(INPUTS)
    assert not _failures(results), "\n" + _failures(results)


# an input that once exhausted memory, and one that needs CUDA hidden: also in a fresh interpreter (≈ 4 s each)
FRESH = ("program /dev/zero", "verify counter -n 1 --max-len 3 --device cuda")


def test_a_few_inputs_in_a_fresh_interpreter_under_2_gib() -> None:
    chosen = [i for i in INPUTS if i.text() in FRESH]
    assert len(chosen) == len(FRESH)
    results = rb.replay(chosen, mode="subprocess")
    assert not _failures(results), "\n" + _failures(results)
    assert all(r.outcome.peak_mb < rb.MEM_BYTES / 2**20 for r in results)


@pytest.mark.slow
def test_every_bad_input_in_a_fresh_interpreter() -> None:
    """The must-show as stated: each input through ``python -m proofs_check`` under RLIMIT_AS = 2 GiB."""
    results = rb.replay(INPUTS, mode="subprocess")
    assert not _failures(results), "\n" + _failures(results)


# --- the checker catches what it must (planted misbehaviour of one command, inherited by the forked child)

def _planted(monkeypatch, behaviour) -> rb.Replayed:
    from proofs_check.cli import commands

    monkeypatch.setattr(commands, "cmd_tasks", behaviour)
    (result,) = rb.replay([rb.BadInput(0, ("tasks",), None)], mode="fork", timeout=1.0)
    return result


def test_a_traceback_is_caught(monkeypatch) -> None:
    def crash(args):
        raise ZeroDivisionError("planted")

    problems = _planted(monkeypatch, crash).problems
    assert "exit 70, not 2" in problems


def test_a_hang_is_caught(monkeypatch) -> None:
    start = time.monotonic()
    problems = _planted(monkeypatch, lambda args: time.sleep(60)).problems
    assert any(p.startswith("hung") for p in problems) and time.monotonic() - start < 20


def test_a_memory_hog_is_caught(monkeypatch) -> None:
    def hog(args):
        return len(bytearray(3 << 30))  # 3 GiB: over the limit

    result = _planted(monkeypatch, hog)
    assert result.problems and result.outcome.rc != 2  # MemoryError: the internal-error exit, not a refusal


def test_exit_0_on_nonsense_is_caught(monkeypatch) -> None:
    result = _planted(monkeypatch, lambda args: print("fine") or 0)
    assert "exit 0, not 2" in result.problems


def test_a_second_stderr_line_is_caught(monkeypatch) -> None:
    import sys

    def chatty(args):
        print("warning: something", file=sys.stderr)
        raise ParameterError("bad")

    assert "stderr is not exactly one 'error: ' line" in _planted(monkeypatch, chatty).problems


def test_a_missing_fragment_is_caught() -> None:
    (result,) = rb.replay([rb.BadInput(0, ("frobnicate",), "no such text")], mode="fork")
    assert result.problems == ("error line lacks 'no such text'",)


def test_the_list_format(tmp_path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# c\n\nshow x => unknown task\n=> required\nltl '{rep:(:3}a{rep:):3}' {chr:65}\n")
    items = rb.load_inputs(path)
    assert [i.template for i in items] == [("show", "x"), (), ("ltl", "{rep:(:3}a{rep:):3}", "{chr:65}")]
    assert [i.expect for i in items] == ["unknown task", "required", None]
    assert rb.materialise(items[2].template, tmp_path) == ["ltl", "(((a)))", "A"]
    assert rb.materialise(["{file:not_utf8}"], tmp_path)[0].endswith("not_utf8.brasp")
    path.write_text("show x\nshow  x\n")
    with pytest.raises(ValueError, match="duplicate"):
        rb.load_inputs(path)


def test_the_script_prints_a_line_per_input_and_a_summary(capsys) -> None:
    assert rb.main(["--fork", "--only", "frobnicate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("ok   rc=  2") and "invalid choice" in lines[0]
    assert lines[1].startswith("1/1 inputs refused with exit 2 and one error line; 0 failed")
