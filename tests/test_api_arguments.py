"""Wrong argument types and values at the public Python API (issue 14): a result or a typed error.

Every public entry of docs/api.md is called with each of :data:`BAD` in one argument slot (the others
valid). The only acceptable outcomes are a return value or an :class:`automata.errors.SuccinctError`
(whose subclasses may also be TypeError/ValueError/...); an AttributeError, IndexError, TypeError,
ValueError, KeyError, RecursionError, OverflowError, MemoryError or a hang (more than
:data:`CALL_SECONDS`) that is not a SuccinctError fails the entry. A hypothesis test adds random
nested values for the entries that take words and batches.
"""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from automata.alphabet import all_words, as_word, check_codes, decode_word, encode_word, show_word, split_word
from automata.dfa import DFA
from automata.errors import SuccinctError
from automata.implicit import FunctionAutomaton
from automata.ltl import formula as ltl_formula
from automata.ltl.semantics import accepts as ltl_accepts
from automata.ltl.semantics import accepts_word, holds
from automata.ltl.syntax import parse, to_latex, to_text
from automata.ltl.to_dfa import ltl_to_dfa
from constructions.brasp import interpreter
from constructions.brasp.formula import FALSE, TRUE, P, Q, conj
from constructions.brasp.program import AttentionOp, PositionOp, Program
from constructions.brasp.syntax import format_program, parse_program
from constructions.onnx_export import check_onnx, export_onnx
from constructions.rnn.torch_backend import to_torch as rnn_to_torch
from constructions.torch_io import load, pad_words, save
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.precision import precision_audit
from constructions.uhat.semantics import generate_exact, run_exact
from constructions.uhat.torch_backend import to_torch
from proofs_check.deciders import dfa_decider, program_decider, rnn_decider, uhat_decider
from proofs_check.exhaustive import exhaustive_check
from proofs_check.registry import family
from proofs_check.suite import build, verify
from proofs_check.table import size_table
from proofs_check.trace import trace
from tasks.counter import CounterTask
from tasks.presets import PRESET_TASKS
from tasks.retrieval import retrieval_task
from tasks.tiling import Tile, TilingInstance, TilingTask

CALL_SECONDS = 20.0  # a single call past this is a hang (the slowest valid call here takes < 2 s)

#: One wrong value of each kind; every entry is called with each in one argument slot.
BAD: dict[str, object] = {
    "None": None,
    "str": "x",
    "empty str": "",
    "float": 1.5,
    "nan": float("nan"),
    "bool": True,
    "negative int": -1,
    "huge int": 10**30,
    "empty list": [],
    "nested list": [[0, [1]], [2]],
    "float array": np.array([[0.5, 1.0]]),
    "3-D array": np.zeros((1, 2, 2), dtype=np.int64),
    "object array": np.array([[None, 1]], dtype=object),
    "float tensor": torch.tensor([[0.5, 1.0]]),
    "object": object(),
    "dict": {"a": 1},
    "bytes": b"ab",
    "set": {"a"},
}

# ---- valid objects every slot's other arguments use (tiny: ab_plus, counter n = 1) ------------------

AB = ("a", "b")
AB_TEXT = """program: ab_plus
alphabet: a b
AB(i) := >_j[j<i, 1] Q_a(j) & Q_b(i) : 0
BA(i) := <_j[j>i, 1] Q_a(i) & Q_b(j) : 0
I(i) := AB(i) | BA(i)
Y(i) := >_j[1, !I(j)] 0 : 1
"""
PROG = parse_program(AB_TEXT)
LAST_A = Program(AB, (AttentionOp("PA", "rightmost", "j<i", TRUE, Q("a", "j"), FALSE),
                      PositionOp("Y", conj(Q("b"), P("PA")))), name="ends_ab")
