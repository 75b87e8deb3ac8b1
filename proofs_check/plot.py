"""The size table as a four-panel figure, one quantity per panel ([BCL] Thm 3, THEORY §5: poly vs 2^(2^n)).

Every point is a number of the table's rows (:class:`proofs_check.table.SizeRow`), exact integers
converted to floats only for drawing; every axis is logarithmic (the labels say so):

* **(a) parameters** — UHAT dense parameters and non-zero weights, both forms, against the RNN's
  dense parameters (parameters against parameters);
* **(b) units** — UHAT maximal width, both forms, against the RNN's hidden units ``D``, with [BCL]
  Prop 1's certified lower bound ``k·D ≥ log2(min DFA states)`` dashed (units against units);
* **(c) log2 of state counts** — the exact minimal DFA where computed; dashed, the certified lower
  bounds of the table's LB columns: DFA states ≥ the task's own bound (Dyck: the exact closed form), else
  ≥ shortest + 1, and LTL's temporal operators t
  (``|Σ|·2^t ≥ shortest``: the labelling automaton's ``|Σ|·2^t + 1`` states bound the shortest word);
* **(d) the shortest accepted word** — ``log2`` of its length, in its own panel (it is within one
  symbol of the DFA bound and would hide it).

No curve is fitted. The **closed forms of the code** (:func:`closed_forms`: the family's and the task's
formulas, e.g. :func:`tasks.counter.expected_min_dfa_states`, :mod:`constructions.library.tiling_sizes`)
are drawn as thin lines labelled with the formula, over the integers where they hold; a closed form
that disagrees with a measured number of the rows is not drawn and is reported
(:func:`check_closed_forms`). Values ≤ 0 (e.g. a bound of 0 temporal operators) have no place on a
log axis and are left out of the drawn series.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from automata.errors import ParameterError
from proofs_check.registry import Family
from proofs_check.table import SizeRow, log2_int

PANELS: tuple[tuple[str, str, str], ...] = (
    ("params", "(a) parameters", "dense parameters / non-zero weights (log scale)"),
    ("units", "(b) units", "width / hidden units (log scale)"),
    ("states", "(c) log2 of state counts (lower bounds dashed)", "log2(states); LTL: temporal operators (log scale)"),
    ("shortest", "(d) shortest accepted word", "log2(shortest word length) (log scale)"),
)


def _lb_ltl(r: SizeRow) -> int | None:
    """The LB LTL cell's integer (``≥ 7`` → 7), as the table prints it."""
    cell = r.get("lb_ltl").replace(",", "")
    return int(cell[2:]) if cell.startswith("≥ ") and cell[2:].isdigit() else None


@dataclass(frozen=True)
class Quantity:
    """One drawn series: ``get`` reads the exact number from a row (None: not in that row);
    ``log2`` draws log2 of it; ``bound`` marks a certified lower bound (dashed)."""

    key: str
    panel: str
    label: str
    get: Callable[[SizeRow], int | float | None]
    log2: bool = False
    bound: bool = False


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("paper_params", "params", "UHAT paper-faithful: params", lambda r: r.paper.params if r.paper else None),
    Quantity("paper_nnz", "params", "UHAT paper-faithful: non-zeros", lambda r: r.paper.nonzeros if r.paper else None),
    Quantity("packed_params", "params", "UHAT packed: params", lambda r: r.packed.params if r.packed else None),
    Quantity("packed_nnz", "params", "UHAT packed: non-zeros", lambda r: r.packed.nonzeros if r.packed else None),
    Quantity("rnn_params", "params", "RNN: params", lambda r: r.rnn[2] if r.rnn else None),
    Quantity("paper_width", "units", "UHAT paper-faithful: width", lambda r: r.paper.max_width if r.paper else None),
    Quantity("packed_width", "units", "UHAT packed: width", lambda r: r.packed.max_width if r.packed else None),
    Quantity("rnn_units", "units", "RNN: hidden units D", lambda r: r.rnn[0] if r.rnn else None),
    Quantity("lb_rnn", "units", "LB RNN: k·D ≥ log2(min DFA states)", lambda r: r.log2_lb_dfa, bound=True),
    Quantity("dfa", "states", "min DFA states (exact)", lambda r: r.dfa_states, log2=True),
    Quantity("lb_dfa", "states", "LB DFA states (the task's bound, else shortest + 1)", lambda r: r.lb_dfa, log2=True,
             bound=True),
    Quantity("lb_ltl", "states", "LB LTL: temporal ops t, |Σ|·2^t ≥ shortest", _lb_ltl, bound=True),
    Quantity("shortest", "shortest", "shortest accepted word", lambda r: r.shortest, log2=True),
)
COLORS = dict(zip((q.key for q in QUANTITIES), (
    "tab:blue", "tab:cyan", "tab:orange", "tab:brown", "tab:green", "tab:blue", "tab:orange", "tab:cyan",
    "tab:olive", "tab:purple", "tab:red", "tab:pink", "tab:gray")))


