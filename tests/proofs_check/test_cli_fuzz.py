"""Fuzzing the command line with hypothesis (issue 14 item 4): random argv built from the real parser's
subcommands and options, with hostile values — integers far out of range, negative and huge, non-numbers,
unicode, empty strings, undecodable bytes (as ``os.fsdecode`` hands them to Python), random nesting of
parentheses in ``succinct ltl`` formulas and in ``succinct program`` files.

The only outcomes allowed (:func:`allowed`): exit 0, 1 or 3 with output on stdout, or exit 2 with exactly one
``error:`` line on stderr — never a traceback, never the internal-error exit 70, never a hang. Each case runs
in a forked child (:func:`tests.proofs_check.replay_bad_inputs.run_cli`) with its own time limit and
``RLIMIT_AS``, in a fresh temporary directory (path options point there or at fixed hostile paths, never
at real system files). Valid values are kept cheap — small ``-n`` and ``--max-len``, no Dask cluster, suite
on one instance, short time limits — so a hang is a finding, not a slow legal run. Deterministic under the
CI profile (``tests/conftest.py``: ``derandomize``); ``-m slow`` runs ten times the examples.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.proofs_check import replay_bad_inputs as rb

CASE_TIMEOUT = 45.0  # seconds per case; the cheap valid runs take < 10 s on the reference machine
SLOW_EXAMPLES = 300

# --- hostile values

_HOSTILE_WORDS = ["", " ", "-", "--", "-1", "0", "00", "nan", "-nan", "inf", "-inf", "1e400", "1e-400", "abc",
                  "..", "1..", "..3", "5..1", "1...3", "1..1000000000000", "0x10", "1_0", "+1", "٣", "１",
                  "cuda:99", "cuda:x", "cpu:99", "tpu", "meta", "float8", "☃", "\u202e", "\t", "a b", "'", '"',
                  "$(echo hi)", "%s%n", "{}", "\\", "\x7f", "\u0301", "a" * 300, "(" * 50, "--help=3"]
_NO_NUL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24)
_BYTES = st.binary(max_size=24).filter(lambda b: b"\x00" not in b).map(os.fsdecode)  # surrogate escapes
HOSTILE_TEXT = st.one_of(st.sampled_from(_HOSTILE_WORDS), _NO_NUL, _BYTES,
                         st.integers(-10**40, 10**40).map(str)).filter(lambda s: s != "--debug")
BAD_INTS = st.one_of(st.integers(max_value=0), st.integers(min_value=10**8, max_value=10**60)).map(str)
HOSTILE_INT = st.one_of(BAD_INTS, HOSTILE_TEXT)
HOSTILE_FLOAT = st.one_of(st.sampled_from(["0", "-1", "nan", "inf", "-inf", "1e308", "1e-320", "86401", "abc", ""]),
                          HOSTILE_TEXT)

# --- cheap valid values, per option (dest); anything else is hostile only, or the generic small ints below

FAMILIES_CHEAP = ["counter", "counter-cyclic", "ab-plus", "dyck1-depth2", "stair3", "b-prec-a-nosucc-c"]
RETRIEVAL = ["index", "index-binary", "ar", "cgram", "cgram3", "counting", "counting-k2"]
TASKS_BY_COMMAND = {
    "show": FAMILIES_CHEAP + ["tiling-witness", *RETRIEVAL, "istree"],
    "verify": FAMILIES_CHEAP + [*RETRIEVAL, "istree", "ltl-random"],
    "prove": FAMILIES_CHEAP + [*RETRIEVAL, "istree"],
    "accepts": FAMILIES_CHEAP + ["tiling-witness", "index", "istree"],
    "table": FAMILIES_CHEAP + ["tiling-witness", "index", "counting-k2", "istree"],
    "mutate": ["ab-plus", "dyck1-depth2", "stair3", "b-prec-a-nosucc-c", "index"],  # counter: ≈ 12 s
    "ltl-of": ["ab-plus", "dyck1-depth2", "stair3", "b-prec-a-nosucc-c", "counter", "index"],
    "draw": FAMILIES_CHEAP + ["tiling-witness", "index", "istree"],
    "trace": FAMILIES_CHEAP + ["tiling-witness", "index"],
}
CHEAP: dict[str, list[str]] = {
    "n": ["1", "2"], "max_len": ["1", "2", "3"], "count": ["1", "2"], "sample": ["1", "5"], "seed": ["0", "7"],
    "budget": ["1"], "max_rows": ["1", "2"], "corruptions": ["0", "2"], "workers": ["1"],
    "dfa_max_n": ["0", "1", "2"], "paper_max_n": ["0", "1", "2"], "max_vectors": ["10", "1000"],
    "max_states": ["5", "200"], "max_dag": ["10", "5000"], "time_limit": ["1", "2"], "timeout": ["5", "20"],
    "ns": ["1", "2", "1..2"], "variant": ["full", "stream", "strict", "as-stated", "-"],
    "dtype": ["float64", "float32", "int64", "float16"], "device": ["cpu", "cpu:0"],
    "what": ["program", "sizes", "layers", "latex", "uhat", "precision", "rnn", "empty", "all", "uhat,rnn"],
    "level": ["brasp", "uhat,rnn"], "layers": ["1", "1..3"], "alphabet": ["a,b", "a,b,c"],
    "compare": ["ab-plus", "stair3"], "scheduler": ["tcp://127.0.0.1:1"],
}
HOSTILE_ONLY = {"shards"}  # never valid: no Dask cluster is started by the fuzz
SHARDED = {"shards", "results", "scheduler", "workers"}
# always given (a cheap or a hostile value): the defaults cost minutes (suite 4 min, ltl-of 300 s, 20 mutants)
FORCED = {"suite": {"budget"}, "ltl-of": {"time_limit"}, "ltl": {"time_limit"}, "mutate": {"count"}}
PATH_DESTS = {"out", "results", "html", "png", "file"}
# (never /dev/null itself: as root, a writer that renamed over it would replace the device for everyone)
HOSTILE_PATHS = ["/dev/null/x", "/proc/version", "", ".", "{file:plain}", "{file:dir}", "{file:missing}",
                 "{file:not_utf8}", "{dir:x.html}", "{dir:x.png}", "{dir:x.dot}", "{dir:x.svg}"]
EXTS = ["", ".dot", ".png", ".svg", ".pdf", ".gif", ".html", ".md", ".brasp"]


def _safe_name(text: str) -> str:
    name = text.replace("/", "_").replace("\x00", "")
    return "x" if name in ("", ".", "..") else name[:40]


PATHS = st.one_of(st.sampled_from(HOSTILE_PATHS),
                  st.tuples(_NO_NUL, st.sampled_from(EXTS)).map(lambda t: "{tmp}/" + _safe_name(t[0]) + t[1]))


@lru_cache(maxsize=1)
def commands() -> dict[str, argparse.ArgumentParser]:
    from proofs_check.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _hostile(draw: st.DrawFn, level: int) -> bool:
    """True with probability level/10 (shrinks towards False: towards a valid command line). Drawn with
    ``sampled_from``, which is uniform; ``integers`` favours its bounds."""
    return draw(st.sampled_from(range(10))) < level


def _value(draw: st.DrawFn, command: str, action: argparse.Action, level: int) -> str:
    """A value for option ``action``: cheap and valid, or (with probability level/10) hostile."""
    dest = action.dest
    bad = _hostile(draw, level)
    if dest in PATH_DESTS:
        exts = {"html": [".html"], "png": [".png"], "out": ["", ".dot", ".svg", ".png", ".pdf"]}.get(dest, [""])
        return draw(PATHS if bad else st.tuples(st.sampled_from(exts), st.sampled_from(range(3)))
                    .map(lambda t: f"{{tmp}}/out{t[1]}{t[0]}"))
    if action.choices:
        return draw(HOSTILE_TEXT if bad else st.sampled_from(sorted(action.choices)))
    if dest in HOSTILE_ONLY:
        return draw(BAD_INTS)
    hostile = {int: HOSTILE_INT, float: HOSTILE_FLOAT}.get(action.type, HOSTILE_TEXT)
    cheap = CHEAP.get(dest, ["1", "2"] if action.type in (int, float) else [])
    value = draw(hostile if bad or not cheap else st.sampled_from(cheap))
    return cheap[0] if dest in COSTLY and value not in cheap and _costly(value, action.type) else value


# options whose valid values above the cheap ones cost real time (--max-len 9 is minutes): a hostile draw
# that happens to be such a value (a random integer, " 7", "٣" — int() reads them all) becomes a cheap one
COSTLY = {"n", "max_len", "count", "sample", "budget", "max_rows", "corruptions", "workers", "dfa_max_n",
          "paper_max_n", "max_vectors", "max_states", "max_dag", "time_limit", "timeout", "ns"}


def _costly(value: str, kind: type | None) -> bool:
    """Whether ``value`` parses (as argparse would) to a valid option value above the cheap ones."""
    try:
        if kind is float:
            return 2 < float(value) <= 86_400
        if kind is int:
            return 2 < int(value) < 10**8
        lo, _, hi = value.partition("..")  # table ranges
        return 2 < int(hi or lo) < 10**8 and int(lo) <= int(hi or lo)
    except ValueError:
        return False


def _positional(draw: st.DrawFn, command: str, action: argparse.Action, level: int, argv: list[str]) -> list[str]:
    """The words of positional ``action`` (the task, a word over its symbols, a formula, a program file)."""
    dest = action.dest
    bad = _hostile(draw, level)
    if dest == "task":
        return [draw(HOSTILE_TEXT if bad else st.sampled_from(TASKS_BY_COMMAND.get(command, FAMILIES_CHEAP)))]
    if dest == "word":  # over the task's own symbols (the task is argv[1]) unless hostile
        symbols = SYMBOLS.get(argv[1] if len(argv) > 1 else "", "ab")
        return [draw(st.one_of(HOSTILE_TEXT, WORDS) if bad else st.text(symbols, min_size=1, max_size=40))]
    if dest == "formula":
        return [draw(FORMULAS)]
    if dest == "file":
        return [draw(PATHS if bad else st.just("{prog}"))]
    if dest == "instances":  # suite: one instance at most (all 17 take minutes even at --budget 1)
        return [draw(HOSTILE_TEXT if bad else st.just("one_row"))]
    return [draw(HOSTILE_TEXT)]


SYMBOLS = {"counter": "01#abc", "counter-cyclic": "01#abc", "dyck1-depth2": "lr", "stair3": "abc",
           "ab-plus": "ab", "b-prec-a-nosucc-c": "abc", "tiling-witness": "01#"}


NEEDS_N = {"counter", "counter-cyclic", "tiling-witness", *RETRIEVAL, "istree"}
_SAMPLED = {*RETRIEVAL, "istree"}
APPLIES = {"n": NEEDS_N, "count": {"ltl-random"}, "sample": _SAMPLED, "break_weight": _SAMPLED, "variant": set(),
           "dtype": set(FAMILIES_CHEAP), "device": set(FAMILIES_CHEAP), "max_len": set(FAMILIES_CHEAP)}


def _applies(dest: str, task: str) -> bool:
    """For a valid command line (hostility 0): does the option apply to ``task``? (The sharded options never
    do: --shards is only ever drawn hostile.)"""
    return dest not in SHARDED and (dest not in APPLIES or task in APPLIES[dest] or task not in TASKS)


TASKS = {*FAMILIES_CHEAP, "tiling-witness", *RETRIEVAL, "istree", "ltl-random"}


@st.composite
def argvs(draw: st.DrawFn, only: str | None = None) -> list[str]:
    """A random command line of a real subcommand (or of ``only``): its positionals and some options, each
    value hostile with a probability drawn per command line (0: a valid, cheap command line; up to ½); each
    option is given with probability 1/5 (required and :data:`FORCED` ones always)."""
    command = only or draw(st.sampled_from(sorted(commands())))
    level = draw(st.sampled_from([0, 1, 2, 5]))
    argv = [command]
    forced = set(FORCED.get(command, ()))
    for action in commands()[command]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            argv += _positional(draw, command, action, level, argv)
            if action.dest == "task" and argv[-1] in NEEDS_N:
                forced.add("n")
            if command == "verify" and argv[-1] in FAMILIES_CHEAP:
                forced.add("max_len")  # required for the families (refused for the others)
            continue
        if level == 0 and not _applies(action.dest, argv[1] if len(argv) > 1 else ""):
            continue  # a valid command line: only options that apply to its task
        if not (action.required or action.dest in forced or draw(st.sampled_from((False,) * 4 + (True,)))):
            continue
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:  # store_true / BooleanOptionalAction
            argv.append(flag)
        else:
            argv += [flag, _value(draw, command, action, level)]
    if command == "demo" or _hostile(draw, level // 2):  # a stray word (demo: minutes if valid)
        argv.append(draw(st.one_of(HOSTILE_TEXT, st.sampled_from(["--nonsense", "-x", "extra"]))))
    if command == "verify" and argv[1] == "ltl-random" and "--count" not in argv:
        argv += ["--count", "2"]  # the default, 300 formulas against MONA, is minutes
    return argv


# --- formulas and programs with random nesting

_LETTERS = st.sampled_from(["a", "b", "c", "Q_a", "true", "false", "⊤", "x1", "é"])
_UNARY = st.sampled_from(["!", "¬", "X", "Y", "F", "G", "H", "P", "~", "N", "X[!]", "WX"])
_BINARY = st.sampled_from(["&", "|", "->", "<->", "S", "U", "∧", "∨", "→", "R", "W", "&&", "^", "=", ""])


def _formula_tree(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(_UNARY, children).map(lambda t: f"{t[0]} {t[1]}"),
        st.tuples(children, _BINARY, children).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        children.map(lambda s: f"({s})"),
    )


def _damage(text_and_cuts: tuple[str, list[tuple[int, int]]]) -> str:
    """Drop or add parentheses at random places (unbalanced nesting)."""
    text, cuts = text_and_cuts
    chars = list(text)
    for pos, kind in cuts:
        if not chars:
            break
        i = pos % (len(chars) + 1)
        if kind == 0:
            chars.insert(i, "(")
        elif kind == 1:
            chars.insert(i, ")")
        elif i < len(chars):
            del chars[i]
    return "".join(chars)


_TREES = st.recursive(_LETTERS, _formula_tree, max_leaves=12)
FORMULAS = st.one_of(
    _TREES,
    st.tuples(_TREES, st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 2)), max_size=4)).map(_damage),
    st.integers(1, 12_000).map(lambda d: "(" * d + "a" + ")" * d),
    st.tuples(st.integers(1, 12_000), st.integers(0, 12_000)).map(lambda t: "(" * t[0] + "a" + ")" * t[1]),
    st.integers(1, 3_000).map(lambda d: "X " * d + "a"),
    HOSTILE_TEXT,
).filter(lambda s: len(s.encode("utf-8", "surrogateescape")) < 100_000)

WORDS = st.one_of(
    st.lists(st.sampled_from(["a", "b", "c", "0", "1", "#", " ", "<s>", "?1", "[BOS]"]), max_size=40).map("".join),
    HOSTILE_TEXT,
)

_GOOD_MASKS = ["1", "j<i", "j>i", "j<=i", "j>=i", "j≤i", "i<j", "i>=j"]
_BAD_MASKS = ["j<>i", "j=i", "k<i", "", "j<i<j", "1, 1"]
_GOOD_ARROWS = [">_j", "<_j", "▶_j", "◀_j", ">", "▶"]
_BAD_ARROWS = ["^_j", "▶_k", "=>", ""]
_CONNECTIVES = ["∧", "∨", "&", "|", "->", "<->", "and", "or", "→", "↔"]


def _pformula(atoms: list[str], level: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(atoms), st.sampled_from(["Z(i)", "Q_z(i)", "P9(j)", "(", "Q_a()", "xor"])) \
        if level else st.sampled_from(atoms)
    return st.recursive(leaf, lambda ch: st.one_of(
        ch.map(lambda s: f"¬{s}"), ch.map(lambda s: f"({s})"), ch.map(lambda s: f"not {s}"),
        st.tuples(ch, st.sampled_from(_CONNECTIVES), ch).map(lambda t: f"{t[0]} {t[1]} {t[2]}")), max_leaves=8)


@st.composite
def programs(draw: st.DrawFn) -> bytes:
    """A B-RASP program file: mostly well formed (operations read the symbols and the earlier operations),
    with a hostility level as in :func:`argvs` — bad masks, tie-breaks, undefined predicates, deep nesting
    of parentheses and ¬, a BOM, stray lines, unbalanced parentheses; or random bytes."""
    if _hostile(draw, 1):
        return draw(st.binary(max_size=300))
    level = draw(st.sampled_from([0, 0, 1, 3]))
    bad = lambda: _hostile(draw, level)  # noqa: E731
    symbols = draw(st.sampled_from(["a b", "a b c", "a"]))
    lines = [f"alphabet: {symbols}"]
    if bad():
        lines[0] = draw(st.sampled_from(["\ufeffalphabet: a b", "alphabet:", "alphabet: a a", "", "alphabet: ( )"]))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["program: p", "# comment", "accept: first", "accept: last"])))
    for k in range(draw(st.integers(1, 5))):
        seen = [f"P{m}" for m in range(k)]
        atoms_i = ["Q_a(i)", "1", "0", *(f"{d}(i)" for d in seen)]
        atoms_j = ["Q_a(j)", "1", *(f"Q_{c}(j)" for c in symbols.split()[1:]), *(f"{d}(j)" for d in seen)]
        if draw(st.booleans()):
            lines.append(f"P{k}(i) := {draw(_pformula(atoms_i, level))}")
        else:
            arrow = draw(st.sampled_from(_BAD_ARROWS if bad() else _GOOD_ARROWS))
            mask = draw(st.sampled_from(_BAD_MASKS if bad() else _GOOD_MASKS))
            score, value = draw(_pformula(atoms_j, level)), draw(_pformula(atoms_i + atoms_j, level))
            lines.append(f"P{k}(i) := {arrow}[{mask}, {score}] {value} : {draw(_pformula(atoms_i, level))}")
        if bad():
            lines.append(draw(st.one_of(
                st.integers(1, 400).map(lambda d: f"D{k}(i) := " + "(" * d + "Q_a(i)" + ")" * d),
                st.integers(1, 400).map(lambda d: f"D{k}(i) := " + "¬" * d + "Q_a(i)"),
                HOSTILE_TEXT)))
    text = "\n".join(lines) + "\n"
    if bad():
        text = _damage((text, draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 2)), max_size=3))))
    return text.encode("utf-8", "surrogateescape")


PROGRAMS = programs()


# --- running one case

def allowed(outcome: rb.Outcome) -> str | None:
    """None if ``outcome`` is one of the allowed ones, else what is wrong."""
    if outcome.rc is None:
        return "hang"
    if "Traceback (most recent call last)" in outcome.stderr:
        return "traceback"
    if outcome.rc == 2:
        lines = outcome.stderr.splitlines()
        if len(lines) == 1 and lines[0].startswith("error: ") and outcome.stderr.endswith("\n"):
            return None
        return "exit 2 without exactly one error line"
    if outcome.rc in (0, 1, 3):
        return None if outcome.stdout.strip() else f"exit {outcome.rc} without output"
    return f"exit {outcome.rc}"


def run_case(argv: list[str], program: bytes = b"") -> rb.Outcome:
    """One command line in a forked child, in a fresh directory; ``{prog}`` names a file holding ``program``."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        prog = Path(tmp) / "prog.brasp"
        prog.write_bytes(program)
        argv = [w.replace("{prog}", str(prog)) for w in rb.materialise(argv, Path(tmp))]
        return rb.run_cli(argv, mode="fork", timeout=CASE_TIMEOUT, cwd=Path(tmp))


