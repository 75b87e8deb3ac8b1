"""The standard encoding of a space-``2^n`` Turing machine run as a ``2^n``-tiling instance.

[BCL] Bergsträßer, Cotterell, Lin, *Transformers are Inherently Succinct* (ICLR 2026), Thm 15 reduces
a machine with space bound ``2^n`` to Problem 6 (``2^n``-tiling, EXPSPACE-complete, Prop 7) and only
*cites* that reduction; Lemma 8 (:func:`constructions.library.tiling_brasp.tiling_program`) then gives a
B-RASP program and Lemma 9 (:func:`constructions.uhat.lemma9.compile_lemma9`) a UHAT. The encoding here
is the textbook one (one row per configuration), **our own construction**, checked by
:mod:`proofs_check.tm_check` against the simulator :mod:`tasks.tm`.

Grid (width ``W = 2^n``, strict borders: colour 0 only on the outer edges). Row ``i`` = configuration
``i`` of the run; a tile's ``down`` is its cell's content in that configuration (a symbol ``a``, or
``(q, a)`` on the head cell), its ``up`` the content in configuration ``i + 1``. Horizontal colours carry
the head's move between neighbouring cells. Each tile exists in a first (``F``, left = 0), middle
(``M``) and last (``L``, right = 0) column version. Vertical colours: 0 border, ``H`` (halted), one per
symbol, one per (state, symbol). Horizontal: 0 border, ``N`` (no move across), ``R_p`` / ``L_p`` (the
head moves right / left across this edge in state ``p``), ``A0`` / ``A1`` (accepting row, head not yet
/ already seen), ``E`` (halt row). Tiles ``(left, up, right, down)``:

* ``step`` (δ(q, a) = (p, b, d)): down ``(q, a)``; d = S: up ``(p, b)``; d = R: up ``b``, right ``R_p``
  (no L version with ``edge: reject``; with ``edge: stay`` the L version stays: up ``(p, b)``); d = L:
  up ``b``, left ``L_p`` (likewise for F);
* ``copy`` (a): down = up = ``a``; ``inR`` (p, a), M/L: left ``R_p``, down ``a``, up ``(p, a)``;
  ``inL`` (p, a), F/M: right ``L_p``, down ``a``, up ``(p, a)``; all other sides ``N`` (0 on the border);
* accepting row, all with up ``H``: ``acc`` (a): down ``(q_acc, a)``, left ``A0``, right ``A1``; ``pre``
  (a), F/M: ``A0 → A0``; ``post`` (a), M/L: ``A1 → A1`` — the acceptance flag moves right, so the last
  column sees the head in the accept state somewhere in the row;
* halt row, up 0, down ``H``: ``F.end (0, 0, E, H)``, ``M.end (E, 0, E, H)``, ``L.end (E, 0, 0, H)`` =
  the **final tile**;
* row 1: a copy with down 0 (name prefix ``i``) of each tile that may start a run: F tiles with down
  ``(q_0, a)`` and M/L ``copy``/``inR`` tiles (and ``post`` when ``q_0`` accepts) with down ``a``, ``a ∈ I``.

So the solutions are exactly the grids of accepting runs (one per input ``I^W`` whose run accepts): an
accepting run of ``C`` configurations gives ``C + 1`` rows and a word of ``(C + 1)·2^n·(n + 2)`` symbols.
A rejecting or undecided run has no solution row for its last configuration: :func:`run_grid` closes it
as if it accepted, and that grid violates a vertical match (or, where the last move enters a dead head
content that no tile carries, a horizontal one: a copy tile stands in for the missing ``inR``/``inL``).

**Size** (:func:`tile_count`; ``g = |Γ|``, ``t_S, t_R, t_L`` transitions by move, ``e = [edge = stay]``,
``α`` = :func:`accept_symbols`, ``ℓ_R`` / ``ℓ_L`` = the live head contents ``(p, a)`` (:func:`live_heads`)
with ``p`` the target of an R / L move, ``ℓ_R^I`` those with ``a ∈ I``, ``ι = |I|`` or 1 for a blank tape,
``σ`` = transitions from ``q_0`` on initial symbols whose F version exists):
``τ = 3t_S + (2+e)(t_R + t_L) + 7g + 3α + 2(ℓ_R + ℓ_L) + 3 + σ + 2ι + 2ℓ_R^I + 3ι·[q_0 = q_acc]``
``≤ 3|δ| + 12g + 4g|Q| + 3 + ι(6 + 2|Q|) = O(|Q|·|Γ|)`` — independent of ``n``; the program has
``3n + τ + 18`` operations (Lemma 8 with strict borders) and ``O(n² + τ²)`` formula nodes
(:func:`constructions.library.tiling_brasp.tiling_program_size`), polynomial in ``n`` and ``|M|``.

>>> from tasks.tm import parse_tm, simulate
>>> m = parse_tm("start: s\\naccept: t\\nsymbols: _ x\\ns _ -> t x R\\n")
>>> tt = tm_tiling(m, 1)
>>> len(tt.instance.tiles) == tile_count(m)["tiles"], run_grid(tt, simulate(m, 1))
(True, (('iF.step.s._', 'iL.inR.t._'), ('F.pre.x', 'L.acc._'), ('F.end', 'L.end')))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from automata.errors import ParameterError
from tasks.tiling import Grid, Tile, TilingInstance
from tasks.tm import Config, Run, TuringMachine, simulate

POSITIONS: tuple[str, ...] = ("F", "M", "L")
FINAL = "L.end"
Key = tuple  # (kind, pos, init, *details)


@dataclass(frozen=True)
class TileInfo:
    """What a tile means: its kind, column position, whether it is a row-1 copy, and the content of its
    cell in its own configuration (``state`` None off the head)."""

    kind: str
    pos: str
    init: bool
    state: str | None
    symbol: str


@dataclass(frozen=True)
class TMTiling:
    """The tiling instance of ``machine`` on width ``2^n``, with each tile's meaning and colour names."""

    machine: TuringMachine
    n: int
    instance: TilingInstance
    info: Mapping[str, TileInfo] = field(repr=False)
    names: Mapping[Key, str] = field(repr=False)
    vertical: tuple[str, ...] = field(repr=False)
    horizontal: tuple[str, ...] = field(repr=False)

    @property
    def width(self) -> int:
        return self.instance.width

    def name(self, key: Key) -> str:
        """The tile of ``key``; a missing row-1 copy falls back to the ordinary tile (whose down ≠ 0)."""
        if key in self.names:
            return self.names[key]
        if key[2]:
            return self.name((key[0], key[1], False, *key[3:]))
        raise ParameterError(f"tm tiling: no tile {key}")


