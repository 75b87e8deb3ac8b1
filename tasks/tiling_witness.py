"""The witness tile sets of THEORY §5 and a suite of small tiling instances with known answers.

[BCL] Thm 15 reduces a Turing machine counting with 2^n bits to a tiling instance (a cited reduction);
THEORY §5 fixes our **reconstruction**: a ``2^W``-bit counter, ``W = 2^n`` columns, row ``j`` holding
the W-bit value ``j − 1`` (column 1 = most significant bit). Vertical colours: 0 border, 1 bit 0,
2 bit 1; horizontal colours: 0 border, 1 carry 0, 2 carry 1 (the carry runs right to left). With strict
borders the minimal height is ``2^W = 2^(2^n)`` and the shortest word has ``(n+2)·2^n·2^(2^n)`` symbols;
as stated (interior colour 0 allowed) a row splits into 2-column counters and 4 rows suffice.

>>> len(counter_witness(1).tiles), counter_witness(1).final
(17, 'top_lsb_b0')
"""
from __future__ import annotations

from typing import Callable

from automata.errors import ParameterError
from tasks.tiling import Tile, TilingInstance


def counter_tiles() -> tuple[Tile, ...]:
    """The 17 tiles of THEORY §5, ``(left, up, right, down)``:

    * row 1 (value 0): ``init_msb (0,1,1,0)``, ``init_mid (1,1,1,0)``, ``init_lsb (1,1,0,0)``;
    * middle, old bit ``b``, carry-in ``c``: ``mid_b{b}c{c} = (1+(b∧c), 1+(b⊕c), 1+c, 1+b)``;
    * LSB, carry-in 1: ``lsb_b{b} = (1+b, 1+(1−b), 0, 1+b)``;
    * MSB without overflow (``b∧c = 0``): ``msb_b{b}c{c} = (0, 1+(b⊕c), 1+c, 1+b)``;
    * ``top_…``: a copy with ``up = 0`` of each tile whose output bit is 1.
    """
    tiles = [Tile(0, 1, 1, 0, "init_msb"), Tile(1, 1, 1, 0, "init_mid"), Tile(1, 1, 0, 0, "init_lsb")]
    counting: list[tuple[Tile, int]] = []  # (tile, output bit)
    for b in (0, 1):
        for c in (0, 1):
            counting.append((Tile(1 + (b & c), 1 + (b ^ c), 1 + c, 1 + b, f"mid_b{b}c{c}"), b ^ c))
    for b in (0, 1):
        counting.append((Tile(1 + b, 1 + (1 - b), 0, 1 + b, f"lsb_b{b}"), 1 - b))
    for b, c in ((0, 0), (0, 1), (1, 0)):
        counting.append((Tile(0, 1 + (b ^ c), 1 + c, 1 + b, f"msb_b{b}c{c}"), b ^ c))
    tiles += [t for t, _ in counting]
    tiles += [Tile(t.left, 0, t.right, t.down, "top_" + t.name) for t, out in counting if out == 1]
    return tuple(tiles)


def counter_witness(n: int, borders: str = "strict") -> TilingInstance:
    """The witness instance of THEORY §5 for width ``2^n``; final tile ``top_lsb_b0 = (1, 0, 0, 1)``."""
    return TilingInstance(n, counter_tiles(), "top_lsb_b0", borders)


def expected_witness_height(n: int, borders: str = "strict") -> int:
    """THEORY §5: ``2^(2^n)`` rows with strict borders, 4 as stated."""
    return 2 ** (2**n) if borders == "strict" else 4


def expected_witness_length(n: int, borders: str = "strict") -> int:
    """Symbols of the shortest word: ``height · 2^n · (n+2)``."""
    return expected_witness_height(n, borders) * 2**n * (n + 2)


