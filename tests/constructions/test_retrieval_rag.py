"""The retrieval-augmented readers of :mod:`constructions.library.retrieval_rag` ([WDL] §5).

* Every valid input of small n: the reader's answer (a real ``re.search`` over the space-joined input)
  equals the task's reference; as a language, input + right answer accepted, input + every wrong answer
  rejected; invalid inputs (c-gram query absent, AR repeated key) raise / are rejected.
* Malformed words: every single-symbol substitution, deletion and insertion of sampled words, against
  :meth:`RetrievalTask.accepts`.
* The state: register widths sum to the O(log n) formula, every step is checked (a too-narrow register
  raises :class:`PrecisionError`); the longest regex matches :func:`rag_query_length`.
* Random larger inputs with hypothesis (two-digit tokens, where token-boundary guards matter); a
  Counting query on n = 5000 in linear time; broken regexes caught with a printed counterexample.
"""
from __future__ import annotations

import itertools
import math
import re
import time
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.alphabet import decode_word
from automata.errors import ParameterError, PrecisionError, UnknownSymbolError
from constructions.library.retrieval_rag import (AR_DUPLICATE, ARReader, CgramReader, CountingReader, IndexReader, RagReader,
                                                 Register, State, bl, rag_query_length, rag_state_bits,
                                                 retrieval_rag)
from tasks.retrieval import ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask
from tasks.retrieval_base import InvalidInputError

HYP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ids(task: RetrievalTask) -> str:
    return f"{task.name}-{'-'.join(map(str, task.params.values()))}"


def rows(task: RetrievalTask) -> tuple[list[tuple[str, ...]], np.ndarray, np.ndarray]:
    codes, valid = task.encode_inputs(0, task.input_space())
    return [decode_word(c, task.alphabet) for c in codes], valid, task.answers(codes)


def kind_correct_inputs(task: RetrievalTask) -> list[tuple[str, ...]]:
    """The product space's inputs; for AR every input with the right kinds (keys may repeat)."""
    if not isinstance(task, ARTask):
        return rows(task)[0]
    keys, vals = [f"k{q}" for q in range(1, task.m + 1)], task.answer_symbols
    return [("<s>",) + w for w in itertools.product(*([keys, vals] * task.m + [keys]))]


def first_disagreement(reader: RagReader, task: RetrievalTask) -> tuple[str, ...] | None:
    """The first word (a kind-correct input + some answer symbol) that the reader and the task classify
    differently."""
    for inp in kind_correct_inputs(task):
        for a in task.answer_symbols:
            if reader.accepts(inp + (a,)) != task.accepts(inp + (a,)):
                return inp + (a,)
    return None


EXHAUSTIVE = ([IndexTask(n, "binary") for n in (1, 3, 8)] + [IndexTask(n) for n in (1, 2, 4)] + [ARTask(n) for n in (2, 4, 6)]
              + [CgramTask(n, 2) for n in (2, 3, 4)] + [CgramTask(n, 3) for n in (3, 4)]
              + [CountingTask(n) for n in (1, 2, 4)] + [CountingTask(5, 2)])


@pytest.mark.parametrize("task", EXHAUSTIVE + [pytest.param(CgramTask(5, 2), marks=pytest.mark.slow),
                                              pytest.param(IndexTask(5), marks=pytest.mark.slow)], ids=ids)
def test_all_inputs_against_the_reference(task: RetrievalTask) -> None:
    reader = retrieval_rag(task)
    inputs, valid, answers = rows(task)
    longest = 0
    for inp, ok, ans in zip(inputs, valid, answers):
        if ok:
            assert reader.run(inp) == task.alphabet[ans] == task.answer(inp), inp
            longest = max(longest, *map(len, reader.queries(inp)))
            assert reader.accepts(inp + (task.alphabet[ans],))
            assert not any(reader.accepts(inp + (a,)) for a in task.answer_symbols if a != task.alphabet[ans])
        else:
            with pytest.raises(InvalidInputError):
                reader.run(inp)
            assert not any(reader.accepts(inp + (a,)) for a in task.answer_symbols)
    assert longest == reader.query_length()  # the formula is attained (and never exceeded)


@pytest.mark.parametrize("task", [IndexTask(4), ARTask(6), CgramTask(4, 2), CgramTask(4, 3), CountingTask(4)], ids=ids)
def test_one_edit_away(task: RetrievalTask) -> None:
    reader = retrieval_rag(task)
    rng = np.random.default_rng(2)
    sym = task.alphabet
    for codes in task.sample_inputs(rng, 4):
        inp = decode_word(codes, sym)
        word = inp + (task.answer(inp),)
        assert reader.accepts(word)
        near = [word[:p] + (s,) + word[p + 1:] for p in range(len(word)) for s in sym]
        near += [word[:p] + word[p + 1:] for p in range(len(word))]
        near += [word[:p] + (s,) + word[p:] for p in range(len(word) + 1) for s in sym]
        near += [word[:p] for p in range(1, len(word))]
        for w in near:
            assert reader.accepts(w) == task.accepts(w), w


