"""The CLI's subcommands, each a thin layer over library calls."""
from __future__ import annotations

import argparse
import time

from automata.alphabet import split_word
from automata.errors import ParameterError
from proofs_check.progress import wanted
from proofs_check.registry import families, family
from proofs_check.suite import build, judge, verify


def cmd_tasks(args: argparse.Namespace) -> int:
    from proofs_check.cli.limits import limits
    from proofs_check.cli.retrieval import list_tasks

    for fam in families().values():
        params = f"-{fam.n_name} 1..{fam.n_max}" if fam.has_n else "(no parameter)"
        verify_n = [lim for lim in limits() if lim.command == "verify" and lim.option == f"-n ({fam.name})"]
        if verify_n:
            params += f" (verify: n ≤ {verify_n[0].hi}, the reference DFA; `succinct limits`)"
        if fam.variant_name:
            variants = f" -{fam.variant_name} {fam.variants[0]}..{fam.variants[-1]} (default {fam.variants[0]})"
        else:
            variants = f" --variant {'|'.join(fam.variants)}" if fam.variants != ("-",) else ""
        print(f"{fam.name:<20} {params}{variants}\n{'':<20} {fam.summary}")
    print("\nIn-context retrieval ([WDL] Wen, Dang, Lyu, ICLR 2025, Thm 4.6):")
    list_tasks()
    from proofs_check.cli.istree import list_tasks as list_istree

    print("\nIsTree with chain of thought ([WDL] Thm 4.7):")
    list_istree()
    return 0


def _retrieval(name: str) -> bool:
    from proofs_check.cli.retrieval import is_retrieval

    return is_retrieval(name)


def _istree(name: str) -> bool:
    from proofs_check.cli.istree import is_istree

    return is_istree(name)


def cmd_show(args: argparse.Namespace) -> int:
    from constructions.brasp.syntax import format_program

    if getattr(args, "standalone", False) and args.what != "latex":
        raise ParameterError("--standalone is an option of --what latex")
    if _retrieval(args.task):
        from proofs_check.cli import retrieval as retrieval_commands

        return retrieval_commands.cmd_show(args)
    if _istree(args.task):
        from proofs_check.cli import istree as istree_commands

        return istree_commands.cmd_show(args)
    fam = family(args.task)
    n, variant = fam.check(args.n, args.variant)
    program = fam.program(n, variant)
    if args.what == "program":
        print(format_program(program))
        return 0
    from constructions.uhat.lemma9 import compile_lemma9, paper_nonzeros_lower_bound

    if args.what == "latex" and args.form == "paper":
        from proofs_check.latex import MAX_NONZEROS

        least = paper_nonzeros_lower_bound(program)
        if least > MAX_NONZEROS:  # refuse before compiling (counter n = 20 would compile for minutes)
            raise ParameterError(f"the paper-faithful network has at least {least:,} non-zero weights (a bound from "
                                 f"the program) > {MAX_NONZEROS:,}: too large for LaTeX (use --what layers, or a "
                                 "smaller n / the packed form)")
    net = compile_lemma9(program, packed=args.form == "packed")
    if args.what == "sizes":
        for key, value in vars(net.size()).items():
            print(f"{key:<12} {value}")
    elif args.what == "layers":
        from proofs_check.layers import describe_layers

        print(describe_layers(net))
    else:
        from proofs_check.latex import latex_network

        title = f"{fam.name}" + (f" n = {n}" if fam.has_n else "") + (f" ({variant})" if variant != "-" else "")
        title += f", {args.form} form"
        print(latex_network(net, standalone=getattr(args, "standalone", False), title=title), end="")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from proofs_check.dask_run import check_shard_options

    check_shard_options(args)
    if args.count is not None and args.task != "ltl-random":
        raise ParameterError("--count is an option of `verify ltl-random`")
    if args.task == "ltl-random":
        from proofs_check.cli.ltl import verify_random

        if (args.shards is not None or args.max_len is not None or args.sample is not None or args.break_weight
                or args.dtype is not None or args.device != "cpu" or args.variant is not None):
            raise ParameterError("verify ltl-random takes --count, -n (depth), --seed and --progress only")
        return verify_random(args)
    if _retrieval(args.task):
        from proofs_check.cli import retrieval as retrieval_commands

        return retrieval_commands.cmd_verify(args)
    if _istree(args.task):
        from proofs_check.cli import istree as istree_commands

        return istree_commands.cmd_verify(args)
    from constructions.dtypes import parse_device

    fam = family(args.task)
    if args.max_len is None:
        raise ParameterError(f"verify {args.task} needs --max-len")
    if args.sample is not None or args.break_weight:
        raise ParameterError(f"--sample and --break-weight are options of the retrieval tasks and istree, "
                             f"not {fam.name}")
    if args.dtype is not None and not args.dtype:
        raise ParameterError("--dtype needs a name, e.g. float64")
    parse_device(args.device)
    if args.shards is not None:
        from proofs_check.dask_run import verify_sharded
        from proofs_check.shard_checks import family_spec

        return verify_sharded(family_spec(args.task, args.n, args.variant, args.max_len, args.dtype or "float64"), args)
    from proofs_check.exhaustive import MAX_WORDS, count_words

    n, variant = fam.check(args.n, args.variant)
    count_words(len(fam.task(n, variant).alphabet), args.max_len, MAX_WORDS)  # before anything is built
    member = build(fam, n, variant, reference_first=True)
    report = verify(member, args.max_len, args.dtype or "float64", args.device, wanted(args.progress))
    print(f"{member.label}: {report.summary()}")
    return 0 if report.agree else 1


