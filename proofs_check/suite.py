"""Verification runs shared by the CLI and the demo: a family member through every recogniser."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from automata.alphabet import Word, encode_word
from automata.errors import check_type
from constructions.rnn.torch_backend import to_torch as rnn_to_torch
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT
from proofs_check.deciders import Decider, dfa_decider, program_decider, rnn_decider, uhat_decider
from proofs_check.exhaustive import CheckReport, exhaustive_check
from proofs_check.registry import Family


DFA_RNN_MAX_UNITS = 4_096  # the one-hot DFA RNN joins verify up to this many units (its torch W is dense)


@dataclass(frozen=True)
class Member:
    """One family member with everything built: task, program, both UHATs, the RNN (if any)."""

    family: Family
    n: int
    variant: str
    task: object
    program: object
    paper: UHAT
    packed: UHAT
    rnn: object | None

    @property
    def label(self) -> str:
        return self.family.label(self.n, self.variant)


def build(fam: Family, n: int | None, variant: str | None, reference_first: bool = False) -> Member:
    """Everything of the member built. ``reference_first``: build the reference DFA (cached on the task)
    before compiling anything, so a member whose DFA is over the limit is refused at once."""
    check_type(fam, "build: the family", Family, "a Family (proofs_check.registry.family(name))")
    n, variant = fam.check(n, variant)
    task = fam.task(n, variant)
    if reference_first:
        task.reference_dfa()
    program = fam.program(n, variant)
    return Member(
        fam,
        n,
        variant,
        task,
        program,
        compile_lemma9(program),
        compile_lemma9(program, packed=True),
        fam.rnn(n, variant) if fam.rnn else None,
    )


def _direct_decider(task) -> Decider:
    """The task's own membership test on whole words (no automaton built): for a few words of members whose
    minimal DFA is too large to build (counter n = 20: (n+2)·2^(n+1) − n ≈ 46M states)."""
    from automata.alphabet import decode_word

    def run(words: np.ndarray) -> np.ndarray:
        return np.array([task.accepts(decode_word(w, task.alphabet)) for w in words], dtype=bool)

    return Decider("reference (direct)", False, run)


def deciders(m: Member, dtype: str = "float64", device: str = "cpu", torch_rnn: bool = True,
             dfa: bool = True) -> list[Decider]:
    """Every recogniser of the member as a batch decider: the reference (its minimal DFA, or with ``dfa=False``
    the task's direct membership test), the interpreter, both UHATs, the RNN (exact and torch)."""
    out = [
        dfa_decider(m.task.reference_dfa()) if dfa else _direct_decider(m.task),
        program_decider(m.program),
        uhat_decider(m.paper, "UHAT paper", dtype, device),
        uhat_decider(m.packed, "UHAT packed", dtype, device),
    ]
    rnns = [(m.rnn, "RNN")] if m.rnn is not None else []
    if dfa and m.family.dfa_rnn:
        from constructions.library.dfa_rnn import dfa_to_rnn, predicted_units

        reference = m.task.reference_dfa()
        if predicted_units(reference) <= DFA_RNN_MAX_UNITS:  # above it the one-hot RNN is left out (its
            rnns.append((dfa_to_rnn(reference), "RNN one-hot DFA"))  # name is then missing from the report)
    for rnn, name in rnns:
        out.append(rnn_decider(rnn.run_prefixes, name))
        if torch_rnn:
            out.append(rnn_decider(_torch_run(rnn_to_torch(rnn, dtype, device)), name + " torch"))
    return out


def _torch_run(module):
    def run(words: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return module(torch.from_numpy(words).to(module.device)).cpu().numpy()

    return run


def verify(m: Member, max_len: int, dtype: str = "float64", device: str = "cpu", progress: bool = False) -> CheckReport:
    """Every recogniser of ``m`` on all words up to ``max_len`` (:func:`proofs_check.exhaustive.exhaustive_check`)."""
    check_type(m, "verify: the member", Member, "a Member (proofs_check.suite.build(...))")
    return exhaustive_check(m.task.alphabet, deciders(m, dtype, device), max_len, progress=progress, device=device)


@dataclass(frozen=True)
class WordVerdicts:
    word: Word
    verdicts: tuple[tuple[str, bool], ...]

    @property
    def unanimous(self) -> bool | None:
        vals = {v for _, v in self.verdicts}
        return vals.pop() if len(vals) == 1 else None


def judge(m: Member, words: Sequence[Word], dtype: str = "float64", dfa: bool = True) -> list[WordVerdicts]:
    """Whole-word verdicts of every recogniser on words of one or several lengths (``dfa``: see
    :func:`deciders`)."""
    ds = deciders(m, dtype, dfa=dfa)
    out: list[WordVerdicts] = []
    by_len: dict[int, list[Word]] = {}
    for w in words:
        by_len.setdefault(len(w), []).append(tuple(w))
    for group in by_len.values():
        codes = np.stack([encode_word(w, m.task.alphabet) for w in group])
        verdicts = [d.whole(codes) for d in ds]
        for r, w in enumerate(group):
            out.append(WordVerdicts(w, tuple((d.name, bool(v[r])) for d, v in zip(ds, verdicts))))
    return out


def single_symbol_changes(word: Word, alphabet: Sequence[str]) -> list[Word]:
    return [word[:p] + (a,) + word[p + 1 :] for p in range(len(word)) for a in alphabet if a != word[p]]

