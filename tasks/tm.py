"""Deterministic single-tape Turing machines with space bound ``2^n``: a text format and a simulator.

[BCL] Bergsträßer, Cotterell, Lin, *Transformers are Inherently Succinct* (ICLR 2026), Thm 15 reduces
a Turing machine working in space ``2^n`` to a ``2^n``-tiling instance (Problem 6, EXPSPACE-complete by
Prop 7) and then applies Lemma 8 (tiling → B-RASP) and Lemma 9 (B-RASP → UHAT); the paper only *cites*
the first step. This module is its first half: the machine, its text format (docs/tm-format.md) and a
direct simulator that is the reference for :mod:`tasks.tm_tiling` (the standard TM → tiling encoding,
our own construction).

Model. A machine ``M`` has states ``Q`` (with a start, an accept and optionally a reject state), a tape
alphabet ``Γ`` with a blank, input symbols ``I ⊆ Γ`` and a partial transition function
``δ: (Q ∖ {acc, rej}) × Γ → Q × Γ × {L, R, S}``. On width ``W = 2^n`` the tape has cells ``1..W``; the
initial configuration has the head on cell 1 in the start state and any word of ``I^W`` on the tape
(the blank tape ``_^W`` when ``I`` is empty). The machine **accepts** when it enters the accept state and
**rejects** when it enters the reject state or no transition applies. A move off the tape: with
``edge: reject`` (the default) the machine halts and rejects; with ``edge: stay`` (Sipser's convention)
the head stays on the edge cell and the transition's write and state change still happen — the only
way a machine can find the right end of a blank tape (write a mark, move R, see the mark again).
A run that repeats a configuration never halts (``loop``); one cut by the step bound is ``running``.

Size. ``|M| = |Q| + |Γ| + |δ|`` (states, symbols, transitions); the text is bounded by :data:`MAX_TEXT`
characters, :data:`MAX_STATES`, :data:`MAX_SYMBOLS`, :data:`MAX_NAME`; the simulator keeps at most
``steps + 1`` configurations of ``W`` cells.

>>> m = parse_tm("start: s\\naccept: t\\nsymbols: _ x\\ns _ -> t x R\\n")
>>> r = simulate(m, 1)
>>> r.outcome, len(r.configs), r.configs[-1].show()
('accept', 2, 'x [t]_')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Iterator, Literal, Sequence

from automata.errors import ParameterError

Move = Literal["L", "R", "S"]
MOVES: tuple[str, ...] = ("L", "R", "S")
EDGES: tuple[str, ...] = ("reject", "stay")
OUTCOMES: tuple[str, ...] = ("accept", "reject", "loop", "running")
MAX_TEXT = 65_536  # characters of a machine description
MAX_LINES = 4_096
MAX_STATES = 64
MAX_SYMBOLS = 64
MAX_NAME = 32
N_MAX = 12  # simulator width 2^n (the tiling side has its own bounds)
MAX_STEPS = 10_000_000
DEFAULT_STEPS = 1_000_000
MAX_CELLS = 20_000_000  # configurations × W the simulator keeps
_NAME = re.compile(r"[A-Za-z0-9_]+\Z")
_KEYS = ("name", "states", "symbols", "blank", "input", "start", "accept", "reject", "edge")


class TMFormatError(ParameterError):
    """A machine description is malformed; ``line`` is its 1-based line (0: the whole text)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"tm format: line {line}: {message}" if line else f"tm format: {message}")


@dataclass(frozen=True)
class Transition:
    """``δ(state, read) = (target, write, move)``."""

    state: str
    read: str
    target: str
    write: str
    move: str

    def show(self) -> str:
        return f"{self.state} {self.read} -> {self.target} {self.write} {self.move}"


