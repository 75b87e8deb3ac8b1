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
