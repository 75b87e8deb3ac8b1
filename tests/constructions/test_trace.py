"""Traces of B-RASP programs and UHATs: the attended positions meet the definitions, the trace agrees
with the interpreter, the exact semantics and the torch module, and a broken network shows up."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automata.alphabet import encode_word
from automata.errors import ParameterError
from constructions.brasp.interpreter import accepts, mask_matrix
from constructions.brasp.program import AttentionOp
from constructions.brasp.trace import holds, trace_program
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import AttentionLayer
from constructions.uhat.torch_backend import to_torch
from constructions.uhat.trace import trace_uhat
from proofs_check.registry import family
from tests.constructions.randprog import random_program

WORD = tuple("0a#1b#")


def _counter():
    return family("counter").program(1, "full")


def test_counter_table_by_hand() -> None:
    """[BCL] Example 2 on 0a#1b#: B_1 attends the last bit before i, INC the last #, Y no ¬OK."""
    t = trace_program(_counter(), WORD)
    rows = {s.op.name: s for s in t.steps}
    assert rows["B_1"].attended == (None, 0, 0, 0, 3, 3)
    assert rows["INC"].attended == (None, None, None, 2, 2, 2)
    assert rows["Y"].attended == (None,) * 6
    assert rows["Y"].values == (False,) * 5 + (True,) and t.accepted


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), word=st.lists(st.sampled_from("abc"), min_size=1, max_size=7))
def test_attended_position_meets_the_definition(seed: int, word: list[str]) -> None:
    """o(i) satisfies mask ∧ score, and nothing beyond it in the tie-break's direction does; the values are
    the interpreter's (random programs in Lemma 9's form)."""
    program = random_program(seed)
    t = trace_program(program, word)
    env = {**{q: list(v) for q, v in t.symbols.items()}, **{s.op.name: list(s.values) for s in t.steps}}
    length = len(word)
    for step in t.steps:
        if not isinstance(step.op, AttentionOp):
            continue
        mask = mask_matrix(step.op.mask, length)
        for i, j in enumerate(step.attended):
            ok = [k for k in range(length) if mask[i, k] and holds(step.op.score, env, i, k)]
            if j is None:
                assert not ok
            else:
                assert j == (min(ok) if step.op.tiebreak == "leftmost" else max(ok))
    assert t.accepted == bool(accepts(program, encode_word(word, program.alphabet)[None, :])[0])


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("name,word", [("counter", "0a#1b#"), ("counter", "1b#0c#1a#"), ("dyck1-depth2", "lrllrr"),
                                       ("ab-plus", "abab"), ("stair3", "aabbcc")])
def test_uhat_trace_matches_the_torch_module(name: str, word: str, packed: bool) -> None:
    fam = family(name)
    n, variant = fam.check(1 if fam.has_n else None, None)
    net = compile_lemma9(fam.program(n, variant), packed=packed)
    symbols = tuple(word)
    t = trace_uhat(net, symbols)
    codes = encode_word(symbols, net.alphabet)[None, :]
    import torch

    module = to_torch(net, "float64")
    with torch.no_grad():
        assert module(torch.from_numpy(codes))[0].tolist() == [o[0] > 0 for o in t.out]  # every position
    for step in t.attention_layers:
        for i, row in enumerate(step.picks):
            pick = row[0]
            assert pick.position == i
            assert set(pick.ties) <= set(pick.candidates)
            if pick.ties:
                assert all(pick.score_of(j) == pick.best for j in pick.ties)
                assert all(s < pick.best for j, s in zip(pick.candidates, pick.scores) if j not in pick.ties)
                assert pick.attended == ((pick.ties[-1],) if pick.head.tiebreak == "rightmost" else (pick.ties[0],))
            else:
                assert pick.attended == () and pick.reason.endswith("zero vector")


def test_written_coordinates_are_the_new_ones() -> None:
    net = compile_lemma9(_counter(), packed=True)
    t = trace_uhat(net, WORD)
    first = t.layers[0]
    assert [first.names[r] for r in first.written] == ["_and0", "_nor1", "_nor9", "_nor16"]
    relu = t.layers[1]
    assert relu.kind == "relu" and relu.written == relu.layer.coords