def tm_tiling(m: TuringMachine, n: int) -> TMTiling:
    """Build the instance (module docstring); ``n`` ≥ 1 so that the first and last columns differ."""
    if not isinstance(m, TuringMachine):
        raise ParameterError(f"tm tiling: expected a TuringMachine, got {type(m).__name__}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(f"tm tiling: n must be an integer ≥ 1, got {n!r}")
    vnames = ["<0>", "<H>", *m.symbols, *(f"{q}/{a}" for q in m.states for a in m.symbols)]
    hnames = ["<0>", "<N>", "<A0>", "<A1>", "<E>", *(f"R_{p}" for p in m.states), *(f"L_{p}" for p in m.states)]
    vidx = {x: k for k, x in enumerate(vnames)}
    hidx = {x: k for k, x in enumerate(hnames)}

    def plain(a: str) -> int:
        return vidx[a]

    def head(q: str, a: str) -> int:
        return vidx[f"{q}/{a}"]

    tiles: list[Tile] = []
    info: dict[str, TileInfo] = {}
    names: dict[Key, str] = {}

    def add(key: Key, left: str, up: int, right: str, down: int, state: str | None, symbol: str) -> None:
        kind, pos, init = key[0], key[1], key[2]
        lc = 0 if pos == "F" else hidx[left]
        rc = 0 if pos == "L" else hidx[right]
        name = ("i" if init else "") + ".".join((pos, kind, *key[3:]))
        tiles.append(Tile(lc, up, rc, 0 if init else down, name))
        info[name] = TileInfo(kind, pos, init, state, symbol)
        names[key] = name

    def both(key: Key, left: str, up: int, right: str, down: int, state: str | None, symbol: str,
             start: bool) -> None:
        add(key, left, up, right, down, state, symbol)
        if start:
            add((key[0], key[1], True, *key[3:]), left, up, right, down, state, symbol)

    init_syms = set(m.initial_symbols)
    for t in m.transitions:
        for pos in POSITIONS:
            move = t.move
            if (move, pos) in (("L", "F"), ("R", "L")):
                if m.edge == "reject":
                    continue
                move = "S"
            up = head(t.target, t.write) if move == "S" else plain(t.write)
            left = f"L_{t.target}" if move == "L" else "<N>"
            right = f"R_{t.target}" if move == "R" else "<N>"
            start = pos == "F" and t.state == m.start and t.read in init_syms
            both(("step", pos, False, t.state, t.read), left, up, right, head(t.state, t.read), t.state, t.read, start)
    into_r = [p for p in m.states if any(t.move == "R" and t.target == p for t in m.transitions)]
    into_l = [p for p in m.states if any(t.move == "L" and t.target == p for t in m.transitions)]
    live = live_heads(m)
    for a in m.symbols:
        s = a in init_syms
        for pos in POSITIONS:
            both(("copy", pos, False, a), "<N>", plain(a), "<N>", plain(a), None, a, s and pos != "F")
        for p in into_r:
            for pos in ("M", "L") if (p, a) in live else ():
                both(("inR", pos, False, p, a), f"R_{p}", head(p, a), "<N>", plain(a), None, a, s)
        for p in into_l:
            for pos in ("F", "M") if (p, a) in live else ():
                both(("inL", pos, False, p, a), "<N>", head(p, a), f"L_{p}", plain(a), None, a, False)
    h = vidx["<H>"]
    acc_start = m.start == m.accept
    for a in m.symbols:
        s = a in init_syms and acc_start
        for pos in POSITIONS if (m.accept, a) in live else ():
            both(("acc", pos, False, a), "<A0>", h, "<A1>", head(m.accept, a), m.accept, a, s and pos == "F")
        for pos in ("F", "M"):
            both(("pre", pos, False, a), "<A0>", h, "<A0>", plain(a), None, a, False)
        for pos in ("M", "L"):
            both(("post", pos, False, a), "<A1>", h, "<A1>", plain(a), None, a, s)
    for pos in POSITIONS:
        add(("end", pos, False), "<E>", 0, "<E>", h, None, "")
    inst = TilingInstance(n, tuple(tiles), FINAL, "strict")
    return TMTiling(m, n, inst, info, names, tuple(vnames), tuple(hnames))


def accept_symbols(m: TuringMachine) -> tuple[str, ...]:
    """The symbols the head can read in the accept state: any symbol if an L/R move enters it, else those
    an S move into it writes (and the input symbols when the start state accepts)."""
    into = [t for t in m.transitions if t.target == m.accept]
    if any(t.move != "S" for t in into):
        return m.symbols
    out = {t.write for t in into} | (set(m.initial_symbols) if m.start == m.accept else set())
    return tuple(a for a in m.symbols if a in out)


def live_heads(m: TuringMachine) -> frozenset[tuple[str, str]]:
    """Head contents ``(q, a)`` from which a run can go on or accept: ``δ(q, a)`` is defined, or ``q`` is
    the accept state and ``a`` in :func:`accept_symbols`. Tiles producing any other head content could
    never have a tile above them, so ``inR``/``inL``/``acc`` tiles exist only for live contents."""
    return frozenset({(t.state, t.read) for t in m.transitions} | {(m.accept, a) for a in accept_symbols(m)})


def tile_count(m: TuringMachine) -> dict[str, int]:
    """The closed form of the module docstring, term by term (``tiles`` = τ); independent of ``n``."""
    g, e = len(m.symbols), int(m.edge == "stay")
    by = {d: sum(t.move == d for t in m.transitions) for d in "SRL"}
    into_r = {t.target for t in m.transitions if t.move == "R"}
    into_l = {t.target for t in m.transitions if t.move == "L"}
    live = live_heads(m)
    live_r = sum(p in into_r for p, _ in live)
    live_l = sum(p in into_l for p, _ in live)
    live_r_input = sum(p in into_r and a in m.initial_symbols for p, a in live)
    iota = len(m.initial_symbols)
    sigma = sum(1 for t in m.transitions if t.state == m.start and t.read in m.initial_symbols
                and (t.move != "L" or e))
    terms = {
        "step": 3 * by["S"] + (2 + e) * (by["R"] + by["L"]),
        "copy": 3 * g,
        "enter": 2 * (live_r + live_l),
        "accept_row": 4 * g + 3 * len(accept_symbols(m)),
        "halt_row": 3,
        "row1": sigma + 2 * iota + 2 * live_r_input + 3 * iota * int(m.start == m.accept),
    }
    bound = 3 * len(m.transitions) + 12 * g + 4 * g * len(m.states) + 3 + iota * (6 + 2 * len(m.states))
    return {**terms, "tiles": sum(terms.values()), "bound": bound}


def program_ops(m: TuringMachine, n: int) -> int:
    """Operations of Lemma 8's program for the instance (strict borders): ``3n + τ + 18``."""
    return 3 * n + tile_count(m)["tiles"] + 18


# ---- runs ↔ grids -----------------------------------------------------------------------------------


def _pos(col: int, width: int) -> str:
    return "F" if col == 0 else "L" if col == width - 1 else "M"


def _step_row(tt: TMTiling, c: Config, nxt: Config, init: bool) -> tuple[str, ...]:
    width, h = tt.width, c.head
    moved = nxt.head - h
    row = []
    for col, a in enumerate(c.tape):
        pos = _pos(col, width)
        if col == h:
            key: Key = ("step", pos, init, c.state, a)
        elif col == nxt.head and moved in (1, -1):
            key = ("inR" if moved == 1 else "inL", pos, init, nxt.state, a)
            if key[:2] + (False,) + key[3:] not in tt.names:
                # the head enters a dead content (q, a): the run rejects there and no tile carries it;
                # the copy tile stands in, and its side colour N cannot match the move R_q / L_q
                key = ("copy", pos, init, a)
        else:
            key = ("copy", pos, init, a)
        row.append(tt.name(key))
    return tuple(row)


def _accept_row(tt: TMTiling, c: Config, init: bool) -> tuple[str, ...]:
    """The accepting row of ``c``; when ``c``'s head content has no ``acc`` tile (``c`` does not accept)
    another tile stands in — its down colour cannot match the row below."""
    width, row = tt.width, []
    syms = accept_symbols(tt.machine)
    for col, a in enumerate(c.tape):
        pos = _pos(col, width)
        if col == c.head:
            if ("acc", pos, False, a) in tt.names:
                key: Key = ("acc", pos, init, a)
            else:  # no acc tile (c does not accept): any acc tile, or a copy tile when there is none
                key = ("acc", pos, init, syms[0]) if syms else ("copy", pos, init, a)
        else:
            key = ("pre" if col < c.head else "post", pos, init, a)
        row.append(tt.name(key))
    return tuple(row)


def run_grid(tt: TMTiling, run: Run) -> Grid:
    """The grid of ``run``: one step row per configuration but the last, the accepting row of the last
    configuration, the halt row. A solution of ``tt.instance`` iff the run accepts (otherwise the
    accepting row's head tile does not match the configuration below it)."""
    if run.machine != tt.machine or run.n != tt.n:
        raise ParameterError("tm tiling: the run is of another machine or width")
    cs = run.configs
    rows = [_step_row(tt, c, nxt, k == 0) for k, (c, nxt) in enumerate(zip(cs, cs[1:]))]
    rows.append(_accept_row(tt, cs[-1], len(cs) == 1))
    rows.append(tuple(tt.name(("end", _pos(col, tt.width), False)) for col in range(tt.width)))
    return tuple(rows)


def grid_input(tt: TMTiling, grid: Grid) -> tuple[str, ...] | None:
    """The input a grid's first row starts from (the symbols of its row-1 tiles), or None when that row is
    not made of row-1 tiles (then it is no solution: only they have down = 0)."""
    if not grid or len(grid[0]) != tt.width:
        return None
    infos = [tt.info.get(x) for x in grid[0]]
    if any(i is None or not i.init for i in infos):
        return None
    return tuple(i.symbol for i in infos)  # type: ignore[union-attr]


def simulator_accepts(tt: TMTiling, grid: Grid) -> bool:
    """The simulator's verdict on a grid, independent of the tiling checker: the grid is the
    :func:`run_grid` of an accepting run (the run on the input of its first row)."""
    tape = grid_input(tt, grid)
    if tape is None:
        return False
    run = simulate(tt.machine, tt.n, tape, max_steps=len(grid))
    return run.accepted and run_grid(tt, run) == grid


def shortest_run_length(run: Run) -> int:
    """Symbols of the encoding of an accepting run: ``(configurations + 1)·2^n·(n + 2)``."""
    return (len(run.configs) + 1) * (1 << run.n) * (run.n + 2)


__all__ = ["TMTiling", "TileInfo", "tm_tiling", "tile_count", "program_ops", "run_grid", "grid_input",
           "simulator_accepts", "shortest_run_length", "FINAL", "POSITIONS"]
