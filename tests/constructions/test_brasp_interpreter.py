"""The batched B-RASP interpreter: hand-checked masks and tie-breaks, defaults, prefixes, and agreement
with a deliberately naive loop implementation of THEORY §2's definition."""
from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from automata.alphabet import all_words, encode_word
from automata.errors import ParameterError, UnknownSymbolError
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred
from constructions.brasp import interpreter
from constructions.brasp.formula import atoms
from constructions.brasp.interpreter import (accepts, accepts_prefixes, compile_formula, eval_formula, evaluate,
                                               evaluate_word, mask_matrix, selection_groups)
from constructions.brasp.program import PositionOp, Program
from constructions.brasp.syntax import parse_program
from constructions.library.presets import PRESETS
from constructions.library.tiling_brasp import tiling_program
from tasks.tiling_witness import counter_witness
from tests.constructions.randprog import _formula

MASKS = ["none", "j<i", "j>i", "j<=i", "j>=i"]
MASK_TEXT = {"none": "1", "j<i": "j<i", "j>i": "j>i", "j<=i": "j<=i", "j>=i": "j>=i"}
ARROW = {"leftmost": "◀_j", "rightmost": "▶_j"}


def one_attention(mask: str, tiebreak: str, score: str, value: str, default: str, pre: str = "") -> Program:
    return parse_program(
        f"alphabet: a b\n{pre}X(i) := {ARROW[tiebreak]}[{MASK_TEXT[mask]}, {score}] {value} : {default}"
    )


# w = b a a b a, score 1, value Q_a(j), default 1: o(i) is the mask's boundary position.
TABLE_SCORE_1 = {
    ("none", "leftmost"): [0, 0, 0, 0, 0],
    ("none", "rightmost"): [1, 1, 1, 1, 1],
    ("j<i", "leftmost"): [1, 0, 0, 0, 0],
    ("j<i", "rightmost"): [1, 0, 1, 1, 0],
    ("j>i", "leftmost"): [1, 1, 0, 1, 1],
    ("j>i", "rightmost"): [1, 1, 1, 1, 1],
    ("j<=i", "leftmost"): [0, 0, 0, 0, 0],
    ("j<=i", "rightmost"): [0, 1, 1, 0, 1],
    ("j>=i", "leftmost"): [0, 1, 1, 0, 1],
    ("j>=i", "rightmost"): [1, 1, 1, 1, 1],
}

# w = a b b a b, score Q_b(j), value PA(j) (previous symbol is a), default Q_a(i).
PA = "PA(i) := ▶_j[j<i, 1] Q_a(j) : 0\n"
TABLE_SCORE_B = {
    ("none", "leftmost"): [1, 1, 1, 1, 1],
    ("none", "rightmost"): [1, 1, 1, 1, 1],
    ("j<i", "leftmost"): [1, 0, 1, 1, 1],
    ("j<i", "rightmost"): [1, 0, 1, 0, 0],
    ("j>i", "leftmost"): [1, 0, 1, 1, 0],
    ("j>i", "rightmost"): [1, 1, 1, 1, 0],
    ("j<=i", "leftmost"): [1, 1, 1, 1, 1],
    ("j<=i", "rightmost"): [1, 1, 0, 0, 1],
    ("j>=i", "leftmost"): [1, 1, 0, 1, 1],
    ("j>=i", "rightmost"): [1, 1, 1, 1, 1],
}


@pytest.mark.parametrize("mask, tiebreak", sorted(TABLE_SCORE_1))
def test_hand_checked_score_1(mask: str, tiebreak: str) -> None:
    p = one_attention(mask, tiebreak, "1", "Q_a(j)", "1")
    assert evaluate_word(p, list("baaba"))["X"] == [bool(x) for x in TABLE_SCORE_1[mask, tiebreak]]


@pytest.mark.parametrize("mask, tiebreak", sorted(TABLE_SCORE_B))
def test_hand_checked_score_on_j(mask: str, tiebreak: str) -> None:
    p = one_attention(mask, tiebreak, "Q_b(j)", "PA(j)", "Q_a(i)", pre=PA)
    out = evaluate_word(p, list("abbab"))
    assert out["PA"] == [False, True, False, False, True]
    assert out["X"] == [bool(x) for x in TABLE_SCORE_B[mask, tiebreak]]


def test_leftmost_and_rightmost_differ() -> None:
    left = evaluate_word(one_attention("j<i", "leftmost", "Q_b(j)", "PA(j)", "Q_a(i)", PA), list("abbab"))
    right = evaluate_word(one_attention("j<i", "rightmost", "Q_b(j)", "PA(j)", "Q_a(i)", PA), list("abbab"))
    assert left["X"] != right["X"]
    assert [i for i in range(5) if left["X"][i] != right["X"][i]] == [3, 4]