def test_named_malformed_inputs() -> None:
    ar = retrieval_rag(ARTask(4))
    with pytest.raises(InvalidInputError, match="twice"):
        ar.run(("<s>", "k1", "2", "k1", "3", "k1"))
    assert ar.run(("<s>", "k2", "2", "k1", "3", "k2")) == "2"
    cg = retrieval_rag(CgramTask(3, 2))
    with pytest.raises(InvalidInputError):
        cg.run(("<s>", "1", "2", "3", "3"))  # "3" occurs only as x_n (then "3 3" would cross into the query)
    with pytest.raises(InvalidInputError):
        retrieval_rag(IndexTask(2)).run(("<s>", "1", "?1", "?1"))
    with pytest.raises(UnknownSymbolError):
        retrieval_rag(IndexTask(2)).accepts(("<s>", "9", "1", "?1", "1"))
    with pytest.raises(ParameterError):
        retrieval_rag("index")  # type: ignore[arg-type]


# ---- the state and the queries -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 64, 1000, 65536])
def test_state_bits_are_logarithmic(n: int) -> None:
    tasks = [IndexTask(n), IndexTask(n, "binary"), CountingTask(n), CountingTask(n, 2)]
    tasks += [ARTask(n + n % 2)] + [CgramTask(max(n, c), c) for c in (2, 3)]
    for task in tasks:
        reader = retrieval_rag(task)
        assert reader.state_bits == rag_state_bits(task) == sum(r.bits for r in reader.registers())
        assert reader.state_bits <= 4 * bl(task.input_length) + 2  # O(log n): at most 4 numbers ≤ L and a flag
        assert reader.query_length() <= 40 + 2 * len(str(task.n))  # O(log n) characters
    assert rag_state_bits(IndexTask(n)) == bl(n + 2) + 1 + bl(n)


def test_registers_checked_at_every_step() -> None:
    @dataclass(frozen=True)
    class Narrow(IndexReader):  # declares 2 bits for the position of a length-6 input
        def registers(self) -> tuple[Register, ...]:
            return (Register("pos", 2), Register("ok", 1), Register("i", 3))

    reader = Narrow(IndexTask(4))
    with pytest.raises(PrecisionError, match="pos = 4 exceeds its 2 bits"):
        reader.run(("<s>", "1", "2", "3", "4", "?2"))
    with pytest.raises(PrecisionError):
        retrieval_rag(IndexTask(4)).checked((0, 2, 0))  # the ok flag has one bit


@HYP
@given(st.data(), st.integers(1, 64), st.sampled_from(["range", "binary"]))
def test_random_index(data, n: int, variant: str) -> None:
    task = IndexTask(n, variant)
    xs = data.draw(st.lists(st.sampled_from(task.answer_symbols), min_size=n, max_size=n))
    inp = ("<s>", *xs, f"?{data.draw(st.integers(1, n))}")
    reader = retrieval_rag(task)
    assert reader.run(inp) == task.answer(inp)
    assert max(map(len, reader.queries(inp))) <= reader.query_length()


@HYP
@given(st.data(), st.integers(1, 32))
def test_random_ar(data, m: int) -> None:
    task = ARTask(2 * m)
    keys = list(data.draw(st.permutations(range(1, m + 1))))
    vals = data.draw(st.lists(st.integers(1, 2 * m), min_size=m, max_size=m))
    if data.draw(st.booleans()):
        keys[data.draw(st.integers(0, m - 1))] = keys[data.draw(st.integers(0, m - 1))]
    inp = ("<s>", *(s for q, v in zip(keys, vals) for s in (f"k{q}", str(v))), f"k{data.draw(st.integers(1, m))}")
    reader = retrieval_rag(task)
    if len(set(keys)) == m:
        assert reader.run(inp) == task.answer(inp)
    else:
        with pytest.raises(InvalidInputError):
            reader.run(inp)
    assert all(reader.accepts(inp + (a,)) == task.accepts(inp + (a,)) for a in task.answer_symbols)


@HYP
@given(st.data(), st.integers(3, 40), st.sampled_from([2, 3]))
def test_random_cgram(data, n: int, c: int) -> None:
    task = CgramTask(n, c)
    pool = data.draw(st.lists(st.integers(1, n), min_size=1, max_size=4))  # few values: repeated windows
    xs = [str(v) for v in data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))]
    j = data.draw(st.integers(0, n - c))
    ys = xs[j: j + c - 1] if data.draw(st.booleans()) else [str(data.draw(st.sampled_from(pool))) for _ in range(c - 1)]
    inp = ("<s>", *xs, *ys)
    reader = retrieval_rag(task)
    if task.valid_rows(np.array([[task.index[s] for s in inp]]))[0]:
        assert reader.run(inp) == task.answer(inp)
    else:
        with pytest.raises(InvalidInputError):
            reader.run(inp)