PACKED = compile_lemma9(PROG, packed=True)
WORDS = np.array([[0, 1, 0, 1], [0, 1, 1, 0]], dtype=np.int64)
TABLE = {0: {"a": 1, "b": 0}, 1: {"a": 0, "b": 1}}
ODD_A = DFA.from_table("ab", TABLE, 0, {1})
DELTA = np.array([[1, 0], [0, 1]], dtype=np.int64)
ACC = np.array([False, True])
MOD3 = FunctionAutomaton(("0", "1"), 0, lambda r, b: (2 * r + int(b)) % 3, lambda r: r == 0)
COUNTER = CounterTask(1)
AB_TASK = PRESET_TASKS["ab_plus"]()
INDEX = retrieval_task("index", 2)
INDEX_INPUT = ("<s>", "2", "1", "?1")
TILES = (Tile(0, 0, 1, 0, "a"), Tile(1, 0, 0, 0, "b"))
INSTANCE = TilingInstance(1, TILES, "b")
LTL = parse("a S b")
COUNTER_FAMILY = family("counter")
RNN = COUNTER_FAMILY.rnn(1, "full")
MODULE = to_torch(PACKED, "float64")
RNN_MODULE = rnn_to_torch(RNN, "float64")
TORCH_WORDS = torch.from_numpy(WORDS)


def _index_net() -> Any:
    from constructions.library.retrieval_uhat import retrieval_uhat

    return retrieval_uhat(INDEX)


INDEX_NET = _index_net()


@dataclass(frozen=True)
class Entry:
    """One argument slot of one public entry: ``call(v)`` runs the entry with ``v`` in that slot."""

    name: str
    call: Callable[[Any], object]
    valid: tuple[str, ...] = ()  # labels of :data:`BAD` that are valid and slow here (not tried)


def _program(**over: object) -> Program:
    """The (ab)+ program's parts with one replaced: a Program constructor slot."""
    parts: dict[str, Any] = {"alphabet": AB, "ops": PROG.ops, "accept_at": "last", "name": "p"}
    parts.update(over)
    return Program(parts["alphabet"], parts["ops"], parts["accept_at"], parts["name"])


def _attention(**over: object) -> Program:
    parts: dict[str, Any] = {"name": "X", "tiebreak": "leftmost", "mask": "none", "score": TRUE,
                             "value": Q("a", "j"), "default": FALSE}
    parts.update(over)
    return Program(AB, (AttentionOp(**parts),))