@pytest.mark.parametrize("mask", MASKS)
def test_default_when_nothing_qualifies(mask: str) -> None:
    p = one_attention(mask, "leftmost", "0", "1", "Q_b(i)")
    assert evaluate_word(p, list("abba"))["X"] == [False, True, True, False]


def test_value_reads_i_and_chosen_j() -> None:
    # EQ(i): the nearest earlier position carries the same symbol as i.
    p = parse_program("alphabet: a b\nEQ(i) := ▶_j[j<i, 1] (Q_a(i) ∧ Q_a(j)) ∨ (Q_b(i) ∧ Q_b(j)) : 0")
    assert evaluate_word(p, list("aabba"))["EQ"] == [False, True, False, True, False]


def test_mask_matrix() -> None:
    assert mask_matrix("j>=i", 3).astype(int).tolist() == [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
    with pytest.raises(ParameterError):
        mask_matrix("j!=i", 3)


def test_symbol_predicates_included_and_shapes() -> None:
    p = PRESETS["ab_plus"]()
    words = all_words(4, 2)
    env = evaluate(p, words)
    assert set(env) == {"Q_a", "Q_b", "AB", "BA", "I", "Y"}
    assert all(a.shape == (16, 4) and a.dtype == bool for a in env.values())
    assert (env["Q_a"] == (words == 0)).all()


def test_errors() -> None:
    p = PRESETS["ab_plus"]()
    with pytest.raises(ParameterError):
        accepts(p, np.zeros((3, 0), dtype=np.int64))
    with pytest.raises(UnknownSymbolError):
        accepts(p, np.array([[0, 2]]))
    with pytest.raises(UnknownSymbolError):
        evaluate_word(p, ["a", "c"])
    with pytest.raises(ParameterError):
        evaluate(p, np.zeros(3, dtype=np.int64))
    with pytest.raises(ParameterError, match="causal"):
        accepts_prefixes(p, np.zeros((1, 2), dtype=np.int64))
    assert evaluate_word(p, [])["Y"] == []


def test_accept_first() -> None:
    p = parse_program("alphabet: a b\naccept: first\nY(i) := ◀_j[j>i, Q_b(j)] 0 : Q_a(i)")  # a a* only
    words = np.array([[0, 0, 0], [0, 0, 1], [1, 0, 0]])
    assert accepts(p, words).tolist() == [True, False, False]


CAUSAL_AB_PLUS = """\
alphabet: a b
PA(i) := ▶_j[j<i, 1] Q_a(j) : 0
PB(i) := ▶_j[j<i, 1] Q_b(j) : 1
OK(i) := (Q_a(i) ∧ PB(i)) ∨ (Q_b(i) ∧ PA(i))
G(i) := ▶_j[j<=i, ¬OK(j)] 0 : 1
Y(i) := G(i) ∧ Q_b(i)
"""


def test_accepts_prefixes_equals_accepts_on_each_prefix() -> None:
    p = parse_program(CAUSAL_AB_PLUS)
    assert p.is_causal
    words = all_words(7, 2)
    prefixes = accepts_prefixes(p, words)
    for length in range(1, 8):
        assert (prefixes[:, length - 1] == accepts(p, words[:, :length])).all()
    assert accepts(p, encode_word("ababab", p.alphabet)[None]).tolist() == [True]
    assert prefixes[:, -1].sum() == 0  # odd length: never (ab)+


# ---------------------------------------------------------------- naive reference (loops, by definition)


def naive_formula(f: Formula, env: dict[str, list[bool]], i: int, j: int) -> bool:
    if isinstance(f, Const):
        return f.value
    if isinstance(f, Pred):
        return env[f.name][i if f.side == "i" else j]
    if isinstance(f, Not):
        return not naive_formula(f.arg, env, i, j)
    if isinstance(f, And):
        return all(naive_formula(a, env, i, j) for a in f.args)
    assert isinstance(f, Or)
    return any(naive_formula(a, env, i, j) for a in f.args)


def naive_evaluate(p: Program, word: str) -> dict[str, list[bool]]:
    n = len(word)
    env = {f"Q_{a}": [c == a for c in word] for a in p.alphabet}
    allowed = {"none": lambda i, j: True, "j<i": lambda i, j: j < i, "j>i": lambda i, j: j > i,
               "j<=i": lambda i, j: j <= i, "j>=i": lambda i, j: j >= i}
    for op in p.ops:
        if isinstance(op, PositionOp):
            env[op.name] = [naive_formula(op.formula, env, i, i) for i in range(n)]
            continue
        out = []
        for i in range(n):
            cands = [j for j in range(n) if allowed[op.mask](i, j) and naive_formula(op.score, env, i, j)]
            if cands:
                o = min(cands) if op.tiebreak == "leftmost" else max(cands)
                out.append(naive_formula(op.value, env, i, o))
            else:
                out.append(naive_formula(op.default, env, i, i))
        env[op.name] = out
    return env


RANDOM_PROGRAM = """\
alphabet: a b c
PA(i) := ▶_j[j<i, 1] Q_a(j) : 0
{ops}
"""


@pytest.mark.parametrize("mask, tiebreak", list(itertools.product(MASKS, ["leftmost", "rightmost"])))
def test_agrees_with_naive_definition(mask: str, tiebreak: str) -> None:
    arrow = ARROW[tiebreak]
    m = MASK_TEXT[mask]
    ops = "\n".join([
        f"X(i) := {arrow}[{m}, Q_b(j) ∨ (Q_a(i) ∧ PA(j))] Q_c(j) ∨ (PA(i) ∧ Q_a(j)) : Q_b(i)",
        f"Z(i) := {arrow}[{m}, ¬X(j) ∧ (Q_c(i) ↔ Q_c(j))] X(j) → PA(i) : X(i) ∧ ¬Q_a(i)",
    ])
    p = parse_program(RANDOM_PROGRAM.format(ops=ops))
    for length in range(1, 6):
        words = all_words(length, 3)
        env = evaluate(p, words)
        for b, row in enumerate(words):
            word = "".join(p.alphabet[c] for c in row)
            ref = naive_evaluate(p, word)
            for name in ("X", "Z"):
                assert env[name][b].tolist() == ref[name], (name, word)


# ---------------------------------------------------------------- shared selections, in-place folds

SHARED = """\
alphabet: a b c
PA(i) := ▶_j[j<i, 1] Q_a(j) : 0
X(i) := ▶_j[j<i, Q_b(j)] Q_a(j) ∨ PA(j) : Q_c(i)
Y(i) := ◀_j[j<i, Q_b(j)] Q_a(j) ∨ PA(j) : Q_c(i)
Z(i) := ▶_j[j<i, Q_b(j)] X(j) ∧ ¬Y(i) : 1
W(i) := ▶_j[j<=i, Q_b(j)] Z(j) ∨ Q_a(i) : 0
V(i) := ▶_j[j<i, 1] W(j) ∧ Y(j) : X(i)
"""


def _first_naive_mismatch(p: Program, max_length: int) -> tuple[str, str] | None:
    for length in range(1, max_length + 1):
        words = all_words(length, len(p.alphabet))
        env = evaluate(p, words)
        for b, row in enumerate(words):
            word = "".join(p.alphabet[c] for c in row)
            ref = naive_evaluate(p, word)
            for op in p.ops:
                if env[op.name][b].tolist() != ref[op.name]:
                    return word, op.name
    return None


def test_ops_with_equal_score_mask_tiebreak_share_a_selection() -> None:
    p = parse_program(SHARED)
    group, last = selection_groups(p)
    assert group == {"PA": 0, "X": 1, "Y": 2, "Z": 1, "W": 3, "V": 0}
    assert last == [5, 3, 2, 4]
    assert _first_naive_mismatch(p, 5) is None


def test_wrongly_shared_selection_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative test: sharing one selection between different tie-breaks is detected by the naive loop."""
    p = parse_program(SHARED)
    group, last = selection_groups(p)
    broken = ({**group, "Y": 1}, [5, 3, 2, 4])
    monkeypatch.setattr(interpreter, "selection_groups", lambda program: broken)
    found = _first_naive_mismatch(p, 5)
    assert found is not None
    print(f"counterexample: word {found[0]!r}, predicate {found[1]}")


def test_in_place_folds_leave_inputs_alone() -> None:
    a = np.array([[True, False, True]])
    b = np.array([[True, True, False]])
    env = {"A": a, "B": b}
    f = Or((And((Pred("A"), Pred("B"))), Not(Pred("A")), And((Pred("B"), Not(Pred("A")), Const(True)))))
    assert eval_formula(f, lambda q: env[q.name]).tolist() == [[True, True, False]]
    assert a.tolist() == [[True, False, True]] and b.tolist() == [[True, True, False]]
    assert eval_formula(And((Pred("A"), Const(False))), lambda q: env[q.name]) == np.bool_(False)
    assert eval_formula(Or(()), lambda q: env[q.name]) == np.bool_(False)
    # broadcast (B, L, 1) ∧ (B, 1, L) ∧ (B, L, 1): the buffer takes the full shape
    col, row = a[:, :, None], b[:, None, :]
    g = And((Pred("A", "i"), Pred("B", "j"), Not(Pred("A", "i"))))
    out = eval_formula(g, lambda q: col if q.side == "i" else row)
    assert out.shape == (1, 3, 3) and not out.any()


# ---------------------------------------------------------------- compiled formulas (factoring + sharing)


def _truth_table_mismatch(f: Formula, c: "interpreter.Compiled") -> dict[tuple[str, str], bool] | None:
    """Evaluate f and its compiled form on every valuation of f's atoms (4096 random ones beyond 12
    atoms); return a differing valuation."""
    names = sorted(atoms(f))
    k = len(names)
    if k <= 12:
        rows = np.arange(1 << k)
        table = {a: ((rows >> bit) & 1).astype(bool) for bit, a in enumerate(names)}
    else:
        rows = np.arange(4096)
        gen = np.random.default_rng(k)
        table = {a: gen.random(4096) < 0.3 for a in names}
    want = np.broadcast_to(eval_formula(f, lambda p: table[(p.name, p.side)]), rows.shape)
    got = np.broadcast_to(eval_formula(c, lambda p: table[(p.name, p.side)]), rows.shape)
    bad = np.flatnonzero(want != got)
    return None if not bad.size else {a: bool(table[a][bad[0]]) for a in names}


def _random_formulas(n: int) -> list[Formula]:
    rng = random.Random(5)
    preds = ["A", "B", "C", "D"]
    out = [_formula(rng, preds, "ij", 4) for _ in range(n)]
    x, y, z = Pred("A"), Pred("B", "j"), Pred("C")
    out += [Or((x, x)), Or((And((x, y)), And((x, z)), x)), And((Or((x, y)), Or((x, z)), Or((y, x)))),
            Or((And((x, y)), And((y, x)), Not(And((x, y))))), Or((Const(True), x)), And((x, Not(x)))]
    return out


def test_compiled_formulas_are_equivalent() -> None:
    for f in _random_formulas(300):
        assert _truth_table_mismatch(f, compile_formula(f)) is None, f


def test_program_op_by_name_and_an_unknown_name_refused() -> None:
    from automata.errors import SuccinctError, UnknownNameError

    prog = PRESETS[sorted(PRESETS)[0]]()
    assert prog.op(prog.ops[0].name) is prog.ops[0]
    with pytest.raises(UnknownNameError, match="no operation 'nope'") as err:
        prog.op("nope")
    assert isinstance(err.value, KeyError) and isinstance(err.value, SuccinctError)
    assert "\n" not in str(err.value) and not str(err.value).startswith('"')


def test_compiled_tiling_matching_is_smaller() -> None:
    prog = tiling_program(counter_witness(2, "strict"))
    value = prog.op("E_left").value
    c = compile_formula(value)
    assert _truth_table_mismatch(value, c) is None
    assert _dag_operations(c.root) * 3 < _dag_operations(value) and c.shared


def _dag_operations(f: Formula) -> int:
    """Binary ∧/∨ and ¬ operations over the distinct nodes (what one evaluation computes)."""
    seen: set[int] = set()
    stack, n = [f], 0
    while stack:
        g = stack.pop()
        if id(g) in seen:
            continue
        seen.add(id(g))
        if isinstance(g, (And, Or)):
            n += len(g.args) - 1
            stack.extend(g.args)
        elif isinstance(g, Not):
            n += 1
            stack.append(g.arg)
    return n


def test_broken_factoring_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative test: factoring that forgets the terms without the common factor is detected."""
    real = interpreter._factor_terms

    def broken(terms: list[Formula], outer: type) -> Formula:
        out = real(terms, outer)
        return out.args[0] if isinstance(out, outer) and len(out.args) > 1 else out

    monkeypatch.setattr(interpreter, "_factor_terms", broken)
    found = next(((f, bad) for f in _random_formulas(300)
                  if (bad := _truth_table_mismatch(f, interpreter.compile_formula(f))) is not None), None)
    assert found is not None
    print(f"counterexample: {found[0]} differs from its compiled form at {found[1]}")


def test_shared_nodes_are_not_overwritten() -> None:
    """A subformula used twice must not serve as another node's in-place buffer."""
    x, y, z = Pred("A"), Pred("B"), Pred("C")
    common = Or((x, y))
    f = Or((And((z, common)), Not(common), And((Not(z), common))))
    c = compile_formula(f)
    assert c.shared
    assert _truth_table_mismatch(f, c) is None
