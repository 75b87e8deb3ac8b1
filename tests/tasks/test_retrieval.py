"""The [WDL] retrieval tasks (tasks/retrieval.py): the spec's formats, the plain-Python ``answer`` against
the vectorised ``answers`` (hypothesis), the product space (bijective for small n), ``accepts`` against
the reference automaton and its minimal DFA, samples, the registry and the typed errors. Each
equivalence check also gets a deliberately broken twin that it must catch."""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automata.alphabet import all_words, encode_word
from automata.errors import ParameterError, SuccinctError, UnknownSymbolError
from tasks.retrieval import (N_MAX, RETRIEVAL_TASKS, ARTask, CgramTask, CountingTask, IndexTask, InvalidInputError,
                             RetrievalTask, retrieval_task)

SETTINGS = settings(max_examples=60, deadline=None, database=None, derandomize=True)
# (name, smallest n, largest n for product-space draws); AR needs even n
SIZES = {"index": (1, 7), "index-binary": (1, 12), "ar": (2, 10), "cgram": (2, 7), "cgram3": (3, 6),
         "counting": (1, 6), "counting-k2": (1, 12)}


@lru_cache(maxsize=None)
def task_of(name: str, n: int) -> RetrievalTask:
    return retrieval_task(name, n)


@st.composite
def small_tasks(draw: st.DrawFn, big: int | None = None) -> RetrievalTask:
    name = draw(st.sampled_from(sorted(SIZES)))
    lo, hi = SIZES[name]
    n = draw(st.integers(lo, big or hi))
    return task_of(name, n + (n % 2 if name == "ar" else 0))


def decode(task: RetrievalTask, row: Sequence[int]) -> tuple[str, ...]:
    return tuple(task.alphabet[int(i)] for i in row)


def reference_answer(task: RetrievalTask, word: tuple[str, ...]) -> int:
    """``answer`` as a symbol index, -1 where it raises InvalidInputError."""
    try:
        return task.index[task.answer(word)]
    except InvalidInputError:
        return -1


def first_disagreement(task: RetrievalTask, codes: np.ndarray,
                       answers: Callable[[np.ndarray], np.ndarray] | None = None) -> int | None:
    """The first row on which ``answers`` (default: the task's) and the plain-Python ``answer`` differ."""
    got = (answers or task.answers)(codes)
    for r, row in enumerate(codes.tolist()):
        if reference_answer(task, decode(task, row)) != got[r]:
            return r
    return None


# ---- the spec ------------------------------------------------------------------------------------

@pytest.mark.parametrize("task, alphabet", [
    (IndexTask(3), "<s> 1 2 3 ?1 ?2 ?3"),
    (IndexTask(3, "binary"), "<s> 0 1 ?1 ?2 ?3"),
    (ARTask(4), "<s> 1 2 3 4 k1 k2"),
    (CgramTask(3), "<s> 1 2 3"),
    (CgramTask(3, 3), "<s> 1 2 3"),
    (CountingTask(2, 3), "<s> 1 2 3 #0 #1 #2 no yes"),
])
def test_alphabet_order(task: RetrievalTask, alphabet: str) -> None:
    assert task.alphabet == tuple(alphabet.split())
    assert set(task.answer_symbols) <= set(task.alphabet)


@pytest.mark.parametrize("task, lengths, answers", [
    (IndexTask(5), (7, 6), 5), (IndexTask(5, "binary"), (7, 6), 2), (ARTask(6), (8, 7), 6),
    (CgramTask(5), (7, 6), 5), (CgramTask(5, 3), (8, 6), 5), (CountingTask(5), (8, 6), 2),
])
def test_lengths(task: RetrievalTask, lengths: tuple[int, int], answers: int) -> None:
    assert (task.input_length, task.data_length) == lengths
    assert len(task.answer_symbols) == answers


def test_values() -> None:
    b, r, a, c = IndexTask(3, "binary"), IndexTask(3), ARTask(4), CountingTask(3, 2)
    assert [b.value(s) for s in ("<s>", "0", "1", "?3")] == [0, 1, 2, 3]
    assert [r.value(s) for s in ("1", "3", "?2")] == [1, 3, 2]
    assert [a.value(s) for s in ("4", "k2")] == [4, 2]
    assert [c.value(s) for s in ("2", "#0", "#3", "no", "yes")] == [2, 0, 3, 0, 1]
    assert c.values.tolist() == [c.value(s) for s in c.alphabet]
    with pytest.raises(UnknownSymbolError):
        r.value("?4")


