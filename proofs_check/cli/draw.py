"""``succinct draw TASK``: pictures of a task's automata (automata/draw.py; docs/theory.md §3, §5).

``--which minimal`` draws the task's minimal complete DFA (``Task.reference_dfa()``), ``reference`` its
reference automaton explored and trimmed (unminimised, partial), ``both`` the two. The shortest
accepted word's run is highlighted (it visits distinct states: the automaton lower bound of theory §5).
Without ``--out`` the DOT text goes to stdout (each graph after a ``//`` line with its numbers); with
``--out FILE.dot|.png|.svg|.pdf`` the files are written atomically and one line per picture is printed.

Every limit is checked before work: ``--max-states`` (default 200) bounds the drawn automaton, and the
exploration stops at :data:`EXPLORE_FACTOR` × that many states (so ``counter -n 20`` is refused at once).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from automata.dfa import DFA
from automata.draw import DEFAULT_MAX_STATES, FORMATS, format_word, reachable_count, render_bytes, to_dot
from automata.files import write_bytes_atomic
from automata.errors import ParameterError, StateLimitError
from tasks.base import Task
from proofs_check.cli.args import add_named_parameters

MAX_STATES = 5_000  # --max-states at most (dot needs minutes beyond a few thousand states)
EXPLORE_FACTOR = 20  # the reference is explored up to this many times --max-states (trimming/minimising shrink it)
MAX_ALPHABET = 256  # symbols per state: the work per explored state
SUFFIXES = ("dot", *FORMATS)
WHICH = ("minimal", "reference", "both")


@dataclass(frozen=True)
class Picture:
    """One drawn automaton: which one, the DFA, its DOT text and the one-line summary."""

    which: str
    dfa: DFA
    dot: str
    summary: str


def resolve_task(name: str, n: int | None, variant: str | None) -> tuple[Task, str]:
    """The task named on the command line (a [BCL] family, a [WDL] retrieval task or istree) and its label."""
    from proofs_check.cli.istree import is_istree
    from proofs_check.cli.retrieval import is_retrieval

    if is_retrieval(name) or is_istree(name):
        if variant is not None:
            raise ParameterError(f"{name} has no variants (--variant)")
        if n is None:
            raise ParameterError(f"{name} needs -n")
        if is_istree(name):
            from tasks.istree import IsTreeTask

            return IsTreeTask(n), f"{name} -n {n}"
        from tasks.retrieval import retrieval_task

        return retrieval_task(name, n), f"{name} -n {n}"
    from proofs_check.registry import family

    fam = family(name)
    if not fam.has_n and n is not None:
        raise ParameterError(f"{name} takes no -n")
    n_ok, v = fam.check(n, variant)
    if fam.variant_name:
        label = f"{name} -{fam.variant_name} {v} -{fam.n_name} {n_ok}"
    else:
        label = name + (f" -n {n_ok}" if fam.has_n else "") + (f" --variant {v}" if len(fam.variants) > 1 else "")
    return fam.task(n_ok, v), label


def automata_of(task: Task, label: str, which: str, max_states: int) -> dict[str, DFA]:
    """The requested DFAs, explored with at most ``EXPLORE_FACTOR × max_states`` states (refused above)."""
    if len(task.alphabet) > MAX_ALPHABET:
        raise ParameterError(f"the alphabet has {len(task.alphabet)} symbols; drawing takes at most {MAX_ALPHABET}")
    cap = EXPLORE_FACTOR * max_states
    try:
        explored = task.reference().explore(cap)
        out: dict[str, DFA] = {}
        if which in ("minimal", "both"):
            out["minimal"] = task.reference_dfa(cap)
        if which in ("reference", "both"):
            out["reference"] = explored.trim()
    except StateLimitError:
        raise StateLimitError(f"the reference automaton of {label} has more than {cap:,} reachable states "
                              f"(exploration stops at {EXPLORE_FACTOR} × --max-states); drawing is limited to "
                              f"{max_states:,}") from None
    for kind, d in out.items():  # every picture refused before any DOT is built
        m = reachable_count(d)
        if m > max_states:
            raise StateLimitError(f"the {kind} automaton of {label} has {m:,} states; drawing is limited to "
                                  f"{max_states:,} (--max-states, at most {MAX_STATES:,})")
    return out


def _summary(label: str, which: str, d: DFA, hide_dead: bool, max_states: int) -> str:
    from automata.draw import dfa_graph  # cheap: the size was checked

    g = dfa_graph(d, max_states=max_states)
    dead = sum(1 for _, a in g.nodes(data=True) if a["dead"])
    trans = sum(len(a["symbols"]) for _, _, a in g.edges(data=True))
    w = d.shortest_accepted()
    word = "none (the language is empty)" if w is None else f"{format_word(w)!r} (length {len(w)})"
    dead_note = f" ({dead} dead{', hidden' if hide_dead else ''})" if dead else ""
    return (f"{label} {which}: {g.number_of_nodes()} states{dead_note}, {trans} transitions as "
            f"{g.number_of_edges()} arrows; shortest accepted word {word}")


def pictures(task: Task, label: str, which: str, max_states: int, highlight: bool = True,
             hide_dead: bool = True) -> list[Picture]:
    """The DOT text and summary of each requested automaton."""
    out = []
    for kind, d in automata_of(task, label, which, max_states).items():
        title = f"{label}: {'minimal DFA' if kind == 'minimal' else 'reference automaton (explored, trimmed)'}"
        summary = _summary(label, kind, d, hide_dead, max_states)
        word = d.shortest_accepted() if highlight else None
        out.append(Picture(kind, d, to_dot(d, word, title, max_states, hide_dead, comment=summary), summary))
    return out


def out_paths(out: str, kinds: Sequence[str]) -> tuple[str, list[Path]]:
    """The format (from the suffix) and one path per picture: ``NAME.EXT`` or, for two, ``NAME-minimal.EXT`` …"""
    if not out.strip():
        raise ParameterError("--out needs a file name ending in " + ", ".join("." + s for s in SUFFIXES))
    path = Path(out)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in SUFFIXES:
        raise ParameterError(f"--out {out}: unknown extension {path.suffix or '(none)'!r}; use "
                             + ", ".join("." + s for s in SUFFIXES))
    if path.is_dir():
        raise ParameterError(f"--out {out} is a directory; give a file name")
    if not path.parent.is_dir():
        raise ParameterError(f"--out {out}: the directory {path.parent} does not exist")
    if len(kinds) == 1:
        return fmt, [path]
    return fmt, [path.with_name(f"{path.stem}-{k}{path.suffix}") for k in kinds]


def cmd_draw(args: argparse.Namespace) -> int:
    """``succinct draw``: check every option, build every picture, render all, then write all."""
    if not 1 <= args.max_states <= MAX_STATES:
        raise ParameterError(f"--max-states must lie in 1..{MAX_STATES:,}")
    if not 0 < args.timeout <= 3600:
        raise ParameterError("--timeout must lie in (0, 3600] seconds")
    kinds = ["minimal", "reference"] if args.which == "both" else [args.which]
    target = out_paths(args.out, kinds) if args.out is not None else None
    task, label = resolve_task(args.task, args.n, args.variant)
    pics = pictures(task, label, args.which, args.max_states, not args.no_highlight, not args.show_dead)
    if target is None:
        print("\n".join(p.dot for p in pics), end="")
        return 0
    fmt, paths = target
    data = [p.dot.encode("utf-8") if fmt == "dot" else render_bytes(p.dot, fmt, args.timeout) for p in pics]
    for path, blob in zip(paths, data):
        write_bytes_atomic(path, blob)
    for path, p in zip(paths, pics):
        print(f"{p.summary} → {path}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("draw", help="pictures of a task's minimal DFA and reference automaton (DOT, PNG, SVG, PDF), "
                       "the shortest accepted word highlighted")
    p.add_argument("task", help="task name (see `succinct tasks`), e.g. ab-plus or counter")
    p.add_argument("-n", type=int, help="family parameter n")
    add_named_parameters(p, int)
    p.add_argument("--variant", help="variant, e.g. full or stream for the counter")
    p.add_argument("--which", choices=WHICH, default="minimal",
                   help="minimal: the minimal complete DFA (default); reference: the reference automaton explored "
                   "and trimmed; both")
    p.add_argument("--out", help="FILE.dot, .png, .svg or .pdf (default: DOT on stdout); with --which both, "
                   "FILE-minimal.EXT and FILE-reference.EXT")
    p.add_argument("--max-states", type=int, default=DEFAULT_MAX_STATES,
                   help=f"refuse automata with more reachable states (default {DEFAULT_MAX_STATES}, "
                   f"at most {MAX_STATES:,})")
    p.add_argument("--no-highlight", action="store_true", help="do not highlight the shortest accepted word")
    p.add_argument("--show-dead", action="store_true", help="draw the dead (rejecting sink) state too")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for Graphviz (default 60)")


__all__: Sequence[str] = ("add_parsers", "automata_of", "cmd_draw", "out_paths", "pictures", "resolve_task", "Picture")
