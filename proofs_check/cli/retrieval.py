"""``succinct verify|prove|table|tasks`` for the retrieval tasks of [WDL] (index, ar, cgram, counting, …)."""
from __future__ import annotations

import argparse
import time

from automata.errors import ParameterError
from proofs_check.progress import bar as progress_bar, wanted
from tasks.retrieval import RETRIEVAL_TASKS, retrieval_task


def is_retrieval(name: str) -> bool:
    return name in RETRIEVAL_TASKS


def _no_family_options(args: argparse.Namespace, options: tuple[str, ...]) -> None:
    """Refuse the options of the [BCL] families that mean nothing for a retrieval task (never ignore them)."""
    for opt in options:
        if getattr(args, opt, None) is not None:
            flag = "--" + opt.replace("_", "-")
            hint = " (the binary variant is the task index-binary)" if opt == "variant" else ""
            raise ParameterError(f"{args.task}: {flag} is not an option of the retrieval tasks{hint}")


def list_tasks() -> None:
    for name, entry in RETRIEVAL_TASKS.items():
        print(f"{name:<20} -n 1..65536 (exhaustive checks for small n)\n{'':<20} {entry.summary}")


def _task(args: argparse.Namespace):
    if args.n is None:
        raise ParameterError(f"{args.task} needs -n")
    return retrieval_task(args.task, args.n)


def cmd_verify(args: argparse.Namespace) -> int:
    from constructions.dtypes import parse_device, parse_dtype
    from proofs_check.retrieval_check import (check_sample, check_task, exhaustive_size, verify_answerers,
                                              verify_verdict)

    _no_family_options(args, ("max_len", "variant"))
    task = _task(args)
    parse_device(args.device)
    if args.dtype is not None and parse_dtype(args.dtype) != parse_dtype("float64"):
        raise ParameterError("retrieval checks run float64 and the smallest proved dtype; --dtype is not an option here")
    if getattr(args, "shards", None) is not None:
        from proofs_check.dask_run import verify_sharded
        from proofs_check.shard_checks import retrieval_spec

        return verify_sharded(retrieval_spec(args.task, task.n, args.break_weight), args)
    if args.sample is not None:
        check_sample(task, args.sample, args.seed)
    else:
        exhaustive_size(task)  # refuse an unbounded check before building anything
        check_sample(task, 1, args.seed)
    answerers = verify_answerers(task, args.device, args.break_weight,
                                 args.sample if args.sample is not None else task.input_space())

    with progress_bar(checked_inputs(task, args.sample), args.task, "input", wanted(args.progress)) as bar:
        report = check_task(task, answerers, args.sample, args.seed, progress=bar.advance_to)
    print(report.summary())
    lines, code = verify_verdict(report, args.break_weight)
    for line in lines:
        print(line)
    return code


def checked_inputs(task, sample: int | None) -> int:
    """The inputs an agreeing ``verify`` checks, its summary's count and its bar's total: ``sample``, or
    every valid row of the input space — all rows, except for c-gram, whose query must occur in the
    data (counted exactly by :func:`cgram_valid_inputs`, never by enumeration)."""
    from tasks.retrieval import CgramTask

    if sample is not None:
        return sample
    if isinstance(task, CgramTask):
        return cgram_valid_inputs(task.n, task.c)
    return task.input_space()


def cgram_valid_inputs(n: int, c: int) -> int:
    """Valid c-gram inputs ([WDL] Def 4.4): data x ∈ [n]^n and query y ∈ [n]^(c−1) with y a window of
    x_1..x_{n−1} (the answer x_{j+c−1} must exist; x_n is free). Per query, the data avoiding y are
    counted with y's Knuth–Morris–Pratt automaton, letters outside y taken together."""
    from itertools import product

    return sum(n * (n ** (n - 1) - _avoiding(y, n, n - 1)) for y in product(range(n), repeat=c - 1))


def _avoiding(y: tuple[int, ...], k: int, m: int) -> int:
    """Words of length ``m`` over ``k`` letters in which ``y`` does not occur (exact integers)."""
    p, letters = len(y), sorted(set(y))

    def after(state: int, a: int) -> int:  # the longest suffix of y[:state]·a that is a prefix of y
        t = y[:state] + (a,)
        return next(q for q in range(min(len(t), p), -1, -1) if t[len(t) - q:] == y[:q])

    counts = [1] + [0] * (p - 1)  # words so far, by the longest matched prefix of y (p: found, dropped)
    for _ in range(m):
        new = [0] * p
        for state, ways in enumerate(counts):
            new[0] += ways * (k - len(letters))
            for a in letters:
                q = after(state, a)
                if q < p:
                    new[q] += ways
        counts = new
    return sum(counts)