def cmd_ltl(args: argparse.Namespace) -> int:
    from proofs_check.cli.ltl import cmd_ltl as run

    return run(args)


def cmd_ltl_of(args: argparse.Namespace) -> int:
    from proofs_check.cli.ltl import cmd_ltl_of as run

    return run(args)


def cmd_tm(args: argparse.Namespace) -> int:
    from proofs_check.cli.tm import cmd_tm as run

    return run(args)


def cmd_trace(args: argparse.Namespace) -> int:
    from proofs_check.cli.trace import cmd_trace as run

    return run(args)


def cmd_draw(args: argparse.Namespace) -> int:
    from proofs_check.cli.draw import cmd_draw as run

    return run(args)


def cmd_accepts(args: argparse.Namespace) -> int:
    if _retrieval(args.task) or _istree(args.task):
        raise ParameterError(f"accepts: not available for the task {args.task}; use `succinct verify "
                             f"{args.task} -n N` (every input) or `succinct show {args.task} -n N`")
    fam = family(args.task)
    n, variant = fam.check(args.n, args.variant)
    word = split_word(args.word, fam.task(n, variant).alphabet)  # read before the (slow) build
    if not word:
        raise ParameterError("the empty word is never accepted (words are non-empty)")
    member = build(fam, n, variant)
    (res,) = judge(member, [word], dfa=False)  # one word: the task's direct test, no minimal DFA built
    for name, v in res.verdicts:
        print(f"{name:<20} {'accept' if v else 'reject'}")
    return 0 if res.unanimous is not None else 1


DEFAULT_TABLE_NS = "1..6"