def _check(argv: list[str], program: bytes = b"") -> None:
    outcome = run_case(argv, program)
    problem = allowed(outcome)
    assert problem is None, (f"{problem}: rc={outcome.rc} after {outcome.seconds:.1f} s for argv {argv!r}\n"
                             f"stderr: {outcome.stderr[-2000:]}")


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    rb.warm_up()


# --- the tests (default: the profile's examples; -m slow: SLOW_EXAMPLES each)

def _random_argv(argv: list[str], program: bytes) -> None:
    _check(argv, program)


def _ltl(formula: str, extra: list[str]) -> None:
    _check(["ltl", formula, "--time-limit", "2", *extra])


def _program(text: bytes, max_len: str) -> None:
    _check(["program", "{prog}", "--max-len", max_len], text)


_EXTRA_LTL = st.lists(st.sampled_from(["--dfa", "--latex", "--uhat", "--alphabet=a,b,c", "--max-len=2"]),
                      max_size=3, unique=True)
# --max-len of `program`: mostly 1..4, else hostile; a hostile draw that is a valid, costly length becomes 2
_MAX_LEN = st.one_of(st.sampled_from(["1", "2", "3", "4"]), st.sampled_from(["1", "2", "3", "4"]), HOSTILE_INT) \
    .map(lambda v: v if not _costly(v, int) or v in ("3", "4") else "2")

