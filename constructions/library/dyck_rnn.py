"""A stack RNN for Dyck-(k, D) with O(D log k) state units (THEORY §9; [HEW]'s bound, our construction).

Source of the bound: J. Hewitt, M. Hahn, S. Ganguli, P. Liang, C. D. Manning, *RNNs can generate bounded
hierarchical languages with optimal memory*, EMNLP 2020: Θ(D log k) hidden units are necessary and
sufficient. Their networks are not reproduced here (our own, in the project's exact
:class:`~constructions.rnn.deep.DeepRNN` model: a depth-2 Heaviside transition, 0/1 states, integer
weights in {−2, …, 2}).

State (``β = ⌈log2 k⌉`` bits per stack slot; all units 0/1):

* ``o_m`` (m = 1..D): the depth is at least m (unary, so ``o_1 ≥ o_2 ≥ … ≥ o_D`` always);
* ``s_{m,b}``: bit b of the bracket type in slot m (meaningful while ``o_m = 1``);
* ``e``: the word has failed (sticky).

Layer 1 (hidden, Heaviside; ``push``/``pop`` = the one-hot inputs of the open/close symbols summed,
``o_0 = 1``, ``o_{D+1} = 0``):

* ``O_m = H(o_{m−1} + o_{m+1} − pop)`` — o_{m−1} after a push, o_{m+1} after a pop (by unarity);
* ``K_{m,b} = H(2 s_{m,b} + pop + o_m − o_{m−1} − 1)`` — keep the bit unless a push writes slot m
  (the slot just above the current depth);
* ``S_{m,b} = H(Σ_{open a, bit_b(a) = 1} x_a + o_{m−1} − o_m − 1)`` — the pushed type's bit b;
* ``E = H(e)``, ``E_over = H(push + o_D − 1)``, ``E_under = H(pop − o_1)``;
* ``M1_{m,b} = H(o_m − o_{m+1} + s_{m,b} + Σ_{close a, bit_b(a) = 0} x_a − 2)`` and
  ``M0_{m,b} = H(o_m − o_{m+1} − s_{m,b} + Σ_{close a, bit_b(a) = 1} x_a − 1)`` — the close does not
  match the type on top of the stack (slot m is the top iff ``o_m − o_{m+1} = 1``).

Layer 2 (the new state): ``o_m = H(O_m)``, ``s_{m,b} = H(K_{m,b} + S_{m,b})``,
``e = H(E + E_over + E_under + Σ M)``. Read-out ``1 − e − o_1 > 0``: no failure and depth 0.

**Size** (:func:`stack_rnn_units`): ``D·(β + 1) + 1`` state units (k ≥ 2: O(D log k), [HEW]'s optimum
up to the constant; k = 1: the unary depth, D + 1) and ``D·(4β + 1) + 3`` hidden units; precision 1 bit.
"""
from __future__ import annotations

from fractions import Fraction

from constructions.exact import Affine
from constructions.rnn.deep import DeepRNN, Layer


def type_bits(k: int) -> int:
    """β = ⌈log2 k⌉, the bits of one stack slot."""
    return (k - 1).bit_length()


def stack_rnn_units(k: int, depth: int) -> tuple[int, int]:
    """(state units, hidden units) of :func:`dyck_stack_rnn` (module docstring)."""
    beta = type_bits(k)
    return depth * (beta + 1) + 1, depth * (4 * beta + 1) + 3


def dyck_stack_rnn(k: int, depth: int) -> DeepRNN:
    """The exact stack RNN of the module docstring for Dyck-(k, D)."""
    from tasks.dyck import check_params, dyck_alphabet

    k, depth = check_params(k, depth)
    beta = type_bits(k)
    n_state = depth * (beta + 1) + 1

    def o(m: int) -> int:
        return m - 1

    def s(m: int, b: int) -> int:
        return depth + (m - 1) * beta + b

    e = n_state - 1
    x = {a: n_state + a for a in range(2 * k)}  # opens 0..k-1, closes k..2k-1
    opens, closes = range(k), range(k, 2 * k)

    hidden: list[str] = []
    ent: dict[tuple[int, int], int] = {}
    bias: dict[int, int] = {}

    def unit(name: str, terms: dict[int, int], b: int) -> int:
        r = len(hidden)
        hidden.append(name)
        for col, w in terms.items():
            if w:
                ent[(r, col)] = ent.get((r, col), 0) + w
        bias[r] = b
        return r

    def prev(m: int) -> tuple[dict[int, int], int]:  # o_{m−1} as (terms, constant)
        return ({o(m - 1): 1}, 0) if m > 1 else ({}, 1)

    def nxt(m: int) -> dict[int, int]:  # o_{m+1} (0 beyond D)
        return {o(m + 1): 1} if m < depth else {}

    big_o, keep, put = {}, {}, {}
    for m in range(1, depth + 1):
        pt, pc = prev(m)
        big_o[m] = unit(f"O_{m}", {**pt, **nxt(m), **{x[a]: -1 for a in closes}}, pc)
        for b in range(beta):
            keep[m, b] = unit(f"K_{m},{b}", {s(m, b): 2, **{x[a]: 1 for a in closes}, o(m): 1,
                                              **{c: -w for c, w in pt.items()}}, -1 - pc)
            put[m, b] = unit(f"S_{m},{b}", {**{x[a]: 1 for a in opens if a >> b & 1}, **pt, o(m): -1}, pc - 1)
    errs = [
        unit("E", {e: 1}, 0),
        unit("E_over", {**{x[a]: 1 for a in opens}, o(depth): 1}, -1),
        unit("E_under", {**{x[a]: 1 for a in closes}, o(1): -1}, 0),
    ]
    for m in range(1, depth + 1):
        top = {o(m): 1, **{c: -w for c, w in nxt(m).items()}}
        for b in range(beta):
            errs.append(unit(f"M1_{m},{b}", {**top, s(m, b): 1,
                                              **{x[a]: 1 for a in closes if not (a - k) >> b & 1}}, -2))
            errs.append(unit(f"M0_{m},{b}", {**top, s(m, b): -1,
                                              **{x[a]: 1 for a in closes if (a - k) >> b & 1}}, -1))

    out: dict[tuple[int, int], int] = {}
    for m in range(1, depth + 1):
        out[(o(m), big_o[m])] = 1
        for b in range(beta):
            out[(s(m, b), keep[m, b])] = 1
            out[(s(m, b), put[m, b])] = 1
    for r in errs:
        out[(e, r)] = 1
    names = tuple(f"o_{m}" for m in range(1, depth + 1)) + tuple(
        f"s_{m},{b}" for m in range(1, depth + 1) for b in range(beta)) + ("e",)
    return DeepRNN(
        alphabet=dyck_alphabet(k),
        layers=(Layer(Affine.build(n_state + 2 * k, len(hidden), ent, bias), "heaviside"),
                Layer(Affine.build(len(hidden), n_state, out), "heaviside")),
        h0=tuple(Fraction(0) for _ in range(n_state)),
        readout=Affine.build(n_state, 1, {(0, e): -1, (0, o(1)): -1}, {0: 1}),
        precision_bits=1,
        unit_names=names,
    )


__all__ = ["dyck_stack_rnn", "stack_rnn_units", "type_bits"]