def _value(v: int | float, log2: bool) -> float:
    if log2:
        return log2_int(v) if isinstance(v, int) else math.log2(v)
    if isinstance(v, int) and v.bit_length() > 1000:
        raise ParameterError(f"a plotted value has {v.bit_length()} bits; only its log2 can be drawn")
    return float(v)


def series(rows: Sequence[SizeRow]) -> dict[str, list[tuple[int, float]]]:
    """Per quantity key the drawn points ``(n, y)``: the rows' exact numbers (log2 where the quantity
    says so), non-positive values left out (log axes); quantities with no point are absent."""
    out: dict[str, list[tuple[int, float]]] = {}
    for q in QUANTITIES:
        pts = []
        for r in rows:
            v = q.get(r)
            if v is None or v <= 0:
                continue
            y = _value(v, q.log2)
            if y > 0:
                pts.append((r.n, y))
        if pts:
            out[q.key] = pts
    return out


@dataclass(frozen=True)
class ClosedForm:
    """An exact closed form of the code for the quantity ``key``: ``fn(n)`` (an int, or None where it
    has no value), valid for ``n ≥ n_min``; ``formula`` is mathtext for the legend, ``text`` plain."""

    key: str
    formula: str
    text: str
    fn: Callable[[int], int | None]
    n_min: int = 1
    source: str = ""

    def __str__(self) -> str:
        q = _QUANTITY[self.key]
        return f"closed form: {q.label} = {self.text} for n ≥ {self.n_min} ({self.source})"


_QUANTITY = {q.key: q for q in QUANTITIES}


def legend_label(q: Quantity) -> str:
    """The legend's name of a measured series (``[log2]`` where log2 of the quantity is drawn)."""
    return q.label + (" [log2]" if q.log2 else "")


def _poly(coeffs: Sequence[object]) -> tuple[str, str]:
    """Ascending rational coefficients as (mathtext, text), highest power first."""
    from fractions import Fraction

    tex: list[str] = []
    txt: list[str] = []
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    for k in range(len(coeffs) - 1, -1, -1):
        c = Fraction(coeffs[k])  # type: ignore[arg-type]
        if c == 0:
            continue
        mag = abs(c)
        num = "" if mag == 1 and k else (str(mag) if mag.denominator == 1 else f"({mag})")
        var_t = "" if k == 0 else "n" if k == 1 else f"n^{{{k}}}"
        var_x = "" if k == 0 else "n" if k == 1 else "n" + str(k).translate(sup)
        sign = "-" if c < 0 else "+"
        tex.append(("" if not tex and sign == "+" else f" {sign} ") + num + var_t)
        txt.append(("" if not txt and sign == "+" else f" {'−' if sign == '-' else '+'} ") + num + var_x)
    return "$" + "".join(tex) + "$", "".join(txt)


def closed_forms(fam: Family, variant: str) -> tuple[ClosedForm, ...]:
    """The closed forms the code states for ``fam`` (none for the presets)."""
    if fam.name in ("counter", "counter-cyclic"):
        return _counter_forms(fam, variant)
    if fam.name == "tiling-witness":
        return _tiling_forms(variant)
    if fam.name == "dyck":
        return _dyck_forms(int(variant))
    return ()


