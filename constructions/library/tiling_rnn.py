"""A structured single-layer ReLU RNN for 2^N-tiling languages (THEORY §4, §7; [BCL] Problem 6, §2.4).

For any :class:`tasks.tiling.TilingInstance` (both border conventions) :func:`tiling_rnn` builds an
Elman RNN ``h_t = ReLU(W h_{t−1} + U e(w_t) + b)`` accepting exactly the language of
:class:`tasks.tiling.TilingTask`: the encodings ``bin_N(j−1) τ #`` (cells left to right, rows bottom to
top) of solutions. Every unit is 0 or 1 on every input, so the precision is ``k = 1`` and the state has
``D`` bits. THEORY §7 asks for "a state holding the previous row's up-colours (O(W) = O(2^N) units)":
that is the FIFO below, ``(2W − 1)·c_v`` units, and everything else is ``O(N + |T|)``. By [BCL] §2.4 /
Prop 1 an RNN with ``D`` units of ``k`` bits is an automaton with ``2^(k·D)`` states, so for the
witness of THEORY §5 (shortest word ``(N+2)·2^N·2^(2^N)`` symbols, strict borders) ``k·D ≥ 2^N`` — this
network is within a constant factor (about 4) of that bound.

**Gadget** (as in :mod:`constructions.library.counter_rnn`): every logical variable is the sum of
mutually exclusive units, each unit an AND of literals ``ReLU(Σ pos + Σ (1 − neg) − (#lits − 1))``; a
literal is an old-state variable or a set of input symbols. A positive literal is always 0/1 (its
units are exclusive); a negative literal may be any sum of units (then it reads "all of them are 0").
A multiplexer "``slot_k' = tile ? slot_{k−1} : slot_k``" is the sum of two such units
(shift: ``AND(slot_{k−1}, x ∈ T)``, hold: ``AND(slot_k, x ∈ {0, 1, #})``).

**State layout** (``W = 2^N``; ``c_v`` nonzero up colours, ``c_h`` nonzero right colours; colour 0 is
"all units of the register are 0"):

* ``start`` (1 only in ``h0``); the cell start ``S = start + sep + sep.fin``;
* column bits, slot ``j = 0..N−1``, comparing the bits read with the registers ``R_j`` (the previous
  cell's column; ``h0``: ``R = 1^N``, so the first cell must read ``0^N``):
  ``E`` (equal so far), ``F`` (from here on ``R = 1``, ``x = 0``: after the increment's flip, or the
  wrap ``1^N → 0^N`` when it starts at slot 0): ``e_j.0 = AND(E_j, x_0, ¬R_j)``,
  ``e_j.1 = AND(E_j, x_1, R_j)`` → ``E_{j+1}``; ``flip_j = AND(E_j, x_1, ¬R_j)``,
  ``wrap_0 = AND(S, x_0, R_0)``, ``f_j = AND(F_j, x_0, R_j)`` → ``F_{j+1}``; ``E_0 = S``; at the last slot
  only ``flip`` / ``f`` (``wrap`` if ``N = 1``) survive, into ``P`` ("bits correct"): ``4N − 2`` units;
* ``R_j = AND(R_j, ¬pos_j) + e_j.1 + flip_j`` (``pos_0 = S``, ``pos_j = E_j + F_j``): ``N`` hold units;
* ``A_j`` = "the bits so far are all 1": ``A_1 = AND(S, x_1)``, ``A_{j+1} = AND(A_j, x_1)``: ``N`` units;
  ``A = A_N`` says the cell is in the last column;
* one unit per tile ``t``: ``AND(P, x_t, left, down, column)`` with ``left`` = ``H_{t.left}`` (or ``¬H``
  when ``t.left = 0``), ``down`` = ``Q_{W−1,t.down}`` (or ``¬Q_{W−1}``), ``column`` = ``¬A`` if
  ``t.right ≠ 0``, ``A`` if ``t.right = 0`` with strict borders, none otherwise; with borders as stated
  the final tile (if its right colour is 0) has two units, ``A`` (→ ``fin``) and ``¬A``: ``|T| + δ``
  units, ``δ = [as-stated ∧ final.right = 0]``. A tile unit sets ``Q_{0,t.up}``, ``H_{t.right}`` and
  ``Tn`` (or ``Tf`` when it is the final tile in the last column);
* ``sep = AND(Tn, x_#)``, ``sep.fin = AND(Tf, x_#)``: 2 units;
* ``H_c`` (right colour of the latest tile; 0 after the last column): ``c_h`` hold units
  ``AND(H_c, x ∈ {0,1,#})``;
* the FIFO ``Q_{k,c}``, ``k = 0..W−1`` (``Q_{k}`` = up colour of the ``(k+1)``-th latest tile, so
  ``Q_{W−1}`` is the cell below the current one; 0 = bottom border): a hold unit per ``(k, c)`` and a
  shift unit ``AND(Q_{k−1,c}, x ∈ T)`` per ``k ≥ 1``: ``(2W − 1)·c_v`` units.

A wrong symbol has no successor unit among ``S, E, F, P, Tn, Tf`` — the run is dead and never accepts.
**Readout**: ``sep.fin − Σ Q > 0``: a cell in the last column with the final tile was just closed, and
the last ``W`` up colours (the top row) are 0.

**Size** (exact; :func:`tiling_rnn_size` computes it without building): units
``D = 6N + 1 + |T| + δ + c_h + (2W − 1)·c_v``, precision ``k = 1``, state bits ``D``,
``params = D² + D·(|T| + 3) + 3D + 1``. For the witness (17 tiles, ``c_v = c_h = 2``):
``D = 6N + 4·2^N + 18`` (strict), ``+ 19`` as stated — 32 / 46 / 68 / 106 units for ``N = 1..4``.
"""
from __future__ import annotations

