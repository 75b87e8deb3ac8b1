"""``succinct trace TASK [-n N] WORD``: one word through a family member's recognisers, laid open
(:mod:`proofs_check.trace`), as text and, with ``--html``/``--png``, the attention picture."""
from __future__ import annotations

import argparse
from pathlib import Path

from automata.errors import ParameterError
from constructions.brasp.trace import MAX_TRACE_LEN
from proofs_check.cli.args import add_named_parameters
from proofs_check.trace import LEVELS, trace


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="one word through the program, the compiled UHAT and the RNN: attended "
                       "positions, scores, tie-breaks, coordinates by name, RNN states (--html/--png: the picture)")
    p.add_argument("task", help="a [BCL] family: counter, counter-cyclic, the presets (see `succinct tasks`)")
    p.add_argument("word", help=f"the word, e.g. '0a#1b#' (or space-separated symbols), 1..{MAX_TRACE_LEN} symbols")
    p.add_argument("-n", type=int, help="family parameter n")
    add_named_parameters(p, int)
    p.add_argument("--variant", help="variant, e.g. full or stream for the counter")
    p.add_argument("--form", choices=["packed", "paper"], default="packed",
                   help="which compiled UHAT ([BCL] Lemma 9 paper-faithful, or packed; default packed)")
    p.add_argument("--level", default=",".join(LEVELS),
                   help="comma-separated parts to print: brasp, uhat, rnn (default all)")
    p.add_argument("--layers", help="print only UHAT layers LO..HI (1-based, as in `show --what layers`)")
    p.add_argument("--html", type=Path, help="write the attention picture and the trace as an HTML page")
    p.add_argument("--png", type=Path, help="write the attention picture as a PNG")


def _levels(text: str) -> tuple[str, ...]:
    levels = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [x for x in levels if x not in LEVELS]
    if bad or not levels:
        raise ParameterError(f"--level takes a comma-separated subset of {', '.join(LEVELS)}, got {text!r}")
    return levels


def _layers(text: str | None, count: int) -> tuple[int, int] | None:
    if text is None:
        return None
    from proofs_check.cli.args import parse_range

    span = parse_range(text, 1, count)
    return span[0], span[-1]


def _target(path: Path | None, suffix: str) -> None:
    if path is not None and path.suffix.lower() != suffix:
        raise ParameterError(f"--{suffix[1:]} needs a file name ending in {suffix}, got {str(path)!r}")
    if path is not None and not path.parent.is_dir():
        raise ParameterError(f"cannot write {path}: no directory {path.parent}")


def cmd_trace(args: argparse.Namespace) -> int:
    levels = _levels(args.level)
    _target(args.html, ".html")
    _target(args.png, ".png")
    t = trace(args.task, args.word, args.n, args.variant, args.form)
    print(t.text(levels, _layers(args.layers, len(t.uhat.layers))), end="")
    if args.html is not None:
        from proofs_check.trace_view import save_html

        save_html(t, args.html)
        print(f"wrote {args.html}")
    if args.png is not None:
        t.save_png(args.png)
        print(f"wrote {args.png}")
    verdicts = set(t.verdicts.values())
    return 0 if len(verdicts) == 1 and all(r.agrees for r in t.readings) else 1


__all__ = ["add_parsers", "cmd_trace"]
