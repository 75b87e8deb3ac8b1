"""``succinct tm FILE -n N [--verify] [--input WORD]``: a Turing machine through [BCL] Thm 15's chain.

[BCL] Bergsträßer, Cotterell, Lin, *Transformers are Inherently Succinct* (ICLR 2026), Thm 15: a
space-``2^n`` machine (docs/tm-format.md, :mod:`tasks.tm`) → a ``2^n``-tiling instance (Problem 6,
Prop 7; the standard encoding, our own construction: :mod:`tasks.tm_tiling`, ``τ = O(|Q|·|Γ|)`` tiles)
→ Lemma 8's B-RASP program (``3n + τ + 18`` operations) → Lemma 9's UHAT. Prints the machine, its run
on one input (configurations), the run's tiling (rows of tiles, row 1 = the initial configuration), the
sizes, and with ``--verify`` the checks of :mod:`proofs_check.tm_check` (runs, exhaustive word sets,
corruptions, shortest word) ending in ``AGREE`` or ``DISAGREE`` with a counterexample. Exit 0 when
everything agrees (or without ``--verify``), 1 on a disagreement; bad input is a
:class:`~automata.errors.SuccinctError` (the CLI's ``error:`` line, exit 2).
"""
from __future__ import annotations

import argparse
from typing import Sequence

from automata.errors import ParameterError
from proofs_check.progress import Bar

N_MAX = 8  # the tiling solver's rows are 2^n wide (tasks.tiling.WORD_N_MAX)
MAX_SHOW = 10_000
MAX_BUDGET = 1_000_000
MAX_STEPS = 1_000_000


def _shown(lines: Sequence[str], show: int) -> list[str]:
    if len(lines) <= show:
        return list(lines)
    half = show // 2
    return [*lines[:half], f"  … {len(lines) - 2 * half} more …", *lines[len(lines) - half:]]


def _check_args(args: argparse.Namespace) -> None:
    for name, lo, hi in (("n", 1, N_MAX), ("show", 2, MAX_SHOW), ("budget", 0, MAX_BUDGET),
                         ("max_steps", 1, MAX_STEPS), ("paper_max_layers", 0, 1_000_000)):
        v = getattr(args, name)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            flag = "-n" if name == "n" else f"--{name.replace('_', '-')}"
            raise ParameterError(f"{flag} must be an integer in {lo}..{hi:,}, got {v!r}")


def cmd_tm(args: argparse.Namespace) -> int:
    """Print the machine, the run, the tiling and the sizes; ``--verify`` runs every check (with a bar of
    its stages on stderr: ``--progress``)."""
    from proofs_check.progress import bar as progress_bar, wanted
    from proofs_check.tm_check import STAGES

    _check_args(args)
    enabled = wanted(getattr(args, "progress", None)) and args.verify
    with progress_bar(len(STAGES), "tm --verify", "stage", enabled) as bar, bar.printing():
        return _run(args, bar)