def cmd_table(args: argparse.Namespace) -> int:
    """``succinct table TASK -n LO..HI [--format md|csv|latex] [--out DIR] [--dfa-max-n K] [--variant V]``:
    one format to stdout, or with ``--out DIR`` table.md/.csv/.tex and plot.png (the closed forms drawn, each
    checked against the table's rows first)."""
    from proofs_check.table import notes, render, size_table

    explicit_n = args.ns is not None
    if args.ns is None:
        args.ns = "2..6" if _istree(args.task) else DEFAULT_TABLE_NS  # IsTree starts at n = 2
    if _retrieval(args.task):
        from proofs_check.cli import retrieval as retrieval_commands

        return retrieval_commands.cmd_table(args)
    if _istree(args.task):
        from proofs_check.cli import istree as istree_commands

        return istree_commands.cmd_table(args)
    fam = family(args.task)
    if explicit_n and not fam.has_n:
        raise ParameterError(f"{fam.name} has no parameter n (got -n {args.ns})")
    ns = _ns(fam, args.ns)
    variant = fam.check(ns[0] if fam.has_n else None, args.variant)[1]
    for opt, val in (("--dfa-max-n", args.dfa_max_n), ("--paper-max-n", args.paper_max_n)):
        if val is not None and val < 0:
            raise ParameterError(f"{opt} must be ≥ 0, got {val}")
    start = time.perf_counter()
    beside = _beside(args.beside) if args.beside is not None else None
    if beside is not None and not args.out:
        raise ParameterError("--beside draws beside.png: give --out DIR")
    rows = size_table(fam, ns, variant, args.dfa_max_n, args.paper_max_n, progress=wanted(args.progress))
    foot = notes(fam, variant, rows)
    if not args.out:
        print(render(rows, args.format, foot), end="")
        return 0
    from proofs_check.atomic import table_files, write_atomically
    from proofs_check.plot import closed_forms, plot_beside, plot_sizes

    out = args.out
    title = fam.title(variant)
    lines: list = []
    files = {"plot.png": lambda path: lines.extend(plot_sizes(rows, path, title, closed_forms(fam, variant),
                                                              fam.n_name))}
    if beside is not None:
        fam2, ns2, variant2 = beside
        rows2 = size_table(fam2, ns2, variant2, paper_max_n=0, progress=wanted(args.progress))
        files["beside.png"] = lambda path: plot_beside(
            [(title, fam.n_name, rows), (fam2.title(variant2), fam2.n_name, rows2)], path)
    texts = table_files(lambda fmt: render(rows, fmt, foot))
    write_atomically(out, texts, files)
    for line in lines:
        print(line)
    names = [*texts, *files]
    print(f"wrote {out}/{', '.join(names)} [{time.perf_counter() - start:.1f}s]")
    return 0


