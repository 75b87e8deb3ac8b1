"""The RNN lower bound of [WDL] Thm 4.6 as a measured number: the distinct rows of the answer matrix.

One-way communication / Myhill–Nerode (docs/tutorial.md §8). Split each input into its data part α
(``<s> x_1..x_n``) and its query part β (the rest). After α, everything a deterministic RNN does —
reading β, any chain of thought, the answer — depends only on (s(α), β). So its state set has at least
R(n) states, R(n) = the number of distinct rows of ``Ans[α][β]`` (the answer, or ⊥ where α·β is not a
valid input), and B ≥ log2 R(n) bits, with any CoT. α ranges over the task's data space (for AR: the
valid data parts, keys a permutation — an invalid one would add only the all-⊥ row), β over all query
parts (``task.query_space()`` of them).

* :func:`count_rows` — R(n) by enumeration (vectorised, refuses over ``MAX_CELLS`` cells);
* :func:`closed_form_rows` — Index |Σ|^n, AR n^(n/2), Counting C(n+k−1, k−1); None for c-gram;
* :func:`rows_lower_bound` — the closed form, or for c-gram the proved bound n!;
* :func:`log2_rows` — log2 of :func:`rows_lower_bound` (exact integer arithmetic, then one log2);
* :func:`dfa_rows` — the cross-check: distinct states of the minimal DFA of ``L_n`` after the data part.

>>> from tasks.retrieval import CountingTask
>>> count_rows(CountingTask(3)), closed_form_rows(CountingTask(3))
(10, 10)
"""
from __future__ import annotations

import math

import numpy as np

from automata.errors import ParameterError
from tasks.retrieval_base import RetrievalTask, approx

MAX_CELLS = 50_000_000  # count_rows: data parts × query parts
CHUNK_CELLS = 1 << 20  # cells per enumeration chunk
MAX_DFA_CELLS = 100_000  # dfa_rows: data parts × query parts (the reference automaton is a trie, explored in Python)


def answer_matrix(task: RetrievalTask, data_start: int, data_stop: int) -> np.ndarray:
    """Rows ``data_start..data_stop−1`` of ``Ans``: ``(D', query_space)`` int64 answer symbol indices,
    ``-1`` (⊥) where the input is invalid."""
    q = task.query_space()
    codes, _ = task.encode_inputs(data_start * q, data_stop * q)
    return task.answers(codes).reshape(data_stop - data_start, q)


def _unique_rows(matrix: np.ndarray) -> np.ndarray:
    m = np.ascontiguousarray(matrix.astype(np.int32))
    return np.unique(m.view(np.dtype((np.void, m.dtype.itemsize * m.shape[1]))).ravel())


def count_rows(task: RetrievalTask, max_cells: int = MAX_CELLS) -> int:
    """R(n): the number of distinct rows of ``Ans[α][β]`` over all data parts α and query parts β,
    by enumeration in chunks; :class:`ParameterError` above ``max_cells`` cells."""
    d, q = task.data_space(), task.query_space()
    if d * q > max_cells:
        raise ParameterError(f"count_rows: {task.describe()} has {approx(d * q)} cells (data {approx(d)} × query {q}), "
                             f"over the limit {max_cells:.3g}")
    step = max(1, CHUNK_CELLS // q)
    parts = [_unique_rows(answer_matrix(task, s, min(d, s + step))) for s in range(0, d, step)]
    return int(np.unique(np.concatenate(parts)).size)


def closed_form_rows(task: RetrievalTask) -> int | None:
    """R(n) in closed form where it is known (exact integers, any n; each task's
    ``closed_form_rows`` states its proof): Index ``|Σ|^n``, AR ``n^m``, Counting ``C(n+k−1, k−1)``;
    None for c-gram (see :func:`rows_lower_bound`)."""
    return task.closed_form_rows()


def rows_lower_bound(task: RetrievalTask) -> int:
    """A proved lower bound on R(n): the closed form where known, else (c-gram) ``n!`` — the proof is
    :meth:`tasks.retrieval.CgramTask.rows_lower_bound`'s."""
    return task.rows_lower_bound()


def log2_rows(task: RetrievalTask) -> float:
    """``log2`` of :func:`rows_lower_bound` — exactly R(n)'s for Index, AR and Counting, a lower bound for
    c-gram. Integers are exact; ``math.log2`` of a big int is accurate to a float (n up to 2^16)."""
    return math.log2(rows_lower_bound(task))


def dfa_rows(task: RetrievalTask, max_states: int = 2_000_000) -> int:
    """The number of distinct states of the minimal DFA of ``L_n`` reached after the data parts —
    Myhill–Nerode: equal to :func:`count_rows` (tiny n only; the reference automaton is a trie)."""
    d, q = task.data_space(), task.query_space()
    if d * q > MAX_DFA_CELLS:
        raise ParameterError(f"dfa_rows: {task.describe()} has {approx(d * q)} inputs, over the limit {MAX_DFA_CELLS:.3g}")
    dfa = task.reference_dfa(max_states).complete()
    codes, _ = task.encode_inputs(0, d * q)
    state = np.full(d, dfa.start, dtype=np.int64)
    for col in codes[::q, : task.data_length].T:
        state = dfa.delta[state, col]
    return int(np.unique(state).size)


__all__ = ["MAX_CELLS", "answer_matrix", "closed_form_rows", "count_rows", "dfa_rows", "log2_rows",
           "rows_lower_bound"]
