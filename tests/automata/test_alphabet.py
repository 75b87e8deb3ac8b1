"""The word-encoding helpers."""
from __future__ import annotations

import numpy as np
import pytest

from automata.alphabet import all_words, decode_word, encode_word, show_word, split_word
from automata.errors import UnknownSymbolError


def test_encode_decode_round_trip():
    alphabet = ("0", "1", "#", "ab")
    word = ("ab", "#", "0", "1", "ab")
    codes = encode_word(word, alphabet)
    assert codes.dtype == np.int64 and codes.tolist() == [3, 2, 0, 1, 3]
    assert decode_word(codes, alphabet) == word
    assert encode_word((), alphabet).shape == (0,)


def test_unknown_symbol_message():
    with pytest.raises(UnknownSymbolError, match="position 2"):
        encode_word(("0", "2"), ("0", "1"))


def test_show_and_split():
    assert show_word(()) == "ε"
    assert show_word(("a", "b")) == "ab"
    assert show_word(("ab", "c")) == "ab c"
    assert split_word("01#", ("0", "1", "#")) == ("0", "1", "#")
    assert split_word("ab c", ("ab", "c")) == ("ab", "c")
    with pytest.raises(UnknownSymbolError):
        split_word("0x", ("0", "1"))


def test_all_words_order_and_slices():
    full = all_words(3, 3)
    assert full.shape == (27, 3) and full.dtype == np.int64
    as_tuples = [tuple(r) for r in full.tolist()]
    assert as_tuples == sorted(as_tuples) and len(set(as_tuples)) == 27
    assert np.array_equal(all_words(3, 3, 5, 11), full[5:11])
    assert all_words(3, 3, 20, 100).shape == (7, 3)
    assert all_words(0, 4).shape == (1, 0)
    assert all_words(2, 1).tolist() == [[0, 0]]


def test_doctests_of_the_automata_package():
    import doctest

    import automata.alphabet
    import automata.dfa
    import automata.implicit
    import automata.ltl.bdd
    import automata.ltl.formula
    import automata.ltl.generate
    import automata.ltl.semantics
    import automata.ltl.syntax
    import automata.ltl.to_dfa

    for module in (automata.alphabet, automata.dfa, automata.implicit, automata.ltl.bdd, automata.ltl.formula,
                   automata.ltl.generate, automata.ltl.semantics, automata.ltl.syntax, automata.ltl.to_dfa):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
