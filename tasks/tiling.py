"""The 2^n-tiling problem of [BCL] Problem 6 (THEORY §4) as a language, with a checker and a solver.

A tile is ``(left, up, right, down)`` colours in ℕ₀ with a name. An instance fixes ``n`` (width
``W = 2^n`` columns), the tiles and a final tile. A **solution** is a grid of ``W`` columns and some
height ``M ≥ 1`` (row 1 at the bottom) with the final tile top-right, colour 0 on all four borders,
horizontal neighbours matching (``right = left``) and vertical neighbours matching (the upper tile's
``down`` = the lower tile's ``up``). Deciding whether a solution exists is EXPSPACE-complete ([BCL] Prop 7).
With ``borders='strict'`` (THEORY's convention, gadget D_s of Appendix A) colour 0 is also forbidden on
interior vertical edges: ``left = 0`` only in column 1, ``right = 0`` only in column ``W``.

Encoding (THEORY §4, [BCL] Lemma 8): cell (row i, column j) ↦ ``bin_n(j−1) · tile · #`` (n bits, most
significant first); rows bottom to top, cells left to right, no separator. The language of an instance
is the set of encodings of its solutions; Lemma 8 builds a poly-size B-RASP program for it.

Here: :func:`encode`, :func:`decode`, :func:`violations` / :func:`is_solution` (a direct checker),
:class:`TilingAutomaton` (a streaming reference automaton), :class:`TilingTask`, and a row-graph search
:func:`solve_report` / :func:`min_height` / :func:`solve` / :func:`shortest_word`. The witness family and
a suite of small instances with known answers are in :mod:`tasks.tiling_witness`.

>>> inst = TilingInstance(1, (Tile(0, 0, 1, 0, "a"), Tile(1, 0, 0, 0, "b")), "b")
>>> " ".join(encode((("a", "b"),)))
'0 a # 1 b #'
>>> TilingTask(inst).accepts(tuple("0a#1b#")), min_height(inst, 10)
(True, 1)
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable, Mapping, Sequence

from automata.alphabet import Word, encode_word, is_iterable, word_tuple
from automata.errors import ParameterError, shown
from automata.implicit import ImplicitAutomaton
from tasks.base import Citation, LowerBound, Samples, Task

BCL = "[BCL] Bergsträßer, Cotterell, Lin, Transformers are Inherently Succinct, ICLR 2026 (arXiv 2510.19315)"
BITS: tuple[str, ...] = ("0", "1")
SEP = "#"
RESERVED = frozenset({"0", "1", SEP})
BORDERS: tuple[str, ...] = ("as-stated", "strict")
N_MAX = 16  # instances and programs (sizes); word-level search refuses n > WORD_N_MAX
WORD_N_MAX = 8  # the row search recurses once per column (2^n deep)

Grid = tuple[tuple[str, ...], ...]  # rows bottom to top, each a tuple of tile names left to right


@dataclass(frozen=True)
class Tile:
    """A Wang tile ``(left, up, right, down)`` of [BCL] Problem 6; colours are integers ≥ 0."""

    left: int
    up: int
    right: int
    down: int
    name: str

    def __post_init__(self) -> None:
        for side in ("left", "up", "right", "down"):
            c = getattr(self, side)
            if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                raise ParameterError(f"tiling: tile {shown(self.name)}: {side} colour must be an int ≥ 0, got {shown(c)}")
        if not isinstance(self.name, str) or not self.name or any(ch.isspace() for ch in self.name):
            raise ParameterError(f"tiling: a tile name must be a non-empty string without spaces, got {shown(self.name)}")
        if self.name in RESERVED:
            raise ParameterError(f"tiling: tile name {shown(self.name)} clashes with the symbols 0 1 #")


@dataclass(frozen=True)
class TilingInstance:
    """An instance of [BCL] Problem 6: ``n`` (width ``2^n``), the tiles, the final tile's name, borders."""

    n: int
    tiles: tuple[Tile, ...]
    final: str
    borders: str = "as-stated"

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 1 <= self.n <= N_MAX:
            raise ParameterError(f"tiling: n must be an integer in 1..{N_MAX}, got {shown(self.n)}")
        if isinstance(self.tiles, (str, bytes)) or not is_iterable(self.tiles):
            raise ParameterError(f"tiling: tiles must be a non-empty sequence of Tile, got {shown(self.tiles)}")
        object.__setattr__(self, "tiles", tuple(self.tiles))
        if not self.tiles or not all(isinstance(t, Tile) for t in self.tiles):
            raise ParameterError("tiling: tiles must be a non-empty sequence of Tile")
        names = [t.name for t in self.tiles]
        if len(set(names)) != len(names):
            dup = sorted({x for x in names if names.count(x) > 1})
            raise ParameterError(f"tiling: tile names must be unique; repeated {dup}")
        if not isinstance(self.final, str) or self.final not in names:
            raise ParameterError(f"tiling: the final tile {shown(self.final)} is not among the tiles")
        if not isinstance(self.borders, str) or self.borders not in BORDERS:
            raise ParameterError(f"tiling: borders must be one of {BORDERS}, got {shown(self.borders)}")

    @property
    def width(self) -> int:
        """``W = 2^n`` columns."""
        return 1 << self.n

    @property
    def strict(self) -> bool:
        return self.borders == "strict"

    @property
    def alphabet(self) -> tuple[str, ...]:
        return ("0", "1", SEP, *(t.name for t in self.tiles))

    def tile(self, name: str) -> Tile:
        for t in self.tiles:
            if t.name == name:
                return t
        raise ParameterError(f"tiling: unknown tile {shown(name)}")

    def with_borders(self, borders: str) -> TilingInstance:
        return TilingInstance(self.n, self.tiles, self.final, borders)