@pytest.mark.parametrize("task, text, expected", [
    (IndexTask(3), "<s> 2 3 1 ?1", "2"),
    (IndexTask(4, "binary"), "<s> 0 1 1 0 ?4", "0"),
    (ARTask(4), "<s> k2 3 k1 4 k2", "3"),
    (ARTask(4), "<s> k2 3 k1 4 k1", "4"),
    (CgramTask(4), "<s> 1 2 1 3 1", "2"),  # the first occurrence
    (CgramTask(5, 3), "<s> 4 1 2 4 1 4 1", "2"),
    (CountingTask(3), "<s> 1 2 1 1 #1", "yes"),
    (CountingTask(3), "<s> 1 2 1 1 #2", "no"),  # more than t: strict
    (CountingTask(3), "<s> 1 2 1 3 #0", "no"),
])
def test_answer_examples(task: RetrievalTask, text: str, expected: str) -> None:
    word = tuple(text.split())
    assert task.answer(word) == expected
    assert task.alphabet[task.answers(encode_word(word, task.alphabet)[None])[0]] == expected
    assert task.accepts(word + (expected,))


# ---- answer ≡ answers ----------------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_answer_matches_answers_on_product_space(data: st.DataObject) -> None:
    task = data.draw(small_tasks())
    start = data.draw(st.integers(0, task.input_space() - 1))
    codes, valid = task.encode_inputs(start, min(task.input_space(), start + 8))
    assert first_disagreement(task, codes) is None
    assert (valid == (task.answers(codes) >= 0)).all()


@SETTINGS
@given(data=st.data())
def test_answer_matches_answers_on_arbitrary_words(data: st.DataObject) -> None:
    """Words of the input length over the whole alphabet (mostly invalid), and valid ones with a few
    symbols changed: answer raises InvalidInputError exactly where answers gives -1."""
    task = data.draw(small_tasks())
    k, length = len(task.alphabet), task.input_length
    rows = [data.draw(st.lists(st.integers(0, k - 1), min_size=length, max_size=length))]
    base = task.sample_inputs(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))), 1)[0].tolist()
    for _ in range(data.draw(st.integers(0, 2))):
        base[data.draw(st.integers(0, length - 1))] = data.draw(st.integers(0, k - 1))
    rows.append(base)
    assert first_disagreement(task, np.array(rows, dtype=np.int64)) is None


@SETTINGS
@given(task=small_tasks(big=40), seed=st.integers(0, 2**32 - 1))
def test_answer_matches_answers_on_random_valid_inputs(task: RetrievalTask, seed: int) -> None:
    codes = task.sample_inputs(np.random.default_rng(seed), 16)
    assert (task.valid_rows(codes)).all()
    assert first_disagreement(task, codes) is None


@pytest.mark.parametrize("name, broken", [
    ("index", lambda t, c: np.where(c[:, -1] == t.index["?1"], c[:, 2], t.answers(c))),  # ?1 reads x_2
    ("ar", lambda t, c: c[:, 2]),  # always the first value
    ("cgram", lambda t, c: np.where(t.answers(c) >= 0, c[:, t.n], -1)),  # always x_n
    ("counting", lambda t, c: np.where(t.answers(c) == t.index["yes"], t.index["no"], t.index["yes"])),
])
def test_equivalence_check_catches_a_wrong_answers(name: str, broken: Callable) -> None:
    task = task_of(name, 4)
    codes, _ = task.encode_inputs(0, task.input_space())
    assert first_disagreement(task, codes) is None
    assert first_disagreement(task, codes, lambda c: broken(task, c)) is not None


# ---- the product space ---------------------------------------------------------------------------

def covers_bijectively(task: RetrievalTask) -> bool:
    """The product space's rows are distinct, and its valid rows are exactly the valid words of the
    input length (all words enumerated; the domain test checked against ``answer`` above)."""
    total = task.input_space()
    codes, valid = task.encode_inputs(0, total)
    if len(np.unique(codes, axis=0)) != total:
        return False
    words = all_words(task.input_length, len(task.alphabet))
    everything = words[task.valid_rows(words)]
    return len(everything) == valid.sum() and len(np.unique(np.vstack((everything, codes[valid])), axis=0)) == valid.sum()


