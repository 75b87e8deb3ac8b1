"""``succinct verify|table|show istree`` — IsTree with chain of thought ([WDL] Thm 4.7, Thm 5.6)."""
from __future__ import annotations

import argparse
import sys

from automata.errors import ParameterError
from proofs_check.progress import bar as progress_bar, wanted
from tasks.istree import N_MAX, IsTreeTask

NAME = "istree"
TABLE_MAX_N = N_MAX


def is_istree(name: str) -> bool:
    return name == NAME


def list_tasks() -> None:
    print(f"{NAME:<20} -n 2..{N_MAX} (exhaustive checks: n ≤ 7; --shards for Dask)\n{'':<20} "
          "IsTree with chain of thought ([WDL] Thm 4.7): n − 1 edges in the release's format "
          "`[BOS] u - v … [EOS]`; a transformer writes the depth-first Euler tour, then [TRUE]/[FALSE]")


def _refuse(args: argparse.Namespace, options: tuple[str, ...]) -> None:
    for opt in options:
        if getattr(args, opt, None) not in (None, False):
            raise ParameterError(f"{NAME}: --{opt.replace('_', '-')} is not an option of {NAME}")


def _task(args: argparse.Namespace) -> IsTreeTask:
    if args.n is None:
        raise ParameterError(f"{NAME} needs -n")
    return IsTreeTask(args.n)


def _dtype(args: argparse.Namespace, task: IsTreeTask) -> str:
    from constructions.dtypes import parse_dtype
    from proofs_check.istree_check import exact_dtypes, smallest_dtype

    small = smallest_dtype(task)
    if args.dtype in (None, "auto"):
        return small
    dt = parse_dtype(args.dtype)
    name = str(dt).replace("torch.", "")
    if not dt.is_floating_point:
        raise ParameterError(f"{NAME}: --dtype must be a float dtype (the decoder masks scores with −inf), not {name}")
    if name not in exact_dtypes(task.n):
        raise ParameterError(f"{NAME} n={task.n}: {name} is not proved exact for this network (smallest: {small})")
    return name


def cmd_verify(args: argparse.Namespace) -> int:
    """Every ordered edge list (or ``--sample K``): the transformer's CoT = the reference CoT, the answer =
    networkx; ``--shards K`` runs the same ranges on Dask (resumable with ``--results DIR``)."""
    from proofs_check.istree_check import EXHAUSTIVE_MAX, check_sample, istree_range, summary

    _refuse(args, ("max_len", "variant"))
    task = _task(args)
    dtype = _dtype(args, task)
    if args.device not in (None, "cpu"):
        from constructions.dtypes import parse_device

        parse_device(args.device)
    total = task.input_space()
    if args.sample is not None:
        if args.shards is not None:
            raise ParameterError("--sample and --shards do not combine (shards split the exhaustive check)")
        if isinstance(args.sample, bool) or not 1 <= args.sample <= 10_000_000:
            raise ParameterError(f"--sample must be in 1..10,000,000, got {args.sample}")
        if not 0 <= args.seed < 2**63:
            raise ParameterError(f"--seed must be in 0..2^63 − 1, got {args.seed}")
        result = check_sample(task.n, args.sample, args.seed, args.break_weight, dtype, args.device or "cpu")
        print(summary(task.n, result, dtype, exhaustive=False))
        return _verdict(result, args.break_weight)
    if args.shards is not None:
        from proofs_check.dask_run import verify_sharded
        from proofs_check.shard_checks import istree_spec

        return verify_sharded(istree_spec(task.n, args.break_weight, dtype), args)
    if total > EXHAUSTIVE_MAX:
        raise ParameterError(f"{NAME} n={task.n}: {total:,} edge lists exceed the single-process limit "
                             f"{EXHAUSTIVE_MAX:,}; use --sample K or --shards K (Dask)")

    with progress_bar(total, f"{NAME} n={task.n}", "input", wanted(args.progress)) as bar:
        result = istree_range(task.n, 0, total, args.break_weight, dtype, args.device or "cpu",
                              progress=bar.advance_to)
    print(summary(task.n, result, dtype))
    return _verdict(result, args.break_weight)


def _verdict(result: dict, broken: bool) -> int:
    if broken:
        if result["first"] is None:
            print("  a weight was perturbed on purpose, but no checked graph shows it")
            return 1
        print("  (a weight was perturbed on purpose: the disagreement above is the expected result)")
        return 0
    return 0 if result["first"] is None else 1


def cmd_show(args: argparse.Namespace) -> int:
    """``succinct show istree -n N --what layers|sizes`` (``program``: the layers)."""
    from constructions.library.istree_uhat import core_size, istree_uhat
    from proofs_check.layers import describe_layers, size_lines

    _refuse(args, ("variant",))
    task = _task(args)
    net = istree_uhat(task)
    if args.what == "sizes":
        print(size_lines(net, core_size()))
    elif args.what == "latex":
        from proofs_check.latex import latex_network

        print(latex_network(net, standalone=getattr(args, "standalone", False),
                            title=f"{NAME} n = {task.n} ([WDL] Thm 4.7)"), end="")
    else:
        print(describe_layers(net))
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    """``succinct table istree -n LO..HI [--format md|csv|latex] [--out DIR]``."""
    from proofs_check.cli.args import parse_range
    from proofs_check.istree_table import istree_row, plot_rows, render

    for opt in ("variant", "dfa_max_n", "paper_max_n"):
        if getattr(args, opt, None) is not None:
            raise ParameterError(f"{NAME}: --{opt.replace('_', '-')} is not an option of {NAME}")
    ns = parse_range(args.ns, 2, TABLE_MAX_N)
    keep = [n for n in ns if n <= 64 or n & (n - 1) == 0]
    if not keep:
        raise ParameterError(f"{NAME}: the table has rows for n ≤ 64 and powers of two beyond; none in {args.ns}")
    if len(keep) > 200:
        raise ParameterError(f"{len(keep)} rows requested; at most 200")
    skipped = len(ns) - len(keep)
    if skipped:
        print(f"({skipped} n above 64 that are not powers of two skipped)", file=sys.stderr)
    rows = [istree_row(n) for n in keep]
    title = ("IsTree with CoT ([WDL] Thm 4.7): a constant transformer writing a ≤ 2n + 1-token CoT against "
             "the Ω(n)-bit RNN bound")
    if not args.out:
        print(render(rows, args.format, title), end="")
        return 0
    from proofs_check.atomic import table_files, write_atomically

    if not str(args.out).strip():
        raise ParameterError("--out needs a directory name")
    write_atomically(args.out, table_files(lambda fmt: render(rows, fmt, title)),
                     {"plot.png": lambda path: plot_rows(rows, path, title)})
    print(render(rows, "md", title), end="")
    print(f"wrote {args.out}/table.md, table.csv, table.tex, plot.png")
    return 0


__all__ = ["cmd_show", "cmd_table", "cmd_verify", "is_istree", "list_tasks"]
