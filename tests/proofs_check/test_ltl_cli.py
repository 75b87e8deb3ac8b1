"""`succinct ltl`, `ltl-of`, `verify ltl-random`; B-RASP → LTL (the table's built formula)."""
from __future__ import annotations

import os
import shutil

import pytest

from automata.errors import NotLemma9FormError
from automata.ltl.formula import core, dag_size, postorder
from automata.ltl.to_dfa import ltl_to_dfa
from constructions.brasp.formula import FALSE, TRUE, P, Q, iff
from constructions.brasp.interpreter import accepts as brasp_accepts
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.library.brasp_ltl import brasp_to_ltl, op_overhead
from automata.alphabet import all_words
from proofs_check.cli import main
from proofs_check.registry import family
from tests.constructions.randprog import random_program

EXAMPLE_1 = "Q_b & H(Q_b -> Y Q_a) & H((Q_a & Y true) -> Y Q_b)"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _mona() -> bool:
    from automata.ltl import mona

    if mona.available():
        return True
    if os.environ.get("CI") == "true":
        pytest.fail("MONA/ltlf2dfa missing: the CI install step (.ci/run: apt-get install mona) did not run")
    pytest.skip("MONA or ltlf2dfa not installed")
    return False


def test_a_since_b_prints_its_minimal_dfa(capsys) -> None:
    code, out, _ = _run(capsys, "ltl", "a S b", "--dfa")
    assert code == 0
    assert "DFA:      3 states (minimal, complete" in out
    table = out.split("shortest word")[1].splitlines()[1:]
    assert table[0].split() == ["a", "b"] and len(table) == 4  # header + 3 states


def test_example_1_is_ab_plus_with_its_uhats(capsys) -> None:
    code, out, _ = _run(capsys, "ltl", EXAMPLE_1, "--compare", "ab-plus", "--uhat", "--max-len", "8")
    assert code == 0, out
    assert "4 states" in out and "ab-plus:  the same language" in out
    assert "8 operations (5 attention)" in out
    assert "UHAT paper = UHAT packed: AGREE" in out


def test_example_1_against_mona(capsys) -> None:
    _mona()
    code, out, _ = _run(capsys, "ltl", EXAMPLE_1, "--mona")
    assert code == 0 and "MONA:     the same language" in out


def test_verify_ltl_random_against_mona(capsys) -> None:
    _mona()
    code, out, _ = _run(capsys, "verify", "ltl-random", "--count", "60", "--seed", "3")
    assert code == 0 and "60 formulas" in out and ": 0 differences" in out


def test_round_trip_and_ltl_of(capsys) -> None:
    code, out, _ = _run(capsys, "ltl", "b S (b S a)", "--round-trip")
    assert code == 0 and out.count("the same language") == 2
    code, out, _ = _run(capsys, "ltl-of", "ab-plus", "--form", "paper")
    assert code == 0 and "round trip UHAT → LTL → DFA exact" in out and "DAG 67" in out
    code, out, _ = _run(capsys, "ltl-of", "stair3", "--max-dag", "10")
    assert code == 3 and "not attempted" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["ltl", "a S"], "column"),
        (["ltl", "a S b S c"], "do not chain"),
        (["ltl", "(" * 10_001 + "a" + ")" * 10_001], "nested deeper"),
        (["ltl", "(a"], "never closed"),
        (["ltl", "a)"], "without a matching"),
        (["ltl", "a b"], "after a complete formula"),
        (["ltl", "true"], "--alphabet"),
        (["ltl", "a", "--alphabet", "b,c"], "lacks"),
        (["ltl", "a", "--alphabet", "a,,b"], "distinct non-empty"),
        (["ltl", "a S b", "--uhat", "--max-len", "99"], "--max-len"),
        (["ltl", "a", "--compare", "counter"], "without n"),
        (["ltl", "a", "--compare", "ab-plus"], "--alphabet a,b"),
        (["ltl", "A"], "not a letter"),
        (["ltl", "a % b"], "unexpected character"),
        (["ltl-of", "ab-plus", "--max-vectors", "0"], "--max-vectors"),
        (["ltl-of", "nonsense"], "unknown task"),
        (["verify", "ltl-random", "--count", "0"], "--count"),
        (["verify", "ltl-random", "-n", "99"], "depth"),
        (["verify", "ltl-random", "--max-len", "3"], "--count, -n"),
        (["verify", "counter", "-n", "1", "--max-len", "3", "--count", "5"], "--count is an option"),
        (["verify", "ltl-random", "--break-weight"], "--count, -n"),
        (["verify", "ltl-random", "--dtype", "float32"], "--count, -n"),
        (["ltl", "Q_a,b"], "unexpected character ','"),
        (["ltl", "a", "--alphabet", "a,x y"], "cannot be written"),
        (["ltl", "a", "--max-len", "5"], "option of --uhat"),
        (["ltl", "Y " * 500 + "a", "--mona"], "nesting"),
        (["ltl", "a", "--time-limit", "0"], "--time-limit"),
        (["ltl", " | ".join(f"a{k}" for k in range(1500))], "|Σ| × DAG"),
        (["ltl", "Y " * 600 + "a", "--uhat"], "layers"),
    ],
)
def test_bad_ltl_input_is_one_error_line(capsys, argv, fragment) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines


def test_limits_end_in_exit_status_3(capsys) -> None:
    code, out, _ = _run(capsys, "ltl-of", "ab-plus", "--max-vectors", "5")
    assert code == 3 and "out of reach" in out
    code, out, _ = _run(capsys, "ltl-of", "counter", "-n", "2", "--time-limit", "0.5")
    assert code == 3 and "time limit" in out
    code, out, _ = _run(capsys, "ltl", "b S (b S (b S a))", "--round-trip", "--time-limit", "0.000001")
    assert code == 3 and "out of reach" in out


