"""A UHAT's weights as named tensors, and the execution plan derived from them (docs/architecture.md).

**Named weights** (what ``state_dict()`` holds; THEORY §1 / [BCL] §2's symbols): ``embedding.weight``
(|Σ|, D₀) — row a is emb(a); ``positions.weight`` (D₀, d+1) with positional features; per attention
layer k (0-based index into ``net.layers``) the dense ``layers.k.A.weight`` (R', R) / ``.bias`` (the
query map), ``layers.k.B.*`` (the key map), ``layers.k.C.weight`` (S, (1+H)·R) / ``.bias`` (the
residual map on (v, a¹, …, aᴴ)), extra heads as ``layers.k.extra.h.A.*`` / ``.B.*``; per ReLU layer
``layers.k.mask`` (width,) bool (the coordinates it rectifies); ``accept.weight`` (1, D) or
``output.weight`` (|out|, D) / ``output.bias``. Masks, tie-breaks, modes and β are structure, not
weights: they live in the metadata (:func:`layer_meta`). With ``sparse`` the layer maps' weights are
sparse COO tensors of the same shapes and values (the paper-faithful Lemma 9 networks of the tiling
witness: 208M dense entries, 0.1% non-zero).

**The plan** (:func:`build_plan`), derived from those tensors only: every coordinate lives in a slot of
one buffer; a row of C that copies a coordinate (one entry 1, no bias) keeps its slot, the other rows
are a small dense block over the slots they read (``l{k}_cwv``, ``l{k}_cwa``, ``l{k}_cb``); a head's
query/key rows that can be non-zero form ``{tag}_qw/_qb/_kw/_kb``; the read-out reads ``t``/``t_bias``
over its slots. The blocks are copies gathered from the named tensors, re-derived whenever those
change, so the forward pass computes exactly the maps the named tensors hold.

:func:`symbolic` reads the named tensors back into a :class:`UHAT` (exact: every float or integer is a
rational) — how a changed or loaded module's exactness proof is re-derived.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

import torch
from torch import nn

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer

MASKS = ("none", "j<i", "j>i", "j<=i", "j>=i")


@dataclass(frozen=True)
class AttendSpec:
    mask: str
    tiebreak: str
    q_cols: tuple[int, ...]
    k_cols: tuple[int, ...]
    key_only: bool  # the query is constant: score(i, j) depends on j only
    mode: str = "hard"
    beta: float | None = None
    tag: str = ""  # block prefix of this head's query/key weights


@dataclass(frozen=True)
class PlanStep:
    kind: str  # "affine" | "relu"
    attend: AttendSpec | None = None  # the first head
    v_cols: tuple[int, ...] = ()  # slots read from v_n
    a_cols: tuple[int, ...] = ()  # slots read from the attended vectors (of head a_heads[i])
    dest: tuple[int, ...] = ()  # slots written (computed rows) / ReLU slots
    heads: tuple[AttendSpec, ...] = ()  # every head (heads[0] is attend)
    a_heads: tuple[int, ...] = ()  # the head of each a_cols entry


@dataclass(frozen=True)
class Plan:
    """The slot execution plan: steps, derived weight blocks (by their historical names), index tensors."""

    steps: tuple[PlanStep, ...]
    blocks: Mapping[str, torch.Tensor]
    index: tuple[dict[str, torch.Tensor], ...]
    n_slots: int
    t_slots: tuple[int, ...]
    t_index: torch.Tensor


# ---- the named weights ------------------------------------------------------------------------------


class Part(nn.Module):
    """A holder of named weight buffers; replacing one (``part.weight = t``) bumps the owner's counter."""

    def __setattr__(self, name: str, value) -> None:
        super().__setattr__(name, value)
        cell = self.__dict__.get("_cell")
        if cell is not None and name in self._buffers:
            cell[0] += 1


