"""LTL ↔ UHAT: [BCL] Prop 16 (LTL → B-RASP → UHAT, :mod:`constructions.library.ltl_brasp`) and
Prop 13 (UHAT → LTL, :mod:`constructions.uhat.to_ltl`).

Every check is exhaustive on all words up to a length, against the minimal DFA of the formula
(:func:`automata.ltl.to_dfa.ltl_to_dfa`) or the preset task's reference DFA; the UHATs run in float64
(exact for their small integer weights). Negative tests change a network or a program and check that
the change is seen, with the distinguishing word.
"""
from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from automata.alphabet import encode_word
from automata.errors import ParameterError, StateLimitError
from automata.ltl.formula import Binary, Formula, core, dag_size, postorder, size
from automata.ltl.semantics import accepts_word
from automata.ltl.syntax import parse, to_text
from automata.ltl.to_dfa import ltl_to_dfa
from constructions.brasp import formula as bf
from constructions.brasp.program import AttentionOp, PositionOp
from constructions.exact import Affine
from constructions.library.ltl_brasp import ltl_to_brasp, program_size, size_bound
from constructions.library.presets import PRESETS
from constructions.uhat.lemma9 import compile_lemma9, paper_layer_count
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer
from constructions.uhat.to_ltl import uhat_to_ltl
from proofs_check.deciders import dfa_decider, program_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check
from tasks.presets import PRESET_TASKS
from tests.automata.ltl_strategies import cases

pytestmark = pytest.mark.usefixtures("one_torch_thread")

EXAMPLE_1 = "Q_b & H(Q_b -> Y Q_a) & H((Q_a & Y true) -> Y Q_b)"
SHARED = "((a S b) -> Y(a S b)) & H(a S b | X(a S b)) & P(!(a S b) & b)"
HAND = [
    (EXAMPLE_1, "ab"), ("a S b", "ab"), ("a U b", "ab"), ("Y(a U b)", "ab"), ("G(a -> F b)", "ab"),
    ("H(a -> Y Y b)", "abc"), (SHARED, "ab"),
    # only U: read at the first position these would be other languages
    ("a | (b U a)", "ab"), ("!(a U b) & (b | X a)", "ab"), ("(a U b) | (c & !(c U a))", "abc"),
    ("Q_# S (Q_0 & Y Q_#)", ("#", "0")), ("true", "a"), ("false", "ab"),
]


def check_prop16(f: Formula, alphabet: tuple[str, ...], max_len: int = 6):
    """Program, paper UHAT and packed UHAT against the formula's DFA on all words up to ``max_len``."""
    program = ltl_to_brasp(f, alphabet)
    assert program.accept_at == "last"
    deciders = [
        dfa_decider(ltl_to_dfa(f, alphabet), "DFA of the formula"),
        program_decider(program),
        uhat_decider(compile_lemma9(program), "UHAT paper", dtype="float64"),
        uhat_decider(compile_lemma9(program, packed=True), "UHAT packed", dtype="float64"),
    ]
    report = exhaustive_check(alphabet, deciders, max_len)
    assert report.agree, f"{to_text(f)}: {report.summary()}"
    return program


def check_sizes(f: Formula, program) -> None:
    """size_bound's operation and size bounds, exactly t attention ops, each formula ≤ 2d + 1 nodes."""
    ops_bound, size_limit = size_bound(f)
    nodes = postorder(core(f))
    t = sum(1 for n in nodes if isinstance(n, Binary) and n.op in ("S", "U"))
    d = dag_size(f)
    assert len(program.ops) <= ops_bound
    assert program_size(program) <= size_limit
    assert len(program.attention_ops) == t
    for op in program.ops:
        parts = (op.formula,) if isinstance(op, PositionOp) else (op.score, op.value, op.default)
        assert all(bf.size(p) <= 2 * d + 1 for p in parts), op
    assert len(compile_lemma9(program).layers) == paper_layer_count(program)