test_random_command_lines = given(argvs(), PROGRAMS)(_random_argv)
test_ltl_formulas_with_random_nesting = given(FORMULAS, _EXTRA_LTL)(_ltl)
test_program_files_with_random_nesting_and_bytes = given(PROGRAMS, _MAX_LEN)(_program)
test_random_command_lines_many = pytest.mark.slow(settings(max_examples=SLOW_EXAMPLES)(given(argvs(), PROGRAMS)(
    _random_argv)))
test_ltl_formulas_many = pytest.mark.slow(settings(max_examples=SLOW_EXAMPLES)(given(FORMULAS, _EXTRA_LTL)(_ltl)))
test_program_files_many = pytest.mark.slow(settings(max_examples=SLOW_EXAMPLES)(given(PROGRAMS, _MAX_LEN)(_program)))


# --- the oracle catches what it must

def test_the_oracle_refuses_tracebacks_hangs_silence_and_chatter() -> None:
    ok = rb.Outcome(("x",), 2, 0.1, 1.0, "", "error: bad\n")
    assert allowed(ok) is None
    assert allowed(rb.Outcome(("x",), 0, 0.1, 1.0, "result\n", "")) is None
    assert allowed(rb.Outcome(("x",), None, 45.0, 1.0, "", "")) == "hang"
    assert allowed(rb.Outcome(("x",), 70, 0.1, 1.0, "", "error: internal error\n")) == "exit 70"
    assert allowed(rb.Outcome(("x",), 1, 0.1, 1.0, "out", "Traceback (most recent call last):\n")) == "traceback"
    assert allowed(rb.Outcome(("x",), 0, 0.1, 1.0, "", "")) == "exit 0 without output"
    two = rb.Outcome(("x",), 2, 0.1, 1.0, "", "error: a\nerror: b\n")
    assert allowed(two) == allowed(rb.Outcome(("x",), 2, 0.1, 1.0, "", "error: a\x0bb\n")) == \
        "exit 2 without exactly one error line"


def test_a_planted_crash_on_odd_input_is_found(monkeypatch) -> None:
    """The argv fuzz finds a regression that only hostile values trigger: the task lookup raising a bare
    KeyError (a traceback, exit 70) instead of the typed "unknown task" error."""
    from hypothesis import Phase, find

    from proofs_check.cli import commands

    known = commands.families()

    def fragile(name):
        return known[name]  # KeyError for an unknown name

    monkeypatch.setattr(commands, "family", fragile)
    found = find(argvs("show"), lambda argv: allowed(run_case(argv)) is not None,
                 settings=settings(max_examples=200, database=None, phases=(Phase.generate,)))
    assert found[0] == "show" and found[1] not in known
    assert run_case(found).rc == 70