def _beside(text: str):
    """``TASK:LO..HI`` (or ``TASK:LO..HI:VARIANT``) → (family, its values, its variant), validated."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        raise ParameterError(f"--beside needs TASK:LO..HI (or TASK:LO..HI:VARIANT), got {text!r}")
    fam = family(parts[0])
    if not fam.has_n:
        raise ParameterError(f"--beside: {fam.name} has no parameter to draw over")
    ns = _ns(fam, parts[1])
    return fam, ns, fam.check(ns[0], parts[2] if len(parts) == 3 else None)[1]


def _ns(fam, text: str) -> list[int]:
    from proofs_check.cli.args import parse_range

    if not fam.has_n:
        return [0]
    ns = parse_range(text)
    if not ns:
        raise ParameterError(f"empty range {text!r}; write N or LO..HI with LO ≤ HI")
    for n in (ns[0], ns[-1]):
        fam.check(n, None)
    return ns


def cmd_program(args: argparse.Namespace) -> int:
    from constructions.brasp.syntax import parse_program
    from constructions.uhat.lemma9 import compile_lemma9
    from proofs_check.deciders import program_decider, uhat_decider
    from proofs_check.exhaustive import exhaustive_check

    from automata.files import read_text_file
    from constructions.brasp.syntax import MAX_TEXT

    text = read_text_file(args.file, MAX_TEXT, "a program")
    program = parse_program(text)
    ds = [program_decider(program)]
    for packed in (False, True):
        net = compile_lemma9(program, packed=packed)
        s = net.size()
        print(f"UHAT {s.model}: {s.layers} layers ({s.uha_layers} UHA + {s.relu_layers} ReLU), width {s.max_width}, {s.nonzeros} non-zeros, {s.total_bits} bits")
        ds.append(uhat_decider(net, f"UHAT {s.model}"))
    report = exhaustive_check(program.alphabet, ds, args.max_len)
    print(report.summary())
    return 0 if report.agree else 1


def cmd_mutate(args: argparse.Namespace) -> int:
    if _retrieval(args.task) or _istree(args.task):
        raise ParameterError(f"mutate: not available for the task {args.task}; use `succinct verify "
                             f"{args.task} -n N` (every input) or `succinct show {args.task} -n N`")
    from proofs_check.deciders import dfa_decider, program_decider
    from proofs_check.mutation import MAX_MUTANTS, mutation_campaign

    if not 1 <= args.count <= MAX_MUTANTS:
        raise ParameterError(f"--count must lie in 1..{MAX_MUTANTS:,} (mutants, each checked exhaustively)")
    from proofs_check.exhaustive import MAX_WORDS, count_words

    fam = family(args.task)
    n, variant = fam.check(args.n, args.variant)
    if args.max_len < 1:
        raise ParameterError("max_len must be at least 1")
    count_words(len(fam.task(n, variant).alphabet), args.max_len, MAX_WORDS)  # before anything is built
    member = build(fam, n, variant, reference_first=True)
    net = member.paper if args.form == "paper" else member.packed
    refs = [dfa_decider(member.task.reference_dfa()), program_decider(member.program)]
    start = time.perf_counter()
    samples = member.task.samples()
    words = [*samples.positive, *samples.negative, *samples.near_miss]
    results = mutation_campaign(net, refs, member.task.alphabet, args.count, args.max_len, args.seed, words,
                                progress=wanted(args.progress))
    for r in results:
        print(r.line())
    caught = sum(r.caught for r in results)
    print(
        f"{member.label}, UHAT {args.form}: {caught}/{len(results)} mutants caught, "
        f"{len(results) - caught} equivalent up to length {args.max_len} and on {len(words)} sample words "
        f"[{time.perf_counter() - start:.1f}s]"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from proofs_check.demo import run_demo

    return run_demo(progress=wanted(args.progress))


def cmd_prove(args: argparse.Namespace) -> int:
    from proofs_check.prove import SECTIONS, prove_member

    if _retrieval(args.task):
        from proofs_check.cli import retrieval as retrieval_commands

        return retrieval_commands.cmd_prove(args)
    if _istree(args.task):
        raise ParameterError("prove: istree has no z3 section yet; `succinct verify istree -n N` checks every graph "
                             "(n ≤ 7) and the precision audit proves the dtype exact")
    sections = SECTIONS if args.what == "all" else tuple(args.what.split(","))
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ParameterError(f"unknown proof section {unknown[0]!r}; choose from {', '.join(SECTIONS)} or all")
    forms = ("paper", "packed") if args.form == "both" else (args.form,)
    report = prove_member(family(args.task), args.n, args.variant, sections, forms, progress=wanted(args.progress),
                          strict=args.what != "all")
    print(report.render())
    return 0 if report.proved else 1


def cmd_limits(args: argparse.Namespace) -> int:
    from proofs_check.cli.limits import render

    print(render(), end="")
    return 0


def cmd_suite(args: argparse.Namespace) -> int:
    from proofs_check.tiling_suite import run_suite

    from proofs_check.cli.limits import find

    for option in ("--max-len", "--max-rows", "--budget"):
        find("suite", option).check(getattr(args, option[2:].replace("-", "_")))
    ok, text = run_suite(args.max_len, args.max_rows, args.budget, args.instances or None,
                         progress=wanted(args.progress))
    print(text)
    return 0 if ok else 1


def cmd_witness_word(args: argparse.Namespace) -> int:
    from proofs_check.long_word import check_witness_word

    from proofs_check.cli.limits import find

    find("witness-word", "--corruptions").check(args.corruptions)
    find("witness-word", "--workers").check(args.workers)
    report = check_witness_word(args.n, args.corruptions, args.seed, workers=args.workers,
                                progress=wanted(args.progress))
    print(report.summary())
    return 0 if report.ok else 1