def counter_grid(n: int) -> list[tuple[str, ...]]:
    """The strict-border solution written down directly (the row search of
    :func:`tasks.tiling.solve` takes minutes for n = 4): row r holds the W-bit value r, W = 2^n,
    r = 0 .. 2^W − 1; a row reads the old bits below it and carries from the LSB (carry-in 1) leftwards;
    the last row (all ones) uses the ``top_`` tiles. Tests check it against the row search for n ≤ 3
    and against :func:`tasks.tiling.is_solution`.

    >>> counter_grid(1)
    [('init_msb', 'init_lsb'), ('msb_b0c0', 'lsb_b0'), ('msb_b0c1', 'lsb_b1'), ('top_msb_b1c0', 'top_lsb_b0')]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(f"counter_grid needs an integer n ≥ 1 (width 2^n ≥ 2), got {n!r}")
    width = 2**n
    grid = [("init_msb", *(["init_mid"] * (width - 2)), "init_lsb")]
    top = 2**width - 1
    for r in range(1, top + 1):
        old = r - 1
        row: list[str] = [""] * width
        carry = 1
        for col in range(width - 1, -1, -1):
            b = (old >> (width - 1 - col)) & 1
            if col == width - 1:
                name = f"lsb_b{b}"
            elif col == 0:
                name = f"msb_b{b}c{carry}"
            else:
                name = f"mid_b{b}c{carry}"
            row[col] = ("top_" if r == top else "") + name
            carry = b & carry
        grid.append(tuple(row))
    return grid


# ---- the suite ------------------------------------------------------------------------------------

T = Tile


def _layers(n: int, k: int, borders: str = "strict") -> TilingInstance:
    """``k`` layers of tiles first/mid/last with vertical colour ``i`` between layers ``i`` and ``i+1``
    (0 below layer 1 and above layer k); horizontal colour 1 inside a row. Exactly ``k`` rows."""
    tiles = []
    for i in range(1, k + 1):
        down, up = i - 1, (i if i < k else 0)
        tiles += [T(0, up, 1, down, f"f{i}"), T(1, up, 1, down, f"m{i}"), T(1, up, 0, down, f"l{i}")]
    return TilingInstance(n, tuple(tiles), f"l{k}", borders)


def _one_row() -> tuple[TilingInstance, int | None]:
    """n=1, a=(0,0,1,0), b=(1,0,0,0): the single row [a, b] — height 1 (strict too)."""
    return TilingInstance(1, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b")), "b", "strict"), 1


def _blank_as_stated() -> tuple[TilingInstance, int | None]:
    """n=1, one blank tile (0,0,0,0): [z, z] is a solution as stated — height 1."""
    return TilingInstance(1, (T(0, 0, 0, 0, "z"),), "z", "as-stated"), 1


def _blank_strict() -> tuple[TilingInstance, int | None]:
    """The blank tile with strict borders: the interior edge would have colour 0 — unsolvable."""
    return TilingInstance(1, (T(0, 0, 0, 0, "z"),), "z", "strict"), None


def _two_layers() -> tuple[TilingInstance, int | None]:
    """n=1, two layers (vertical colour 1 between them): exactly 2 rows."""
    return _layers(1, 2), 2


def _three_layers() -> tuple[TilingInstance, int | None]:
    """n=1, three layers: exactly 3 rows."""
    return _layers(1, 3), 3


def _n2_three_layers() -> tuple[TilingInstance, int | None]:
    """n=2 (4 columns), three layers with a middle tile: exactly 3 rows."""
    return _layers(2, 3), 3


def _n2_single_row() -> tuple[TilingInstance, int | None]:
    """n=2, tiles chained by horizontal colours 1, 2, 3 into one forced row — height 1."""
    tiles = (T(0, 0, 1, 0, "p"), T(1, 0, 2, 0, "q"), T(2, 0, 3, 0, "r"), T(3, 0, 0, 0, "s"))
    return TilingInstance(2, tiles, "s", "strict"), 1


def _no_bottom_tile() -> tuple[TilingInstance, int | None]:
    """n=1, every tile has down ≠ 0: no first row — unsolvable."""
    return TilingInstance(1, (T(0, 0, 1, 1, "a"), T(1, 0, 0, 1, "b")), "b", "as-stated"), None


def _final_unreachable() -> tuple[TilingInstance, int | None]:
    """n=1, the final tile has down 5 and no tile has up 5 — unsolvable (rows [a, b] exist)."""
    tiles = (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b"), T(1, 0, 0, 5, "f"))
    return TilingInstance(1, tiles, "f", "as-stated"), None


def _horizontal_mismatch() -> tuple[TilingInstance, int | None]:
    """n=1, a.right = 1 but b.left = 2 (and b cannot start a row) — unsolvable."""
    return TilingInstance(1, (T(0, 0, 1, 0, "a"), T(2, 0, 0, 0, "b")), "b", "as-stated"), None


def _final_not_right() -> tuple[TilingInstance, int | None]:
    """n=1, the final tile a has right = 1, so it cannot sit in the last column — unsolvable."""
    return TilingInstance(1, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b")), "a", "as-stated"), None


def _never_closes() -> tuple[TilingInstance, int | None]:
    """n=1, every tile has up = 1: rows stack forever but never meet the top border — unsolvable
    (the search exhausts the row graph)."""
    tiles = (T(0, 1, 1, 0, "p"), T(1, 1, 0, 0, "q"), T(0, 1, 1, 1, "r"), T(1, 1, 0, 1, "s"))
    return TilingInstance(1, tiles, "s", "as-stated"), None


def _loop_with_exit() -> tuple[TilingInstance, int | None]:
    """n=1, a loop row [r, s] on colour 1 and an exit row [t, f]: every height ≥ 2 works — minimum 2."""
    tiles = (T(0, 1, 1, 0, "p"), T(1, 1, 0, 0, "q"), T(0, 1, 1, 1, "r"), T(1, 1, 0, 1, "s"),
             T(0, 0, 1, 1, "t"), T(1, 0, 0, 1, "f"))
    return TilingInstance(1, tiles, "f", "as-stated"), 2


def _shortcut_tiles() -> tuple[Tile, ...]:
    return (T(0, 1, 1, 0, "p"), T(1, 1, 0, 0, "q"), T(0, 2, 1, 1, "r"), T(1, 2, 0, 1, "s"),
            T(0, 0, 1, 2, "t"), T(1, 0, 0, 2, "f"), T(0, 2, 0, 0, "z"))


def _shortcut_as_stated() -> tuple[TilingInstance, int | None]:
    """n=1, three layers plus z=(0,2,0,0): as stated the row [z, z] skips layers 1–2 — height 2."""
    return TilingInstance(1, _shortcut_tiles(), "f", "as-stated"), 2


def _shortcut_strict() -> tuple[TilingInstance, int | None]:
    """The same tiles with strict borders: z has left = right = 0 and fits nowhere — height 3."""
    return TilingInstance(1, _shortcut_tiles(), "f", "strict"), 3


def _n2_segments_as_stated() -> tuple[TilingInstance, int | None]:
    """n=2, a=(0,0,1,0), b=(1,0,0,0): as stated [a, b, a, b] (interior colour 0) — height 1."""
    return TilingInstance(2, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b")), "b", "as-stated"), 1


def _n2_segments_strict() -> tuple[TilingInstance, int | None]:
    """The same with strict borders: no tile continues a row past column 2 — unsolvable."""
    return TilingInstance(2, (T(0, 0, 1, 0, "a"), T(1, 0, 0, 0, "b")), "b", "strict"), None


INSTANCE_SUITE: dict[str, Callable[[], tuple[TilingInstance, int | None]]] = {
    "one_row": _one_row,
    "blank_as_stated": _blank_as_stated,
    "blank_strict": _blank_strict,
    "two_layers": _two_layers,
    "three_layers": _three_layers,
    "n2_three_layers": _n2_three_layers,
    "n2_single_row": _n2_single_row,
    "no_bottom_tile": _no_bottom_tile,
    "final_unreachable": _final_unreachable,
    "horizontal_mismatch": _horizontal_mismatch,
    "final_not_right": _final_not_right,
    "never_closes": _never_closes,
    "loop_with_exit": _loop_with_exit,
    "shortcut_as_stated": _shortcut_as_stated,
    "shortcut_strict": _shortcut_strict,
    "n2_segments_as_stated": _n2_segments_as_stated,
    "n2_segments_strict": _n2_segments_strict,
}
"""Small instances ([BCL] Problem 6) with hand-derived minimal heights (None: no solution at all)."""