class Map(Part):
    """x ↦ weight·x + bias (``bias`` absent for the embedding-like maps without one)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None):
        super().__init__()
        self.register_buffer("weight", weight)
        if bias is not None:
            self.register_buffer("bias", bias)


class ReLUBlock(Part):
    def __init__(self, mask: torch.Tensor):
        super().__init__()
        self.register_buffer("mask", mask)


class HeadMaps(nn.Module):
    def __init__(self, a: Map, b: Map):
        super().__init__()
        self.A, self.B = a, b


class AttentionBlock(nn.Module):
    def __init__(self, a: Map, b: Map, c: Map, extra: Sequence[HeadMaps]):
        super().__init__()
        self.A, self.B, self.C = a, b, c
        self.extra = nn.ModuleList(extra)

    def head_maps(self) -> list[tuple[Map, Map]]:
        return [(self.A, self.B), *((h.A, h.B) for h in self.extra)]


def _dense(m: Affine, bias: bool = True, sparse: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The map as exact tensors: int64 when integral (|entries| < 2^63 checked by the caller), else
    float64 (a certified network's rounded rationals); the matrix as sparse COO with ``sparse``."""
    integral = m.is_integral()
    dt = torch.int64 if integral else torch.float64
    num = int if integral else float
    r, c, v = zip(*m.entries) if m.entries else ((), (), ())
    values = torch.tensor([num(x) for x in v], dtype=dt)
    if sparse:
        w = torch.sparse_coo_tensor(torch.tensor([r, c], dtype=torch.long).reshape(2, -1), values,
                                    (m.out_dim, m.in_dim), check_invariants=False).coalesce()  # valid by construction
    else:
        w = torch.zeros((m.out_dim, m.in_dim), dtype=dt)
        w[list(r), list(c)] = values
    if not bias:
        return w, None
    b = torch.zeros(m.out_dim, dtype=dt)
    if m.bias:
        rb, vb = zip(*m.bias)
        b[list(rb)] = torch.tensor([num(x) for x in vb], dtype=dt)
    return w, b


def dense_size(net: UHAT) -> int:
    """Entries of every layer's A, B and C as dense matrices."""
    return sum(m.out_dim * m.in_dim for layer in net.layers for m in layer.maps())


def named_parts(net: UHAT, dtype: torch.dtype, sparse: bool = False) -> dict[str, nn.Module]:
    """The submodules ``embedding``, ``positions`` (or absent), ``layers``, ``accept`` / ``output``; with
    ``sparse`` the layers' A, B, C weights are sparse COO tensors (same names, same values)."""
    cast = lambda t: None if t is None else t.to(dtype)  # noqa: E731 - exactness checked by the caller
    emb, _ = _dense(net.embedding, bias=False)
    parts: dict[str, nn.Module] = {"embedding": Map(cast(emb.T.contiguous()))}
    if net.positions is not None:
        parts["positions"] = Map(cast(_dense(net.positions, bias=False)[0]))
    layers = []
    for layer in net.layers:
        if isinstance(layer, ReLULayer):
            mask = torch.zeros(layer.width, dtype=torch.bool)
            mask[list(layer.coords)] = True
            layers.append(ReLUBlock(mask))
            continue
        pair = lambda m: Map(*map(cast, _dense(m, sparse=sparse)))  # noqa: E731
        extra = [HeadMaps(pair(h.A), pair(h.B)) for h in layer.extra_heads]
        layers.append(AttentionBlock(pair(layer.A), pair(layer.B), pair(layer.C), extra))
    parts["layers"] = nn.ModuleList(layers)
    if net.accept is not None:
        parts["accept"] = Map(cast(_dense(net.accept, bias=False)[0]))
    else:
        parts["output"] = Map(*map(cast, _dense(net.output)))
    return parts


def _beta_text(beta: Fraction | None) -> str | None:
    return None if beta is None else str(Fraction(beta))


def layer_meta(net: UHAT) -> list[dict]:
    """The structure the tensors do not carry, per layer (JSON-able)."""
    out = []
    for layer in net.layers:
        if isinstance(layer, ReLULayer):
            out.append({"kind": "relu", "width": layer.width})
            continue
        out.append({"kind": "attention", "in": layer.in_width, "rows": layer.A.out_dim, "out": layer.out_width,
                    "heads": [{"mask": h.mask, "tiebreak": h.tiebreak, "mode": h.mode, "beta": _beta_text(h.beta)}
                              for h in layer.heads]})
    return out


# ---- back to the symbolic network ---------------------------------------------------------------------


def entries(w: torch.Tensor) -> tuple[list[int], list[int], list]:
    """(rows, columns, values) of the non-zero entries of a dense or sparse COO matrix, row-major."""
    if w.layout == torch.sparse_coo:
        w = w.detach().coalesce()
        keep = w.values() != 0
        idx = w.indices()[:, keep]
        return idx[0].tolist(), idx[1].tolist(), w.values()[keep].tolist()
    nz = w.detach().nonzero()
    return nz[:, 0].tolist(), nz[:, 1].tolist(), w.detach()[w != 0].tolist()


