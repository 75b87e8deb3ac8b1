"""Regenerate the numbers of README.md, docs/tutorial.md and docs/results.md and compare (issue 13 item 10).

Usage: ``python docs/check_numbers.py [--quick | --long] [--only TEXT] [--list]`` from the repository
root (or any directory: paths are taken relative to the repository). Exit status 0 when everything
marked matches, 1 when something differs (each difference printed), 2 on a malformed mark or bad usage.

Three kinds of marks, each with a **tier**: ``quick`` (seconds; also run by the default test suite,
``tests/test_docs.py``), ``full`` (minutes; this script without options runs quick + full) and ``long``
(up to hours; only with ``--long``).

1. **Transcripts** — a fenced block ```` ```console TIER ```` holding ``$ succinct ARGS`` lines, each
   followed by its expected output. In an expected line ``...`` matches any text within the line, a
   line that is only ``...`` matches any number of lines (none included), and ``<time>`` matches one
   number — timings and throughputs are measurements, never checked. A last line ``[exit N]`` expects
   exit status N (default 0). Commands run in this process through ``proofs_check.cli.main``; stdout
   is compared, plus stderr when the exit status is not 0.
2. **Tables** — an HTML comment ``<!-- output-of TIER: succinct ARGS -->`` right before a Markdown
   table: the table's lines (up to the first blank line) must appear, consecutively, in the command's
   stdout (with the same ``...`` and ``<time>`` rules).
3. **Claims** — numbers in prose, listed in ``docs/claims.py``: each names a file, a tier, the text as
   it appears (blanks and line breaks normalised) and a function that regenerates that text from the
   library; the closed forms there are checked against the built objects for n = 1..6.

Everything else in these files that looks like a number is a timing or a record of a run too long for
any tier (each such paragraph says when and how it was measured).
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import re
import shlex
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "docs"):  # the library, and docs/claim_tools.py with the claims
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
CLAIM_MODULES: tuple[str, ...] = ("claims_results", "claims_tutorial", "claims_readme")
DOCS: tuple[str, ...] = ("README.md", "docs/tutorial.md", "docs/results.md")
TIERS: tuple[str, ...] = ("quick", "full", "long")
NUMBER = r"[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?"


class MarkError(Exception):
    """A mark in a document is malformed (exit status 2)."""


@dataclass(frozen=True)
class Command:
    """One ``$ succinct ARGS`` of a transcript and its expected output lines (patterns)."""

    doc: str
    line: int  # 1-based line of the ``$`` in the document
    tier: str
    argv: tuple[str, ...]
    expected: tuple[str, ...]
    exit: int = 0
    table: bool = False  # a table mark: the expected lines occur somewhere in the output

    @property
    def text(self) -> str:
        return "succinct " + shlex.join(self.argv)


@dataclass(frozen=True)
class Outcome:
    what: str  # "doc:line command" or "doc claim"
    ok: bool
    seconds: float
    detail: str = ""


class Runner:
    """Runs ``succinct`` commands in this process, each at most once per distinct argv (the cache of
    docs/claim_tools.py, shared with the claims)."""

    def run(self, argv: Sequence[str]) -> tuple[int, str, str, float]:
        from claim_tools import run_cli

        return run_cli(*argv)


# --------------------------------------------------------------------------- reading the marks

_FENCE = re.compile(r"^(`{3,})(.*)$")
_TABLE_MARK = re.compile(r"^<!--\s*output-of\s+(\w+)\s*:\s*(.*?)\s*-->\s*$")
_EXIT = re.compile(r"^\[exit (\d+)\]$")


def _argv(text: str, where: str) -> tuple[str, ...]:
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise MarkError(f"{where}: cannot split the command ({err})") from None
    if not words or words[0] != "succinct":
        raise MarkError(f"{where}: a checked command starts with 'succinct', got {text!r}")
    return tuple(words[1:])


def _tier(word: str, where: str) -> str:
    if word not in TIERS:
        raise MarkError(f"{where}: a checked block needs a tier ({', '.join(TIERS)}), got {word!r}")
    return word


def _transcript(doc: str, start: int, tier: str, lines: list[str]) -> list[Command]:
    """The commands of one console block (``lines`` are its content, ``start`` its first line number)."""
    out: list[Command] = []
    current: tuple[int, tuple[str, ...]] | None = None
    expected: list[str] = []

    def flush() -> None:
        if current is None:
            if any(x.strip() for x in expected):
                raise MarkError(f"{doc}:{start}: output before the first '$ succinct' line")
            return
        body = list(expected)
        while body and not body[-1].strip():
            body.pop()
        code = 0
        if body and (m := _EXIT.match(body[-1].strip())):
            code = int(m.group(1))
            body.pop()
        out.append(Command(doc, current[0], tier, current[1], tuple(body), code))

    for k, raw in enumerate(lines):
        if raw.startswith("$ "):
            flush()
            current, expected = (start + k, _argv(raw[2:], f"{doc}:{start + k}")), []
        else:
            expected.append(raw)
    flush()
    return out


def read_marks(doc: str, text: str) -> list[Command]:
    """Every transcript command and table mark of one document, in order."""
    lines = text.splitlines()
    out: list[Command] = []
    k = 0
    while k < len(lines):
        m = _FENCE.match(lines[k])
        if m:
            fence, info = m.group(1), m.group(2).split()
            end = k + 1
            while end < len(lines) and not lines[end].startswith(fence):
                end += 1
            if end == len(lines):
                raise MarkError(f"{doc}:{k + 1}: unclosed code block")
            if info and info[0] == "console":
                tier = _tier(info[1] if len(info) > 1 else "", f"{doc}:{k + 1}")
                out += _transcript(doc, k + 2, tier, lines[k + 1:end])
            k = end + 1
            continue
        t = _TABLE_MARK.match(lines[k].strip())
        if t:
            where = f"{doc}:{k + 1}"
            body = []
            j = k + 1
            while j < len(lines) and lines[j].strip():
                body.append(lines[j])
                j += 1
            if not body:
                raise MarkError(f"{where}: an output-of mark must be followed by the lines it quotes")
            out.append(Command(doc, k + 1, _tier(t.group(1), where), _argv(t.group(2), where), tuple(body),
                               table=True))
            k = j
            continue
        if "output-of" in lines[k] and lines[k].lstrip().startswith("<!--"):
            raise MarkError(f"{doc}:{k + 1}: malformed mark {lines[k].strip()!r}; "
                            "write <!-- output-of TIER: succinct ARGS -->")
        k += 1
    return out


# --------------------------------------------------------------------------- matching


def _line_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\.\.\.|<time>)", pattern.rstrip())
    body = "".join(".*?" if p == "..." else NUMBER if p == "<time>" else re.escape(p) for p in parts)
    return re.compile(body + r"\Z")


def matches(expected: Sequence[str], actual: Sequence[str], anywhere: bool = False) -> bool:
    """Whether the actual lines fit the expected patterns (``...`` lines skip any number of lines);
    ``anywhere``: the patterns may start and end anywhere in ``actual`` (a quoted part)."""
    pats: list[re.Pattern[str] | None] = [None if p.strip() == "..." else _line_regex(p) for p in expected]
    if anywhere:
        pats = [None, *pats, None]
    act = [a.rstrip() for a in actual]
    while act and not act[-1]:
        act.pop()

    @lru_cache(maxsize=None)
    def go(i: int, j: int) -> bool:
        if i == len(pats):
            return j == len(act)
        p = pats[i]
        if p is None:
            return any(go(i + 1, jj) for jj in range(j, len(act) + 1))
        return j < len(act) and p.match(act[j]) is not None and go(i + 1, j + 1)

    return go(0, 0)


def check_command(cmd: Command, runner: Runner) -> Outcome:
    code, out, err, seconds = runner.run(cmd.argv)
    what = f"{cmd.doc}:{cmd.line} {cmd.text}"
    actual = out.splitlines() + (err.splitlines() if code != 0 else [])
    problems = []
    if code != cmd.exit and not cmd.table:
        problems.append(f"exit status {code}, expected {cmd.exit}" + (f"\n{err.strip()}" if err.strip() else ""))
    if cmd.table and code != 0:
        problems.append(f"exit status {code}" + (f"\n{err.strip()}" if err.strip() else ""))
    if not matches(cmd.expected, actual, anywhere=cmd.table):
        diff = difflib.unified_diff(list(cmd.expected), actual, "documented", "output", lineterm="", n=1)
        problems.append("output differs:\n" + "\n".join(list(diff)[:60]))
    return Outcome(what, not problems, seconds, "\n".join(problems))


# --------------------------------------------------------------------------- claims (docs/claims.py)


def load_claims() -> list:
    """The ``CLAIMS`` of every docs/claims_*.py module (docs/claims_results.py includes its second half)."""
    return [c for name in CLAIM_MODULES for c in importlib.import_module(name).CLAIMS]


def normalise(text: str) -> str:
    """Blanks and line breaks collapsed to single blanks (prose wraps anywhere)."""
    return " ".join(text.split())


def check_claim(claim, texts: dict[str, str]) -> Outcome:
    what = f"{claim.doc} claim {claim.text!r}"
    start = time.perf_counter()
    if normalise(claim.text) not in normalise(texts[claim.doc]):
        return Outcome(what, False, 0.0, "the claimed text is not in the document (edit docs/claims.py with it)")
    try:
        got = claim.compute()
    except Exception as err:  # a failing regeneration is a finding, not a crash of the checker
        return Outcome(what, False, time.perf_counter() - start, f"regeneration failed: {type(err).__name__}: {err}")
    ok = normalise(got) == normalise(claim.text)
    return Outcome(what, ok, time.perf_counter() - start, "" if ok else f"regenerated: {got!r}")


# --------------------------------------------------------------------------- driver


def selected(tier: str, wanted: str) -> bool:
    order = {t: k for k, t in enumerate(TIERS)}
    return order[tier] <= order[wanted]


def collect(wanted: str, only: str | None = None) -> tuple[list[Command], list, dict[str, str]]:
    texts = {doc: (ROOT / doc).read_text(encoding="utf-8") for doc in DOCS}
    commands = [c for doc in DOCS for c in read_marks(doc, texts[doc]) if selected(c.tier, wanted)]
    claims = [c for c in load_claims() if selected(c.tier, wanted)]
    if only:
        commands = [c for c in commands if only in c.text or only in c.doc]
        claims = [c for c in claims if only in c.text or only in c.doc]
    return commands, claims, texts


def run_checks(wanted: str, only: str | None = None, report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    commands, claims, texts = collect(wanted, only)
    runner = Runner()
    outcomes = []
    for item in [*commands, *claims]:
        o = check_command(item, runner) if isinstance(item, Command) else check_claim(item, texts)
        outcomes.append(o)
        if report is not None:
            report(o)
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="check_numbers.py", description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="the quick tier only (what the test suite runs)")
    g.add_argument("--long", action="store_true", help="also the long tier (hours)")
    ap.add_argument("--only", help="only marks whose command, claim text or file contains TEXT")
    ap.add_argument("--list", action="store_true", help="list the marks and their tiers, run nothing")
    args = ap.parse_args(argv)
    wanted = "quick" if args.quick else "long" if args.long else "full"
    try:
        if args.list:
            commands, claims, _ = collect("long", args.only)
            for c in commands:
                print(f"{c.tier:5} {c.doc}:{c.line} {c.text}")
            for c in claims:
                print(f"{c.tier:5} {c.doc} claim: {normalise(c.text)[:100]}")
            return 0

        def show(o: Outcome) -> None:
            print(f"{'ok  ' if o.ok else 'FAIL'} {o.seconds:7.1f}s  {o.what}", flush=True)
            if not o.ok:
                print("      " + o.detail.replace("\n", "\n      "), flush=True)

        start = time.perf_counter()
        outcomes = run_checks(wanted, args.only, show)
    except MarkError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    bad = [o for o in outcomes if not o.ok]
    print(f"{len(outcomes) - len(bad)}/{len(outcomes)} marks match ({wanted} tier and below) "
          f"[{time.perf_counter() - start:.0f}s]")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