def test_formulas_print_bounded_and_build_by_keyword() -> None:
    import dataclasses

    from automata.ltl.formula import Binary, Letter
    from automata.ltl.syntax import parse

    assert Letter(symbol="a") is Letter("a") and repr(dataclasses.replace(parse("Y a"), op="P")) == "<LTL P a>"
    f = Letter("a")
    for _ in range(60):
        f = Binary("&", f, f)
    assert repr(f) == "<LTL formula, tree of 2,305,843,009,213,693,951 nodes>"


def test_missing_mona_is_one_error_line(capsys, monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    code, _, err = _run(capsys, "ltl", "a S b", "--mona")
    assert code == 2 and "apt-get install mona" in err and len(err.strip().splitlines()) == 1


# -- B-RASP → LTL (K = ∅), the table's built formula ------------------------------------------------

@pytest.mark.parametrize("name", ["dyck1-depth2", "stair3", "ab-plus", "b-prec-a-nosucc-c"])
def test_presets_translate_to_their_language(name: str) -> None:
    fam = family(name)
    program = fam.program(None, fam.variants[0])
    f = brasp_to_ltl(program)
    assert ltl_to_dfa(f, program.alphabet).equivalent(fam.task(None, fam.variants[0]).reference_dfa()) is None


@pytest.mark.parametrize("n, variant", [(1, "full"), (2, "full"), (2, "stream")])
def test_counter_formula_is_the_counter(n: int, variant: str) -> None:
    fam = family("counter")
    f = brasp_to_ltl(fam.program(n, variant))
    assert ltl_to_dfa(f, fam.program(n, variant).alphabet).equivalent(fam.task(n, variant).reference_dfa()) is None


def test_counter_formula_grows_linearly() -> None:
    """Temporal operators 3n + 14 (the table's 'LTL built' column)."""
    fam = family("counter")
    for n in (1, 2, 3, 6, 10):
        nodes = postorder(core(brasp_to_ltl(fam.program(n, "full"))))
        assert sum(1 for x in nodes if getattr(x, "op", None) in ("S", "U")) == 3 * n + 14


def _program_size(p: Program) -> int:
    from constructions.library.ltl_brasp import program_size

    return program_size(p)


@pytest.mark.parametrize("seed", range(60))
def test_random_programs_with_keyless_scores(seed: int) -> None:
    """Random programs (every mask, both tie-breaks, i-only score parts): formula ≡ interpreter on all
    words up to length 5; DAG size within c·(program size + |Σ|)."""
    keyed = random_program(seed)
    if any(_has_keys(op) for op in keyed.attention_ops):
        with pytest.raises(NotLemma9FormError):
            brasp_to_ltl(keyed)
    program = _keyless(keyed)
    f = brasp_to_ltl(program)
    dfa = ltl_to_dfa(f, program.alphabet)
    for length in range(1, 6):
        words = all_words(length, len(program.alphabet))
        assert (dfa.run(words) == brasp_accepts(program, words)).all(), (seed, length)
    assert dag_size(f) <= (op_overhead() + 4) * (_program_size(program) + len(program.alphabet))


def _keyless(program: Program) -> Program:
    """The program with every score's i/j equalities (K) dropped: S(j) ∧ S_i(i) only."""
    import dataclasses

    from constructions.brasp.formula import conj
    from constructions.uhat.form import split_score

    ops = []
    for op in program.ops:
        if isinstance(op, AttentionOp):
            form = split_score(op)
            op = dataclasses.replace(op, score=conj(form.s_j, form.s_i))
        ops.append(op)
    return Program(program.alphabet, tuple(ops), program.accept_at)


def _has_keys(op: AttentionOp) -> bool:
    from constructions.uhat.form import split_score

    try:
        return bool(split_score(op).keys)
    except NotLemma9FormError:
        return True


def test_first_position_acceptance_and_refusals() -> None:
    past_only = Program(("a", "b"), (AttentionOp("Y", "leftmost", "j>i", TRUE, Q("b", "j"), FALSE),),
                        accept_at="first")
    f = brasp_to_ltl(past_only)  # the first position's next letter is b
    dfa = ltl_to_dfa(f, ("a", "b"))
    assert dfa.accepts("ab") and dfa.accepts("bba") and not dfa.accepts("a") and not dfa.accepts("aab")
    keyed = Program(("a", "b"), (PositionOp("X", Q("a")),
                                 AttentionOp("Y", "rightmost", "j<i", iff(P("X"), P("X", "j")), Q("b", "j"), FALSE)))
    with pytest.raises(NotLemma9FormError):
        brasp_to_ltl(keyed)


def test_a_wrong_translation_is_caught() -> None:
    """Negative: swapping the tie-break of one attention changes the language; the check must see it."""
    import dataclasses

    fam = family("ab-plus")
    program = fam.program(None, "-")
    ops = list(program.ops)
    k = next(i for i, op in enumerate(ops) if isinstance(op, AttentionOp) and op.mask == "none")
    ops[k] = dataclasses.replace(ops[k], tiebreak="leftmost" if ops[k].tiebreak == "rightmost" else "rightmost",
                                 mask="j<i")
    broken = Program(program.alphabet, tuple(ops))
    diff = ltl_to_dfa(brasp_to_ltl(broken), broken.alphabet).equivalent(fam.task(None, "-").reference_dfa())
    assert diff is not None
    print("distinguishing word:", diff)