@dataclass(frozen=True)
class TuringMachine:
    """A deterministic single-tape machine (module docstring); validated on construction
    (:class:`TMFormatError` with line 0 for an inconsistent object)."""

    states: tuple[str, ...]
    symbols: tuple[str, ...]
    blank: str
    inputs: tuple[str, ...]
    start: str
    accept: str
    transitions: tuple[Transition, ...]
    reject: str | None = None
    edge: str = "reject"
    name: str = "tm"

    def __post_init__(self) -> None:
        for f in ("states", "symbols", "inputs", "transitions"):
            object.__setattr__(self, f, tuple(getattr(self, f)))
        _check_names("state", self.states, MAX_STATES)
        _check_names("symbol", self.symbols, MAX_SYMBOLS)
        if not _NAME.match(str(self.name)) or len(self.name) > MAX_NAME:
            raise TMFormatError(0, f"name {self.name!r} must be letters, digits, _ (at most {MAX_NAME})")
        if self.blank not in self.symbols:
            raise TMFormatError(0, f"the blank {self.blank!r} is not a symbol")
        bad = [a for a in self.inputs if a not in self.symbols]
        if bad or len(set(self.inputs)) != len(self.inputs):
            raise TMFormatError(0, f"input symbols must be distinct tape symbols, got {list(self.inputs)}")
        for role in ("start", "accept", "reject"):
            q = getattr(self, role)
            if (q is not None or role != "reject") and q not in self.states:
                raise TMFormatError(0, f"the {role} state {q!r} is not a state")
        if self.reject is not None and self.reject == self.accept:
            raise TMFormatError(0, "the accept and reject states must differ")
        if self.edge not in EDGES:
            raise TMFormatError(0, f"edge must be one of {', '.join(EDGES)}, got {self.edge!r}")
        seen: set[tuple[str, str]] = set()
        for t in self.transitions:
            if not isinstance(t, Transition):
                raise TMFormatError(0, f"transitions must be Transition objects, got {type(t).__name__}")
            _check_transition(self, t)
            if (t.state, t.read) in seen:
                raise TMFormatError(0, f"two transitions for ({t.state}, {t.read}): the machine must be deterministic")
            seen.add((t.state, t.read))

    @property
    def halting(self) -> frozenset[str]:
        return frozenset(q for q in (self.accept, self.reject) if q is not None)

    @property
    def initial_symbols(self) -> tuple[str, ...]:
        """The symbols a cell of the initial tape may hold: the input symbols, or the blank if none."""
        return self.inputs or (self.blank,)

    @property
    def size(self) -> int:
        """``|M| = |Q| + |Γ| + |δ|``."""
        return len(self.states) + len(self.symbols) + len(self.transitions)

    def delta(self) -> dict[tuple[str, str], Transition]:
        return {(t.state, t.read): t for t in self.transitions}

    def inputs_of_length(self, width: int) -> Iterator[tuple[str, ...]]:
        """Every initial tape ``I^W`` in lexicographic order of the symbol list."""
        return (tuple(w) for w in product(self.initial_symbols, repeat=width))


def _check_names(kind: str, names: Sequence[str], cap: int) -> None:
    if not names or len(names) > cap:
        raise TMFormatError(0, f"a machine needs 1..{cap} {kind}s, got {len(names)}")
    for x in names:
        if not isinstance(x, str) or not _NAME.match(x) or len(x) > MAX_NAME:
            raise TMFormatError(0, f"{kind} {x!r} must be letters, digits, _ (at most {MAX_NAME} characters)")
    if len(set(names)) != len(names):
        raise TMFormatError(0, f"{kind}s must be distinct, got {list(names)}")


def _check_transition(m: TuringMachine, t: Transition) -> None:
    if t.state not in m.states or t.target not in m.states:
        raise TMFormatError(0, f"{t.show()}: unknown state")
    if t.read not in m.symbols or t.write not in m.symbols:
        raise TMFormatError(0, f"{t.show()}: unknown symbol")
    if t.move not in MOVES:
        raise TMFormatError(0, f"{t.show()}: the move must be L, R or S")
    if t.state in m.halting:
        raise TMFormatError(0, f"{t.show()}: no transition may leave the halting state {t.state}")


# ---- the text format --------------------------------------------------------------------------------


