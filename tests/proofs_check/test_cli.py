"""The command line: real results, and one clear error line for every kind of bad input."""
from __future__ import annotations

from pathlib import Path

import pytest

from proofs_check.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["accepts", "counter", "-n", "1", "0a#1x#"], "unknown symbol 'x'"),
        (["verify", "counter", "-n", "0", "--max-len", "3"], "out of range"),
        (["verify", "counter", "-n", "21", "--max-len", "3"], "out of range"),
        (["verify", "counter", "--max-len", "3"], "needs -n"),
        (["verify", "counter", "-n", "1", "--variant", "odd", "--max-len", "3"], "unknown variant"),
        (["verify", "nonsense", "--max-len", "3"], "unknown task"),
        (["verify", "ab-plus", "--max-len", "3", "--dtype", "float8"], "unknown dtype"),
        (["verify", "ab-plus"], "--max-len"),
        (["table", "counter", "--n", "1..x"], "bad range"),
        (["program", "/no/such/file.brasp"], "cannot read"),
        (["frobnicate"], "invalid choice"),
        (["witness-word", "-n", "5"], "n must be in 1..4"),
        (["witness-word", "-n", "2", "--workers", "0"], "workers"),
        (["witness-word", "-n", "2", "--corruptions", "-1"], "corruptions"),
        (["witness-word", "-n", "x"], "invalid int"),
        (["mutate", "counter", "-n", "1", "--max-len", "3", "--count", "-1"], "--count must lie"),
        (["mutate", "counter", "-n", "1", "--max-len", "3", "--count", "0"], "--count must lie"),
    ],
)
def test_bad_input_is_one_error_line(capsys, argv, fragment) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], err
    assert "Traceback" not in err


def test_malformed_and_non_lemma9_programs(capsys, tmp_path: Path) -> None:
    bad_syntax = tmp_path / "bad.brasp"
    bad_syntax.write_text("alphabet: a b\nX(i) := >_j[j<i, Q_a(j)] 1\n")
    code, _, err = _run(capsys, "program", str(bad_syntax))
    assert code == 2 and err.count("\n") == 1 and "line 2" in err
    not_form = tmp_path / "mixed.brasp"
    not_form.write_text("alphabet: a b\nX(i) := >_j[j<i, (Q_a(i) & Q_b(j)) | Q_a(j)] 1 : 0\n")
    code, _, err = _run(capsys, "program", str(not_form))
    assert code == 2 and err.count("\n") == 1 and "Lemma 9" in err


def test_program_command_compiles_and_checks(capsys, tmp_path: Path) -> None:
    f = tmp_path / "abplus.brasp"
    f.write_text(
        "alphabet: a b\n"
        "AB(i) := ▶_j[j<i, 1] Q_a(j) ∧ Q_b(i) : 0\n"
        "BA(i) := ◀_j[j>i, 1] Q_a(i) ∧ Q_b(j) : 0\n"
        "I(i) := AB(i) ∨ BA(i)\n"
        "Y(i) := ▶_j[1, ¬I(j)] 0 : 1\n"
    )
    code, out, _ = _run(capsys, "program", str(f), "--max-len", "7")
    assert code == 0 and "AGREE" in out and "UHAT paper" in out and "UHAT packed" in out


def test_verify_and_accepts(capsys) -> None:
    code, out, _ = _run(capsys, "verify", "counter", "-n", "1", "--variant", "stream", "--max-len", "6")
    assert code == 0 and "AGREE" in out and "RNN" in out and "UHAT paper" in out
    code, out, _ = _run(capsys, "accepts", "counter", "-n", "1", "0a#1b#")
    assert code == 0 and out.count("accept") == out.count("\n") >= 5
    code, out, _ = _run(capsys, "accepts", "counter", "-n", "1", "0a#1a#")
    assert code == 0 and "accept" not in out


def test_table_formats(capsys) -> None:
    for fmt, marker in (("md", "|"), ("csv", ","), ("latex", r"\begin{tabular}")):
        code, out, _ = _run(capsys, "table", "counter", "--n", "1..2", "--format", fmt)
        assert code == 0 and marker in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["table", "tiling-witness", "-n", "0..3"], "out of range 1..16"),
        (["table", "tiling-witness", "-n", "1..99"], "out of range 1..16"),
        (["table", "tiling-witness", "-n", "3..1"], "empty range"),
        (["table", "tiling-witness", "-n", "1", "--variant", "loose"], "unknown variant"),
        (["table", "counter", "-n", "1", "--dfa-max-n", "-1"], "--dfa-max-n must be ≥ 0"),
        (["table", "counter", "-n", "1", "--format", "html"], "invalid choice"),
    ],
)
def test_table_bad_input_is_one_error_line(capsys, argv, fragment) -> None:
    code, _, err = _run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], err


def test_table_witness_to_stdout_and_out_dir(capsys, tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "table", "tiling-witness", "-n", "1..2", "--paper-max-n", "0", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("1,24,") and "formula" in out
    code, out, _ = _run(capsys, "table", "tiling-witness", "-n", "1..3", "--paper-max-n", "0", "--out", str(tmp_path / "t"))
    assert code == 0 and "closed form: shortest accepted word" in out and "wrote" in out
    for name in ("table.md", "table.csv", "table.tex", "plot.png"):
        assert (tmp_path / "t" / name).stat().st_size > 0
    assert (tmp_path / "t" / "plot.png").read_bytes()[:4] == b"\x89PNG"
    assert "≥ 10,241" in (tmp_path / "t" / "table.md").read_text()


def test_show(capsys) -> None:
    code, out, _ = _run(capsys, "show", "counter", "-n", "1", "--what", "program")
    assert code == 0 and "▶_j[j<i" in out
    code, out, _ = _run(capsys, "show", "ab-plus", "--what", "latex", "--form", "packed")
    assert code == 0 and "% map C_{1}" in out
    code, out, _ = _run(capsys, "show", "counter", "-n", "1", "--what", "layers", "--form", "paper")
    assert code == 0 and "ReLU" in out and "attend ▶" in out


def test_suite_command_one_instance(capsys) -> None:
    code, out, _ = _run(capsys, "suite", "two_layers", "--budget", "300")
    assert code == 0, out
    assert "two_layers" in out and "1/1 instances pass" in out and "printed eq. (14e) program accepts 0" in out


@pytest.mark.parametrize("argv, fragment", [
    (["suite", "no_such_instance", "--budget", "10"], "no_such_instance"),
    (["suite", "--budget", "0"], "must lie in 1.."),
])
def test_suite_bad_input(capsys, argv, fragment) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_dtype_refused_by_the_precision_audit(capsys) -> None:
    """The packed witness network reaches 4,134: bfloat16 (exact to 256) is refused, naming the layer."""
    code, _, err = _run(capsys, "verify", "tiling-witness", "-n", "1", "--max-len", "2", "--dtype", "bfloat16")
    assert code == 2
    assert "reaches |value| 4134 but bfloat16 is exact only up to 256" in err and err.count("\n") == 1


@pytest.mark.parametrize("module", ["proofs_check", "proofs_check.cli"])
def test_python_dash_m_runs_the_cli(module: str) -> None:
    """``python -m proofs_check`` and ``python -m proofs_check.cli`` (the old module's way) are the CLI."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", module, "tasks"], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and done.stdout.startswith("counter") and done.stderr == "", done.stderr
