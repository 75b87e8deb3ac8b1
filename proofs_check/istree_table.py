"""The separation table of [WDL] Thm 4.7 / 5.6 for IsTree with chain of thought.

One row per n: the CoT transformer's layers / heads / width / core parameters (constant in n), its
per-symbol tables (grow with n), the precision audit's bits at the full length (≈ log n), the CoT
length bound 2n + 1 (tour ≤ 2n − 1, ``[EOS]``, answer); the RNN lower bound log2 R(n) (distinct answer
rows, enumerated for n ≤ :data:`ENUM_N`, the closed form beyond — equal where both exist) and the
fooling-set bound log2 F(n) for RNNs held to valid inputs only; the exact union–find RNN's state bits
and parameters, RAG's state bits, CoT length and searches (the release's retrieval format), the hybrid's
state bits and CoT bound (:mod:`constructions.library.istree_rnn`, ``istree_rag``, ``istree_hybrid``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from constructions.exact import down2
from constructions.library.istree_uhat import cot_length_bound, istree_uhat
from constructions.uhat.precision import precision_audit
from tasks.istree import IsTreeTask
from tasks.istree_bounds import closed_form_fooling, closed_form_rows, count_rows

ENUM_N = 7  # R(n) enumerated up to here in a table row (n = 7: 0.2 s; n = 8: a few seconds)


@dataclass(frozen=True)
class IsTreeRow:
    n: int
    layers: int
    attention_layers: int
    heads: int
    width: int
    core_params: int
    core_nonzeros: int
    table_params: int
    bits: int
    cot_bound: int
    lb_bits: float  # log2 R(n)
    lb_how: str  # "enumerated" | "closed form"
    fooling_bits: float  # log2 F(n)
    extra: tuple[tuple[str, str], ...]  # the RNN / RAG / hybrid columns (name, value)
    seconds: float


def _extra_columns(n: int) -> list[tuple[str, str]]:
    """The other side's sizes (formulas tested against the built objects): the exact RNN, RAG, the hybrid."""
    from constructions.library.istree_hybrid import cot_length_bound as hybrid_cot
    from constructions.library.istree_hybrid import hybrid_size
    from constructions.library.istree_rag import rag_cot_bounds, rag_query_bounds, rag_state_bits
    from constructions.library.istree_rnn import rnn_params, rnn_state_bits

    lo, hi = rag_cot_bounds(n)
    qlo, qhi = rag_query_bounds(n)
    hs = hybrid_size(n)
    return [("RNN state bits", f"{rnn_state_bits(n):,}"), ("RNN params", f"{rnn_params(n):,}"),
            ("RAG state bits", str(rag_state_bits(n))), ("RAG CoT tokens", f"{lo}..{hi}"),
            ("RAG searches", f"{qlo}..{qhi}"), ("hybrid state bits", f"{hs.state_bits:,}"),
            ("hybrid CoT ≤", f"{hybrid_cot(n):,}")]


def istree_row(n: int) -> IsTreeRow:
    t0 = time.perf_counter()
    task = IsTreeTask(n)
    net = istree_uhat(task)
    size = net.size()
    rep = precision_audit(net, task.prompt_length + task.max_cot)
    exact = closed_form_rows(n)
    if n <= ENUM_N:
        rows = count_rows(n)
        if rows != exact:
            raise AssertionError(f"istree n={n}: enumerated R = {rows} ≠ closed form {exact}")
        how = "enumerated"
    else:
        rows, how = exact, "closed form"
    core_nz = size.nonzeros - net.embedding.nonzeros - net.output.nonzeros - net.positions.nonzeros
    return IsTreeRow(n, size.layers, size.uha_layers, size.heads, size.max_width, size.core_params, core_nz,
                     size.table_params, rep.bits, cot_length_bound(n), math.log2(rows), how,
                     math.log2(closed_form_fooling(n)), tuple(_extra_columns(n)), time.perf_counter() - t0)


BASE = ("n", "layers", "attn layers", "heads", "width", "core params", "core non-zeros", "table params", "bits", "CoT ≤",
        "LB log2 R(n)", "R from", "LB log2 F(n) (valid inputs)")


def _cells(r: IsTreeRow) -> tuple[str, ...]:
    return (str(r.n), str(r.layers), str(r.attention_layers), str(r.heads), str(r.width), f"{r.core_params:,}",
            f"{r.core_nonzeros:,}", f"{r.table_params:,}", str(r.bits), str(r.cot_bound), down2(r.lb_bits), r.lb_how,
            down2(r.fooling_bits), *(v for _, v in r.extra))


def render(rows: list[IsTreeRow], fmt: str, title: str) -> str:
    header = (*BASE, *(k for k, _ in rows[0].extra)) if rows else BASE
    cells = [_cells(r) for r in rows]
    if fmt == "csv":
        return "\n".join(",".join(c.replace(",", "") for c in row) for row in [header, *cells]) + "\n"
    if fmt == "latex":
        body = " \\\\\n".join(" & ".join(c.replace("≤", "$\\leq$") for c in row) for row in [header, *cells])
        return f"% {title}\n\\begin{{tabular}}{{{'r' * len(header)}}}\n{body} \\\\\n\\end{{tabular}}\n"
    out = [f"{title}\n", "| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in cells]
    out += ["", "LB log2 columns are rounded down to two decimals: printed bounds stay bounds."]
    return "\n".join(out) + "\n"


def plot_rows(rows: list[IsTreeRow], path, title: str) -> None:
    """Two panels: transformer parameters against n (constant core, growing tables); bits against n
    (RNN lower bounds, upper-bound RNN, RAG, transformer precision)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r.n for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    a1.plot(ns, [r.core_params for r in rows], "o-", label="core parameters, dense (constant)")
    a1.plot(ns, [r.core_nonzeros for r in rows], "o:", label="core non-zeros (constant)")
    a1.plot(ns, [r.table_params for r in rows], "s--", label="embedding + read-out tables (grow with n)")
    a1.set_ylabel("parameters")
    a2.plot(ns, [r.lb_bits for r in rows], "^-", label="RNN lower bound log2 R(n)")
    a2.plot(ns, [r.fooling_bits for r in rows], "v-", label="RNN lower bound log2 F(n), valid inputs")
    a2.plot(ns, [r.bits for r in rows], "x:", label="transformer precision bits (≈ log n)")
    for key, style in (("RNN state bits", "d--"), ("RAG state bits", "*-."), ("hybrid state bits", "+:")):
        vals = [dict(r.extra).get(key) for r in rows]
        if all(v is not None for v in vals):
            a2.plot(ns, [float(v.replace(",", "")) for v in vals], style, label=key)
    a2.set_ylabel("bits")
    for ax in (a1, a2):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xlabel("n (vertices)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


__all__ = ["IsTreeRow", "istree_row", "plot_rows", "render"]