def _affine(w: torch.Tensor, b: torch.Tensor | None) -> Affine:
    """The exact map a (out, in) weight, dense or sparse, and an (out,) bias hold (floats are rationals)."""
    for t in (w, b):
        if t is None:
            continue
        values = t.detach().coalesce().values() if t.layout == torch.sparse_coo else t.detach()
        if t.dtype == torch.bool or t.dtype.is_complex or not bool(torch.isfinite(values).all()):
            raise ParameterError("weights must be finite real numbers")
    if w.dim() != 2 or (b is not None and (b.dim() != 1 or b.shape[0] != w.shape[0] or b.layout != torch.strided)):
        raise ParameterError(f"a weight must be a matrix with a bias of one entry per row, got {tuple(w.shape)}")
    num = (lambda x: Fraction(x)) if w.dtype.is_floating_point else int  # noqa: E731
    r, c, v = entries(w)
    bias = {} if b is None else {k: num(x) for k, x in enumerate(b.detach().cpu().tolist()) if x != 0}
    return Affine.build(w.shape[1], w.shape[0], {(rr, cc): num(vv) for rr, cc, vv in zip(r, c, v)}, bias)


def symbolic(parts: Mapping[str, nn.Module], meta: Mapping) -> UHAT:
    """The :class:`UHAT` the named tensors and the metadata describe (ParameterError if inconsistent)."""
    layers_meta = meta["layers"]
    blocks = parts["layers"]
    if len(layers_meta) != len(blocks):
        raise ParameterError("the layer metadata and the tensors disagree")
    layers = []
    for info, block in zip(layers_meta, blocks):
        if isinstance(block, ReLUBlock):
            coords = tuple(block.mask.nonzero().flatten().tolist())
            layers.append(ReLULayer(int(block.mask.numel()), coords))
            continue
        heads = []
        for spec, (a, b) in zip(info["heads"], block.head_maps(), strict=True):
            if spec["mask"] not in MASKS or spec["tiebreak"] not in ("leftmost", "rightmost"):
                raise ParameterError(f"unknown mask or tie-break {spec['mask']!r} / {spec['tiebreak']!r}")
            beta = None if spec["beta"] is None else Fraction(spec["beta"])
            heads.append(Head(_affine(a.weight, a.bias), _affine(b.weight, b.bias), spec["mask"], spec["tiebreak"],
                              spec["mode"], beta))
        h0 = heads[0]
        layers.append(AttentionLayer(h0.A, h0.B, _affine(block.C.weight, block.C.bias), h0.mask, h0.tiebreak,
                                     h0.mode, h0.beta, tuple(heads[1:])))
    readout = parts.get("accept")
    output = parts.get("output")
    try:
        return UHAT(
            tuple(meta["alphabet"]), _affine(parts["embedding"].weight.T, None), tuple(layers),
            None if readout is None else _affine(readout.weight, None), meta["accept_at"], meta["model"],
            positions=None if "positions" not in parts else _affine(parts["positions"].weight, None),
            output=None if output is None else _affine(output.weight, output.bias),
            output_symbols=tuple(meta["output_symbols"]),
        )
    except (ValueError, IndexError) as e:
        raise ParameterError(f"the tensors do not form a UHAT: {e}") from None


# ---- the plan -------------------------------------------------------------------------------------------


class _Rows:
    """A matrix's non-zero entries by row (from a dense or a sparse COO tensor) and its bias."""

    def __init__(self, w: torch.Tensor, b: torch.Tensor | None = None):
        r, c, v = entries(w)
        self.rows: dict[int, dict[int, object]] = {}
        for rr, cc, vv in zip(r, c, v):
            self.rows.setdefault(rr, {})[cc] = vv
        self.bias = {} if b is None else {k: x for k, x in enumerate(b.tolist()) if x != 0}
        self.out = w.shape[0]

    def block(self, rows: list[int], like: torch.Tensor) -> tuple[torch.Tensor, list[int], torch.Tensor]:
        """The dense (rows × columns read) block, the columns, the rows' biases — in ``like``'s dtype/device."""
        cols = sorted({c for r in rows for c in self.rows.get(r, {})})
        data = [[self.rows.get(r, {}).get(c, 0) for c in cols] for r in rows]
        new = lambda x, shape: torch.tensor(x, dtype=like.dtype, device=like.device).reshape(shape)  # noqa: E731
        return new(data, (len(rows), len(cols))), cols, new([self.bias.get(r, 0) for r in rows], (len(rows),))


