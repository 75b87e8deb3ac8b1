"""The IsTree RNN lower bound: distinct answer rows R(n) enumerated = closed form; the fooling set."""
from __future__ import annotations

import pytest

from automata.errors import ParameterError
from tasks.istree import IsTreeTask
from tasks.istree_bounds import (answers_differ, check_fooling, closed_form_fooling, closed_form_rows, count_rows,
                                 fooling_set, log2_rows)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7])
def test_rows_enumerated_equal_closed_form(n):
    assert count_rows(n) == closed_form_rows(n)


def test_closed_form_values():
    assert [closed_form_rows(n) for n in range(2, 9)] == [1, 3, 7, 16, 32, 64, 128]
    assert log2_rows(64) == 63.0
    assert IsTreeTask(64).lower_bounds()[0].value == 63.0


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7])
def test_fooling_set_checked_pairwise(n):
    assert check_fooling(n) == closed_form_fooling(n) == len(fooling_set(n))


def test_rows_are_not_a_fooling_set_on_valid_inputs():
    # n = 3: the rows of {1–0} and {2–0} differ, yet every valid last edge completes both to a tree
    assert answers_differ(3, ((1, 0),), ((2, 0),)) is None
    assert count_rows(3) == 3 and closed_form_fooling(3) == 1


def test_a_bad_fooling_set_is_refused(monkeypatch):
    import tasks.istree_bounds as b

    monkeypatch.setattr(b, "fooling_set", lambda n: [((1, 0),), ((2, 0),)])
    with pytest.raises(ParameterError, match="not told apart"):
        b.check_fooling(3)


def test_enumeration_bounded():
    with pytest.raises(ParameterError):
        count_rows(9)


def test_a_prefix_of_the_wrong_size_is_refused(monkeypatch):
    import tasks.istree_bounds as b

    monkeypatch.setattr(b, "fooling_set", lambda n: [((1, 0), (2, 0), (3, 0))])  # n − 1 edges for n = 4
    with pytest.raises(ParameterError, match="not n − 2"):
        b.check_fooling(4)


@pytest.mark.parametrize("n", [5, 6, 7, 8])
def test_fooling_prefixes_have_n_minus_2_edges(n):
    assert all(len(set(a)) == n - 2 for a in fooling_set(n))