def _dyck_forms(k: int) -> tuple[ClosedForm, ...]:
    from constructions.library.dyck_rnn import stack_rnn_units, type_bits
    from tasks.dyck import dyck_dfa_states

    beta = type_bits(k)
    if k <= 2:
        dfa = (r"$D + 3$", "D + 3") if k == 1 else (r"$2^{D+1} + 1$", "2^(D+1) + 1")
    else:
        dfa = (rf"$({k}^{{D+1}} - 1)/{k - 1} + 2$", f"({k}^(D+1) − 1)/{k - 1} + 2")
    return (
        ClosedForm("dfa", *dfa, lambda d: dyck_dfa_states(k, d), 1, "tasks.dyck.dyck_dfa_states"),
        ClosedForm("rnn_units", rf"$D(\beta + 1) + 1 = {beta + 1}D + 1$", f"{beta + 1}·D + 1",
                   lambda d: stack_rnn_units(k, d)[0], 1, "dyck_rnn.stack_rnn_units"),
    )


def _counter_forms(fam: Family, variant: str) -> tuple[ClosedForm, ...]:
    from constructions.library.counter_brasp import counter_uhat_paper_size
    from constructions.library.counter_rnn import predicted_units
    from tasks.counter import DEFAULT_H, expected_min_dfa_states

    relation = fam.task(1, variant).relation  # type: ignore[attr-defined]
    c = predicted_units(1, relation) - 6  # predicted_units = 6n − 1 + g + r
    full = variant == "full"
    forms = [
        ClosedForm("shortest", r"$2^n\,(n+2)$" if full else "$n+2$", "2^n·(n+2)" if full else "n + 2",
                   lambda n: fam.task(n, variant).shortest_length(), 1, "CounterTask.shortest_length"),  # type: ignore[attr-defined]
        ClosedForm("rnn_units", f"$6n - 1 + g + r = 6n + {c}$", f"6n + {c}", lambda n: predicted_units(n, relation), 1,
                   "counter_rnn.predicted_units"),
    ]
    if relation == DEFAULT_H:
        forms += [
            ClosedForm("dfa", r"$(n+2)\,2^{n+1} - n$", "(n+2)·2^(n+1) − n", lambda n: expected_min_dfa_states(n, variant),
                       1, "tasks.counter.expected_min_dfa_states"),
            ClosedForm("paper_width", r"$6n^{2} + 3n + 16$", "6n² + 3n + 16",
                       lambda n: counter_uhat_paper_size(n, variant)["width"], 2, "counter_brasp.counter_uhat_paper_size"),
        ]
    return tuple(forms)


def _tiling_forms(variant: str) -> tuple[ClosedForm, ...]:
    from constructions.library import tiling_sizes as ts
    from constructions.library.tiling_rnn import tiling_rnn_size
    from tasks.tiling_witness import counter_witness, expected_witness_length

    inst = counter_witness(1, variant)  # tiling_rnn_size ignores instance.n: no network of size 2^n is built
    d = [tiling_rnn_size(n, inst).units - 6 * n for n in (1, 2)]  # 6n + K + (2·2^n − 1)·c_v
    cv = (d[1] - d[0]) // 4
    const = d[0] - 4 * cv
    tiles = len(inst.tiles)
    strict = variant == "strict"
    nnz, params = _poly(ts.PAPER_NONZEROS[variant]), _poly(ts.PAPER_PARAMS[variant])
    lin, quad = _poly(ts.PAPER_WIDTH_LINEAR[variant]), _poly(ts.PAPER_WIDTH_QUADRATIC)
    packed = _poly(ts.PACKED_WIDTH[variant])
    return (
        ClosedForm("shortest", r"$(n+2)\,2^n\,2^{2^n}$" if strict else r"$4\cdot 2^n\,(n+2)$",
                   "(n+2)·2^n·2^(2^n)" if strict else "4·2^n·(n+2)", lambda n: expected_witness_length(n, variant), 1,
                   "tiling_witness.expected_witness_length"),
        ClosedForm("rnn_units", rf"$6n + {2 * cv}\cdot 2^n + {const}$", f"6n + {2 * cv}·2^n + {const}",
                   lambda n: tiling_rnn_size(n, inst).units, 1, "tiling_rnn.tiling_rnn_size"),
        ClosedForm("rnn_params", rf"$D^2 + {tiles + 6}D + 1$", f"D² + {tiles + 6}·D + 1",
                   lambda n: tiling_rnn_size(n, inst).params, 1, "tiling_rnn.tiling_rnn_size"),
        ClosedForm("paper_nnz", nnz[0], nnz[1], lambda n: ts.paper_size(n, variant).nonzeros, 2, "tiling_sizes.PAPER_NONZEROS"),
        ClosedForm("paper_params", params[0], params[1], lambda n: ts.paper_size(n, variant).params, 2,
                   "tiling_sizes.PAPER_PARAMS"),
        ClosedForm("paper_width", rf"$\max({lin[0][1:-1]},\ {quad[0][1:-1]})$", f"max({lin[1]}, {quad[1]})",
                   lambda n: ts.paper_size(n, variant).max_width, 2, "tiling_sizes.paper_size"),
        ClosedForm("packed_width", packed[0], packed[1], lambda n: ts.packed_partial(n, variant).max_width, 2,
                   "tiling_sizes.PACKED_WIDTH"),
    )


