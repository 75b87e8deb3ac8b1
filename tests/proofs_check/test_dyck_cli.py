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


def test_table_out_with_beside(capsys, tmp_path) -> None:
    code, out, err = _run(capsys, "table", "dyck", "-k", "2", "-D", "1..3", "--paper-max-n", "0", "--out",
                          str(tmp_path), "--beside", "counter:1..3", "--no-progress")
    assert code == 0, err
    assert "closed form: min DFA states (exact) = 2^(D+1) + 1" in out
    assert "closed form: RNN: hidden units D = 2·D + 1" in out and "NOT drawn" not in out
    assert "beside.png" in out
    for name in ("table.md", "table.csv", "table.tex", "plot.png", "beside.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "beside.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("extra,message", [
    (["--beside", "counter:1..3"], "--beside draws beside.png: give --out DIR"),
    (["--beside", "counter", "--out", "X"], "--beside needs TASK:LO..HI"),
    (["--beside", "ab-plus:1..2", "--out", "X"], "ab-plus has no parameter to draw over"),
    (["--beside", "counter:0..2", "--out", "X"], "out of range"),
    (["--beside", "nosuch:1..2", "--out", "X"], "unknown task"),
])
def test_beside_refusals(capsys, tmp_path, extra: list[str], message: str) -> None:
    argv = ["table", "dyck", "-k", "2", "-D", "1..2", *[str(tmp_path / a) if a == "X" else a for a in extra]]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_growth_note_tells_gap_from_no_gap() -> None:
    from proofs_check.plot import growth_note

    linear = {"packed_params": [(1, 100.0), (8, 900.0)], "lb_rnn": [(1, 2.0), (8, 9.0)]}
    exponential = {"packed_params": [(1, 100.0), (6, 150.0)], "lb_rnn": [(1, 5.0), (6, 70.0)]}
    assert growth_note(linear, "D").endswith("no gap") and "×9.0" in growth_note(linear, "D")
    assert growth_note(exponential, "n").endswith("exponential gap")
    assert growth_note({"packed_params": [(1, 1.0)]}, "n") == ""


def test_prove_every_section(capsys) -> None:
    code, out, err = _run(capsys, "prove", "dyck", "-k", "2", "-D", "2")
    assert code == 0, err
    assert out.startswith("== proofs for dyck k=2 D=2 (all word lengths) ==")
    assert "RNN certificate: D = 5 units vs DFA with 9 states" in out and "ALL PROVED: 5 sections" in out


def test_deep_rnn_certificate_refutes_a_broken_stack_rnn() -> None:
    """The z3 step certificate covers DeepRNNs: the stack RNN without its mismatch units is refuted with
    the shortest counterexample."""
    import dataclasses

    from constructions.library.dyck_rnn import dyck_stack_rnn, type_bits
    from constructions.rnn.deep import DeepRNN, Layer
    from proofs_check.certify.rnn import certify_rnn
    from tasks.dyck import DyckTask

    good = dyck_stack_rnn(2, 2)
    dfa = DyckTask(2, 2).reference_dfa()
    assert certify_rnn(good, dfa).proved
    first, second = good.layers
    e, cut = good.units - 1, first.affine.out_dim - 2 * 2 * type_bits(2)
    kept = tuple((r, c, v) for r, c, v in second.affine.entries if r != e or c < cut)
    broken = DeepRNN(good.alphabet, (first, Layer(dataclasses.replace(second.affine, entries=kept), "heaviside")),
                     good.h0, good.readout, 1, good.unit_names)
    cert = certify_rnn(broken, dfa)
    assert not cert.proved and cert.counterexample is not None
    assert cert.counterexample.word == ("(", "]")
    print(cert.render())


def test_trace_draw_and_ltl_of_take_the_named_parameters(capsys) -> None:
    code, out, err = _run(capsys, "trace", "dyck", "-k", "1", "-D", "1", "()")
    assert code == 0 and out.startswith("trace of ( ) (2 positions) through dyck k=1 D=1"), err
    code, out, err = _run(capsys, "draw", "dyck", "-k", "2", "-D", "1")
    assert code == 0 and out.startswith("// dyck -k 2 -D 1 minimal: 5 states"), err
    code, out, err = _run(capsys, "ltl-of", "dyck", "-k", "1", "-D", "1")
    assert code == 0 and "round trip UHAT → LTL → DFA exact" in out, err


def test_demo_section(capsys) -> None:
    from proofs_check.demo import SECTIONS
    from proofs_check.demo.dyck import dyck_section

    assert ("Dyck", dyck_section) != () and "Dyck" in dict(SECTIONS)
    assert dyck_section()
    out = capsys.readouterr().out
    assert "dyck k=2 D=3: 87,380 words of length 1..8 (258 accepted)" in out and "AGREE" in out
    assert "PROVED for every length" in out and "no gap" in out and "exponential gap" in out


def test_the_one_hot_dfa_rnn_is_left_out_above_its_limit(monkeypatch) -> None:
    """Its torch module is dense (units²): above DFA_RNN_MAX_UNITS verify leaves it out, visibly."""
    from proofs_check import suite
    from proofs_check.registry import family

    member = suite.build(family("dyck"), 2, "2")
    names = [d.name for d in suite.deciders(member)]
    assert "RNN one-hot DFA" in names and "RNN one-hot DFA torch" in names
    monkeypatch.setattr(suite, "DFA_RNN_MAX_UNITS", 12)  # Dyck-(2, 2)'s has 13 units
    names = [d.name for d in suite.deciders(member)]
    assert not any("one-hot" in n for n in names) and "RNN torch" in names