def parse_tm(text: str) -> TuringMachine:
    """Parse the format of docs/tm-format.md by hand (no eval); :class:`TMFormatError` with the line number
    on any malformed, unknown, repeated or inconsistent line, or past the size bounds."""
    if not isinstance(text, str):
        raise TMFormatError(0, f"expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise TMFormatError(0, f"the text has {len(text):,} characters; at most {MAX_TEXT:,}")
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise TMFormatError(0, f"the text has {len(lines):,} lines; at most {MAX_LINES:,}")
    keys: dict[str, tuple[int, list[str]]] = {}
    rows: list[tuple[int, list[str]]] = []
    for no, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" in line:
            key, _, rest = line.partition(":")
            key = key.strip()
            if key not in _KEYS:
                raise TMFormatError(no, f"unknown key {key!r}; keys are {', '.join(_KEYS)}")
            if key in keys:
                raise TMFormatError(no, f"{key!r} given twice (first on line {keys[key][0]})")
            keys[key] = (no, rest.split())
            continue
        parts = line.split()
        if len(parts) != 6 or parts[2] != "->":
            raise TMFormatError(no, f"expected 'STATE SYMBOL -> STATE SYMBOL MOVE' or 'key: value', got {line!r}")
        rows.append((no, parts))
    return _build(keys, rows)


def _one(keys: dict[str, tuple[int, list[str]]], key: str, default: str | None) -> str | None:
    if key not in keys:
        if default is None and key in ("start", "accept"):
            raise TMFormatError(0, f"missing '{key}:' line")
        return default
    no, vals = keys[key]
    if len(vals) != 1:
        raise TMFormatError(no, f"'{key}:' takes exactly one value, got {len(vals)}")
    if not _NAME.match(vals[0]) or len(vals[0]) > MAX_NAME:
        raise TMFormatError(no, f"{vals[0]!r} must be letters, digits, _ (at most {MAX_NAME} characters)")
    return vals[0]


def _build(keys: dict[str, tuple[int, list[str]]], rows: list[tuple[int, list[str]]]) -> TuringMachine:
    name = _one(keys, "name", "tm") or "tm"
    start, accept = _one(keys, "start", None), _one(keys, "accept", None)
    reject, blank = _one(keys, "reject", None), _one(keys, "blank", "_") or "_"
    edge = _one(keys, "edge", "reject") or "reject"
    if edge not in EDGES:
        raise TMFormatError(keys["edge"][0], f"edge must be one of {', '.join(EDGES)}, got {edge!r}")
    declared = {k: keys[k][1] for k in ("states", "symbols", "input") if k in keys}
    for k, vals in declared.items():
        for v in vals:
            if not _NAME.match(v) or len(v) > MAX_NAME:
                raise TMFormatError(keys[k][0], f"{v!r} must be letters, digits, _ (at most {MAX_NAME} characters)")
        if len(set(vals)) != len(vals):
            raise TMFormatError(keys[k][0], f"'{k}:' repeats a name")
    states = list(declared.get("states", []))
    symbols = list(declared.get("symbols", []))
    fixed_states, fixed_symbols = "states" in keys, "symbols" in keys

    def declared_name(no: int, name: str, names: list[str], fixed: bool, kind: str) -> str:
        if name not in names:
            if fixed:
                raise TMFormatError(no, f"unknown {kind} {name!r} (not in '{kind}s:')")
            names.append(name)
        return name

    def state(no: int, q: str) -> str:
        return declared_name(no, q, states, fixed_states, "state")

    def symbol(no: int, a: str) -> str:
        return declared_name(no, a, symbols, fixed_symbols, "symbol")

    if reject is not None and reject == accept:
        raise TMFormatError(keys["reject"][0], "the accept and reject states must differ")
    for role, q in (("start", start), ("accept", accept), ("reject", reject)):
        if q is not None:
            state(keys[role][0], q)
    if "blank" not in keys and fixed_symbols and blank not in symbols:
        raise TMFormatError(keys["symbols"][0], "the default blank '_' is not among the symbols; name one with 'blank:'")
    symbol(keys["blank"][0] if "blank" in keys else 0, blank)
    for a in declared.get("input", []):
        symbol(keys["input"][0], a)
    trans: list[Transition] = []
    seen: dict[tuple[str, str], int] = {}
    halting = {accept, reject} - {None}
    for no, (q, a, _, p, b, d) in rows:
        for x in (q, a, p, b):
            if not _NAME.match(x) or len(x) > MAX_NAME:
                raise TMFormatError(no, f"{x!r} must be letters, digits, _ (at most {MAX_NAME} characters)")
        if d not in MOVES:
            raise TMFormatError(no, f"the move must be L, R or S, got {d!r}")
        if q in halting:
            raise TMFormatError(no, f"no transition may leave the halting state {q!r}")
        if (q, a) in seen:
            raise TMFormatError(no, f"a second transition for ({q}, {a}) (first on line {seen[(q, a)]}): "
                                "the machine must be deterministic")
        seen[(q, a)] = no
        trans.append(Transition(state(no, q), symbol(no, a), state(no, p), symbol(no, b), d))
    if len(states) > MAX_STATES or len(symbols) > MAX_SYMBOLS:
        raise TMFormatError(0, f"at most {MAX_STATES} states and {MAX_SYMBOLS} symbols")
    return TuringMachine(tuple(states), tuple(symbols), blank, tuple(declared.get("input", [])), start,  # type: ignore[arg-type]
                         accept, tuple(trans), reject, edge, name)  # type: ignore[arg-type]


def format_tm(m: TuringMachine) -> str:
    """The canonical text of ``m``; ``parse_tm(format_tm(m)) == m``."""
    out = [f"name: {m.name}", f"states: {' '.join(m.states)}", f"symbols: {' '.join(m.symbols)}",
           f"blank: {m.blank}"]
    if m.inputs:
        out.append(f"input: {' '.join(m.inputs)}")
    out += [f"start: {m.start}", f"accept: {m.accept}"]
    if m.reject is not None:
        out.append(f"reject: {m.reject}")
    out.append(f"edge: {m.edge}")
    out += [t.show() for t in m.transitions]
    return "\n".join(out) + "\n"


def load_tm(path: str) -> TuringMachine:
    """Read and parse a machine file; an unreadable, oversized, non-UTF-8 or non-regular file (a FIFO
    would block) is a :class:`TMFormatError`."""
    from automata.files import read_text_file

    text = read_text_file(path, MAX_TEXT, "a machine", lambda message: TMFormatError(0, message))
    return parse_tm(text)


# ---- the simulator ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """A configuration: state, head cell (0-based) and the tape of ``W`` cells."""

    state: str
    head: int
    tape: tuple[str, ...]

    def show(self) -> str:
        """Cells separated by spaces, the head cell as ``[state]symbol``."""
        return " ".join(f"[{self.state}]{a}" if k == self.head else a for k, a in enumerate(self.tape))


@dataclass(frozen=True)
class Run:
    """The run of ``machine`` on width ``2^n`` from ``configs[0]``. ``outcome``: accept (the last
    configuration is in the accept state), reject (reject state, no transition, or off the tape with
    ``edge: reject``), loop (``configs[-1]`` repeats ``configs[loop_start]``: never halts), running
    (the step bound ``max_steps`` was reached). ``reason`` says which."""

    machine: TuringMachine
    n: int
    configs: tuple[Config, ...]
    outcome: str
    reason: str
    loop_start: int | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == "accept"

    @property
    def input(self) -> tuple[str, ...]:
        return self.configs[0].tape

    @property
    def steps(self) -> int:
        return len(self.configs) - 1


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= N_MAX:
        raise ParameterError(f"tm: n must be an integer in 1..{N_MAX}, got {n!r}")
    return 1 << n


def initial_config(m: TuringMachine, n: int, tape: Sequence[str] | None = None) -> Config:
    """Head on cell 1 in the start state; ``tape`` a word of ``I^W`` (default: the first symbol of
    :attr:`TuringMachine.initial_symbols` everywhere — the blank tape when there are no inputs)."""
    width = _check_n(n)
    cells = (m.initial_symbols[0],) * width if tape is None else tuple(tape)
    if len(cells) != width:
        raise ParameterError(f"tm: the input must have exactly 2^{n} = {width} symbols, got {len(cells)}")
    bad = sorted({a for a in cells if a not in m.initial_symbols})
    if bad:
        raise ParameterError(f"tm: input symbols {bad} are not among {list(m.initial_symbols)}")
    return Config(m.start, 0, cells)


def step(m: TuringMachine, c: Config, delta: dict[tuple[str, str], Transition] | None = None
         ) -> tuple[Config | None, str]:
    """One step: the next configuration, or None and why the machine halts."""
    delta = m.delta() if delta is None else delta
    if c.state == m.accept:
        return None, f"accept state {m.accept}"
    if c.state == m.reject:
        return None, f"reject state {m.reject}"
    t = delta.get((c.state, c.tape[c.head]))
    if t is None:
        return None, f"no transition for ({c.state}, {c.tape[c.head]})"
    head = c.head + {"L": -1, "R": 1, "S": 0}[t.move]
    if not 0 <= head < len(c.tape):
        if m.edge == "reject":
            return None, f"{t.show()} moves off the tape at cell {c.head + 1} (edge: reject)"
        head = c.head
    return Config(t.target, head, c.tape[:c.head] + (t.write,) + c.tape[c.head + 1:]), ""


def simulate(m: TuringMachine, n: int, tape: Sequence[str] | None = None, max_steps: int = DEFAULT_STEPS) -> Run:
    """Run ``m`` on width ``2^n`` from :func:`initial_config` for at most ``max_steps`` steps."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or not 0 <= max_steps <= MAX_STEPS:
        raise ParameterError(f"tm: max_steps must be an integer in 0..{MAX_STEPS:,}, got {max_steps!r}")
    c = initial_config(m, n, tape)
    configs = [c]
    seen = {c: 0}
    delta = m.delta()
    while True:
        nxt, why = step(m, c, delta)
        if nxt is None:
            return Run(m, n, tuple(configs), "accept" if c.state == m.accept else "reject", why)
        if len(configs) > max_steps:  # max_steps steps done, the machine has not halted
            return Run(m, n, tuple(configs), "running", f"step bound {max_steps:,} reached")
        if len(configs) * len(c.tape) >= MAX_CELLS:
            return Run(m, n, tuple(configs), "running", f"memory bound: {len(configs):,} configurations of "
                       f"{len(c.tape)} cells kept (at most {MAX_CELLS:,} cells)")
        if nxt in seen:
            configs.append(nxt)
            return Run(m, n, tuple(configs), "loop", f"configuration {len(configs)} repeats configuration "
                       f"{seen[nxt] + 1}: the machine never halts", seen[nxt])
        seen[nxt] = len(configs)
        configs.append(nxt)
        c = nxt


__all__ = ["TMFormatError", "Transition", "TuringMachine", "Config", "Run", "parse_tm", "format_tm", "load_tm",
           "initial_config", "step", "simulate", "MOVES", "EDGES", "OUTCOMES", "MAX_TEXT", "DEFAULT_STEPS"]