def _run(args: argparse.Namespace, bar: Bar) -> int:
    """:func:`cmd_tm`'s work; ``bar`` counts the stages of ``--verify`` (:data:`proofs_check.tm_check.STAGES`)."""
    from automata.alphabet import split_word
    from constructions.library.tiling_brasp import tiling_program, tiling_program_size
    from constructions.uhat.lemma9 import compile_lemma9, paper_layer_count
    from proofs_check.tm_check import STAGES, TMBounds, build, check_tm, render
    from tasks.tiling import encode
    from tasks.tm import format_tm, load_tm, simulate
    from tasks.tm_tiling import run_grid, shortest_run_length, tile_count, tm_tiling

    def stage(name: str) -> None:
        if name != STAGES[0]:
            bar.update(1)
        bar.step(name)

    m = load_tm(args.file)
    n, width = args.n, 1 << args.n
    tape = None if args.input is None else split_word(args.input, m.symbols)
    run = simulate(m, n, tape, args.max_steps)
    tt = tm_tiling(m, n)
    grid = run_grid(tt, run)
    print(f"== machine {m.name} ({args.file}): |Q| = {len(m.states)}, |Γ| = {len(m.symbols)}, "
          f"|δ| = {len(m.transitions)}, |M| = {m.size}")
    print(format_tm(m), end="")
    print(f"== run on width 2^{n} = {width}, input {' '.join(run.input)}: {run.outcome} after {run.steps} "
          f"step(s) ({run.reason})")
    print("\n".join(_shown([f"{k:>6}: {c.show()}" for k, c in enumerate(run.configs, 1)], args.show)))
    verdict = ("a solution: the run accepts" if run.accepted else
               "no solution: the run does not accept (its last row cannot match)")
    print(f"== tiling: {len(grid)} rows × {width} tiles, row 1 = the initial configuration, the last = the halt "
          f"row; {verdict}")
    cols = [max(len(r[c]) for r in grid) for c in range(width)]
    rows = [f"{k:>6}: " + "  ".join(x.ljust(w) for x, w in zip(r, cols)).rstrip() for k, r in enumerate(grid, 1)]
    print("\n".join(_shown(rows, args.show)))
    built = None
    if args.verify:
        bounds = TMBounds(max_steps=args.max_steps, word_budget=args.budget, enc_budget=args.budget,
                          cell_budget=args.budget, stack_budget=args.budget, paper_max_layers=args.paper_max_layers,
                          seed=args.seed)
        stage(STAGES[0])
        built = build(m, n, bounds)
    program = tiling_program(tt.instance) if built is None else built.program
    packed = (compile_lemma9(program, packed=True) if built is None else built.packed).size()
    tc = tile_count(m)
    print(f"== sizes: tiles τ = {len(tt.instance.tiles)} (formula {tc['tiles']}, bound {tc['bound']}; "
          f"independent of n); program ops {len(program.ops)} = 3n + τ + 18, formula nodes "
          f"{tiling_program_size(tt.instance)['formula_nodes']:,}")
    print(f"   UHAT packed: {packed.uha_layers} UHA + {packed.relu_layers} ReLU layers, width {packed.max_width:,}, "
          f"params {packed.params:,}, non-zeros {packed.nonzeros:,}; paper-faithful: "
          f"{paper_layer_count(program):,} layers (closed form)")
    print(f"   word of this run: {len(encode(grid)):,} symbols = {len(grid)} rows × {width} × {n + 2}"
          + (f" (= {shortest_run_length(run):,})" if run.accepted else ""))
    if built is None:
        return 0
    print("== verify")
    report = check_tm(m, n, bounds, built=built, stage=stage)
    bar.update(1)
    print(render(report))
    return 0 if report.ok else 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``tm`` subcommand."""
    from proofs_check.progress import add_progress_option

    p = sub.add_parser("tm", help="a Turing machine (docs/tm-format.md) → 2^n-tiling → B-RASP → UHAT ([BCL] Thm 15); "
                       "--verify checks all against the simulator")
    p.add_argument("file", help="machine description, e.g. examples/counter.tm")
    p.add_argument("-n", type=int, required=True, help=f"space bound 2^n cells, n in 1..{N_MAX}")
    p.add_argument("--input", help="the initial tape (2^n input symbols; spaces between them if they are longer "
                   "than one character); default: the first input symbol everywhere, the blank tape without inputs")
    p.add_argument("--verify", action="store_true", help="check the run, exhaustive word sets, corruptions and the "
                   "shortest word on every recogniser; exit 1 on a disagreement")
    p.add_argument("--max-steps", type=int, default=100_000, help=f"simulator step bound (default 100000, at most "
                   f"{MAX_STEPS:,})")
    p.add_argument("--show", type=int, default=40, help="configurations / tiling rows printed (default 40; the "
                   "first and last halves of longer runs)")
    p.add_argument("--budget", type=int, default=6_000, help="words per exhaustive set with --verify (default 6000)")
    p.add_argument("--paper-max-layers", type=int, default=5_000, help="build the paper-faithful UHAT only up to "
                   "this many layers (default 5000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random corruptions (default 0)")
    add_progress_option(p)


__all__: Sequence[str] = ("add_parsers", "cmd_tm")