def check_closed_forms(forms: Sequence[ClosedForm], rows: Sequence[SizeRow]) -> list[str]:
    """Every disagreement of a closed form with a measured number of the rows (n ≥ its n_min), exactly."""
    bad = []
    for f in forms:
        q = _QUANTITY[f.key]
        for r in rows:
            measured = q.get(r)
            if r.n >= f.n_min and measured is not None and f.fn(r.n) != measured:
                bad.append(f"{q.label} at n = {r.n}: closed form {f.text} = {f.fn(r.n)} ≠ table {measured}")
    return bad


def figure(rows: Sequence[SizeRow], title: str, forms: Sequence[ClosedForm] = (), xlabel: str = "n"):
    """The matplotlib figure: four panels (:data:`PANELS`), legends below each panel. Returns
    ``(figure, drawn closed forms, rejected messages)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(rows)
    rejected = check_closed_forms(forms, rows)
    drawn = [f for f in forms if not check_closed_forms([f], rows)]
    ns = [r.n for r in rows]
    fig, axes = plt.subplots(2, 2, figsize=(15, 12.5), dpi=100, layout="constrained")
    fig.suptitle(f"Succinctness: {title} — exact sizes from the table; thin lines: the code's closed forms")
    covered = {f.key for f in drawn}
    for ax, (panel, name, ylabel) in zip(axes.flat, PANELS):
        for q in QUANTITIES:
            if q.panel != panel or q.key not in data:
                continue
            xs, ys = zip(*data[q.key])
            style = dict(color=COLORS[q.key], label=legend_label(q), markersize=6)
            if q.bound:
                ax.plot(xs, ys, "--", marker="^" if q.key == "lb_ltl" else "v", fillstyle="none", **style)
            else:
                ax.plot(xs, ys, "o" if q.key in covered else "o-", **style)
        for f in drawn:
            q = _QUANTITY[f.key]
            if q.panel != panel or not ns:
                continue
            pts = [(n, f.fn(n)) for n in range(max(f.n_min, min(ns)), max(ns) + 1)]
            pts = [(n, _value(v, q.log2)) for n, v in pts if v is not None and v > 0]
            if pts:
                xs, ys = zip(*pts)
                cond = f", $n \\geq {f.n_min}$" if f.n_min > min(ns) else ""
                sep = "\n      " if len(f.text) > 40 else " "
                ax.plot(xs, ys, "-", color=COLORS[q.key], linewidth=1.2, alpha=0.8,
                        label=f"{legend_label(q)}, closed form{cond}:{sep}{f.formula}")
        ax.set_title(name, loc="left", fontsize=12)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if ax.lines:
            ax.set_yscale("log")
            _plain_ticks(ax)
            ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), fontsize=8, frameon=False)
        else:
            ax.text(0.5, 0.5, "no data for this family", ha="center", va="center", transform=ax.transAxes)
        ax.grid(True, which="both", alpha=0.3)
        if ns:
            ax.set_xticks(sorted(set(ns)) if len(set(ns)) <= 20 else ax.get_xticks())
    return fig, drawn, rejected


def _plain_ticks(ax) -> None:
    """Plain tick labels (``3``, ``40``) on a log axis spanning less than two decades."""
    from matplotlib.ticker import FuncFormatter

    lo, hi = ax.get_ylim()
    if lo > 0 and hi / lo < 100:
        fmt = FuncFormatter(lambda y, _: f"{y:g}")
        ax.yaxis.set_major_formatter(fmt)
        ax.yaxis.set_minor_formatter(fmt)


def plot_sizes(rows: Sequence[SizeRow], path: Path, title: str, forms: Sequence[ClosedForm] = (),
               xlabel: str = "n") -> list[object]:
    """Write the PNG to ``path``; return the closed forms drawn, then (as strings) any closed form that
    disagrees with the table and was left out."""
    fig, drawn, rejected = figure(rows, title, forms, xlabel)
    _save(fig, path)
    return [*drawn, *(f"closed form NOT drawn, disagrees with the table: {m}" for m in rejected)]


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path, format="png")
    except OSError as err:
        raise ParameterError(f"cannot write {path}: {err.strerror}") from None
    finally:
        plt.close(fig)


BESIDE: tuple[str, ...] = ("packed_params", "rnn_params", "rnn_units", "lb_rnn")


def beside_figure(groups: Sequence[tuple[str, str, Sequence[SizeRow]]]):
    """One panel per family, the same quantities in each (:data:`BESIDE`: the packed UHAT's parameters,
    the structured RNN's parameters and units, and [BCL] Prop 1's bound k·D ≥ log2(min DFA states)), on
    log axes over each family's own parameter: a bound that grows linearly in the parameter bends over
    like the UHAT's size (no exponential gap), one that grows like 2^n rises in a straight line away from it.
    ``groups``: (title, x label, rows)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not groups:
        raise ParameterError("beside: no family to draw")
    fig, axes = plt.subplots(1, len(groups), figsize=(7.5 * len(groups), 6.5), dpi=100, layout="constrained",
                             squeeze=False)
    fig.suptitle("Where depth costs exponentially: exact sizes from the tables (log scale); dashed: lower bounds")
    for ax, (title, xlabel, rows) in zip(axes.flat, groups):
        data = series(rows)
        for key in BESIDE:
            if key not in data:
                continue
            q = _QUANTITY[key]
            xs, ys = zip(*data[key])
            ax.plot(xs, ys, "--v" if q.bound else "o-", color=COLORS[key], label=legend_label(q),
                    fillstyle="none" if q.bound else "full")
        ax.set_title(title, loc="left", fontsize=12)
        ax.set_xlabel(xlabel)
        growth = growth_note(data, xlabel)
        if growth:
            ax.text(0.98, 0.02, growth, ha="right", va="bottom", fontsize=10, transform=ax.transAxes,
                    bbox=dict(boxstyle="round", facecolor="white", alpha=0.9))
        if ax.lines:
            ax.set_yscale("log")
            ax.legend(loc="upper left", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks(sorted({r.n for r in rows}))
    return fig


def growth_note(data: dict[str, list[tuple[int, float]]], xlabel: str) -> str:
    """How much the packed UHAT's parameters and the RNN bound grow over the drawn range (factors of the
    exact numbers): the bound outgrowing the UHAT is the exponential gap."""
    if "packed_params" not in data or "lb_rnn" not in data:
        return ""
    (x0, u0), (x1, u1) = data["packed_params"][0], data["packed_params"][-1]
    b = dict(data["lb_rnn"])
    if x0 not in b or x1 not in b or x0 == x1:
        return ""
    return (f"{xlabel} = {x0} → {x1}: UHAT params ×{u1 / u0:,.1f}, RNN bound k·D ×{b[x1] / b[x0]:,.1f}\n"
            + ("the bound outgrows the UHAT: exponential gap" if b[x1] / b[x0] > u1 / u0
               else "the UHAT grows at least as fast as the bound: no gap"))


def plot_beside(groups: Sequence[tuple[str, str, Sequence[SizeRow]]], path: Path) -> None:
    """Write :func:`beside_figure` as a PNG to ``path``."""
    _save(beside_figure(groups), path)


__all__ = ["BESIDE", "PANELS", "QUANTITIES", "ClosedForm", "Quantity", "beside_figure", "check_closed_forms",
           "closed_forms", "figure", "growth_note", "legend_label", "plot_beside", "plot_sizes", "series"]
