"""Size tables: every construction's measures and the theory's lower bounds, as n grows."""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Sequence

from constructions.uhat.lemma9 import compile_lemma9
from proofs_check.registry import Family


@dataclass(frozen=True)
class Column:
    key: str
    header: str


COLUMNS: tuple[Column, ...] = (
    Column("n", "n"),
    Column("shortest", "shortest word"),
    Column("paper_layers", "UHAT paper: layers (UHA+ReLU)"),
    Column("paper_width", "width"),
    Column("paper_params", "params"),
    Column("paper_nnz", "non-zeros"),
    Column("paper_bits", "bits |T|"),
    Column("packed_layers", "UHAT packed: layers (UHA+FF)"),
    Column("packed_width", "width"),
    Column("packed_params", "params"),
    Column("packed_nnz", "non-zeros"),
    Column("packed_bits", "bits |T|"),
    Column("rnn_units", "RNN units D"),
    Column("rnn_k", "k"),
    Column("rnn_params", "RNN params"),
    Column("dfa_states", "min DFA states"),
    Column("lb_dfa", "LB DFA states"),
    Column("lb_rnn", "LB RNN k·D"),
    Column("lb_ltl", "LB LTL"),
)


def size_row(fam: Family, n: int, variant: str, dfa_max_n: int = 6) -> dict[str, object]:
    task = fam.task(n, variant)
    program = fam.program(n, variant)
    row: dict[str, object] = {"n": n}
    for form, packed in (("paper", False), ("packed", True)):
        s = compile_lemma9(program, packed=packed).size()
        row[f"{form}_layers"] = f"{s.layers} ({s.uha_layers}+{s.relu_layers})"
        row[f"{form}_width"] = s.max_width
        row[f"{form}_params"] = s.params
        row[f"{form}_nnz"] = s.nonzeros
        row[f"{form}_bits"] = s.total_bits
    if fam.rnn is not None:
        rs = fam.rnn(n, variant).size()
        row.update(rnn_units=rs.units, rnn_k=rs.precision, rnn_params=rs.params)
    shortest = getattr(task, "shortest_length", lambda: None)()
    row["shortest"] = shortest if shortest is not None else "—"
    states = task.reference_dfa().num_states if n <= dfa_max_n else None
    row["dfa_states"] = states if states is not None else "—"
    bounds = {b.measure: b for b in task.lower_bounds()}
    for key, measure in (("lb_dfa", "DFA states"), ("lb_rnn", "RNN state bits k*D"), ("lb_ltl", "LTL formula size")):
        b = bounds.get(measure)
        if b is None or b.value is None:
            row[key] = "none"
        else:
            row[key] = _fmt(b.value)
    if states is not None:  # Prop 1: an RNN with k·D state bits is an automaton with 2^(kD) states
        row["lb_rnn"] = f"{math.log2(states):.1f}"
    return row


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def size_table(fam: Family, ns: Sequence[int], variant: str, dfa_max_n: int = 6) -> list[dict[str, object]]:
    return [size_row(fam, n, variant, dfa_max_n) for n in ns]


def render(rows: list[dict[str, object]], fmt: str = "md") -> str:
    cols = [c for c in COLUMNS if any(c.key in r for r in rows)]
    cells = [[str(r.get(c.key, "—")) for c in cols] for r in rows]
    headers = [c.header for c in cols]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([c.key for c in cols])
        w.writerows(cells)
        return buf.getvalue()
    if fmt == "latex":
        spec = "r" * len(cols)
        esc = [h.replace("|T|", "$|T|$").replace("·", r"$\cdot$").replace("_", r"\_") for h in headers]
        lines = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", " & ".join(esc) + r" \\", r"\midrule"]
        lines += [" & ".join(c.replace("—", "--") for c in row) + r" \\" for row in cells]
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines) + "\n"
    if fmt != "md":
        raise ValueError(f"unknown table format {fmt!r}")
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in cols) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines) + "\n"
