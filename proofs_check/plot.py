"""The size table as a log-scale plot with fitted growth ([BCL] Thm 3 / THEORY §5: poly vs 2^(2^n)).

Curves against n, on one logarithmic y axis: UHAT non-zeros (packed and paper-faithful), RNN units D
(when the family has an RNN), ``log2`` of the minimal DFA's states (exact where computed, else the
certified lower bound ``shortest + 1``) and ``log2`` of the shortest word length. The doubly
exponential quantities are drawn as their ``log2`` (the labels say so): on the log axis a straight
line then means ``log2(states) ≈ 2^(b·n)``, i.e. ``states ≈ 2^(2^(b·n))``.

Fits (least squares on the plotted points, floats — this is a picture, not a check):

* UHAT size ``≈ c + a·n^b`` (:func:`fit_offset_power`; :func:`fit_power` is the pure ``a·n^b``, a
  line in log–log); RNN units ``≈ a·2^(b·n)``;
* ``log2(DFA bound) ≈ a·2^(b·n)`` (a line in log-linear: ``log2 log2 y = log2 a + b·n``; b ≈ 1 means
  ``2^(2^n)`` growth).

:func:`fit_power`, :func:`fit_double_exp` return :class:`Fit` values whose ``str`` is the formula.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from automata.errors import ParameterError
from proofs_check.table import SizeRow, log2_int


EXPONENTIAL = frozenset({"RNN units D"})  # fitted as a·2^(b·n) (the tiling RNN has Θ(2^n) units)


@dataclass(frozen=True)
class Fit:
    """``y ≈ a·n^b`` (kind "power") or ``y ≈ a·2^(b·n)`` (kind "exp"), fitted on ``points`` n values."""

    label: str
    kind: str
    a: float
    b: float
    points: int

    c: float = 0.0  # constant offset (kind "power+c")

    def formula(self) -> str:
        if self.kind == "power":
            return f"{self.a:.4g}·n^{self.b:.3f}"
        if self.kind == "power+c":
            return f"{self.c:.4g} + {self.a:.4g}·n^{self.b:.2f}"
        return f"{self.a:.4g}·2^({self.b:.3f}·n)"

    def __str__(self) -> str:
        return f"{self.label} ≈ {self.formula()} (least squares on {self.points} points)"


def fit_power(ns: Sequence[int], ys: Sequence[float], label: str) -> Fit:
    """Least-squares line through (log n, log y): ``y ≈ a·n^b``. Needs ≥ 2 points, n ≥ 1, y > 0."""
    if len(ns) < 2 or min(ns) < 1 or min(ys) <= 0:
        raise ParameterError(f"fit {label}: need ≥ 2 points with n ≥ 1 and y > 0")
    b, loga = np.polyfit(np.log(np.asarray(ns, float)), np.log(np.asarray(ys, float)), 1)
    return Fit(label, "power", math.exp(loga), float(b), len(ns))


B_GRID = np.round(np.arange(0.05, 8.0001, 0.01), 2)  # exponents tried by fit_offset_power


def fit_offset_power(ns: Sequence[int], ys: Sequence[float], label: str) -> Fit:
    """``y ≈ c + a·n^b``: for each b of :data:`B_GRID`, (c, a) by least squares on relative errors;
    the b with the least residual wins (a large constant — the UHAT's fixed tile gadgets — otherwise
    hides the growth in a pure power fit). Needs ≥ 3 points, n ≥ 1, y > 0."""
    if len(ns) < 3 or min(ns) < 1 or min(ys) <= 0:
        raise ParameterError(f"fit {label}: need ≥ 3 points with n ≥ 1 and y > 0")
    n = np.asarray(ns, float)
    y = np.asarray(ys, float)
    best: tuple[float, float, float, float] | None = None
    for b in B_GRID:
        design = np.stack([np.ones_like(n), n**b], axis=1) / y[:, None]
        (c, a), *_ = np.linalg.lstsq(design, np.ones_like(y), rcond=None)
        res = float(np.sum((design @ np.array([c, a]) - 1.0) ** 2))
        if a > 0 and (best is None or res < best[0]):
            best = (res, float(c), float(a), float(b))
    if best is None:
        return fit_power(ns, ys, label)
    return Fit(label, "power+c", best[2], best[3], len(ns), best[1])


def fit_double_exp(ns: Sequence[int], log2ys: Sequence[float], label: str) -> Fit:
    """Least-squares line through (n, log2 v) for the values ``v`` given: ``v ≈ a·2^(b·n)``. Given
    ``v = log2 y`` (the plotted log2 curves) this is ``log2 y ≈ a·2^(b·n)``, doubly exponential y."""
    if len(ns) < 2 or min(log2ys) <= 0:
        raise ParameterError(f"fit {label}: need ≥ 2 points with log2 y > 0")
    b, log2a = np.polyfit(np.asarray(ns, float), np.log2(np.asarray(log2ys, float)), 1)
    return Fit(label, "exp", 2.0**log2a, float(b), len(ns))


def fits(rows: Sequence[SizeRow]) -> list[Fit]:
    """The fitted growth of every curve with ≥ 2 points."""
    out: list[Fit] = []
    for label, ys in _series(rows).items():
        pts = [(n, y) for n, y in ys if y > 0]
        if len(pts) < 2:
            continue
        ns, vs = zip(*pts)
        if label.startswith("log2") or label in EXPONENTIAL:
            out.append(fit_double_exp(ns, vs, label))
        elif len(ns) >= 3:
            out.append(fit_offset_power(ns, vs, label))
        else:
            out.append(fit_power(ns, vs, label))
    return out


def _series(rows: Sequence[SizeRow]) -> dict[str, list[tuple[int, float]]]:
    s: dict[str, list[tuple[int, float]]] = {
        "UHAT packed non-zeros": [(r.n, float(r.packed.nonzeros)) for r in rows if r.packed],
        "UHAT paper non-zeros": [(r.n, float(r.paper.nonzeros)) for r in rows if r.paper],
        "RNN units D": [(r.n, float(r.rnn[0])) for r in rows if r.rnn],
        "log2(min DFA states or its lower bound)": [(r.n, r.log2_lb_dfa) for r in rows if r.log2_lb_dfa],
        "log2(shortest word length)": [(r.n, log2_int(r.shortest)) for r in rows if r.shortest and r.shortest > 1],
    }
    return {k: v for k, v in s.items() if v}


def plot_sizes(rows: Sequence[SizeRow], path: Path, title: str) -> list[Fit]:
    """Write the PNG to ``path``; return the fits (also shown in the legend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = _series(rows)
    fitted = {f.label: f for f in fits(rows)}
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    for label, pts in series.items():
        ns = [n for n, _ in pts]
        ys = [y for _, y in pts]
        f = fitted.get(label)
        marker = "s--" if label.startswith("log2") else ("^-" if label in EXPONENTIAL else "o-")
        line = ax.plot(ns, ys, marker, label=label + (f"  [fit {f.formula()}]" if f else ""))[0]
        if f is not None:
            grid = np.linspace(min(ns), max(ns), 100)
            model = f.c + f.a * grid**f.b if f.kind.startswith("power") else f.a * 2.0 ** (f.b * grid)
            ax.plot(grid, model, ":", color=line.get_color(), linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("size (log scale); the log2(…) curves are log2 of the quantity")
    ax.set_title(f"Succinctness: {title}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    try:
        fig.savefig(path, format="png")
    except OSError as err:
        raise ParameterError(f"cannot write {path}: {err.strerror}") from None
    finally:
        plt.close(fig)
    return list(fitted.values())
