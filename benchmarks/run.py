"""Run every ``benchmarks/bench_*.py`` module in name order, each under a header.

Each module exposes ``run(quick: bool = False) -> None`` and prints its result lines.

    python -m benchmarks.run                 # everything, full sizes (make bench)
    python -m benchmarks.run --quick         # a short smoke run on small sizes
    python -m benchmarks.run --only dfa      # only benchmarks/bench_dfa.py
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from typing import Sequence

import benchmarks


def names() -> list[str]:
    """The benchmark names (``bench_NAME`` modules of this package), sorted."""
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(benchmarks.__path__)
                  if m.name.startswith("bench_"))


def run_all(quick: bool = False, only: Sequence[str] = ()) -> list[str]:
    """Import and run the selected benchmarks in order; returns the names run.
    An unknown name in ``only`` raises :class:`automata.errors.ParameterError`."""
    from automata.errors import ParameterError

    available = names()
    unknown = [n for n in only if n not in available]
    if unknown:
        raise ParameterError(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(available)}")
    chosen = [n for n in available if not only or n in only]
    for name in chosen:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}{' (quick)' if quick else ''} " + "=" * max(0, 60 - len(name)), flush=True)
        start = time.perf_counter()
        module.run(quick=quick)
        print(f"-- {name}: {time.perf_counter() - start:.1f}s", flush=True)
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only this benchmark (repeatable); one of {', '.join(names())}")
    args = parser.parse_args(argv)
    from automata.errors import SuccinctError

    try:
        run_all(args.quick, args.only)
    except SuccinctError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