@pytest.mark.parametrize("task, size", [
    (IndexTask(3), 3**3 * 3), (IndexTask(2), 2**2 * 2), (IndexTask(3, "binary"), 2**3 * 3), (ARTask(2), 1 * 2 * 1),
    (ARTask(4), 2 * 4**2 * 2), (CgramTask(3), 3**4), (CgramTask(3, 3), 3**5), (CountingTask(2), 2**2 * 2 * 3),
    (CountingTask(3), 3**3 * 3 * 4), (CountingTask(3, 2), 2**3 * 2 * 4),
])
def test_encode_inputs_bijective(task: RetrievalTask, size: int) -> None:
    assert task.input_space() == size == task.data_space() * task.query_space()
    assert covers_bijectively(task)
    codes, valid = task.encode_inputs(0, size)
    parts = [task.encode_inputs(s, min(size, s + 7)) for s in range(0, size, 7)]
    assert np.array_equal(codes, np.vstack([p[0] for p in parts]))
    assert np.array_equal(valid, np.concatenate([p[1] for p in parts]))
    assert codes.dtype == np.int64 and codes.shape == (size, task.input_length) and valid.dtype == np.bool_


def test_bijection_check_catches_a_collision() -> None:
    @dataclasses.dataclass(frozen=True)
    class Clamped(IndexTask):
        def _digits_to_codes(self, digits: np.ndarray) -> np.ndarray:
            return super()._digits_to_codes(np.minimum(digits, 1))  # data values 3 never produced

    assert covers_bijectively(IndexTask(3)) and not covers_bijectively(Clamped(3))


def test_ar_product_space_order() -> None:
    """Data digit 0 = the key order's lexicographic rank, then v_1..v_m, then the query key."""
    t = ARTask(4)
    codes, _ = t.encode_inputs(0, t.input_space())
    words = [" ".join(decode(t, row)) for row in codes.tolist()]
    assert words[:3] == ["<s> k1 1 k2 1 k1", "<s> k1 1 k2 1 k2", "<s> k1 1 k2 2 k1"]
    assert words[32] == "<s> k2 1 k1 1 k1" and words[-1] == "<s> k2 4 k1 4 k2"


# ---- the language --------------------------------------------------------------------------------

@st.composite
def words_near(draw: st.DrawFn, task: RetrievalTask) -> tuple[str, ...]:
    """A word of L_n, then up to two symbol changes, sometimes a cut or an extra symbol."""
    row = task.sample_inputs(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), 1)[0]
    word = list(decode(task, row)) + [task.answer(decode(task, row))]
    for _ in range(draw(st.integers(0, 2))):
        word[draw(st.integers(0, len(word) - 1))] = draw(st.sampled_from(task.alphabet))
    edit = draw(st.sampled_from(("none", "none", "cut", "extend")))
    if edit == "cut":
        word = word[: draw(st.integers(1, len(word) - 1))]
    elif edit == "extend":
        word.append(draw(st.sampled_from(task.alphabet)))
    return tuple(word)


TINY = [("index", 2), ("index", 3), ("index-binary", 3), ("ar", 4), ("cgram", 3), ("cgram3", 4), ("counting", 2),
        ("counting-k2", 3)]


@SETTINGS
@given(data=st.data())
def test_accepts_matches_reference_automaton(data: st.DataObject) -> None:
    name, n = data.draw(st.sampled_from(TINY))
    task = task_of(name, n)
    word = data.draw(words_near(task))
    got = task.accepts(word)
    assert got == task.reference().accepts(word)
    assert got == bool(task.reference_dfa().run(encode_word(word, task.alphabet)[None])[0])


def language_disagreement(task: RetrievalTask, accepts: Callable[[tuple[str, ...]], bool]) -> tuple[str, ...] | None:
    """The first word (all words of the language's length, in order) where ``accepts`` and the minimal
    DFA of the reference automaton differ."""
    words = all_words(task.input_length + 1, len(task.alphabet))
    expected = task.reference_dfa().run(words)
    for row, ok in zip(words.tolist(), expected):
        if accepts(decode(task, row)) != ok:
            return decode(task, row)
    return None


@pytest.mark.parametrize("name, n", [("index", 2), ("index-binary", 2), ("ar", 2), ("cgram", 2), ("counting", 1)])
def test_accepts_equals_reference_dfa_on_all_words(name: str, n: int) -> None:
    task = task_of(name, n)
    assert language_disagreement(task, task.accepts) is None
    assert language_disagreement(task, lambda w: task.accepts(w[:-1] + (w[-2],))) is not None  # broken twin


@pytest.mark.parametrize("name", sorted(RETRIEVAL_TASKS))
@pytest.mark.parametrize("n", [3, 4, 8, 33])
def test_samples_are_classified_correctly(name: str, n: int) -> None:
    task = task_of(name, n + (n % 2 if name == "ar" else 0))
    s = task.samples()
    assert s.positive and s.negative and s.near_miss
    assert all(task.accepts(w) for w in s.positive)
    assert not any(task.accepts(w) for w in s.negative + s.near_miss)
    assert all(len(w) == task.input_length + 1 for w in s.near_miss)


