"""The ``succinct`` command line (also ``python -m proofs_check``).

Every library error (:class:`SuccinctError`) becomes one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Sequence

from automata.errors import ParameterError, SuccinctError
from proofs_check.cli.args import add_named_parameters, named_parameters


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise SuccinctError(f"{self.prog}: {message} (see --help)")


def _out_dir(text: str) -> Path:
    if not text.strip():
        raise ParameterError("--out needs a directory name (an empty one would write into the current directory)")
    return Path(text)


def _add_member(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", help="task name (see `succinct tasks`)")
    p.add_argument("-n", type=int, help="family parameter n")
    p.add_argument("--variant", help="variant, e.g. full or stream for the counter")
    add_named_parameters(p, int)


def _add_shard_options(p: argparse.ArgumentParser) -> None:
    """--shards K and its companions (proofs_check.dask_run; refused without --shards)."""
    g = p.add_argument_group("sharded runs (Dask distributed; resumable)")
    g.add_argument("--shards", type=int, help="split the inputs into K shards run on Dask workers (1..100000)")
    g.add_argument("--results", help="directory of the shard files: a rerun resumes "
                   "(default: a fresh temporary directory)")
    g.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://HOST:8786 "
                   "(default: a local cluster)")
    g.add_argument("--workers", type=int, help="local cluster: worker processes, 1..64 (default 2)")


def build_parser() -> argparse.ArgumentParser:
    from proofs_check.progress import add_progress_option
    from proofs_check.registry import families
    from tasks.retrieval import RETRIEVAL_TASKS

    tasks = ", ".join([*families(), *RETRIEVAL_TASKS, "istree", "ltl-random (verify only)"])
    ap = _Parser(
        prog="succinct",
        description="Exact verification of transformer/RNN succinctness constructions.",
        epilog=f"tasks: {tasks}. `succinct tasks` describes them; `succinct COMMAND --help` lists options; "
               "--debug (anywhere) shows the traceback of an internal error.",
    )
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    sub.add_parser("tasks", help="list the tasks")
    sub.add_parser("limits", help="the range every option accepts and what its upper end costs")
    p = sub.add_parser("show", help="print a construction: B-RASP program, sizes, layers")
    _add_member(p)
    p.add_argument("--what", choices=["program", "sizes", "layers", "latex"], default="program")
    p.add_argument("--form", choices=["paper", "packed"], default="packed")
    p.add_argument("--standalone", action="store_true", help="with --what latex: a complete pdflatex document")
    p = sub.add_parser("verify", help="exhaustive check of every recogniser on all words up to a length "
                       "(retrieval tasks: on every input of size n)")
    _add_member(p)
    p.add_argument("--max-len", type=int, help="all words up to this length (required except for retrieval tasks)")
    p.add_argument("--sample", type=int, help="retrieval tasks: K random inputs instead of all")
    p.add_argument("--seed", type=int, default=0, help="retrieval tasks: seed of --sample; ltl-random: seed of the formulas")
    p.add_argument("--count", type=int, help="ltl-random: number of random formulas (default 300; -n is their depth, default 4)")
    p.add_argument("--break-weight", action="store_true",
                   help="retrieval tasks: perturb one transformer weight (the check must print a counterexample)")
    p.add_argument("--dtype", help="float64 (default; istree: the smallest dtype the precision audit proves exact)")
    p.add_argument("--device", default="cpu")
    add_progress_option(p)
    _add_shard_options(p)
    p = sub.add_parser("prove", help="z3 proofs for every word length: UHAT layers, precision, RNN steps, emptiness")
    _add_member(p)
    p.add_argument("--what", default="all", help="comma-separated sections: uhat, precision, rnn, empty (default all)")
    p.add_argument("--form", choices=["paper", "packed", "both"], default="both")
    add_progress_option(p)
    p = sub.add_parser("suite", help="every tiling instance of the suite: solver vs program, UHATs, interpreter, reference")
    p.add_argument("instances", nargs="*", help="instance names (default: all 17)")
    p.add_argument("--max-len", type=int, default=10, help="all words up to this length (within the budget)")
    p.add_argument("--max-rows", type=int, default=8, help="shape-correct encodings up to this many rows")
    p.add_argument("--budget", type=int, default=30_000, help="words per set and instance")
    add_progress_option(p)
    p = sub.add_parser("witness-word", help="the tiling witness word (n = 4: 6,291,456 symbols) through every "
                       "recogniser, exactly, and random single-symbol corruptions of it")
    p.add_argument("-n", "--n", type=int, required=True, help="width 2^n, n = 1..4")
    p.add_argument("--corruptions", type=int, default=0, help="random single-symbol corruptions to re-check")
    p.add_argument("--seed", type=int, help="seed of the corruptions (default n)")
    p.add_argument("--workers", type=int, default=1, help="processes for the corruptions")
    add_progress_option(p)
    p = sub.add_parser("accepts", help="verdict of every recogniser on one word")
    _add_member(p)
    p.add_argument("word", help="the word, e.g. '00a#01b#' (or space-separated symbols)")
    p = sub.add_parser("table", help="size table over a range of n")
    p.add_argument("task")
    p.add_argument("-n", "--n", dest="ns", help="range LO..HI (default 1..6; istree: 2..6)")
    p.add_argument("--variant", help="variant, e.g. strict or as-stated for tiling-witness")
    add_named_parameters(p, str)
    p.add_argument("--format", choices=["md", "csv", "latex"], default="md", help="stdout format (without --out)")
    p.add_argument("--dfa-max-n", type=int, help="exact minimal DFAs up to this n (default: the family's)")
    p.add_argument("--paper-max-n", type=int, help="compile the paper-faithful UHAT only up to this n")
    p.add_argument("--out", type=_out_dir, help="directory: write table.md/.csv/.tex and plot.png")
    p.add_argument("--beside", metavar="TASK:LO..HI",
                   help="with --out: also beside.png, this family's sizes beside another's over its own range, "
                   "e.g. --beside tiling-witness:1..5")
    add_progress_option(p)
    p = sub.add_parser("program", help="compile and check a B-RASP program file against the interpreter")
    p.add_argument("file", type=Path)
    p.add_argument("--max-len", type=int, default=6)
    p = sub.add_parser("mutate", help="single-weight mutants of the compiled UHAT, each checked exhaustively")
    _add_member(p)
    p.add_argument("--form", choices=["paper", "packed"], default="paper")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--max-len", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    add_progress_option(p)
    from proofs_check.cli.ltl import add_parsers as add_ltl_parsers

    add_ltl_parsers(sub)
    from proofs_check.cli.draw import add_parsers as add_draw_parsers

    add_draw_parsers(sub)
    from proofs_check.cli.trace import add_parsers as add_trace_parsers

    add_trace_parsers(sub)
    from proofs_check.cli.tm import add_parsers as add_tm_parsers

    add_tm_parsers(sub)
    p = sub.add_parser("demo", help="the main job: verify the counter and the presets, print the size table")
    add_progress_option(p)
    return ap


def _terminate(signum, frame) -> None:  # pragma: no cover - signal handler
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Bad input (any :class:`SuccinctError`) is one ``error:`` line and exit 2; an
    interrupt exit 130; a closed pipe (``succinct tasks | head``) ends quietly with 141; any other exception
    is a bug: one line naming it and exit 70, or its traceback with ``--debug`` (anywhere on the line)."""
    import signal
    import threading

    as_program = argv is None  # the command line itself, not a call from Python (tests keep their threads)
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)  # clean up temporary output like an interrupt does
    try:
        args = build_parser().parse_args(argv)
        if as_program:
            from proofs_check.threads import configure

            configure()
        return _dispatch(args)
    except SuccinctError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception as err:  # a bug, not bad input
        if debug:
            raise
        where = _origin(err)
        what = one_line(f"{type(err).__name__}: {err}")
        print(f"error: internal error (a bug, please report it): {what}{where}; "
              "rerun with --debug for the traceback", file=sys.stderr)
        return 70


_CONTROL = re.compile("[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u2028\\u2029]")


def one_line(text: str) -> str:
    """``text`` with every character that could break the line or drive the terminal (C0/C1 controls but the
    tab, DEL, U+2028/U+2029) written as its Python escape: an argument like ``$'a\\nb'`` echoed in an
    error message must not make the error two lines."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _origin(err: BaseException) -> str:
    """' at FILE:LINE' of the innermost frame of the project that raised ``err``."""
    import traceback

    frames = [f for f in traceback.extract_tb(err.__traceback__) if "/site-packages/" not in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    return f" at {Path(f.filename).name}:{f.lineno}"


def _silence_stdout() -> None:
    """The reader of stdout went away: point stdout at /dev/null so the interpreter's final flush is quiet."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    from proofs_check.cli import commands

    if hasattr(args, "task") and hasattr(args, "k"):
        named_parameters(args)

    return getattr(commands, "cmd_" + args.cmd.replace("-", "_"))(args)


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["build_parser", "main"]