def _entries(tmp: str) -> list[Entry]:
    """Every slot. ``tmp`` is a scratch folder (save/load/export write there)."""
    saved = os.path.join(tmp, "ab_plus.pt")
    onnx = os.path.join(tmp, "ab_plus.onnx")
    e = Entry
    return [
        # automata.alphabet
        e("encode_word(word)", lambda v: encode_word(v, AB)),
        e("encode_word(alphabet)", lambda v: encode_word("ab", v)),
        e("decode_word(codes)", lambda v: decode_word(v, AB)),
        e("decode_word(alphabet)", lambda v: decode_word([0, 1], v)),
        e("all_words(length)", lambda v: all_words(v, 2)),
        e("all_words(k)", lambda v: all_words(2, v)),
        e("all_words(start)", lambda v: all_words(2, 2, v)),
        e("all_words(stop)", lambda v: all_words(2, 2, 0, v)),
        e("split_word(text)", lambda v: split_word(v, AB)),
        e("split_word(alphabet)", lambda v: split_word("ab", v)),
        e("as_word(word)", as_word),
        e("show_word(word)", show_word),
        e("check_codes(words)", lambda v: check_codes(v, AB)),
        e("check_codes(alphabet)", lambda v: check_codes(WORDS, v)),
        # automata.dfa
        e("DFA(alphabet)", lambda v: DFA(v, DELTA, 0, ACC)),
        e("DFA(delta)", lambda v: DFA(AB, v, 0, ACC)),
        e("DFA(start)", lambda v: DFA(AB, DELTA, v, ACC)),
        e("DFA(accepting)", lambda v: DFA(AB, DELTA, 0, v)),
        e("DFA.from_table(alphabet)", lambda v: DFA.from_table(v, TABLE, 0, {1})),
        e("DFA.from_table(table)", lambda v: DFA.from_table(AB, v, 0, {1})),
        e("DFA.from_table(start)", lambda v: DFA.from_table(AB, TABLE, v, {1})),
        e("DFA.from_table(accepting)", lambda v: DFA.from_table(AB, TABLE, 0, v)),
        e("DFA.run(words)", ODD_A.run),
        e("DFA.run_prefixes(words)", ODD_A.run_prefixes),
        e("DFA.accepts(word)", ODD_A.accepts),
        e("DFA.count_by_length(max_len)", ODD_A.count_by_length),
        e("DFA.product(other)", lambda v: ODD_A.product(v, "and")),
        e("DFA.product(op)", lambda v: ODD_A.product(ODD_A, v)),
        e("DFA.equivalent(other)", ODD_A.equivalent),
        e("DFA.identical(other)", ODD_A.identical),
        # automata.implicit
        e("FunctionAutomaton(alphabet)", lambda v: FunctionAutomaton(v, 0, lambda r, b: r, MOD3.accept).explore()),
        e("FunctionAutomaton(transition)", lambda v: FunctionAutomaton(("0",), 0, v, MOD3.accept).explore()),
        e("FunctionAutomaton(accept)", lambda v: FunctionAutomaton(("0",), 0, MOD3.transition, v).explore()),
        e("FunctionAutomaton.accepts(word)", MOD3.accepts),
        e("FunctionAutomaton.explore(max_states)", MOD3.explore),
        # tasks
        e("CounterTask(n)", CounterTask),
        e("CounterTask(variant)", lambda v: CounterTask(1, v)),
        e("CounterTask(relation)", lambda v: CounterTask(1, "full", v)),
        e("CounterTask.accepts(word)", COUNTER.accepts),
        e("CounterTask.reference_dfa(max_states)", lambda v: CounterTask(1).reference_dfa(v)),
        e("CounterTask.letter_walk(blocks)", COUNTER.letter_walk),
        e("CounterTask.word_for(letters)", COUNTER.word_for),
        e("PresetTask.accepts(word)", AB_TASK.accepts),
        e("PresetTask.reference_dfa(max_states)", lambda v: PRESET_TASKS["ab_plus"]().reference_dfa(v)),
        e("retrieval_task(name)", lambda v: retrieval_task(v, 2)),
        e("retrieval_task(n)", lambda v: retrieval_task("index", v)),
        e("RetrievalTask.answer(input)", INDEX.answer),
        e("RetrievalTask.answers(codes)", INDEX.answers),
        e("RetrievalTask.accepts(word)", INDEX.accepts),
        e("RetrievalTask.encode_inputs(start)", lambda v: INDEX.encode_inputs(v, 2)),
        e("Tile(colour)", lambda v: Tile(v, 0, 0, 0, "a")),
        e("Tile(name)", lambda v: Tile(0, 0, 0, 0, v)),
        e("TilingInstance(n)", lambda v: TilingInstance(v, TILES, "b")),
        e("TilingInstance(tiles)", lambda v: TilingInstance(1, v, "b")),
        e("TilingInstance(final)", lambda v: TilingInstance(1, TILES, v)),
        e("TilingInstance(borders)", lambda v: TilingInstance(1, TILES, "b", v)),
        e("TilingTask(instance)", TilingTask),
        e("TilingTask(max_rows)", lambda v: TilingTask(INSTANCE, v)),
        e("TilingTask.accepts(word)", TilingTask(INSTANCE).accepts),
        # constructions.brasp
        e("parse_program(text)", parse_program),
        e("format_program(program)", format_program),
        e("format_program(style)", lambda v: format_program(PROG, v)),
        e("Program(alphabet)", lambda v: _program(alphabet=v)),
        e("Program(ops)", lambda v: _program(ops=v)),
        e("Program(accept_at)", lambda v: _program(accept_at=v)),
        e("Program(name)", lambda v: _program(name=v)),
        e("Program(op)", lambda v: _program(ops=(v,))),
        e("PositionOp(name)", lambda v: _program(ops=(PositionOp(v, TRUE),))),
        e("PositionOp(formula)", lambda v: _program(ops=(PositionOp("Y", v),))),
        e("Program(formula node)", lambda v: _program(ops=(PositionOp("Y", conj(Q("a"), v)),))),
        e("Pred(name)", lambda v: _program(ops=(PositionOp("Y", P(v)),))),
        e("Pred(side)", lambda v: _program(ops=(PositionOp("Y", P("Q_a", v)),))),
        e("AttentionOp(tiebreak)", lambda v: _attention(tiebreak=v)),
        e("AttentionOp(mask)", lambda v: _attention(mask=v)),
        e("AttentionOp(score)", lambda v: _attention(score=v)),
        e("AttentionOp(value)", lambda v: _attention(value=v)),
        e("AttentionOp(default)", lambda v: _attention(default=v)),
        e("interpreter.evaluate(program)", lambda v: interpreter.evaluate(v, WORDS)),
        e("interpreter.evaluate(words)", lambda v: interpreter.evaluate(PROG, v)),
        e("interpreter.accepts(program)", lambda v: interpreter.accepts(v, WORDS)),
        e("interpreter.accepts(words)", lambda v: interpreter.accepts(PROG, v)),
        e("interpreter.accepts_prefixes(program)", lambda v: interpreter.accepts_prefixes(v, WORDS)),
        e("interpreter.accepts_prefixes(words)", lambda v: interpreter.accepts_prefixes(LAST_A, v)),
        e("interpreter.evaluate_word(program)", lambda v: interpreter.evaluate_word(v, "ab")),
        e("interpreter.evaluate_word(word)", lambda v: interpreter.evaluate_word(PROG, v)),
        e("interpreter.mask_matrix(mask)", lambda v: interpreter.mask_matrix(v, 3)),
        e("interpreter.mask_matrix(length)", lambda v: interpreter.mask_matrix("none", v)),
        # constructions.uhat
        e("compile_lemma9(program)", compile_lemma9),
        e("compile_lemma9(packed)", lambda v: compile_lemma9(PROG, packed=v)),
        e("run_exact(net)", lambda v: run_exact(v, "ab")),
        e("run_exact(word)", lambda v: run_exact(PACKED, v)),
        e("run_exact(initial)", lambda v: run_exact(PACKED, "ab", initial=v)),
        e("generate_exact(net)", lambda v: generate_exact(v, INDEX_INPUT)),
        e("generate_exact(word)", lambda v: generate_exact(INDEX_NET, v)),
        e("precision_audit(net)", precision_audit),
        e("precision_audit(max_len)", lambda v: precision_audit(PACKED, v)),
        e("precision_audit(initial_values)", lambda v: precision_audit(PACKED, initial_values=v)),
        e("uhat to_torch(net)", to_torch),
        e("uhat to_torch(dtype)", lambda v: to_torch(PACKED, v)),
        e("uhat to_torch(device)", lambda v: to_torch(PACKED, "float64", v)),
        e("uhat to_torch(max_len)", lambda v: to_torch(PACKED, max_len=v)),
        e("UHATModule(words)", MODULE),
        e("UHATModule.accepts(words)", MODULE.accepts),
        e("UHATModule.accepts(lengths)", lambda v: MODULE.accepts(TORCH_WORDS, lengths=v)),
        e("UHATModule.accepts(attention_mask)", lambda v: MODULE.accepts(TORCH_WORDS, attention_mask=v)),
        e("UHATModule.to(dtype)", lambda v: to_torch(PACKED).to(v)),
        e("rnn to_torch(rnn)", rnn_to_torch),
        e("rnn to_torch(dtype)", lambda v: rnn_to_torch(RNN, v)),
        e("rnn to_torch(device)", lambda v: rnn_to_torch(RNN, "float64", v)),
        e("RNNModule(words)", RNN_MODULE),
        e("RNNModule.accepts(words)", RNN_MODULE.accepts),
        # constructions.torch_io, constructions.onnx_export
        e("pad_words(words)", pad_words),
        e("pad_words(pad)", lambda v: pad_words([[0, 1], [1]], v)),
        e("save(module)", lambda v: save(v, saved)),
        e("save(path)", lambda v: save(MODULE, v)),
        e("load(path)", load),
        e("load(dtype)", lambda v: load(save(MODULE, saved), v)),
        e("load(device)", lambda v: load(save(MODULE, saved), None, v)),
        e("export_onnx(module)", lambda v: export_onnx(v, onnx)),
        e("export_onnx(path)", lambda v: export_onnx(MODULE, v), valid=("str",)),  # "x": a file, exported
        e("export_onnx(example_length)", lambda v: export_onnx(MODULE, onnx, v)),
        e("check_onnx(module)", lambda v: check_onnx(v, onnx, 2)),
        e("check_onnx(path)", lambda v: check_onnx(MODULE, v, 2)),
        e("check_onnx(max_length)", lambda v: check_onnx(MODULE, onnx, v)),  # refused before the file is read
        # proofs_check
        e("exhaustive_check(alphabet)", lambda v: exhaustive_check(v, [dfa_decider(ODD_A), dfa_decider(ODD_A)], 2)),
        e("exhaustive_check(deciders)", lambda v: exhaustive_check(AB, v, 2)),
        e("exhaustive_check(decider)", lambda v: exhaustive_check(AB, [dfa_decider(ODD_A), v], 2)),
        e("exhaustive_check(max_len)", lambda v: exhaustive_check(AB, [dfa_decider(ODD_A), dfa_decider(ODD_A)], v)),
        e("exhaustive_check(chunk)", lambda v: exhaustive_check(AB, [dfa_decider(ODD_A)] * 2, 2, v)),
        e("exhaustive_check(limit_words)", lambda v: exhaustive_check(AB, [dfa_decider(ODD_A)] * 2, 2,
                                                                      limit_words=v)),
        e("exhaustive_check(device)", lambda v: exhaustive_check(AB, [dfa_decider(ODD_A)] * 2, 2, device=v)),
        e("dfa_decider(dfa)", dfa_decider),
        e("dfa_decider(name)", lambda v: dfa_decider(ODD_A, v)),
        e("program_decider(program)", program_decider),
        e("uhat_decider(net)", uhat_decider),
        e("uhat_decider(dtype)", lambda v: uhat_decider(PACKED, "UHAT", v)),
        e("uhat_decider(device)", lambda v: uhat_decider(PACKED, "UHAT", "float64", v)),
        e("rnn_decider(run_prefixes)", lambda v: rnn_decider(v, "RNN")),
        e("trace(task)", lambda v: trace(v, "0a#1b#", n=1)),
        e("trace(word)", lambda v: trace("counter", v, n=1)),
        e("trace(n)", lambda v: trace("counter", "0a#1b#", n=v)),
        e("trace(variant)", lambda v: trace("counter", "0a#1b#", n=1, variant=v)),
        e("trace(form)", lambda v: trace("counter", "0a#1b#", n=1, form=v)),
        e("trace(net)", lambda v: trace("counter", "0a#1b#", n=1, net=v)),
        # automata.ltl
        e("ltl parse(text)", parse),
        e("ltl parse(alphabet)", lambda v: parse("a S b", v)),
        e("ltl to_text(formula)", to_text),
        e("ltl to_latex(formula)", to_latex),
        e("ltl size(formula)", ltl_formula.size),
        e("ltl dag_size(formula)", ltl_formula.dag_size),
        e("ltl core_size(formula)", ltl_formula.core_size),
        e("ltl temporal_count(formula)", ltl_formula.temporal_count),
        e("ltl holds(formula)", lambda v: holds(v, AB, WORDS)),
        e("ltl holds(alphabet)", lambda v: holds(LTL, v, WORDS)),
        e("ltl holds(words)", lambda v: holds(LTL, AB, v)),
        e("ltl accepts(words)", lambda v: ltl_accepts(LTL, AB, v)),
        e("ltl accepts_word(formula)", lambda v: accepts_word(v, AB, "ab")),
        e("ltl accepts_word(alphabet)", lambda v: accepts_word(LTL, v, "ab")),
        e("ltl accepts_word(word)", lambda v: accepts_word(LTL, AB, v)),
        e("ltl_to_dfa(formula)", lambda v: ltl_to_dfa(v, AB)),
        e("ltl_to_dfa(alphabet)", lambda v: ltl_to_dfa(LTL, v)),
        e("ltl_to_dfa(method)", lambda v: ltl_to_dfa(LTL, AB, method=v)),
    ]