def test_largest_n() -> None:
    task = IndexTask(N_MAX)
    word = decode(task, task.sample_inputs(np.random.default_rng(1), 1)[0])
    assert task.accepts(word + (task.answer(word),))
    assert task.lower_bounds()[0].value == N_MAX * 16


# ---- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda: IndexTask(0), lambda: IndexTask(N_MAX + 1), lambda: IndexTask(True), lambda: IndexTask(2.0),
    lambda: IndexTask(3, "ternary"), lambda: ARTask(3), lambda: ARTask(0), lambda: CgramTask(1),
    lambda: CgramTask(2, 3), lambda: CgramTask(5, 4), lambda: CountingTask(0), lambda: CountingTask(3, 0),
    lambda: retrieval_task("nope", 3), lambda: retrieval_task("index", 3, c=2),
    lambda: IndexTask(3).encode_inputs(0, 82), lambda: IndexTask(3).encode_inputs(5, 4),
    lambda: IndexTask(3).encode_inputs(-1, 2), lambda: IndexTask(40).encode_inputs(0, 1),
    lambda: IndexTask(3).answers(np.zeros((2, 4), dtype=np.int64)), lambda: IndexTask(3).answers(np.zeros(5)),
])
def test_parameter_errors(build: Callable[[], object]) -> None:
    with pytest.raises(ParameterError) as info:
        build()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("task, text, error", [
    (IndexTask(3), "<s> 1 2 3", InvalidInputError),  # too short
    (IndexTask(3), "<s> 1 2 3 ?1 ?1", InvalidInputError),  # too long
    (IndexTask(3), "<s> 1 ?2 3 ?1", InvalidInputError),  # a query in the data
    (IndexTask(3), "1 1 2 3 ?1", InvalidInputError),  # no <s>
    (IndexTask(3), "<s> 1 2 3 3", InvalidInputError),  # data as the query
    (IndexTask(3), "<s> 1 2 3 ?4", UnknownSymbolError),
    (ARTask(4), "<s> k1 1 k1 2 k1", InvalidInputError),  # keys not a permutation
    (ARTask(4), "<s> 1 k1 2 k2 k1", InvalidInputError),  # key and value swapped
    (CgramTask(4), "<s> 1 2 3 4 4", InvalidInputError),  # x_n has no successor
    (CgramTask(4, 3), "<s> 1 2 3 4 2 1", InvalidInputError),
    (CountingTask(3), "<s> 1 2 3 #1 #1", InvalidInputError),
    (CountingTask(3, 2), "<s> 1 2 3 1 #1", UnknownSymbolError),
])
def test_invalid_inputs(task: RetrievalTask, text: str, error: type) -> None:
    word = tuple(text.split())
    with pytest.raises(error):
        task.answer(word)
    assert issubclass(error, SuccinctError)
    if error is InvalidInputError:
        assert not task.accepts(word + (task.answer_symbols[0],))
        if len(word) == task.input_length:
            assert task.answers(encode_word(word, task.alphabet)[None])[0] == -1
    else:
        with pytest.raises(UnknownSymbolError):
            task.accepts(word)


# ---- registry and metadata -----------------------------------------------------------------------

def test_registry() -> None:
    assert list(RETRIEVAL_TASKS) == ["index", "index-binary", "ar", "cgram", "cgram3", "counting", "counting-k2"]
    expect = {"index": (IndexTask, {"n": 4, "variant": "range"}), "index-binary": (IndexTask, {"n": 4, "variant": "binary"}),
              "ar": (ARTask, {"n": 4}), "cgram": (CgramTask, {"n": 4, "c": 2}), "cgram3": (CgramTask, {"n": 4, "c": 3}),
              "counting": (CountingTask, {"n": 4, "k": 4}), "counting-k2": (CountingTask, {"n": 4, "k": 2})}
    for name, entry in RETRIEVAL_TASKS.items():
        assert entry.name == name and entry.summary and "\n" not in entry.summary
        task = retrieval_task(name, 4)
        assert (type(task), dict(task.params)) == expect[name]
        assert task.citation.paper.startswith("[WDL] Wen, Dang, Lyu, ICLR 2025") and "Thm 4.6" in task.citation.result
        (bound,) = task.lower_bounds()
        assert bound.measure == "RNN state bits" and bound.value > 0 and "Myhill" in bound.reason


def test_frozen_and_hashable() -> None:
    t = IndexTask(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.n = 4  # type: ignore[misc]
    assert t == IndexTask(3) and hash(t) == hash(IndexTask(3)) and t != IndexTask(3, "binary")
    assert CountingTask(3) == CountingTask(3, 3)