@HYP
@given(st.data(), st.integers(1, 40), st.integers(1, 40))
def test_random_counting(data, n: int, k: int) -> None:
    task = CountingTask(n, k)
    pool = data.draw(st.lists(st.integers(1, k), min_size=1, max_size=3))
    xs = data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    q = data.draw(st.sampled_from(pool))
    inp = ("<s>", *map(str, xs), str(q), f"#{data.draw(st.integers(0, n))}")
    reader = retrieval_rag(task)
    assert reader.run(inp) == task.answer(inp)


def test_counting_regex_is_linear() -> None:
    """Without the atomic group, a failing search would try exponentially many ways to pick the t + 1
    occurrences; with it, n = 5000 copies of q and t = n take milliseconds."""
    n = 5000
    task = CountingTask(n, 2)
    reader = retrieval_rag(task)
    inp = ("<s>",) + ("1",) * n + ("1", f"#{n}")
    start = time.perf_counter()
    assert reader.run(inp) == "no" and reader.run(inp[:-1] + (f"#{n - 1}",)) == "yes"
    assert time.perf_counter() - start < 5


# ---- broken regexes are caught ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexForgetsBOS(IndexReader):
    def regexes(self, query: State) -> tuple[str, ...]:
        return (r"^(?:\S+ ){%d}(\S+)" % (query[0] - 1),)  # skips i − 1 tokens: the BOS is counted as x_1


@dataclass(frozen=True)
class CountingCountsTheQuery(CountingReader):
    def regexes(self, query: State) -> tuple[str, ...]:  # no "followed by two tokens": q itself is counted
        return (r"^(?>.*?(?<!\S)%s(?!\S)){%d}" % (re.escape(str(query[0])), query[1] + 1),)


@dataclass(frozen=True)
class CgramNoLookahead(CgramReader):
    def regexes(self, query: State) -> tuple[str, ...]:  # a window may run into the query part
        return (r"(?<!\S)%s (\S+)" % " ".join(map(str, query)),)


@dataclass(frozen=True)
class CgramNoGuard(CgramReader):
    def regexes(self, query: State) -> tuple[str, ...]:  # "1" may match the tail of "11"
        return (r"%s (\S+)(?=(?: \S+){%d})" % (" ".join(map(str, query)), self.task.c - 1),)


@dataclass(frozen=True)
class ARNoDuplicateCheck(ARReader):
    def regexes(self, query: State) -> tuple[str, ...]:
        return (r"(?!)", r"(?<!\S)k%d (\S+)" % query[0])  # (?!) never matches: no validity check


@pytest.mark.parametrize("broken, task", [(IndexForgetsBOS, IndexTask(3, "binary")), (CountingCountsTheQuery, CountingTask(3)),
                                          (CgramNoLookahead, CgramTask(3, 2)), (ARNoDuplicateCheck, ARTask(4))],
                         ids=lambda x: getattr(x, "__name__", "task"))
def test_broken_regex_is_caught(broken: type, task: RetrievalTask) -> None:
    assert first_disagreement(retrieval_rag(task), task) is None
    word = first_disagreement(broken(task), task)
    assert word is not None
    print(f"{broken.__name__}: counterexample {' '.join(word)}; the task accepts it: {task.accepts(word)}; "
          f"queries {broken(task).queries(word[:-1])}")


def test_missing_token_guard_is_caught() -> None:
    task = CgramTask(12, 2)
    inp = ("<s>", "11", "2", "1", "3") + ("5",) * 8 + ("1",)
    assert task.answer(inp) == retrieval_rag(task).run(inp) == "3"
    assert CgramNoGuard(task).run(inp) == "2"  # matched the "1" inside "11"


def test_query_length_formula() -> None:
    assert IndexReader(IndexTask(100)).regexes((100,))[0] == r"^(?:\S+ ){100}(\S+)"
    assert len(IndexReader(IndexTask(100)).regexes((100,))[0]) == rag_query_length(IndexTask(100)) == 19
    assert len(CgramReader(CgramTask(100, 3)).regexes((100, 100))[0]) == rag_query_length(CgramTask(100, 3))
    assert len(CountingReader(CountingTask(99, 100)).regexes((100, 99))[0]) == rag_query_length(CountingTask(99, 100))
    assert len(ARReader(ARTask(2000)).regexes((1000,))[1]) == 18  # 14 + d(1000)
    assert rag_query_length(ARTask(2000)) == rag_query_length(ARTask(2 * 32768)) == len(AR_DUPLICATE) == 26
    for n in (10, 1000, 65536):
        assert rag_query_length(IndexTask(n)) == 16 + math.floor(math.log10(n)) + 1
