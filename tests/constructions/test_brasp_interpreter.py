"""The batched B-RASP interpreter: hand-checked masks and tie-breaks, defaults, prefixes, and agreement
with a deliberately naive loop implementation of THEORY §2's definition."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from automata.alphabet import all_words, encode_word
from automata.errors import ParameterError, UnknownSymbolError
from constructions.brasp.formula import And, Const, Formula, Not, Or, Pred
from constructions.brasp.interpreter import accepts, accepts_prefixes, evaluate, evaluate_word, mask_matrix
from constructions.brasp.program import PositionOp, Program
from constructions.brasp.syntax import parse_program
from constructions.library.presets import PRESETS

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
