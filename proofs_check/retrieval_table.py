"""The separation table of [WDL] Thm 4.6 / 5.6: constant transformer against the Ω(n) RNN bound.

One row per n: the transformer's layers / heads / width / core parameters (constant), its per-symbol
table (grows with the vocabulary), the precision audit's bits at input length L (≈ log n), the least
certified softmax β (Index, AR, c-gram); the RNN lower bound log2 R(n) (exact: enumerated rows where the
enumeration is small, the closed form beyond; c-gram: the proved R ≥ n!); the upper-bound RNN's state
bits and parameters (closed forms, tested against built networks); RAG's state bits and longest query;
the hybrid's ([WDL] Def 5.5/Thm 5.6) linear-RNN state dimension (constant) and state bits (O(log n)).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from automata.errors import ParameterError
from constructions.exact import down2, up2
from constructions.library.retrieval_hybrid import hybrid_size
from constructions.library.retrieval_rag import rag_query_length, rag_state_bits
from constructions.library.retrieval_rnn import retrieval_rnn_size
from constructions.library.retrieval_uhat import retrieval_uhat
from constructions.uhat.precision import precision_audit
from proofs_check.retrieval_check import softmax_certificate
from tasks.retrieval import retrieval_task
from tasks.retrieval_bounds import closed_form_rows, count_rows, log2_rows

ENUMERATE_MAX = 200_000  # data × query cells enumerated for R(n) in a table row


@dataclass(frozen=True)
class RetrievalRow:
    n: int
    layers: int
    heads: int
    width: int
    core_params: int
    table_params: int
    bits: int  # the precision audit at the input length
    beta_min: float | None  # least certified softmax β (None: no softmax variant; inf: none certifies in float64)
    lb_bits: float  # log2 R(n) (a lower bound for c-gram)
    lb_how: str  # "enumerated" | "closed form" | "≥ n!"
    rnn_units: int
    rnn_state_bits: int
    rnn_params: int
    rag_state_bits: int
    rag_query_chars: int
    hybrid_units: int  # the linear RNN's state dimension (constant)
    hybrid_state_bits: int  # units × bits per unit (O(log n))
    seconds: float


def table_ns(text_ns: list[int], task: str) -> list[int]:
    """All n ≤ 64 of the range and the powers of two above (the issue's '2..65536'), valid for ``task``."""
    keep = [n for n in text_ns if n <= 64 or n & (n - 1) == 0]
    if task == "ar":
        keep = [n for n in keep if n % 2 == 0]
    if task.startswith("cgram"):
        keep = [n for n in keep if n >= (3 if task == "cgram3" else 2)]
    if not keep:
        raise ParameterError(f"{task}: no admissible n in the range")
    return keep


def retrieval_row(name: str, n: int) -> RetrievalRow:
    t0 = time.perf_counter()
    task = retrieval_task(name, n)
    net = retrieval_uhat(task)
    size = net.size()
    rep = precision_audit(net, task.input_length)
    beta = None
    if not name.startswith("counting"):
        cert = softmax_certificate(task)
        # no β certifies when float64's error in layer 1 is amplified past the margin (c-gram, large n)
        beta = max(float(b) for b in cert.beta_min.values()) if cert.beta_min else float("inf")
    exact = closed_form_rows(task)
    if task.data_space() * task.query_space() <= ENUMERATE_MAX:
        rows = count_rows(task)
        if exact is not None and rows != exact:
            raise AssertionError(f"{name} n={n}: enumerated R = {rows} ≠ closed form {exact}")
        lb, how = math.log2(rows), "enumerated"
    else:
        lb, how = log2_rows(task), ("closed form" if exact is not None else "≥ n!")
    rs = retrieval_rnn_size(task)
    hs = hybrid_size(task)
    return RetrievalRow(n, size.layers, size.heads, size.max_width, size.core_params, size.table_params, rep.bits,
                        beta, lb, how, rs.units, rs.state_bits, rs.params, rag_state_bits(task),
                        rag_query_length(task), hs.units, hs.state_bits, time.perf_counter() - t0)


HEADER = ("n", "layers", "heads", "width", "core params", "table params", "bits", "softmax β ≥",
          "LB log2 R(n)", "R from", "RNN units", "RNN state bits", "RNN params", "RAG state bits", "RAG query chars",
          "hybrid RNN units", "hybrid state bits")


def _cells(r: RetrievalRow) -> tuple[str, ...]:
    return (str(r.n), str(r.layers), str(r.heads), str(r.width), f"{r.core_params:,}", f"{r.table_params:,}",
            str(r.bits), "–" if r.beta_min is None else ("none (float64)" if r.beta_min == float("inf") else up2(r.beta_min)), down2(r.lb_bits), r.lb_how,
            f"{r.rnn_units:,}", f"{r.rnn_state_bits:,}", f"{r.rnn_params:,}", str(r.rag_state_bits),
            str(r.rag_query_chars), str(r.hybrid_units), str(r.hybrid_state_bits))


def render(rows: list[RetrievalRow], fmt: str, title: str) -> str:
    cells = [_cells(r) for r in rows]
    if fmt == "csv":
        return "\n".join(",".join(c.replace(",", "") for c in row) for row in [HEADER, *cells]) + "\n"
    if fmt == "latex":
        body = " \\\\\n".join(" & ".join(c.replace("≥", "$\\geq$").replace("β", "$\\beta$") for c in row)
                              for row in [HEADER, *cells])
        return f"% {title}\n\\begin{{tabular}}{{{'r' * len(HEADER)}}}\n{body} \\\\\n\\end{{tabular}}\n"
    out = [f"{title}\n", "| " + " | ".join(HEADER) + " |", "|" + "---:|" * len(HEADER)]
    out += ["| " + " | ".join(row) + " |" for row in cells]
    out += ["", "LB log2 columns are rounded down and β up to two decimals: printed bounds stay bounds."]
    return "\n".join(out) + "\n"


def plot_rows(rows: list[RetrievalRow], path, title: str) -> None:
    """Log-log plot: transformer core parameters (flat) against the RNN lower bound and upper bound (linear
    and above) — one quantity per axis, bits on the y axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r.n for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(ns, [r.core_params for r in rows], "o-", label="transformer core parameters (constant)")
    ax.plot(ns, [r.bits for r in rows], "s-", label="transformer precision bits (≈ log n)")
    ax.plot(ns, [r.lb_bits for r in rows], "^-", label="RNN lower bound log2 R(n) (state bits)")
    ax.plot(ns, [r.rnn_state_bits for r in rows], "v--", label="upper-bound RNN state bits")
    ax.plot(ns, [r.rag_state_bits for r in rows], "d:", label="RAG state bits (≈ log n)")
    ax.plot(ns, [r.hybrid_state_bits for r in rows], "x-.", label="hybrid linear-RNN state bits (O(log n))")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("n")
    ax.set_ylabel("count (parameters / bits)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


__all__ = ["HEADER", "RetrievalRow", "plot_rows", "render", "retrieval_row", "table_ns"]
