"""The closed forms of constructions.library.tiling_sizes equal the compiled witness networks."""
from __future__ import annotations

import os
from functools import lru_cache

import pytest

from automata.errors import ParameterError
from constructions.library.tiling_brasp import tiling_program
from constructions.library.tiling_sizes import compare, packed_partial, paper_size
from constructions.uhat.lemma9 import compile_lemma9
from tasks.tiling_witness import counter_witness


@lru_cache(maxsize=None)
def _built(n: int, variant: str, packed: bool):
    return compile_lemma9(tiling_program(counter_witness(n, variant)), packed=packed).size()


@pytest.mark.parametrize("n, variant", [(2, "strict"), (2, "as-stated"), (9, "strict")])
def test_paper_formula_equals_built_network(n: int, variant: str) -> None:
    # N = 9 is the first N where B_+1's increment (6N² + 2N + 27) is the widest operation
    assert compare(n, variant, _built(n, variant, False)) == ()


@pytest.mark.parametrize("n", [2, 7, 16])
@pytest.mark.parametrize("variant", ["strict", "as-stated"])
def test_packed_partial_equals_built_network(n: int, variant: str) -> None:
    assert compare(n, variant, _built(n, variant, True)) == ()


def test_wrong_formula_is_caught_with_the_measures_named() -> None:
    # the strict formula against the as-stated network: D_s's gates are missing
    diff = compare(2, "strict", _built(2, "as-stated", False))
    assert diff and any(d.startswith("relu_layers: formula 862 ≠ built 847") for d in diff), diff
    assert any(d.startswith("params:") for d in diff)


def test_closed_form_values() -> None:
    s = paper_size(16)
    assert (s.uha_layers, s.relu_layers, s.max_width) == (6 * 256 + 58 * 16 + 1557, 3 * 256 + 23 * 16 + 804, 1595)
    assert s.total_bits == 3 * s.params and s.max_bits == 3
    assert packed_partial(16).uha_layers == 83 and packed_partial(16, "as-stated").max_width == 204


@pytest.mark.parametrize("args", [(1, "strict"), (0, "strict"), (True, "strict"), (3, "odd")])
def test_bad_arguments_raise(args) -> None:
    with pytest.raises(ParameterError):
        paper_size(*args)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SUCCINCT_SLOW"), reason="minutes of CPU: set SUCCINCT_SLOW=1")
@pytest.mark.parametrize("n", [10, 11, 13, 14, 15, 16])
def test_paper_formula_large_n(n: int) -> None:
    assert compare(n, "strict", _built(n, "strict", False)) == ()
