"""Symbol codes outside 0..|Σ|−1 are refused with a typed error by every batch entry point that goes
through :func:`automata.alphabet.check_codes` (issue 14: a code −1 would otherwise index the last
symbol, or no symbol, silently).

Found by ``make mutation``: letting negative codes through ``check_codes`` survived the default suite,
which only tried codes that are too large."""
from __future__ import annotations

import numpy as np
import pytest

from automata.alphabet import check_codes
from automata.dfa import DFA
from automata.errors import UnknownSymbolError
from constructions.brasp.interpreter import accepts, evaluate
from constructions.library.presets import PRESETS


@pytest.mark.parametrize("bad", [-1, -2, -(2**40), 2, 7])
def test_codes_outside_the_alphabet_are_refused(bad: int) -> None:
    words = np.array([[0, 1, 0], [1, bad, 0]])
    with pytest.raises(UnknownSymbolError, match=f"symbol code {bad} "):
        check_codes(words, ("a", "b"))
    dfa = DFA.from_table("ab", {0: {"a": 1, "b": 0}, 1: {"a": 0, "b": 1}}, 0, {1})
    for run in (dfa.run, dfa.run_prefixes):
        with pytest.raises(UnknownSymbolError):
            run(words)
    program = PRESETS["ab_plus"]()
    for fn in (evaluate, accepts):
        with pytest.raises(UnknownSymbolError):
            fn(program, words)


def test_codes_inside_the_alphabet_pass_unchanged() -> None:
    words = np.array([[0, 1], [1, 0]], dtype=np.int32)
    out = check_codes(words, ("a", "b"))
    assert out.dtype == np.int64 and out.tolist() == [[0, 1], [1, 0]]
    assert check_codes(np.zeros((0, 3), dtype=np.int64), ("a",)).shape == (0, 3)
