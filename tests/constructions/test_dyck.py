"""Dyck-(k, D) (THEORY §9): the task, the peeling program, its UHATs, the stack RNN and the one-hot DFA RNN,
their closed-form sizes, and planted bugs that the checks must catch."""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automata.alphabet import encode_word
from automata.errors import ParameterError
from constructions.brasp.formula import Q, conj, disj, size
from constructions.brasp.interpreter import accepts as program_accepts
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.brasp.syntax import format_program, parse_program
from constructions.library.dfa_rnn import dfa_to_rnn
from constructions.library.dyck_brasp import dyck_program, dyck_program_size
from constructions.library.dyck_rnn import dyck_stack_rnn, stack_rnn_units, type_bits
from constructions.rnn.deep import DeepRNN, Layer
from constructions.uhat.lemma9 import compile_lemma9
from proofs_check.deciders import dfa_decider, program_decider, rnn_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check
from tasks.dyck import PAIRS, DyckTask, check_params, depth_of, dyck_alphabet, dyck_dfa_states

SMALL = [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 2), (4, 1)]


def _well_nested(word: tuple[str, ...], k: int, depth: int) -> bool:
    """An independent membership test: cancel adjacent matching pairs until nothing changes."""
    closes = {p[1]: p[0] for p in PAIRS[:k]}
    w = list(word)
    deepest = 0
    while True:
        cut = [i for i in range(len(w) - 1) if closes.get(w[i + 1]) == w[i]]
        if not cut:
            break
        deepest += 1
        drop = {i for c in cut for i in (c, c + 1)}
        w = [s for i, s in enumerate(w) if i not in drop]
    return bool(word) and not w and deepest <= depth


@pytest.mark.parametrize("k,depth", SMALL)
def test_task_matches_independent_definition(k: int, depth: int) -> None:
    task = DyckTask(k, depth)
    for length in range(0, 7 if k <= 2 else 5):
        for w in itertools.product(task.alphabet, repeat=length):
            assert task.accepts(w) == _well_nested(w, k, depth), w
            d = depth_of(w, k)
            assert (d is not None and 1 <= d <= depth) == _well_nested(w, k, depth), w


@pytest.mark.parametrize("k,depth", [*SMALL, (2, 6), (3, 4), (1, 8)])
def test_minimal_dfa_closed_form(k: int, depth: int) -> None:
    assert DyckTask(k, depth).reference_dfa().num_states == dyck_dfa_states(k, depth)


def test_parameters_refused() -> None:
    for k, d in ((0, 1), (9, 1), (1, 0), (1, 17), (True, 1), ("2", 1), (2.0, 1)):
        with pytest.raises(ParameterError):
            check_params(k, d)
    assert dyck_alphabet(2) == ("(", "[", ")", "]")


@pytest.mark.parametrize("k,depth", SMALL)
def test_program_size_formula(k: int, depth: int) -> None:
    p = dyck_program(k, depth)
    expected = dyck_program_size(k, depth)
    nodes = sum(size(o.formula) if isinstance(o, PositionOp) else size(o.score) + size(o.value) + size(o.default)
                for o in p.ops)
    assert (len(p.ops), len(p.attention_ops), len(p.ops) - len(p.attention_ops), nodes) == (
        expected.operations, expected.attention, expected.position, expected.formula_nodes)
    packed = compile_lemma9(p, packed=True)
    attention_layers = sum(1 for layer in packed.layers if getattr(layer, "attends", False))
    assert attention_layers == 2 * depth + 1
    assert parse_program(format_program(p)) == p


@pytest.mark.parametrize("k,depth", [(1, 1), (2, 2), (2, 3), (3, 2)])
def test_every_recogniser_agrees_exhaustively(k: int, depth: int) -> None:
    task = DyckTask(k, depth)
    p = dyck_program(k, depth)
    deciders = [
        dfa_decider(task.reference_dfa()),
        program_decider(p),
        uhat_decider(compile_lemma9(p), "UHAT paper"),
        uhat_decider(compile_lemma9(p, packed=True), "UHAT packed"),
        rnn_decider(dyck_stack_rnn(k, depth).run_prefixes, "stack RNN"),
        rnn_decider(dfa_to_rnn(task.reference_dfa()).run_prefixes, "one-hot DFA RNN"),
    ]
    report = exhaustive_check(task.alphabet, deciders, 7 if k <= 2 else 5)
    assert report.agree, report.summary()


