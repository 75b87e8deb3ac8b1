"""`succinct … dyck -k K -D D` (THEORY §9): the named parameters, the exhaustive check, the table and refusals."""
from __future__ import annotations

import pytest

from proofs_check.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_every_recogniser(capsys) -> None:
    code, out, err = _run(capsys, "verify", "dyck", "-k", "2", "-D", "2", "--max-len", "6", "--no-progress")
    assert code == 0, err
    assert out.startswith("dyck k=2 D=2: 5,460 words of length 1..6 (")
    for name in ("reference DFA", "B-RASP interpreter", "UHAT paper", "UHAT packed", "RNN torch",
                 "RNN one-hot DFA", "RNN one-hot DFA torch"):
        assert name in out
    assert "AGREE" in out


def test_accepts_and_show(capsys) -> None:
    code, out, _ = _run(capsys, "accepts", "dyck", "-k", "2", "-D", "2", "([])[]")
    assert code == 0 and out.count("accept") == 6 and "reject" not in out
    code, out, _ = _run(capsys, "accepts", "dyck", "-k", "2", "-D", "1", "([])[]")
    assert code == 0 and out.count("reject") == 6
    code, out, _ = _run(capsys, "show", "dyck", "-k", "3", "-D", "2")
    assert code == 0 and "alphabet: ( [ { ) ] }" in out and "R_2(i) := R_1(i) ∨ N_2(i) ∨ P_2(i)" in out


def test_table_over_depth(capsys) -> None:
    code, out, err = _run(capsys, "table", "dyck", "-k", "2", "-D", "1..3", "--format", "csv", "--no-progress")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("n,") and [ln.split(",")[0] for ln in lines[1:]] == ["1", "2", "3"]
    header = lines[0].split(",")
    dfa = [ln.split(",")[header.index("dfa_states")] for ln in lines[1:]]
    assert dfa == ["5", "9", "17"]  # 2^(D+1) − 1 + 2


def test_tasks_lists_the_named_parameters(capsys) -> None:
    code, out, _ = _run(capsys, "tasks")
    assert code == 0 and "dyck                 -D 1..16 -k 1..8 (default 1)" in out


@pytest.mark.parametrize("argv,message", [
    (["verify", "dyck", "-k", "9", "-D", "2", "--max-len", "2"], "k = 9 is out of range 1..8"),
    (["verify", "dyck", "-k", "2", "-D", "17", "--max-len", "2"], "D = 17 is out of range 1..16"),
    (["verify", "dyck", "-k", "2", "--max-len", "2"], "dyck needs -D (1..16)"),
    (["verify", "dyck", "-n", "2", "-D", "2", "--max-len", "2"], "give -D or -n, not both"),
    (["verify", "dyck", "--variant", "2", "-k", "2", "-D", "2", "--max-len", "2"], "give -k or --variant, not both"),
    (["verify", "counter", "-D", "2", "--max-len", "2"], "-D is not a parameter of counter"),
    (["table", "counter", "-k", "2"], "-k is not a parameter of counter"),
    (["verify", "dyck", "-k", "8", "-D", "7", "--max-len", "1"], "2,396,747 states"),
    (["table", "dyck", "-k", "2", "-D", "0..3"], "out of range"),
])
def test_refusals(capsys, argv: list[str], message: str) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err, err