def cmd_show(args: argparse.Namespace) -> int:
    """``succinct show TASK -n N --what layers|latex|sizes`` (``program``: the layers — a retrieval
    transformer has no B-RASP program)."""
    from constructions.library.retrieval_uhat import core_size, retrieval_uhat
    from proofs_check.layers import describe_layers, size_lines
    from proofs_check.latex import latex_network

    _no_family_options(args, ("variant",))
    task = _task(args)
    net = retrieval_uhat(task)
    if args.what == "sizes":
        print(size_lines(net, core_size(task)))
    elif args.what == "latex":
        print(latex_network(net, standalone=getattr(args, "standalone", False), title=f"{args.task} n={task.n}"),
              end="")
    else:
        print(describe_layers(net))
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    from constructions.library.retrieval_uhat import READOUT_MARGIN, head_margins, retrieval_uhat
    from constructions.uhat.certified import certify_float
    from constructions.uhat.precision import precision_audit
    from proofs_check.retrieval_check import softmax_certificate
    from proofs_check.retrieval_proofs import head_scores_match, prove_task, refute_broken

    _no_family_options(args, ("variant",))
    if args.what != "all":
        raise ParameterError(f"{args.task}: --what is an option of the [BCL] families; retrieval proofs run all sections")
    ns = [args.n] if args.n is not None else [4, 16, 64]
    for n in ns:
        retrieval_task(args.task, n)  # validate n before any proof runs
    start = time.perf_counter()
    ok = True
    print(f"{args.task}: the attention lemmas, for every n (z3 over unbounded integers)")
    for r in prove_task(args.task):
        print(r.line())
        ok &= r.proved
    bad = refute_broken(args.task)
    print(bad.line())
    ok &= not bad.proved
    for n in ns:
        task = retrieval_task(args.task, n)
        net = retrieval_uhat(task)
        lines = head_scores_match(net, task)
        print(f"n = {n}: the built heads compute the lemmas' scores")
        print("\n".join(lines))
        ok &= not any("MISMATCH" in line for line in lines)
        rep = precision_audit(net, task.input_length)
        per_layer = ", ".join(f"{'embedding' if p.index == 0 else f'L{p.index} {p.kind}'} {p.bits}" for p in rep.layers)
        print(f"  bits per layer (values, scores, partial sums): {per_layer}")
        print(f"  precision: max |value| {rep.max_abs} → {rep.bits} bits; "
              + ("exact in " + ", ".join(d for d in ("float32", "float64") if rep.exact(d)) if rep.integral
                 else "averaging heads: certified float runs only"))
        if args.task.startswith("counting"):  # the average head: the construction itself is certified
            cert = certify_float(net, "float64", task.input_length, head_margins(task, net), READOUT_MARGIN)
        else:
            cert = softmax_certificate(task)
        print("  " + cert.render().replace("\n", "\n  "))
        ok &= cert.ok
    growth = []
    for n in (16, 256, 4096):
        task = retrieval_task(args.task, n if args.task != "ar" or n % 2 == 0 else n + 1)
        growth.append(f"n = {n}: {precision_audit(retrieval_uhat(task), task.input_length).bits}")
    print("precision audit, bits as n grows (O(log n): every value is a polynomial in n): " + ", ".join(growth))
    print(f"{'ALL PROVED' if ok else 'NOT PROVED'} [{time.perf_counter() - start:.1f}s]")
    return 0 if ok else 1


def cmd_table(args: argparse.Namespace) -> int:
    from proofs_check.cli.args import parse_range
    from proofs_check.retrieval_table import plot_rows, render, retrieval_row, table_ns

    _no_family_options(args, ("variant", "dfa_max_n", "paper_max_n"))
    ns = parse_range(args.ns, 1, 65536)
    ns = table_ns(ns, args.task)
    if len(ns) > 200:
        raise ParameterError(f"{len(ns)} rows requested; at most 200")
    rows = [retrieval_row(args.task, n) for n in ns]
    title = f"{args.task}: [WDL] Thm 4.6 — constant transformer vs. RNN state bits"
    if not args.out:
        print(render(rows, args.format, title), end="")
        return 0
    from proofs_check.atomic import table_files, write_atomically

    out = args.out
    if not str(out).strip():
        raise ParameterError("--out needs a directory name")
    write_atomically(out, table_files(lambda fmt: render(rows, fmt, title)),
                     {"plot.png": lambda path: plot_rows(rows, path, title)})
    print(f"wrote {out}/table.md, table.csv, table.tex, plot.png")
    return 0


__all__ = ["cmd_prove", "cmd_table", "cmd_verify", "is_retrieval", "list_tasks"]
