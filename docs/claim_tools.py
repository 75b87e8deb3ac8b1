"""Helpers for the prose claims of docs/claims_*.py (checked by docs/check_numbers.py).

A :class:`Claim` quotes a piece of a document exactly (blanks and line breaks do not matter) and
regenerates it from the library; :func:`holds_from` finds from which n a closed form agrees with the code
on n = 1..6, so the documents can say so.
"""
from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

TIERS = ("quick", "full", "long")
NS = range(1, 7)  # every closed form is checked against the code on n = 1..6


@dataclass(frozen=True)
class Claim:
    """``text`` occurs in ``doc`` and ``compute()`` returns it (whitespace normalised)."""

    doc: str
    tier: str
    text: str
    compute: Callable[[], str]

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"claim {self.text!r}: unknown tier {self.tier!r}")


def claims(doc: str, tier: str, *pairs: tuple[str, Callable[[], str]]) -> list[Claim]:
    """Several claims of one document and tier."""
    return [Claim(doc, tier, text, fn) for text, fn in pairs]


def n_(v: int) -> str:
    """An integer with thousands separators, as the documents print them."""
    return f"{v:,}"


def slash(values: Iterable[int]) -> str:
    return " / ".join(n_(v) for v in values)


def commas(values: Iterable[int]) -> str:
    return ", ".join(n_(v) for v in values)


def holds_from(formula: Callable[[int], int], actual: Callable[[int], int], ns: Sequence[int] = NS) -> int:
    """The least n0 in ``ns`` with formula(n) == actual(n) for every n ≥ n0 in ``ns``; raises when the
    formula fails at the last n (then it does not hold at all)."""
    n0 = None
    for n in reversed(list(ns)):
        if formula(n) != actual(n):
            break
        n0 = n
    if n0 is None:
        raise AssertionError(f"the closed form fails at n = {ns[-1]}: {formula(ns[-1])} ≠ {actual(ns[-1])}")
    return n0


def qualifier(n0: int, first: int = 1) -> str:
    """How the documents state the range of a closed form: "n ≥ 1" or "n ≥ 2"."""
    return f"n ≥ {n0}" if n0 > first else f"n ≥ {first}"


@lru_cache(maxsize=None)
def run_cli(*argv: str) -> tuple[int, str, str, float]:
    """Exit status, stdout, stderr and seconds of ``succinct ARGV`` run in this process, once per argv
    (docs/check_numbers.py's transcripts share this cache with the claims)."""
    from proofs_check.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def cli(*argv: str) -> tuple[int, str]:
    """Exit status and stdout of ``succinct ARGV`` (:func:`run_cli`)."""
    code, out, _, _ = run_cli(*argv)
    return code, out


def line_with(text: str, marker: str) -> str:
    """The first line of ``text`` containing ``marker``."""
    for line in text.splitlines():
        if marker in line:
            return line
    raise AssertionError(f"no line with {marker!r} in the output")


@lru_cache(maxsize=None)
def family_member(name: str, n: int, variant: str):
    """(task, program) of a registry family member."""
    from proofs_check.registry import family

    fam = family(name)
    return fam.task(n, variant), fam.program(n, variant)


@lru_cache(maxsize=None)
def compiled(name: str, n: int, variant: str, packed: bool):
    from constructions.uhat.lemma9 import compile_lemma9

    return compile_lemma9(family_member(name, n, variant)[1], packed=packed)


@lru_cache(maxsize=None)
def retrieval_row(name: str, n: int):
    """:func:`proofs_check.retrieval_table.retrieval_row`, computed once per run."""
    from proofs_check.retrieval_table import retrieval_row as row

    return row(name, n)