from dataclasses import dataclass

from automata.errors import ParameterError
from constructions.exact import ZERO_BITS
from constructions.library.counter_rnn import AndNet, Lit, V, X
from constructions.rnn.model import ElmanRNN, RNNSize
from tasks.tiling import BITS, SEP, Tile, TilingInstance, TilingTask

CITATION = "[BCL] Problem 6, §2.4 / Prop 1; THEORY §4, §5, §7"


@dataclass(frozen=True)
class TileUnit:
    """One tile unit: the tile, its column literal (``None``, ``True`` = A, ``False`` = ¬A), fin."""

    tile: Tile
    column: bool | None
    fin: bool


def _colours(tiles: tuple[Tile, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(nonzero up colours, nonzero right colours), sorted."""
    return tuple(sorted({t.up for t in tiles} - {0})), tuple(sorted({t.right for t in tiles} - {0}))


def tile_units(tiles: tuple[Tile, ...], final: str, strict: bool) -> tuple[TileUnit, ...]:
    """The tile units of the module docstring (``|T| + δ`` of them)."""
    out: list[TileUnit] = []
    for t in tiles:
        is_final = t.name == final
        if t.right != 0:
            out.append(TileUnit(t, False, False))
        elif strict:
            out.append(TileUnit(t, True, is_final))
        elif is_final:
            out += [TileUnit(t, True, True), TileUnit(t, False, False)]
        else:
            out.append(TileUnit(t, None, False))
    return tuple(out)


def tiling_rnn_for(task: TilingTask) -> ElmanRNN:
    """The structured RNN of a :class:`tasks.tiling.TilingTask`."""
    if not isinstance(task, TilingTask):
        raise ParameterError(f"tiling_rnn_for: expected a TilingTask, got {type(task).__name__}")
    return tiling_rnn(task.instance)


def tiling_rnn(instance: TilingInstance) -> ElmanRNN:
    """The structured RNN (module docstring) recognising exactly ``TilingTask(instance)``'s language."""
    if not isinstance(instance, TilingInstance):
        raise ParameterError(f"tiling_rnn: expected a TilingInstance, got {type(instance).__name__}")
    n, width = instance.n, instance.width
    names = tuple(t.name for t in instance.tiles)
    other = (*BITS, SEP)
    ups, rights = _colours(instance.tiles)
    last_q = f"Q{width - 1}"
    net = AndNet()
    net.unit("start", var="S")
    net.h0["start"] = 1
    # -- column bits ----------------------------------------------------------------------------
    for j in range(n):
        last = j == n - 1
        e_in, r = ("S" if j == 0 else f"E{j}"), f"R{j}"
        e_out = () if last else (f"E{j + 1}", f"pos{j + 1}")
        f_out = ("P",) if last else (f"F{j + 1}", f"pos{j + 1}")
        if not last:
            net.unit(f"e{j}.0", V(e_in), X("0"), V(r, False), var=e_out)
            net.unit(f"e{j}.1", V(e_in), X("1"), V(r), var=(*e_out, r))
        net.unit(f"flip{j}", V(e_in), X("1"), V(r, False), var=(*f_out, r))
        if j == 0:
            net.unit("wrap0", V("S"), X("0"), V(r), var=f_out)
        else:
            net.unit(f"f{j}", V(f"F{j}"), X("0"), V(r), var=f_out)
        net.unit(f"A{j + 1}", V("S" if j == 0 else f"A{j}"), X("1"), var=f"A{j + 1}")
    for j in range(n):
        net.unit(f"R{j}.hold", V(f"R{j}"), V("S" if j == 0 else f"pos{j}", False), var=f"R{j}")
        net.h0[f"R{j}.hold"] = 1
    # -- the tile slot --------------------------------------------------------------------------
    for i, tu in enumerate(tile_units(instance.tiles, instance.final, instance.strict)):
        t = tu.tile
        lits: list[Lit] = [V("P"), X(t.name)]
        lits.append(V("H", False) if t.left == 0 else V(f"H{t.left}"))
        lits.append(V(last_q, False) if t.down == 0 else V(f"{last_q}.{t.down}"))
        if tu.column is not None:
            lits.append(V(f"A{n}", tu.column))
        out = ["Tf" if tu.fin else "Tn"]
        if t.up:
            out += [f"Q0.{t.up}", "Q"]
        if t.right:
            out += [f"H{t.right}", "H"]
        net.unit(f"tile{i}.{t.name}" + ("" if tu.column is None else (".last" if tu.column else ".inner")),
                 *lits, var=out)
    net.unit("sep", V("Tn"), X(SEP), var="S")
    net.unit("sep.fin", V("Tf"), X(SEP), var=("S", "acc"))
    # -- registers: the right colour and the FIFO of up colours --------------------------------
    for c in rights:
        net.unit(f"H{c}.hold", V(f"H{c}"), X(*other), var=(f"H{c}", "H"))
    for k in range(width):
        for c in ups:
            slot = (f"Q{k}.{c}", "Q") + ((last_q,) if k == width - 1 else ())
            net.unit(f"Q{k}.{c}.hold", V(f"Q{k}.{c}"), X(*other), var=slot)
            if k:
                net.unit(f"Q{k}.{c}.shift", V(f"Q{k - 1}.{c}"), X(*names), var=slot)
    return net.compile(instance.alphabet, [V("acc"), V("Q", False)])


# ---- the size without building -------------------------------------------------------------------


def _extra_bits(v: int) -> int:
    """``bit_length(v) − ZERO_BITS`` for an integer ``v ≠ 0`` (``bit_length(±1) = ZERO_BITS = 3``)."""
    return max(1, abs(v).bit_length()) - 1


def tiling_rnn_size(n: int, instance: TilingInstance) -> RNNSize:
    """The exact :class:`RNNSize` of ``tiling_rnn`` for width ``2^n`` and ``instance``'s tiles, final
    tile and borders (``instance.n`` is ignored, so ``n`` may exceed :data:`tasks.tiling.N_MAX`),
    from closed forms in ``n``, ``|T|`` and the colour counts — nothing of size ``2^n`` is built.

    Units ``D = 6n + 1 + |T| + δ + c_h + (2·2^n − 1)·c_v``; ``params = D² + D·(|T| + 3) + 3D + 1``;
    every weight is ±1 and only biases can be longer (``ZERO_BITS = bit_length(±1) = 3``), so
    ``total_bits = 3·params + Σ_units (bit_length(b_u) − 3)``.

    >>> from tasks.tiling_witness import counter_witness
    >>> tiling_rnn(counter_witness(2)).size() == tiling_rnn_size(2, counter_witness(2))
    True
    >>> tiling_rnn_size(16, counter_witness(1)).units  # 6·16 + 4·2^16 + 18
    262258
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(f"tiling_rnn_size: n must be an integer ≥ 1, got {n!r}")
    if not isinstance(instance, TilingInstance):
        raise ParameterError(f"tiling_rnn_size: expected a TilingInstance, got {type(instance).__name__}")
    tiles, width = instance.tiles, 1 << n
    ups, rights = _colours(tiles)
    cv, ch = len(ups), len(rights)
    tus = tile_units(tiles, instance.final, instance.strict)
    d = 6 * n + 1 + len(tus) + ch + (2 * width - 1) * cv
    sigma = len(tiles) + 3
    params = d * d + d * sigma + 3 * d + 1
    # sizes of the variables read by the network (number of units summed)
    n_up = sum(1 for tu in tus if tu.tile.up)
    h_of = {c: 1 + sum(1 for tu in tus if tu.tile.right == c) for c in rights}
    q0_of = {c: 1 + sum(1 for tu in tus if tu.tile.up == c) for c in ups}
    size = {"S": 3, "P": 2, "Tf": sum(tu.fin for tu in tus), "H": sum(h_of.values()),
            "Qlast": 2 * cv if width > 1 else 0}
    size["Tn"] = len(tus) - size["Tf"]
    rho = [3 if j < n - 1 else 2 for j in range(n)]
    w_nnz = u_nnz = 0
    biases: list[int] = []

    def unit(w: int, u: int, pos: int, neg: int) -> None:
        nonlocal w_nnz, u_nnz
        w_nnz, u_nnz = w_nnz + w, u_nnz + u
        b = neg - (pos + neg - 1)
        if b:
            biases.append(b)

    for j in range(n):  # e.0, e.1, flip, wrap/f, A, R.hold — (W entries, U entries, #pos, #neg)
        e, last = (3 if j == 0 else 2), j == n - 1
        if not last:
            unit(e + rho[j], 1, 2, 1)
            unit(e + rho[j], 1, 3, 0)
        unit(e + rho[j], 1, 2, 1)
        unit((3 if j == 0 else 2) + rho[j], 1, 3, 0)
        unit(3 if j == 0 else 1, 1, 2, 0)
        unit(rho[j] + (3 if j == 0 else 4), 0, 1, 1)
    for tu in tus:
        t = tu.tile
        w, pos, neg = size["P"], 2, 0
        if t.left == 0:
            w, neg = w + size["H"], neg + 1
        else:
            w, pos = w + h_of.get(t.left, 0), pos + 1
        if t.down == 0:
            w, neg = w + size["Qlast"], neg + 1
        else:
            w, pos = w + (2 if t.down in ups else 0), pos + 1
        if tu.column is not None:
            w, pos, neg = w + 1, pos + tu.column, neg + (not tu.column)
        unit(w, 1, pos, neg)
    unit(size["Tn"], 1, 2, 0)
    unit(size["Tf"], 1, 2, 0)
    for c in rights:
        unit(h_of[c], 3, 2, 0)
    for c in ups:  # FIFO: holds k = 0..W−1, shifts k = 1..W−1
        w_nnz += q0_of[c] + 2 * (width - 1)  # holds
        w_nnz += q0_of[c] + 2 * (width - 2)  # shifts read slots 0..W−2
        u_nnz += 3 * width + len(tiles) * (width - 1)
        biases += [-1] * (2 * width - 1)
    readout_nnz = 1 + (2 * width - 1) * cv + n_up  # sep.fin and every unit of Q; bias 0
    h0_nnz = 1 + n
    nonzeros = w_nnz + u_nnz + len(biases) + readout_nnz + h0_nnz
    extra = sum(_extra_bits(b) for b in biases)
    return RNNSize(
        units=d,
        alphabet_size=sigma,
        activation="relu",
        precision=1,
        params=params,
        nonzeros=nonzeros,
        total_bits=ZERO_BITS * params + extra,
        max_bits=ZERO_BITS + max([0, *(_extra_bits(b) for b in biases)]),
        state_bits=d,
    )