@pytest.mark.parametrize("text,alphabet", HAND, ids=[t for t, _ in HAND])
def test_prop16_hand_formulas(text: str, alphabet) -> None:
    alphabet = tuple(alphabet)
    f = parse(text, alphabet)
    program = check_prop16(f, alphabet)
    check_sizes(f, program)


def test_prop16_example_1_sizes() -> None:
    f = parse(EXAMPLE_1)
    program = ltl_to_brasp(f, ("a", "b"))
    # five S nodes (Y a, ⊤ S ¬…, Y ⊤, Y b, ⊤ S ¬…), two shared Boolean nodes (the bodies of the two H)
    assert size_bound(f) == (8, 3 * (22 + 1) * 8)
    assert len(program.ops) == 8 and len(program.attention_ops) == 5
    assert all(op.mask == "j<i" and op.tiebreak == "rightmost" for op in program.attention_ops)
    assert program.ops[-1].name == "phi"


def test_prop16_future_ops_are_leftmost_strict_future() -> None:
    program = ltl_to_brasp(parse("a U b"), ("a", "b"))
    (op,) = program.attention_ops
    assert (op.mask, op.tiebreak) == ("j>i", "leftmost")


def test_prop16_shared_subformula_is_one_operation() -> None:
    f = parse(SHARED)
    program = ltl_to_brasp(f, ("a", "b"))
    tree = ltl_to_brasp(parse("(a S b) & Y(a S b)"), ("a", "b"))
    assert len(tree.attention_ops) == 2  # a S b once, Y once
    assert len(program.attention_ops) == sum(1 for n in postorder(core(f)) if isinstance(n, Binary) and n.op in "SU")
    assert size(f) > dag_size(f)


def test_prop16_reading_at_the_first_position_is_caught() -> None:
    """A formula using only U: the program must accept at the last position; read at the first it is
    another language, and the exhaustive check says on which word."""
    f = parse("a | (b U a)")
    program = ltl_to_brasp(f, ("a", "b"))
    wrong = replace(program, accept_at="first")
    report = exhaustive_check(("a", "b"), [dfa_decider(ltl_to_dfa(f, ("a", "b"))), program_decider(wrong),
                                           uhat_decider(compile_lemma9(wrong, packed=True))], 6)
    assert not report.agree
    assert report.disagreement.word == ("a", "b")  # a at the first position, b at the last
    assert not accepts_word(f, ("a", "b"), "ab")


def test_prop16_wrong_tiebreak_is_caught() -> None:
    """Leftmost instead of rightmost for a S b: over {a, b} the marked positions (¬a ∨ b) all hold b,
    so nothing changes; over {a, b, c} the first word where the two marked positions differ shows it."""
    for alphabet, word in ((("a", "b"), None), (("a", "b", "c"), ("b", "c", "a"))):
        f = parse("a S b")
        program = ltl_to_brasp(f, alphabet)
        k = next(i for i, op in enumerate(program.ops) if isinstance(op, AttentionOp))
        flipped = replace(program.ops[k], tiebreak="leftmost")
        wrong = replace(program, ops=program.ops[:k] + (flipped,) + program.ops[k + 1:])
        report = exhaustive_check(alphabet, [dfa_decider(ltl_to_dfa(f, alphabet)), program_decider(wrong),
                                             uhat_decider(compile_lemma9(wrong))], 6)
        if word is None:
            assert report.agree
        else:
            assert report.disagreement is not None and report.disagreement.word == word
            assert not accepts_word(f, alphabet, word)
            assert dict(report.disagreement.verdicts)["B-RASP interpreter"]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cases(3))
def test_prop16_random_formulas(case: tuple[tuple[str, ...], Formula]) -> None:
    alphabet, f = case
    program = check_prop16(f, alphabet, 6)
    check_sizes(f, program)


# -- Prop 13: UHAT → LTL -----------------------------------------------------------------------------