def test_a_flipped_tie_break_is_visible() -> None:
    """Negative test: the first attention layer's tie-break flipped — the trace picks differently, and the
    readings of the program's predicates off the mutant disagree with the program's table."""
    from proofs_check.trace import trace

    net = compile_lemma9(_counter(), packed=True)
    k = next(k for k, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer) and layer.attends)
    layers = list(net.layers)
    layers[k] = dataclasses.replace(layers[k], tiebreak="leftmost")
    mutant = dataclasses.replace(net, layers=tuple(layers))
    good = trace("counter", WORD, n=1)
    bad = trace("counter", WORD, n=1, net=mutant)
    assert good.uhat.layers[k].picks[5][0].attended == (4,)
    assert bad.uhat.layers[k].picks[5][0].attended == (0,)
    assert all(r.agrees for r in good.readings)
    wrong = [r.name for r in bad.readings if not r.agrees]
    assert "A_L" in wrong
    text = bad.text()
    assert "≠ THE TABLE'S ROW" in text and "≠ ATTENDED" in text


def test_limits_and_bad_words() -> None:
    net = compile_lemma9(_counter(), packed=True)
    with pytest.raises(ParameterError, match="1..256"):
        trace_uhat(net, ())
    with pytest.raises(ParameterError, match="1..256"):
        trace_program(_counter(), ("0",) * 257)
    with pytest.raises(ParameterError, match="1..3"):
        trace_uhat(net, tuple("0a#1"), max_len=3)


def test_exact_values_are_fractions() -> None:
    t = trace_uhat(compile_lemma9(_counter(), packed=True), WORD)
    assert all(isinstance(x, Fraction) for v in t.layers[0].vectors for x in v)
    assert t.out[-1] == (Fraction(1),)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_compiled_attention_attends_the_programs_position(data) -> None:
    """Lemma 9: where the program's o(i) exists, the compiled layer that implements the operation attends
    exactly o(i) (both forms); every predicate read off the network equals the program's row."""
    from proofs_check.trace import trace

    name = data.draw(st.sampled_from(["counter", "counter-cyclic", "dyck1-depth2", "stair3", "ab-plus",
                                      "b-prec-a-nosucc-c"]))
    fam = family(name)
    n, variant = fam.check(1 if fam.has_n else None, None)
    alphabet = fam.task(n, variant).alphabet
    word = data.draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=8))
    form = data.draw(st.sampled_from(["packed", "paper"]))
    t = trace(name, word, n=n, form=form)
    assert all(r.agrees for r in t.readings) and len(t.readings) == len(t.program.steps)
    program = {s.op.name: s.attended for s in t.program.steps}
    assert set(t.layer_ops.values()) == {op.name for op in t.program.program.attention_ops}
    for step in t.uhat.attention_layers:
        o = program[t.layer_ops[step.index]]
        for i, row in enumerate(step.picks):
            if o[i] is not None:
                assert row[0].attended == (o[i],)
    assert len(set(t.verdicts.values())) == 1


def test_trace_of_a_retrieval_transformer() -> None:
    """The extended model ([WDL] Thm 4.6, positions and heads): the Index transformer's last position
    attends the queried token, and the read-out's argmax is the answer."""
    from tasks.retrieval import RETRIEVAL_TASKS
    from constructions.library.retrieval_uhat import index_uhat

    task = RETRIEVAL_TASKS["index"].build(3)
    net = index_uhat(task)
    word = ("<s>", "2", "3", "1", "?2")
    t = trace_uhat(net, word)
    assert t.accepted is None  # a generator
    last = [row[-1][0] for row in (s.picks for s in t.attention_layers)]
    assert (2,) in [p.attended for p in last]  # x_2 sits at position 2 (0-based, after <s>)
    logits = t.out[-1]
    assert net.output_symbols[max(range(len(logits)), key=logits.__getitem__)] == "3"
