"""Options that do not apply are refused, not ignored (issue 14): -n for a task without a parameter."""
from __future__ import annotations

import pytest

from proofs_check.cli import main


@pytest.mark.parametrize("argv", [
    ["show", "ab-plus", "-n", "3"],
    ["accepts", "ab-plus", "-n", "1", "ab"],
    ["verify", "dyck1-depth2", "-n", "2", "--max-len", "4"],
    ["ltl-of", "ab-plus", "-n", "2"],
    ["trace", "ab-plus", "ab", "-n", "1"],
    ["table", "stair3", "-n", "1..2"],
    ["prove", "ab-plus", "-n", "1"],
])
def test_n_for_a_task_without_n_is_refused(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "has no parameter n" in err


def test_defaults_still_work(capsys) -> None:
    assert main(["show", "ab-plus", "--what", "sizes"]) == 0
    assert main(["table", "ab-plus"]) == 0
    assert "| 2 |" in capsys.readouterr().out  # the shortest word, ab


def test_an_internal_error_is_one_line_naming_the_bug(monkeypatch, capsys) -> None:
    from proofs_check.cli import commands

    def broken(args):
        return 1 // 0

    monkeypatch.setattr(commands, "cmd_tasks", broken)
    assert main(["tasks"]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: internal error (a bug")
    assert "ZeroDivisionError" in err and "test_refusals.py:" in err and "--debug" in err
    with pytest.raises(ZeroDivisionError):
        main(["tasks", "--debug"])


def test_a_closed_pipe_ends_quietly() -> None:
    import subprocess
    import sys

    done = subprocess.run(f"{sys.executable} -m proofs_check tasks | head -1", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.startswith("counter") and done.stderr == ""


@pytest.mark.parametrize("argv,fragment", [
    (["prove", "ab-plus", "--what", "rnn"], "it has no RNN construction"),
    (["prove", "counter", "-n", "1", "--what", "empty"], "not a tiling instance"),
    (["prove", "counter", "-n", "1", "--what", "rnn,empty"], "nothing to prove for empty"),
])
def test_prove_never_reports_all_proved_for_nothing(argv: list[str], fragment: str, capsys) -> None:
    """These used to print 'ALL PROVED' with exit 0 although no section applied (issue 14)."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "ALL PROVED" not in out and err.startswith("error: ") and fragment in err and err.count("\n") == 1