@pytest.mark.parametrize("packed", [False, True], ids=["paper", "packed"])
@pytest.mark.parametrize("key", sorted(PRESETS))
def test_prop13_presets(key: str, packed: bool) -> None:
    net = compile_lemma9(PRESETS[key](), packed=packed)
    result = uhat_to_ltl(net)
    d = ltl_to_dfa(result.formula, net.alphabet)
    assert d.equivalent(PRESET_TASKS[key]().reference_dfa()) is None
    tree, dag = size(result.formula), dag_size(result.formula)
    print(f"{key} ({'packed' if packed else 'paper'}): {len(net.layers)} layers, vectors per layer "
          f"{result.vector_counts}, formula DAG {dag:,}, tree {tree:,}")
    assert 0 < dag <= tree
    assert len(result.layers) == len(net.layers) + 1 and all(n > 0 for n in result.vector_counts)


ROUND_TRIP = [("a S b", "ab"), ("Y(a U b)", "ab"), ("H(a -> Y Y b)", "abc"), (EXAMPLE_1, "ab"),
              ("a | (b U a)", "ab"), ("G(a -> F b)", "ab"), ("P(a & F b)", "abc")]


@pytest.mark.parametrize("text,alphabet", ROUND_TRIP, ids=[t for t, _ in ROUND_TRIP])
def test_round_trip_ltl_uhat_ltl(text: str, alphabet: str) -> None:
    alphabet = tuple(alphabet)
    f = parse(text, alphabet)
    want = ltl_to_dfa(f, alphabet)
    program = ltl_to_brasp(f, alphabet)
    for packed in (False, True):
        back = uhat_to_ltl(compile_lemma9(program, packed=packed)).formula
        assert ltl_to_dfa(back, alphabet).equivalent(want) is None, (text, packed)


def _replace_layer(net: UHAT, k: int, layer) -> UHAT:
    return replace(net, layers=net.layers[:k] + (layer,) + net.layers[k + 1:])


def _perturbations(net: UHAT, kind: str):
    """Broken copies of ``net``: an attending layer's tie-break flipped, or one entry of a C negated."""
    for k, layer in enumerate(net.layers):
        if not isinstance(layer, AttentionLayer):
            continue
        if kind == "tie-break" and layer.attends:
            flipped = "leftmost" if layer.tiebreak == "rightmost" else "rightmost"
            yield f"layer {k + 1} tie-break {flipped}", _replace_layer(net, k, replace(layer, tiebreak=flipped))
        if kind == "C sign":
            for e, (r, c, v) in enumerate(layer.C.entries):
                entries = layer.C.entries[:e] + ((r, c, -v),) + layer.C.entries[e + 1:]
                yield f"layer {k + 1} C[{r},{c}] = {-v}", _replace_layer(
                    net, k, replace(layer, C=replace(layer.C, entries=entries)))


@pytest.mark.parametrize("kind", ["tie-break", "C sign"])
@pytest.mark.parametrize("key", ["ab_plus", "stair3"])
def test_prop13_sees_a_perturbed_network(key: str, kind: str) -> None:
    """The first perturbation that changes the language (within length 6): Prop 13's formula follows the
    perturbed network, differs from the reference, and the network decides the distinguishing word as
    the formula's DFA does."""
    reference = PRESET_TASKS[key]().reference_dfa()
    net = compile_lemma9(PRESETS[key]())
    alphabet = net.alphabet
    for what, broken in _perturbations(net, kind):
        if exhaustive_check(alphabet, [dfa_decider(reference), uhat_decider(broken, what)], 6).agree:
            continue
        d = ltl_to_dfa(uhat_to_ltl(broken).formula, alphabet)
        word = d.equivalent(reference)
        assert word is not None and len(word) > 0, what
        verdict = uhat_decider(broken).whole(encode_word(word, alphabet)[None, :])[0]
        assert bool(verdict) == d.accepts(word) != reference.accepts(word), (what, word)
        assert exhaustive_check(alphabet, [dfa_decider(d), uhat_decider(broken, what)], 6).agree, what
        print(f"{key}: {what} changes the language; distinguishing word {' '.join(word)}")
        return
    pytest.fail(f"no {kind} perturbation changed the language")