#: Entries of proofs_check/suite.py and table.py (the member and the size table).
def _others() -> list[Entry]:
    return [
        Entry("suite.build(family)", lambda v: build(v, 1, "full")),
        Entry("suite.build(n)", lambda v: build(COUNTER_FAMILY, v, "full")),
        Entry("suite.build(variant)", lambda v: build(COUNTER_FAMILY, 1, v)),
        Entry("suite.verify(member)", lambda v: verify(v, 2)),
        Entry("suite.verify(max_len)", lambda v: verify(_member(), v)),
        Entry("table.size_table(family)", lambda v: size_table(v, [1], "full")),
        Entry("table.size_table(ns)", lambda v: size_table(COUNTER_FAMILY, v, "full")),
        Entry("table.size_table(variant)", lambda v: size_table(COUNTER_FAMILY, [1], v)),
    ]


@lru_cache(maxsize=None)
def _member() -> Any:
    """The counter n = 1 member, built once."""
    return build(COUNTER_FAMILY, 1, "full")


class _Hang(BaseException):
    """Raised by the alarm: not an Exception, so library code cannot swallow it."""


def _alarm(signum: int, frame: object) -> None:
    raise _Hang()


def _outcome(call: Callable[[Any], object], value: object) -> str | None:
    """None when ``call(value)`` returns or raises a SuccinctError, else what went wrong."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        call(value)
    except SuccinctError as err:
        if "\n" in str(err).strip():
            return f"{type(err).__name__} message is not one line: {str(err)[:80]!r}"
        return None
    except _Hang:
        return f"no answer within {CALL_SECONDS:.0f} s"
    except Exception as err:  # noqa: BLE001 - the point: anything else is a finding
        return f"{type(err).__name__}: {str(err)[:100]}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return None


def _failures(entry: Entry, values: dict[str, object]) -> Iterator[str]:
    for label, value in values.items():
        if label in entry.valid:
            continue
        problem = _outcome(entry.call, value)
        if problem is not None:
            yield f"{entry.name} <- {label}: {problem}"


_NAMES = [entry.name for entry in _entries("/nonexistent")]
_OTHER_NAMES = [entry.name for entry in _others()]


@pytest.fixture(scope="module")
def entries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Entry]:
    tmp = str(tmp_path_factory.mktemp("api_arguments"))
    return {entry.name: entry for entry in [*_entries(tmp), *_others()]}


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths the bad values name ("x") are written in a scratch folder."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", _NAMES)
def test_bad_arguments_give_typed_errors(name: str, entries: dict[str, Entry]) -> None:
    problems = list(_failures(entries[name], BAD))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", _OTHER_NAMES)
def test_bad_arguments_suite_and_table(name: str, entries: dict[str, Entry]) -> None:
    problems = list(_failures(entries[name], BAD))
    assert not problems, "\n".join(problems)


#: Entries that take a word or a batch, for random nested values.
_WORD_ENTRIES = ("encode_word(word)", "as_word(word)", "DFA.accepts(word)", "DFA.run(words)",
                 "CounterTask.accepts(word)", "RetrievalTask.answer(input)", "interpreter.accepts(words)",
                 "interpreter.evaluate_word(word)", "run_exact(word)", "pad_words(words)", "ltl holds(words)",
                 "ltl accepts_word(word)", "UHATModule(words)", "RNNModule(words)", "check_codes(words)")

_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=3), st.binary(max_size=2), st.sampled_from(["a", "b", "0", "#"]))
_NESTED = st.recursive(_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner)),
                       max_leaves=12)
_ARRAYS = st.one_of(
    st.builds(lambda x, d: np.asarray(x, dtype=np.int64).astype(d), st.lists(st.lists(st.integers(-2, 3), min_size=2, max_size=2),
                                                            max_size=3),
              st.sampled_from([np.int64, np.int8, np.uint8, np.float32, np.bool_, object])),
    st.builds(lambda shape: np.zeros(shape, dtype=np.int64), st.lists(st.integers(0, 2), max_size=4).map(tuple)),
    st.builds(lambda x: torch.tensor(x), st.lists(st.lists(st.integers(-2, 3), min_size=2, max_size=2),
                                                  min_size=1, max_size=3)),
)


@given(name=st.sampled_from(_WORD_ENTRIES), value=st.one_of(_NESTED, _ARRAYS))
def test_random_words_give_typed_errors(name: str, value: object) -> None:
    entry = next(e for e in _entries("/nonexistent") if e.name == name)
    problem = _outcome(entry.call, value)
    assert problem is None, f"{name} <- {value!r}: {problem}"
