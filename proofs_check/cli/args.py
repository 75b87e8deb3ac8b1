"""Parsing helpers shared by the CLI's parser (``main.py``) and its commands (kept out of ``main.py`` so
that the command modules never import the parser)."""
from __future__ import annotations

import argparse

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


def add_named_parameters(p: argparse.ArgumentParser, d_type) -> None:
    """-k and -D: dyck's bracket pairs and depth (its variant and its n; see :func:`named_parameters`)."""
    p.add_argument("-k", type=int, help="dyck: the number of bracket pairs (1..8, default 1)")
    p.add_argument("-D", type=d_type, help="dyck: the nesting depth" + (" range LO..HI" if d_type is str else ""))


def named_parameters(args: argparse.Namespace) -> None:
    """Fold -D and -k into n (or the table's range) and the variant, for the family that names them so;
    refuse them for any other task and beside -n / --variant."""
    n_dest = "ns" if args.cmd == "table" else "n"
    given = {flag: getattr(args, dest, None) for flag, dest in (("-D", "D"), ("-k", "k"))}
    if all(v is None for v in given.values()):
        return
    from proofs_check.registry import families

    fam = families().get(args.task)
    for flag, value in given.items():
        if value is None:
            continue
        name = flag[1:]
        if fam is None or name not in (fam.n_name, fam.variant_name):
            raise ParameterError(f"{flag} is not a parameter of {args.task}")
        dest, other = (n_dest, "-n") if name == fam.n_name else ("variant", "--variant")
        if getattr(args, dest, None) is not None:
            raise ParameterError(f"give {flag} or {other}, not both")
        setattr(args, dest, value if dest != "variant" else str(value))


__all__ = ["RANGE_MAX", "add_named_parameters", "named_parameters", "parse_range"]
