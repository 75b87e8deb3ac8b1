"""The measured RNN lower bound of [WDL] Thm 4.6 (tasks/retrieval_bounds.py): distinct rows of the
answer matrix by enumeration against the closed forms and against the minimal DFA (Myhill–Nerode), the
c-gram bound n!, the sample numbers of docs/results.md, the limits, and broken twins that the checks
must catch."""
from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from automata.errors import ParameterError
from tasks.retrieval import N_MAX, ARTask, CgramTask, CountingTask, IndexTask, RetrievalTask, retrieval_task
from tasks.retrieval_bounds import (answer_matrix, closed_form_rows, count_rows, dfa_rows, log2_rows,
                                    rows_lower_bound)

CLOSED = ([IndexTask(n, "binary") for n in range(1, 11)] + [IndexTask(n) for n in range(1, 6)]
          + [ARTask(n) for n in (2, 4, 6)] + [CountingTask(n) for n in range(1, 7)]
          + [CountingTask(n, 2) for n in range(1, 7)])


@pytest.mark.parametrize("task", CLOSED, ids=lambda t: f"{t.name}-{'-'.join(map(str, t.params.values()))}")
def test_count_rows_equals_closed_form(task: RetrievalTask) -> None:
    assert count_rows(task) == closed_form_rows(task) == rows_lower_bound(task)


TINY = ([IndexTask(n) for n in (1, 2, 3)] + [IndexTask(n, "binary") for n in (1, 2, 3, 4, 5)]
        + [ARTask(2), ARTask(4)] + [CgramTask(n) for n in (2, 3, 4)] + [CgramTask(3, 3), CgramTask(4, 3)]
        + [CountingTask(n) for n in (1, 2, 3)] + [CountingTask(n, 2) for n in (1, 2, 3, 4)])


@pytest.mark.parametrize("task", TINY, ids=lambda t: f"{t.name}-{'-'.join(map(str, t.params.values()))}")
def test_count_rows_equals_minimal_dfa_states_after_the_data(task: RetrievalTask) -> None:
    assert dfa_rows(task) == count_rows(task)


@pytest.mark.parametrize("n, c, rows", [(2, 2, 4), (3, 2, 18), (4, 2, 132), (5, 2, 1175), (6, 2, 12345),
                                        (3, 3, 27), (4, 3, 238), (5, 3, 2855)])
def test_cgram_rows(n: int, c: int, rows: int) -> None:
    task = CgramTask(n, c)
    assert closed_form_rows(task) is None
    assert count_rows(task) == rows >= rows_lower_bound(task) == math.factorial(n)


@pytest.mark.parametrize("n, c", [(3, 2), (5, 2), (6, 2), (3, 3), (5, 3), (6, 3)])
def test_cgram_bound_family_has_distinct_rows(n: int, c: int) -> None:
    """The proof of rows_lower_bound: data parts that are permutations of [n] have pairwise distinct rows."""
    task = CgramTask(n, c)
    base = np.array([n ** (n - 1 - i) for i in range(n)])
    perms = np.array(list(itertools.permutations(range(n))))
    data = perms @ base  # their data indices (digits x_i − 1, x_1 most significant)
    rows = np.vstack([answer_matrix(task, int(d), int(d) + 1) for d in data])
    assert len(np.unique(rows, axis=0)) == math.factorial(n)


def test_answer_matrix() -> None:
    m = answer_matrix(CgramTask(3), 0, 2)  # x = 1 1 1 and 1 1 2; queries 1, 2, 3
    assert m.tolist() == [[1, -1, -1], [1, -1, -1]]
    m = answer_matrix(IndexTask(2, "binary"), 0, 4)
    assert m.tolist() == [[1, 1], [1, 2], [2, 1], [2, 2]]


@pytest.mark.parametrize("task, bits", [
    (CountingTask(8), math.log2(6435)), (IndexTask(64), 384.0), (ARTask(64), 192.0),
    (IndexTask(N_MAX), 16.0 * N_MAX), (ARTask(N_MAX), 8.0 * N_MAX),
] + [(IndexTask(n, "binary"), float(n)) for n in (1, 7, 64, 1000)]
  + [(CountingTask(n, 2), math.log2(n + 1)) for n in (1, 64, 1000)])
def test_known_numbers(task: RetrievalTask, bits: float) -> None:
    assert log2_rows(task) == pytest.approx(bits, rel=1e-12)
    assert task.lower_bounds()[0].value == pytest.approx(bits, rel=1e-12)


def test_sample_numbers() -> None:
    assert round(log2_rows(CountingTask(8)), 2) == 12.65
    assert round(log2_rows(CountingTask(64)), 1) == 123.2
    assert closed_form_rows(CountingTask(64)) == math.comb(127, 63)
    assert closed_form_rows(IndexTask(64)) == 64**64 and closed_form_rows(ARTask(64)) == 64**32
    assert math.log2(math.factorial(64)) == pytest.approx(log2_rows(CgramTask(64)))
    assert log2_rows(CgramTask(N_MAX, 3)) > 0.9 * N_MAX * 16  # n·log2 n − O(n)


@pytest.mark.parametrize("n", [4, 6, 16, 64, 1024])
def test_cgram_bound_beats_ar_like_family(n: int) -> None:
    assert rows_lower_bound(CgramTask(n)) >= n ** (n // 2)


def test_limits() -> None:
    with pytest.raises(ParameterError, match="count_rows"):
        count_rows(CountingTask(8))
    with pytest.raises(ParameterError, match="count_rows"):
        count_rows(IndexTask(N_MAX))
    with pytest.raises(ParameterError, match="dfa_rows"):
        dfa_rows(IndexTask(6))
    assert count_rows(IndexTask(3), max_cells=81) == 27
    with pytest.raises(ParameterError):
        count_rows(IndexTask(3), max_cells=80)


def test_closed_form_check_catches_a_wrong_answers() -> None:
    @dataclasses.dataclass(frozen=True)
    class OnlyToken1(CountingTask):  # counts token 1 whatever q is
        def _raw_answers(self, codes: np.ndarray) -> np.ndarray:
            codes = codes.copy()
            codes[:, self.n + 1] = 1
            return super()._raw_answers(codes)

    assert count_rows(CountingTask(4)) == closed_form_rows(CountingTask(4)) == 35
    assert count_rows(OnlyToken1(4)) == 5 != closed_form_rows(OnlyToken1(4))


def test_dfa_check_catches_a_wrong_reference() -> None:
    @dataclasses.dataclass(frozen=True)
    class FirstOnly(IndexTask):  # the plain-Python answer (hence the reference automaton) always reads x_1
        def _answer(self, inp: tuple[str, ...]) -> str:
            return inp[1]

    assert dfa_rows(IndexTask(3)) == count_rows(IndexTask(3)) == 27
    assert dfa_rows(FirstOnly(3)) == 3 != count_rows(FirstOnly(3))


def test_registry_tasks_have_bounds() -> None:
    for name in ("index", "index-binary", "ar", "cgram", "cgram3", "counting", "counting-k2"):
        task = retrieval_task(name, 4)
        assert rows_lower_bound(task) <= count_rows(task)
        assert log2_rows(task) == pytest.approx(math.log2(rows_lower_bound(task)))