def build_plan(d0: int, layers: Sequence[nn.Module], metas: Sequence[Mapping], readout: Map, fast: bool,
               integral: bool, like: torch.Tensor) -> Plan:
    """The slot plan of the named tensors ``layers`` (with their :func:`layer_meta` entries ``metas``;
    see the module docstring), blocks in ``like``'s dtype and device. ``integral``: the exactness proof
    found every value an integer (the O(L) running maximum packs scores into int64 then). O(non-zeros)."""
    steps: list[PlanStep] = []
    blocks: dict[str, torch.Tensor] = {}
    slots = list(range(d0))  # layout index -> slot
    free: list[int] = []
    n_slots = d0
    for k, (layer, meta) in enumerate(zip(layers, metas, strict=True)):
        if isinstance(layer, ReLUBlock):
            steps.append(PlanStep("relu", dest=tuple(slots[c] for c in layer.mask.nonzero().flatten().tolist())))
            continue
        r_in = layer.A.weight.shape[1]
        c_map = _Rows(layer.C.weight, layer.C.bias)
        heads: list[AttendSpec] = []
        if any(c >= r_in for row in c_map.rows.values() for c in row):  # C reads an attended vector
            for h, ((a, b), spec) in enumerate(zip(layer.head_maps(), meta["heads"], strict=True)):
                tag = f"l{k}" if h == 0 else f"l{k}_h{h}"
                qa, ka = _Rows(a.weight, a.bias), _Rows(b.weight, b.bias)
                used = [r for r in range(qa.out) if (r in qa.rows or r in qa.bias) and (r in ka.rows or r in ka.bias)]
                qw, qc, qb = qa.block(used, like)
                kw, kc, kb = ka.block(used, like)
                blocks.update({f"{tag}_qw": qw, f"{tag}_qb": qb, f"{tag}_kw": kw, f"{tag}_kb": kb})
                key_only = fast and integral and spec["mode"] == "hard" and not qc  # the query is a constant
                heads.append(AttendSpec(spec["mask"], spec["tiebreak"], tuple(slots[c] for c in qc),
                                     tuple(slots[c] for c in kc), key_only, spec["mode"],
                                     None if spec["beta"] is None else float(Fraction(spec["beta"])), tag))
        new_slots = [-1] * c_map.out
        taken: set[int] = set()
        computed: list[int] = []
        for o in range(c_map.out):
            row = c_map.rows.get(o, {})
            if o not in c_map.bias and len(row) == 1:
                (c, v), = row.items()
                if v == 1 and c < r_in and slots[c] not in taken:  # a copy row keeps its slot
                    new_slots[o] = slots[c]
                    taken.add(slots[c])
                    continue
            computed.append(o)
        free.extend(s for s in slots if s not in taken)
        for o in computed:
            if free:
                new_slots[o] = free.pop()
            else:
                new_slots[o] = n_slots
                n_slots += 1
        w, cols, b = c_map.block(computed, like)
        v_idx = [j for j, c in enumerate(cols) if c < r_in]
        a_idx = [j for j, c in enumerate(cols) if c >= r_in]
        blocks[f"l{k}_cwv"] = w[:, v_idx].contiguous()
        blocks[f"l{k}_cwa"] = w[:, a_idx].contiguous()
        blocks[f"l{k}_cb"] = b
        steps.append(PlanStep("affine", heads[0] if heads else None, tuple(slots[cols[j]] for j in v_idx),
                           tuple(slots[(cols[j] - r_in) % r_in] for j in a_idx),
                           tuple(new_slots[o] for o in computed), tuple(heads),
                           tuple((cols[j] - r_in) // r_in for j in a_idx)))
        slots = new_slots
    out = _Rows(readout.weight, getattr(readout, "bias", None))
    blocks["t"], read, blocks["t_bias"] = out.block(list(range(out.out)), like)
    as_index = lambda xs: torch.tensor(xs, dtype=torch.long, device=like.device)  # noqa: E731
    index = tuple({"v": as_index(st.v_cols), "a": as_index(st.a_cols), "dest": as_index(st.dest),
                   "q": as_index(st.attend.q_cols if st.attend else ()),
                   "k": as_index(st.attend.k_cols if st.attend else ())} for st in steps)
    t_slots = tuple(slots[c] for c in read)
    return Plan(tuple(steps), blocks, index, n_slots, t_slots, as_index(t_slots))


__all__ = ["AttentionBlock", "HeadMaps", "Map", "Part", "Plan", "ReLUBlock", "build_plan", "dense_size", "entries",
           "layer_meta", "named_parts", "symbolic"]