# ---- encoding -------------------------------------------------------------------------------------


def column_bits(n: int, col: int) -> Word:
    """``bin_n(col)``, most significant bit first (``col`` counted from 0)."""
    return tuple(format(col, f"0{n}b"))


def encode(grid: Grid) -> Word:
    """The word of a grid (THEORY §4): cells ``bin_n(j−1) tile #``, rows bottom to top. ``n`` is read off
    the width, which must be a power of two ≥ 2; no check that the grid is a solution."""
    if not grid or any(len(row) != len(grid[0]) for row in grid):
        raise ParameterError("tiling: a grid must have at least one row and rows of equal length")
    width = len(grid[0])
    n = width.bit_length() - 1
    if width < 2 or width != 1 << n:
        raise ParameterError(f"tiling: the width must be 2^n with n ≥ 1, got {width}")
    out: list[str] = []
    for row in grid:
        for col, name in enumerate(row):
            out.extend(column_bits(n, col))
            out.extend((name, SEP))
    return tuple(out)


def decode(instance: TilingInstance, word: Sequence[str]) -> Grid:
    """Inverse of :func:`encode` for ``instance``; :class:`ParameterError` (naming the position) unless
    the word is a non-empty sequence of whole rows of well-formed cells with the right column bits."""
    word = tuple(word)
    n, width = instance.n, instance.width
    cell = n + 2
    names = {t.name for t in instance.tiles}
    if not word or len(word) % (cell * width):
        raise ParameterError(f"tiling: the length {len(word)} is not a positive multiple of {cell * width}")
    rows: list[tuple[str, ...]] = []
    for r in range(len(word) // (cell * width)):
        row = []
        for col in range(width):
            at = (r * width + col) * cell
            if word[at:at + n] != column_bits(n, col):
                raise ParameterError(f"tiling: position {at + 1}: expected the column bits {''.join(column_bits(n, col))}")
            if word[at + n] not in names:
                raise ParameterError(f"tiling: position {at + n + 1}: expected a tile, got {shown(word[at + n])}")
            if word[at + n + 1] != SEP:
                raise ParameterError(f"tiling: position {at + n + 2}: expected '#', got {shown(word[at + n + 1])}")
            row.append(word[at + n])
        rows.append(tuple(row))
    return tuple(rows)


# ---- the direct checker ---------------------------------------------------------------------------


def violations(instance: TilingInstance, grid: Grid) -> tuple[str, ...]:
    """Every way ``grid`` fails to be a solution of [BCL] Problem 6 (empty: it is one). Rows bottom to top;
    messages use 1-based (row, column)."""
    width = instance.width
    if not grid:
        return ("the grid has no rows",)
    if any(len(row) != width for row in grid):
        return (f"every row must have {width} cells",)
    lookup = {t.name: t for t in instance.tiles}
    unknown = sorted({x for row in grid for x in row} - lookup.keys())
    if unknown:
        return (f"unknown tiles {unknown}",)
    g = [[lookup[x] for x in row] for row in grid]
    out: list[str] = []
    top = len(g)
    if grid[-1][-1] != instance.final:
        out.append(f"top-right cell is {shown(grid[-1][-1])}, not the final tile {shown(instance.final)}")
    for r, row in enumerate(g, 1):
        for c, t in enumerate(row, 1):
            at = f"({r},{c}) {t.name}"
            if r == 1 and t.down != 0:
                out.append(f"{at}: bottom border needs down = 0, got {t.down}")
            if r == top and t.up != 0:
                out.append(f"{at}: top border needs up = 0, got {t.up}")
            if c == 1 and t.left != 0:
                out.append(f"{at}: left border needs left = 0, got {t.left}")
            if c == width and t.right != 0:
                out.append(f"{at}: right border needs right = 0, got {t.right}")
            if c < width and t.right != row[c].left:
                out.append(f"{at}: right {t.right} ≠ left {row[c].left} of ({r},{c + 1})")
            if r < top and t.up != g[r][c - 1].down:
                out.append(f"{at}: up {t.up} ≠ down {g[r][c - 1].down} of ({r + 1},{c})")
            if instance.strict and c < width and t.right == 0:
                out.append(f"{at}: strict borders forbid colour 0 on the interior edge to ({r},{c + 1})")
    return tuple(out)


def is_solution(instance: TilingInstance, grid: Grid) -> bool:
    """Whether ``grid`` is a solution of ``instance`` ([BCL] Problem 6, THEORY §4)."""
    return not violations(instance, grid)


# ---- the streaming reference automaton ------------------------------------------------------------

# (column, position in the cell, vertical colours, right colour of the previous cell, final seen)
State = tuple[int, int, tuple[int, ...], int, bool]


@dataclass(frozen=True)
class TilingAutomaton(ImplicitAutomaton):
    """Reference automaton for the encodings of solutions.

    State ``(col, p, vert, right, fin)``: the current column, the position in the cell (``0..n−1`` bits,
    ``n`` the tile, ``n+1`` the ``#``), ``vert[k]`` = the up colour of the latest cell read in column
    ``k`` (0 before the first row: the bottom border), the right colour of the previous cell (0 at the
    start of a row: the left border), and whether the last tile read was the final tile in column ``W``.
    A tile must have ``left = right`` and ``down = vert[col]``; in column ``W`` also ``right = 0``; with
    strict borders no interior edge has colour 0. Accepting: at a row boundary with ``fin`` and every
    ``vert`` 0 (the top border). At most ``W·(n+2)·|colours|^(W+1)·2`` states: finite.
    """

    instance: TilingInstance
    _tiles: Mapping[str, Tile] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tiles", {t.name: t for t in self.instance.tiles})

    @property
    def alphabet(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.instance.alphabet

    def start(self) -> State:
        return (0, 0, (0,) * self.instance.width, 0, False)

    def step(self, state: Hashable, symbol: str) -> State | None:
        col, p, vert, right, _ = state  # type: ignore[misc]
        n, width = self.instance.n, self.instance.width
        if p < n:
            return (col, p + 1, vert, right, False) if symbol == str((col >> (n - 1 - p)) & 1) else None
        if p == n:
            t = self._tiles.get(symbol)
            if t is None or t.left != right or t.down != vert[col]:
                return None
            last = col == width - 1
            if last and t.right != 0:
                return None
            if self.instance.strict and not last and t.right == 0:
                return None
            fin = last and t.name == self.instance.final
            return (col, n + 1, vert[:col] + (t.up,) + vert[col + 1:], 0 if last else t.right, fin)
        if symbol != SEP:
            return None
        return ((col + 1) % width, 0, vert, right, state[4])  # type: ignore[index]

    def is_accepting(self, state: Hashable) -> bool:
        col, p, vert, _, fin = state  # type: ignore[misc]
        return col == 0 and p == 0 and fin and not any(vert)


# ---- the solver: BFS over the row graph -----------------------------------------------------------


@dataclass(frozen=True)
class SolveReport:
    """Result of :func:`solve_report`. ``height``/``grid``: a minimal solution, or None if none has at
    most ``max_rows`` rows. ``exhausted``: the search ran out of new up-colour vectors, so the finite row
    graph has been fully explored and there is **no** solution of any height. ``rows_explored``: rows
    enumerated; ``vectors``: distinct up-colour vectors reached."""

    height: int | None
    grid: Grid | None
    exhausted: bool
    rows_explored: int
    vectors: int


def rows_over(instance: TilingInstance, below: tuple[int, ...]) -> list[tuple[str, ...]]:
    """All valid rows whose down colours are ``below`` (borders, horizontal matching, strict rule),
    built column by column by depth-first search."""
    width, strict = instance.width, instance.strict
    by_down_left: dict[tuple[int, int], list[Tile]] = defaultdict(list)
    for t in instance.tiles:
        by_down_left[(t.down, t.left)].append(t)
    out: list[tuple[str, ...]] = []
    row: list[str] = []

    def extend(col: int, left: int) -> None:
        last = col == width - 1
        for t in by_down_left.get((below[col], left), ()):
            if last:
                if t.right == 0:
                    out.append((*row, t.name))
                continue
            if strict and t.right == 0:
                continue
            row.append(t.name)
            extend(col + 1, t.right)
            row.pop()

    extend(0, 0)
    return out


def solve_report(instance: TilingInstance, max_rows: int) -> SolveReport:
    """Breadth-first search over up-colour vectors (the row graph: a row fits above a row iff its down
    vector is the other's up vector). Level ``h`` holds the up vectors of grids of height ``h`` that
    satisfy every constraint except the top border and the final tile; a row over a level-``h−1`` vector
    with all up colours 0 ending in the final tile gives a solution of height ``h`` — the first such ``h``
    is minimal ([BCL] Problem 6; THEORY §4–§5)."""
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise ParameterError(f"tiling: max_rows must be an integer ≥ 1, got {shown(max_rows)}")
    if instance.n > WORD_N_MAX:
        raise ParameterError(f"tiling: cannot search rows of width 2^{instance.n}; the row search needs n ≤ {WORD_N_MAX}")
    width = instance.width
    zero = (0,) * width
    lookup = {t.name: t for t in instance.tiles}
    parent: dict[tuple[int, ...], tuple[tuple[int, ...] | None, tuple[str, ...]]] = {}
    frontier: list[tuple[int, ...] | None] = [None]  # None: below the bottom border
    explored = 0
    for height in range(1, max_rows + 1):
        nxt: list[tuple[int, ...] | None] = []
        for vec in frontier:
            for row in rows_over(instance, zero if vec is None else vec):
                explored += 1
                up = tuple(lookup[x].up for x in row)
                if up == zero and row[-1] == instance.final:
                    grid = [row]
                    cur = vec
                    while cur is not None:
                        cur, prev_row = parent[cur]
                        grid.append(prev_row)
                    return SolveReport(height, tuple(reversed(grid)), False, explored, len(parent))
                if up not in parent:
                    parent[up] = (vec, row)
                    nxt.append(up)
        if not nxt:
            return SolveReport(None, None, True, explored, len(parent))
        frontier = nxt
    return SolveReport(None, None, False, explored, len(parent))


def solve(instance: TilingInstance, max_rows: int) -> Grid | None:
    """A solution of minimal height, or None if none has at most ``max_rows`` rows."""
    return solve_report(instance, max_rows).grid


def min_height(instance: TilingInstance, max_rows: int) -> int | None:
    """The minimal height of a solution, or None if none has at most ``max_rows`` rows."""
    return solve_report(instance, max_rows).height


def shortest_word(instance: TilingInstance, max_rows: int = 4096) -> Word | None:
    """The encoding of a minimal-height solution: a shortest word of the language (every word of
    height ``M`` has ``M·2^n·(n+2)`` symbols), or None if none has at most ``max_rows`` rows."""
    grid = solve(instance, max_rows)
    return None if grid is None else encode(grid)


# ---- the task -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TilingTask(Task):
    """The language of encodings of solutions of a tiling instance ([BCL] Problem 6, Lemma 8)."""

    instance: TilingInstance
    max_rows: int = 4096  # the search bound for samples and lower bounds

    name = "tiling"
    citation = Citation(BCL, "Problem 6 (2^n-tiling), Prop 7, Lemma 8; THEORY §4–§5")

    def __post_init__(self) -> None:
        if not isinstance(self.instance, TilingInstance):
            raise ParameterError(f"tiling: expected a TilingInstance, got {type(self.instance).__name__}")
        if isinstance(self.max_rows, bool) or not isinstance(self.max_rows, int) or self.max_rows < 1:
            raise ParameterError(f"tiling: max_rows must be an integer ≥ 1, got {shown(self.max_rows)}")

    @property
    def alphabet(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.instance.alphabet

    @property
    def params(self) -> Mapping[str, object]:
        i = self.instance
        return {"n": i.n, "tiles": len(i.tiles), "final": i.final, "borders": i.borders}

    def reference(self) -> TilingAutomaton:
        return TilingAutomaton(self.instance)

    def accepts(self, word: Sequence[str]) -> bool:
        """Decode and check directly (independent of :meth:`reference`); foreign symbols raise."""
        word = word_tuple(word)
        encode_word(word, self.alphabet)
        try:
            grid = decode(self.instance, word)
        except ParameterError:
            return False
        return is_solution(self.instance, grid)

    def report(self) -> SolveReport:
        cache = self.__dict__.setdefault("_solve_cache", {})
        if "r" not in cache:
            cache["r"] = solve_report(self.instance, self.max_rows)
        return cache["r"]

    def samples(self) -> Samples:
        """The minimal solution's word; malformed and wrong words; rejected single-symbol changes of it."""
        i = self.instance
        grid = self.report().grid
        cell = i.n + 2
        names = [t.name for t in i.tiles]
        positive: list[Word] = []
        negative: list[Word] = [(SEP,), ("0",), (names[0],)]
        negative.append(encode(((names[0],) * i.width,)))
        near: list[Word] = []
        if grid is not None:
            base = encode(grid)
            positive.append(base)
            negative += [base[:-cell], base + base[: cell * i.width], base[cell * i.width:] or base[:cell]]
            spots = sorted({0, i.n - 1, i.n, i.n + 1, len(base) // 2, len(base) - 2, len(base) - 1})
            for p in spots:
                for sym in self.alphabet:
                    if sym != base[p]:
                        cand = base[:p] + (sym,) + base[p + 1:]
                        if not self.accepts(cand):
                            near.append(cand)
        negative = [u for u in dict.fromkeys(negative) if not self.accepts(u)]
        return Samples(tuple(positive), tuple(negative), tuple(dict.fromkeys(near)))

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        """THEORY §5: automata need more states than the shortest word is long; RNNs k·D ≥ log2 of that;
        LTL m ≥ log2(shortest)/c (m ≥ 2^n/c when the shortest word has ≥ 2^(2^n) symbols)."""
        r = self.report()
        if r.grid is None:
            why = "the language is empty" if r.exhausted else f"no solution with ≤ {self.max_rows} rows found"
            return (LowerBound("DFA states", None, why), LowerBound("RNN state bits k*D", None, why),
                    LowerBound("LTL formula size", None, why))
        length = r.height * self.instance.width * (self.instance.n + 2)  # type: ignore[operator]
        states = length + 1
        dfa = LowerBound("DFA states", states, "a non-empty language of an m-state automaton has a word shorter "
                         f"than m; the shortest word has {r.height}·2^n·(n+2) = {length} symbols")
        rnn = LowerBound("RNN state bits k*D", math.log2(states), "Prop 1 [BCL]: an RNN with D units of k bits is an "
                         f"automaton with 2^(k·D) states, so k·D ≥ log2({states})")
        n = self.instance.n
        if length >= 2 ** (2**n):
            ltl = LowerBound("LTL formula size", 2**n, "up to the constant c of 'a satisfiable LTL formula of size m "
                             "has a model of length ≤ 2^(c·m)': the shortest word has ≥ 2^(2^n) symbols, so "
                             "m ≥ 2^n / c (value shown: 2^n, i.e. c = 1)")
        else:
            ltl = LowerBound("LTL formula size", math.log2(length), "up to the constant c of 'a satisfiable LTL "
                             f"formula of size m has a model of length ≤ 2^(c·m)': m ≥ log2({length}) / c (c = 1 shown)")
        return (dfa, rnn, ltl)
