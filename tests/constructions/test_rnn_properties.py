"""Property: the DFA → RNN constructions recognise their DFA's language (docs/theory.md §7; [BCL] §2.4).

On hypothesis-drawn DFAs (partial ones and bisimilar blow-ups included) and random words of lengths
1..8 plus every word of length ≤ 4, acceptance after every prefix agrees with the DFA for

* the one-hot (Minsky) Elman RNN ``dfa_to_rnn`` (on the trimmed DFA and, ``trim=False``, on the DFA
  as given) — exact run and the float64 torch module;
* the compact O(√m) DeepRNN ``dfa_to_compact_rnn`` (on the completed DFA and, ``reduce=True``, on the
  minimal one) — exact run and the float64 torch module.

Planted bugs in the real constructions (the one-hot ReLU units' bias −1 dropped; the compact
read-out's threshold |F| off by one) must make the property fail, with a counterexample.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, note
from hypothesis import strategies as st

from automata.alphabet import all_words, decode_word, show_word
from automata.dfa import DFA
from automata.errors import DtypeError
from constructions.exact import Affine
from constructions.library import dfa_rnn, dfa_rnn_compact
from constructions.library.dfa_rnn import dfa_to_rnn
from constructions.library.dfa_rnn_compact import CompactLayout, dfa_to_compact_rnn
from constructions.rnn.deep_torch import deep_to_torch
from constructions.rnn.torch_backend import to_torch
from tests.strategies import counterexample, dfas, words

pytestmark = pytest.mark.usefixtures("one_torch_thread")
SHORT = 4  # every word up to this length is checked too (≤ 120 words)


@st.composite
def cases(draw: st.DrawFn) -> tuple[DFA, np.ndarray]:
    """A DFA and a batch of words over its alphabet (one length in 1..8)."""
    d = draw(dfas())
    return d, draw(words(len(d.alphabet), 1, 8, 8))


CASES = cases()


def constructions(d: DFA) -> dict[str, tuple[object, torch.nn.Module]]:
    """Each construction's RNN with its float64 torch module."""
    out: dict[str, tuple[object, torch.nn.Module]] = {}
    for trim in (True, False):
        rnn = dfa_to_rnn(d, trim=trim)
        out[f"one-hot trim={trim}"] = (rnn, to_torch(rnn, "float64"))
    for reduce in (False, True):
        deep = dfa_to_compact_rnn(d, reduce=reduce)
        out[f"compact reduce={reduce}"] = (deep, deep_to_torch(deep, "float64"))
    return out


def _first_mismatch(label: str, batch: np.ndarray, got: np.ndarray, want: np.ndarray, d: DFA) -> str | None:
    bad = np.argwhere(got != want)
    if bad.size == 0:
        return None
    row, pos = (int(x) for x in bad[0])
    return (f"{label}: prefix {show_word(decode_word(batch[row, : pos + 1], d.alphabet))}: "
            f"RNN {bool(got[row, pos])}, DFA {bool(want[row, pos])}")


def mismatches(d: DFA, batch: np.ndarray) -> list[str]:
    """Where a construction's prefix verdicts differ from the DFA's (exact run and torch module), on
    ``batch`` and every word of length 1..SHORT; a torch run refused as inexact counts as a mismatch."""
    k = len(d.alphabet)
    batches = [batch, *(all_words(n, k) for n in range(1, SHORT + 1))]
    out: list[str | None] = []
    for name, (rnn, module) in constructions(d).items():
        for w in batches:
            want = d.run_prefixes(w)
            out.append(_first_mismatch(f"{name} exact", w, rnn.run_prefixes(w), want, d))  # type: ignore[attr-defined]
            try:
                with torch.no_grad():
                    got = module(torch.from_numpy(w)).numpy()
            except DtypeError as err:
                out.append(f"{name} torch: {err}")
                continue
            out.append(_first_mismatch(f"{name} torch", w, got, want, d))
    return [m for m in out if m is not None]


def describe(case: tuple[DFA, np.ndarray]) -> str:
    d, batch = case
    return (f"DFA alphabet={d.alphabet} start={d.start} accepting={np.flatnonzero(d.accepting).tolist()} "
            f"delta={d.delta.tolist()}; words: {', '.join(show_word(decode_word(r, d.alphabet)) for r in batch)}")


def check_rnns(case: tuple[DFA, np.ndarray]) -> None:
    assert mismatches(*case) == []


@given(CASES)
def test_rnn_constructions_equal_their_dfa(case: tuple[DFA, np.ndarray]) -> None:
    note(describe(case))
    check_rnns(case)


# ---------------------------------------------------------------------------- planted bugs

class _AffineWithoutBias:
    """``Affine`` as dfa_rnn sees it, with ``build`` dropping the bias: the one-hot units lose their −1."""

    @staticmethod
    def build(in_dim: int, out_dim: int, entries: dict, bias: dict | None = None) -> Affine:
        return Affine.build(in_dim, out_dim, entries)


def _layout_threshold_off_by_one(original: Callable[..., CompactLayout]) -> Callable[..., CompactLayout]:
    """compact_layout with |F| one too small: the read-out |F| − number rejects the last accepting state."""

    def layout(dfa: DFA, reduce: bool = False) -> CompactLayout:
        lay = original(dfa, reduce)
        return dataclasses.replace(lay, accepting=lay.accepting - 1)

    return layout


PLANTED = {
    "one-hot bias dropped": lambda mp: mp.setattr(dfa_rnn, "Affine", _AffineWithoutBias),
    "compact threshold off by one": lambda mp: mp.setattr(
        dfa_rnn_compact, "compact_layout", _layout_threshold_off_by_one(dfa_rnn_compact.compact_layout)),
}


@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_planted_rnn_bug_is_caught(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each planted construction bug makes the property fail; the counterexample is printed,
    fails with the bug and passes once the real construction is restored."""
    tried: list[tuple[DFA, np.ndarray]] = []

    def counted(case: tuple[DFA, np.ndarray]) -> None:
        tried.append(case)
        check_rnns(case)

    with monkeypatch.context() as mp:
        PLANTED[bug](mp)
        found = counterexample(CASES, counted)
        wrong = mismatches(*found)
    assert wrong and mismatches(*found) == []
    print(f"planted bug {bug!r}: caught after {len(tried)} examples; counterexample {describe(found)}\n"
          + "\n".join(wrong[:4]))