@pytest.mark.parametrize("k,depth", [(1, 3), (2, 2), (3, 3), (5, 2), (8, 2)])
def test_stack_rnn_units_and_precision(k: int, depth: int) -> None:
    rnn = dyck_stack_rnn(k, depth)
    s = rnn.size()
    assert (s.state_units, s.hidden_units) == stack_rnn_units(k, depth)
    assert s.state_units == depth * (type_bits(k) + 1) + 1
    assert s.units == s.state_units
    words = np.array(list(itertools.product(range(2 * k), repeat=4)), dtype=np.int64)
    rnn.check_precision(words)  # every state coordinate stays 0/1


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 8), depth=st.integers(1, 5), data=st.data())
def test_stack_rnn_on_random_near_dyck_words(k: int, depth: int, data: st.DataObject) -> None:
    """Random well-nested words (and one-symbol edits of them): the stack RNN, the program and the task agree."""
    task = DyckTask(k, depth)
    pairs = PAIRS[:k]

    def nested(d: int) -> list[str]:
        out: list[str] = []
        for _ in range(data.draw(st.integers(0, 2))):
            o, c = pairs[data.draw(st.integers(0, k - 1))]
            out += [o, *(nested(d - 1) if d > 1 else []), c]
        return out

    w = nested(data.draw(st.integers(1, depth + 1)))
    if w and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(w) - 1))
        w[i] = data.draw(st.sampled_from(task.alphabet))
    w = tuple(w) or (pairs[0][0],)
    expected = task.accepts(w)
    assert bool(dyck_stack_rnn(k, depth).accepts(w)) == expected == _well_nested(w, k, depth)
    assert bool(program_accepts(dyck_program(k, depth), encode_word(w, task.alphabet)[None, :])[0]) == expected


def _type_blind(k: int, depth: int) -> Program:
    """A planted bug: every round cancels an open with the nearest uncancelled close of *any* type."""
    ops = []
    for op in dyck_program(k, depth).ops:
        if isinstance(op, AttentionOp) and op.name[0] in "NP":
            i_side, j_side = ("i", "j") if op.name[0] == "N" else ("j", "i")
            blind = disj(*(conj(Q(o, i_side), Q(c, j_side)) for o, _ in PAIRS[:k] for _, c in PAIRS[:k]))
            op = dataclasses.replace(op, value=blind)
        ops.append(op)
    return Program(dyck_alphabet(k), tuple(ops), name="type_blind")


def test_broken_program_caught_with_counterexample() -> None:
    task = DyckTask(2, 2)
    broken = _type_blind(2, 2)
    report = exhaustive_check(task.alphabet, [dfa_decider(task.reference_dfa()), program_decider(broken),
                                              uhat_decider(compile_lemma9(broken, packed=True), "packed")], 6)
    assert not report.agree
    print(report.summary())
    assert report.disagreement is not None
    assert report.disagreement.word == ("(", "]")  # the shortest crossed pair


def test_broken_stack_rnn_caught() -> None:
    """The mismatch units cut off from e: a close of the wrong type passes; the check prints the word."""
    good = dyck_stack_rnn(2, 2)
    first, second = good.layers
    e, hidden = good.units - 1, first.affine.out_dim
    mismatch = hidden - 2 * 2 * type_bits(2)  # the M1/M0 units come last
    kept = tuple((r, c, v) for r, c, v in second.affine.entries if r != e or c < mismatch)
    broken = DeepRNN(good.alphabet, (first, Layer(dataclasses.replace(second.affine, entries=kept), "heaviside")),
                     good.h0, good.readout, 1, good.unit_names)
    task = DyckTask(2, 2)
    report = exhaustive_check(task.alphabet, [dfa_decider(task.reference_dfa()),
                                              rnn_decider(broken.run_prefixes, "broken")], 4)
    assert not report.agree
    print(report.summary())
    assert report.disagreement is not None and report.disagreement.word == ("(", "]")
