"""Parsing helpers shared by the CLI's parser and its commands (kept out of cli.py so that the command
modules never import the CLI itself)."""
from __future__ import annotations

from automata.errors import ParameterError

RANGE_MAX = 100_000  # values in one LO..HI range (checked before the list is built)


def parse_range(text: str, lo_bound: int | None = None, hi_bound: int | None = None) -> list[int]:
    """'3' → [3]; '1..6' → [1, …, 6]. The bounds (and :data:`RANGE_MAX`) are checked before any list is
    built, so a range like 1..10**12 is refused at once."""
    try:
        lo_s, hi_s = text.split("..", 1) if ".." in text else (text, text)
        lo, hi = int(lo_s), int(hi_s)
    except ValueError:
        raise ParameterError(f"bad range {text!r}; write N or LO..HI") from None
    if hi < lo:
        raise ParameterError(f"empty range {text!r}; write N or LO..HI with LO ≤ HI")
    if (lo_bound is not None and lo < lo_bound) or (hi_bound is not None and hi > hi_bound):
        raise ParameterError(f"range {text!r} is outside {lo_bound}..{hi_bound}")
    if hi - lo + 1 > RANGE_MAX:
        raise ParameterError(f"range {text!r} has {hi - lo + 1:,} values; at most {RANGE_MAX:,}")
    return list(range(lo, hi + 1))


__all__ = ["RANGE_MAX", "parse_range"]