def test_prop13_unsupported_networks_raise() -> None:
    net = compile_lemma9(PRESETS["ab_plus"](), packed=True)
    k = next(i for i, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer) and layer.attends)
    for mask in ("j<=i", "j>=i"):
        with pytest.raises(ParameterError, match=mask):
            uhat_to_ltl(_replace_layer(net, k, replace(net.layers[k], mask=mask)))
    layer = net.layers[k]
    two_heads = replace(layer, C=Affine(3 * layer.in_width, layer.C.out_dim, layer.C.entries, layer.C.bias),
                        extra_heads=(Head(layer.A, layer.B, "j<i", "rightmost"),))
    with pytest.raises(ParameterError, match="retrieval"):
        uhat_to_ltl(_replace_layer(net, k, two_heads))
    with pytest.raises(ParameterError):
        uhat_to_ltl(_replace_layer(net, k, replace(layer, mode="average")))
    positions = Affine.build(2, net.embedding.out_dim, {(0, 1): 1})
    with pytest.raises(ParameterError):
        uhat_to_ltl(replace(net, positions=positions))


def test_prop13_accept_at_first() -> None:
    """A program read at the first position (an extension of the paper's model) keeps its language."""
    f = parse("a | (b U a)")
    program = replace(ltl_to_brasp(f, ("a", "b")), accept_at="first")
    for packed in (False, True):
        net = compile_lemma9(program, packed=packed)
        d = ltl_to_dfa(uhat_to_ltl(net).formula, ("a", "b"))
        assert exhaustive_check(("a", "b"), [dfa_decider(d), uhat_decider(net)], 6).agree
        assert d.accepts("ab") and d.accepts("bba") and not d.accepts("bb")


# -- Prop 13 on random plain UHATs (not from Lemma 9: arbitrary scores, ties, all three masks) ---------

def random_uhat(seed: int) -> UHAT:
    """A small plain UHAT with integer weights (-1..1, embedding -1..2; sparse): one to three attention
    layers of width 1–3 with random masks none/j<i/j>i and tie-breaks, sometimes a ReLU before one."""
    rng = random.Random(seed)
    alphabet = rng.choice([("a", "b"), ("a", "b", "c"), ("#", "0")])
    width = rng.choice([1, 2, 3])

    def affine(i: int, o: int, lo: int = -1, hi: int = 1, bias: bool = True, density: float = 0.5) -> Affine:
        entries = {(r, c): rng.randint(lo, hi) for r in range(o) for c in range(i) if rng.random() < density}
        b = {r: rng.randint(lo, hi) for r in range(o)} if bias else None
        return Affine.build(i, o, entries, b)

    layers: list = []
    for n in range(rng.choice([1, 2, 3])):
        if n and rng.random() < 0.5:
            layers.append(ReLULayer(width, (rng.randrange(width),)))
        layers.append(AttentionLayer(affine(width, width), affine(width, width), affine(2 * width, width),
                                     rng.choice(["none", "j<i", "j>i"]), rng.choice(["leftmost", "rightmost"])))
    emb = affine(len(alphabet), width, -1, 2, bias=False, density=1.0)
    acc = Affine.build(width, 1, {(0, c): rng.choice([-1, 1]) for c in range(width)})
    return UHAT(alphabet, emb, tuple(layers), acc)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.integers(0, 10**6))
def test_prop13_random_uhats(seed: int) -> None:
    """Prop 13's formula against the network itself. A few networks have formulas out of reach of a
    quick DFA construction (value sets, or DAGs, in the thousands): those are skipped."""
    net = random_uhat(seed)
    try:
        f = uhat_to_ltl(net, max_vectors=200).formula
    except StateLimitError:
        assume(False)
    assume(dag_size(f) <= 400)
    d = ltl_to_dfa(f, net.alphabet)
    report = exhaustive_check(net.alphabet, [dfa_decider(d, "DFA of Prop 13's formula"),
                                             uhat_decider(net, dtype="float64")], 6)
    assert report.agree, f"seed {seed}: {report.summary()}"
