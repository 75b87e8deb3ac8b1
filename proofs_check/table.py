"""Size tables: every construction's measures and the theory's lower bounds, as n grows.

For a family and a range of n, one :class:`SizeRow` per n holds (all exact integers):

* the compiled UHAT of [BCL] Lemma 9 in both forms (paper-faithful: one ReLU per layer; packed):
  layers (UHA + ReLU), maximal width, dense parameters, non-zeros and total bits ``|T|`` (THEORY §1);
* the structured RNN (units D, precision k, parameters), from the family's closed form
  ``Family.rnn_size`` when present, else from the built RNN;
* the shortest word length (the family's closed form ``Family.shortest``, else the task's);
* the minimal DFA, exactly (minimised reference automaton) for ``n ≤ dfa_max_n``;
* the lower bounds of THEORY §5: an m-state automaton accepting a non-empty language accepts a word
  shorter than m, so ``min DFA ≥ shortest + 1``; [BCL] Prop 1: an RNN with D units of k bits is an
  automaton with ``2^(k·D)`` states, so ``k·D ≥ log2(min DFA) ≥ log2(shortest + 1)``; LTL: a satisfiable
  formula with t temporal operators has a model of length ≤ |Σ|·2^t (the labelling automaton of
  :mod:`automata.ltl.to_dfa` has ≤ |Σ|·2^t + 1 states, and a shortest accepted word visits distinct
  states), so **every formula for the language has t ≥ ⌈log2(shortest/|Σ|)⌉ temporal operators** (and
  more nodes than that) — the constant made explicit, c = 1 per temporal operator; Ω(2^n) when the
  shortest word has ≥ 2^(2^n) symbols (the strict tiling witness);
* the LTL formula the tool builds for the language, where it builds one: :mod:`constructions.library.brasp_ltl`
  translates programs whose scores read j only (K = ∅: the counter, the presets) in linear size —
  the column gives its core DAG size and its temporal operators (the witness's program compares
  counters, K ≠ ∅: no formula is built, Prop 13's would be exponential).

Huge numbers are printed exactly when short (``6,291,457``), else as ``≈2^x`` (x to two decimals,
computed from the exact integer). :func:`render` writes Markdown, CSV or LaTeX; :mod:`proofs_check.plot`
draws the rows.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from automata.errors import ParameterError
from constructions.exact import down2
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHATSize
from proofs_check.progress import bar as progress_bar
from proofs_check.registry import Family

EXACT_DIGITS = 15  # integers below 10^15 are printed in full


@dataclass(frozen=True)
class Column:
    key: str
    header: str


COLUMNS: tuple[Column, ...] = (
    Column("n", "n"),
    Column("shortest", "shortest word"),
    Column("paper_source", "UHAT paper from"),
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
    Column("dfa_rnn_units", "one-hot DFA RNN units"),
    Column("dfa_states", "min DFA states"),
    Column("lb_dfa", "LB DFA states"),
    Column("lb_rnn", "LB RNN k·D"),
    Column("ub_ltl", "LTL built: DAG (temporal)"),
    Column("lb_ltl", "LB LTL temporal ops"),
)


@dataclass(frozen=True)
class SizeRow:
    """One n of the table: exact measures (None where not computed) and the rendered cells."""

    n: int
    paper: UHATSize | None
    packed: UHATSize | None
    rnn: tuple[int, int, int] | None  # (units D, precision k, params)
    shortest: int | None
    dfa_states: int | None  # exact minimal DFA, when computed
    lb_dfa: int | None  # certified lower bound on DFA states
    log2_lb_dfa: float | None  # log2 of the DFA bound used for the RNN bound (exact DFA if known)
    ltl: str  # the LTL bound as text
    cells: dict[str, str]

    def get(self, key: str, default: str = "—") -> str:
        return self.cells.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.cells


def log2_int(v: int) -> float:
    """log2 of a (possibly huge) positive integer, accurate to double precision."""
    if v <= 0:
        raise ParameterError(f"log2 of a non-positive integer {v}")
    shift = max(0, v.bit_length() - 64)
    return math.log2(v >> shift) + shift


def fmt_int(v: int) -> str:
    """``6,291,457`` below 10^15, else ``≈2^x`` (x from the exact integer)."""
    if v < 10**EXACT_DIGITS:
        return f"{v:,}"
    return f"≈2^{log2_int(v):,.2f}"


def fmt_lower(v: int) -> str:
    """A lower bound ``≥ v``: exact below 10^15, else ``≥ 2^x`` with x rounded **down** (still a bound)."""
    if v < 10**EXACT_DIGITS:
        return f"≥ {v:,}"
    return f"≥ 2^{down2(log2_int(v))}"


def _uhat_cells(row: dict[str, str], form: str, s: UHATSize) -> None:
    row[f"{form}_layers"] = f"{s.layers:,} ({s.uha_layers:,}+{s.relu_layers:,})"
    row[f"{form}_width"] = fmt_int(s.max_width)
    row[f"{form}_params"] = fmt_int(s.params)
    row[f"{form}_nnz"] = fmt_int(s.nonzeros)
    row[f"{form}_bits"] = fmt_int(s.total_bits)


def _rnn_size(fam: Family, n: int, variant: str) -> tuple[int, int, int] | None:
    if fam.rnn_size is not None:
        rs = fam.rnn_size(n, variant)
    elif fam.rnn is not None:
        rs = fam.rnn(n, variant).size()  # type: ignore[attr-defined]
    else:
        return None
    return rs.units, rs.precision, rs.params


def size_row(
    fam: Family, n: int, variant: str, dfa_max_n: int | None = None, paper_max_n: int | None = None,
    step: Callable[[str], None] = lambda name: None,
) -> SizeRow:
    """The row for ``n``: builds the program and compiles it; the paper form only for ``n ≤ paper_max_n``
    (the family's ``paper_build_max_n`` when None; all n when both are None), above it from the family's
    closed form ``paper_size`` when present; the exact minimal DFA for ``n ≤ dfa_max_n`` (the family's
    default when None). ``step(name)`` is told before each slow column (compiles, minimal DFA)."""
    dfa_max = fam.dfa_max_n if dfa_max_n is None else dfa_max_n
    paper_max = fam.paper_build_max_n if paper_max_n is None else paper_max_n
    task = fam.task(n, variant)
    program = fam.program(n, variant)
    cells: dict[str, str] = {"n": str(n) if fam.has_n else "–"}  # a preset has no n (its one row carries 0)
    sizes: dict[str, UHATSize | None] = {"paper": None, "packed": None}
    for form, packed in (("paper", False), ("packed", True)):
        if form == "paper" and paper_max is not None and n > paper_max:
            closed = fam.paper_size(n, variant) if fam.paper_size is not None else None
            if closed is not None:
                sizes[form] = closed
                cells["paper_source"] = "formula"
                _uhat_cells(cells, form, closed)
            continue
        step(f"n={n}: {form} UHAT")
        s = compile_lemma9(program, packed=packed).size()
        sizes[form] = s
        if form == "paper" and fam.paper_size is not None:
            cells["paper_source"] = "built"
        _uhat_cells(cells, form, s)
    rnn = _rnn_size(fam, n, variant)
    if rnn is not None:
        cells.update(rnn_units=fmt_int(rnn[0]), rnn_k=str(rnn[1]), rnn_params=fmt_int(rnn[2]))
    if fam.shortest is not None:
        shortest: int | None = fam.shortest(n, variant)
    else:
        shortest = getattr(task, "shortest_length", lambda: None)()
    if n <= dfa_max:
        step(f"n={n}: minimal DFA")
    states = _min_dfa_states(task) if n <= dfa_max else None
    if shortest is None and states is not None and not fam.has_n:  # the presets: from their reference DFA
        word = task.reference_dfa().shortest_accepted()
        shortest = None if word is None else len(word)
    cells["shortest"] = fmt_int(shortest) if shortest is not None else "—"
    lb_dfa = None if shortest is None else shortest + 1
    if fam.shortest is not None:
        ltl = _closed_bounds(cells, n, shortest, states)
        log2_lb = None if lb_dfa is None else (log2_int(states) if states is not None else log2_int(lb_dfa))
    else:
        ltl, log2_lb, lb_task = _task_bounds(cells, task, states)
        lb_dfa = lb_task if lb_task is not None else lb_dfa
        if cells.get("lb_dfa") == "none" and lb_dfa is not None:  # the presets: shortest word + 1
            cells["lb_dfa"] = fmt_int(lb_dfa)
    _ltl_cells(cells, program, shortest)
    ltl = cells["lb_ltl"]
    if states is not None and fam.dfa_rnn:
        from constructions.library.dfa_rnn import predicted_units

        cells["dfa_rnn_units"] = fmt_int(predicted_units(task.reference_dfa()))
    if states is not None:
        cells["dfa_states"] = fmt_int(states)
    elif lb_dfa is not None:
        cells["dfa_states"] = fmt_lower(lb_dfa)
    else:
        cells["dfa_states"] = "—"
    return SizeRow(n, sizes["paper"], sizes["packed"], rnn, shortest, states, lb_dfa, log2_lb, ltl, cells)


def ltl_temporal_lower_bound(shortest: int, letters: int) -> int:
    """The least t with |Σ|·2^t ≥ shortest: every LTL formula for a language whose shortest word has
    ``shortest`` symbols has at least t temporal operators (module docstring)."""
    if shortest < 1 or letters < 1:
        raise ParameterError("the LTL bound needs a non-empty language over a non-empty alphabet")
    q = -(-shortest // letters)  # ⌈shortest / |Σ|⌉
    return (q - 1).bit_length()


def _ltl_cells(cells: dict[str, str], program: object, shortest: int | None) -> None:
    """LB LTL from the shortest word; the LTL formula built from the program when its scores read j only."""
    from automata.errors import NotLemma9FormError
    from automata.ltl.formula import dag_size, temporal_count
    from constructions.library.brasp_ltl import brasp_to_ltl

    alphabet = program.alphabet  # type: ignore[attr-defined]
    if shortest is None:
        cells["lb_ltl"] = "none"
    else:
        t = ltl_temporal_lower_bound(shortest, len(alphabet))
        cells["lb_ltl"] = f"≥ {t:,}"
    try:
        f = brasp_to_ltl(program)  # type: ignore[arg-type]
    except NotLemma9FormError:
        cells["ub_ltl"] = "— (K ≠ ∅)"
        return
    cells["ub_ltl"] = f"{dag_size(f):,} ({temporal_count(f):,})"


def _closed_bounds(cells: dict[str, str], n: int, shortest: int | None, states: int | None) -> str:
    """THEORY §5's DFA and RNN bounds from the shortest word length (and the exact DFA when known)."""
    if shortest is None:
        cells.update(lb_dfa="none", lb_rnn="none")
        return "none"
    lb = shortest + 1
    cells["lb_dfa"] = fmt_int(lb) if lb < 10**EXACT_DIGITS else fmt_lower(lb)
    log2_states = log2_int(states) if states is not None else log2_int(lb)
    cells["lb_rnn"] = down2(log2_states) if states is not None else f"≥ {down2(log2_states)}"
    return ""  # the LTL cells: _ltl_cells


def _task_bounds(cells: dict[str, str], task: object, states: int | None) -> tuple[str, float | None, int | None]:
    """The task's own lower bounds (:meth:`tasks.base.Task.lower_bounds`)."""
    bounds = {b.measure: b for b in task.lower_bounds()}  # type: ignore[attr-defined]
    for key, measure in (("lb_dfa", "DFA states"), ("lb_rnn", "RNN state bits k*D"), ("lb_ltl", "LTL formula size")):
        b = bounds.get(measure)
        cells[key] = "none" if b is None or b.value is None else _fmt(b.value)
    b = bounds.get("DFA states")
    lb = int(b.value) if b is not None and b.value is not None else None
    log2_lb = log2_int(states) if states is not None else (log2_int(lb) if lb else None)
    if states is not None:  # Prop 1: an RNN with k·D state bits is an automaton with 2^(kD) states
        cells["lb_rnn"] = down2(math.log2(states), 1)
    return cells["lb_ltl"], log2_lb, lb


def _fmt(v: object) -> str:
    """A task's lower bound: a float rounded down to one decimal (still a bound)."""
    if isinstance(v, float):
        return down2(v, 1)
    if isinstance(v, int):
        return fmt_int(v)
    return str(v)


def _min_dfa_states(task: object) -> int | None:
    """The minimal DFA's states, or None (not computed) when the task refuses to build it (StateLimitError)."""
    from automata.errors import StateLimitError

    try:
        return task.reference_dfa().num_states  # type: ignore[attr-defined]
    except StateLimitError:
        return None


def size_table(
    fam: Family, ns: Iterable[int], variant: str, dfa_max_n: int | None = None, paper_max_n: int | None = None,
    progress: bool = False,
) -> list[SizeRow]:
    """One :func:`size_row` per n; ``progress``: a bar of rows on stderr (its total = the table's rows),
    naming the slow column being computed (:mod:`proofs_check.progress`)."""
    from automata.errors import ArgumentError, check_type, shown

    check_type(fam, "size_table: the family", Family, "a Family (proofs_check.registry.family(name))")
    if isinstance(ns, (str, bytes)) or not hasattr(ns, "__iter__"):
        raise ArgumentError(f"size_table: ns must be an iterable of ints, got {shown(ns)}")
    ns = list(ns)
    for n in ns if fam.has_n else [None]:  # the presets' rows carry n = 0 (no parameter)
        fam.check(n, variant)
    rows: list[SizeRow] = []
    with progress_bar(len(ns), "table", "row", progress) as bar:
        for n in ns:
            rows.append(size_row(fam, n, variant, dfa_max_n, paper_max_n, step=bar.step))
            bar.update(1)
    return rows


def notes(fam: Family, variant: str, rows: Sequence[SizeRow]) -> list[str]:
    """Footnotes: where each column comes from."""
    exact = [r.n for r in rows if r.dfa_states is not None]
    first = f"{fam.title(variant)}; UHAT cells are exact integers measured on the compiled networks"
    if any(r.get("paper_source") == "formula" for r in rows):
        first += " (paper form: or its exact closed form, see 'UHAT paper from')"
    if any(r.rnn is not None for r in rows):
        first += "; RNN cells " + ("from the family's closed form" if fam.rnn_size is not None else "from the built RNN")
    if fam.n_name != "n":
        first += f"; n is {fam.n_name}"
    if any("dfa_rnn_units" in r for r in rows):
        first += "; one-hot DFA RNN: constructions/library/dfa_rnn.py on the minimal DFA (trimmed)"
    out = [
        first + ".",
        "min DFA states: the minimised reference automaton"
        + ((f" for n ∈ {{{', '.join(map(str, exact))}}}" if fam.has_n else "") if exact else " (not computed)")
        + "; '≥' marks a certified lower bound (the task's own, else the shortest word length + 1).",
        "LB RNN k·D: [BCL] Prop 1, k·D ≥ log2(min DFA states); '≥' when only the DFA bound is known.",
        "LB LTL temporal ops: a satisfiable formula with t temporal operators has a model of length ≤ |Σ|·2^t "
        "(our labelling automaton, automata/ltl/to_dfa.py: ≤ |Σ|·2^t + 1 states), so any formula for the "
        "language has t ≥ ⌈log2(shortest/|Σ|)⌉; Ω(2^n) for the strict witness (shortest ≥ 2^(2^n)).",
        "LTL built: the core DAG size (distinct subformulas) and temporal operators of the formula "
        "constructions/library/brasp_ltl.py builds from the program (scores reading j only, K = ∅; linear "
        "size); '— (K ≠ ∅)': the program compares positions, no formula built.",
        "≈2^x: the exact integer has more than 15 digits, x = its log2 to two decimals; in a lower bound "
        "'≥ 2^x' (and the LB columns) x is rounded down.",
    ]
    if fam.shortest is not None:
        out.insert(1, "shortest word: closed form of the family (THEORY §5), checked against the solver for small n.")
    if any(r.get("paper_source") == "formula" for r in rows):
        out.append("UHAT paper from 'formula': the exact closed form of constructions.library.tiling_sizes "
                   "(tested equal to the compiled network for small n); 'built': compiled here.")
    if any(r.paper is None for r in rows):
        out.append("UHAT paper: not compiled above --paper-max-n (—).")
    return out


def render(rows: Sequence[SizeRow], fmt: str = "md", footnotes: Sequence[str] = ()) -> str:
    cols = [c for c in COLUMNS if any(c.key in r for r in rows)]
    cells = [[r.get(c.key) for c in cols] for r in rows]
    headers = [c.header for c in cols]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([c.key for c in cols])
        w.writerows([[_plain(c) for c in row] for row in cells])
        return buf.getvalue()
    if fmt == "latex":
        return _render_latex(rows, [c.key for c in cols], footnotes)
    if fmt != "md":
        raise ParameterError(f"unknown table format {fmt!r}; choose md, csv or latex")
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in cols) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    if footnotes:
        lines += [""] + [f"- {x}" for x in footnotes]
    return "\n".join(lines) + "\n"


def _plain(cell: str) -> str:
    """CSV: a plain integer without thousands separators (``6,291,457`` → ``6291457``)."""
    return cell.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", cell) else cell


LATEX_MAX_COLUMNS = 8  # per tabular, n included: the split tables fit a page (booktabs, \footnotesize)
LATEX_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("UHAT, paper-faithful form ([BCL] Lemma 9: one ReLU per layer)",
     ("paper_source", "paper_layers", "paper_width", "paper_params", "paper_nnz", "paper_bits")),
    ("UHAT, packed form (several ReLUs per feed-forward layer)",
     ("packed_layers", "packed_width", "packed_params", "packed_nnz", "packed_bits")),
    ("Structured RNN, minimal DFA and lower bounds (THEORY §5, [BCL] Prop 1)",
     ("rnn_units", "rnn_k", "rnn_params", "dfa_states", "lb_dfa", "lb_rnn")),
    ("Shortest word and LTL", ("shortest", "ub_ltl", "lb_ltl")),
)
LATEX_HEADERS: dict[str, tuple[str, ...]] = {
    "n": ("$n$",), "paper_source": ("from",), "paper_layers": ("layers", "(UHA+ReLU)"),
    "packed_layers": ("layers", "(UHA+FF)"), "paper_width": ("width",), "packed_width": ("width",),
    "paper_params": ("params",), "packed_params": ("params",), "paper_nnz": ("non-zeros",),
    "packed_nnz": ("non-zeros",), "paper_bits": ("bits $|T|$",), "packed_bits": ("bits $|T|$",),
    "rnn_units": ("units $D$",), "rnn_k": ("$k$",), "rnn_params": ("params",), "dfa_states": ("min DFA", "states"),
    "lb_dfa": ("LB DFA", "states"), "lb_rnn": ("LB RNN", r"$k\cdot D$"), "shortest": ("shortest", "word"),
    "ub_ltl": ("LTL built:", "DAG (temporal)"), "lb_ltl": ("LB LTL", "temporal ops"),
}


def latex_groups(keys: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The present columns (``keys``, ``n`` first) split into tables of at most
    :data:`LATEX_MAX_COLUMNS` columns, ``n`` repeated in each; columns of no group go to a last one."""
    present = [k for k in keys if k != "n"]
    grouped = {k for _, ks in LATEX_GROUPS for k in ks}
    groups = [(title, [k for k in ks if k in present]) for title, ks in LATEX_GROUPS]
    groups.append(("Other columns", [k for k in present if k not in grouped]))
    out: list[tuple[str, list[str]]] = []
    width = LATEX_MAX_COLUMNS - 1
    for title, ks in groups:
        parts = [ks[i:i + width] for i in range(0, len(ks), width)]
        out += [(title if len(parts) == 1 else f"{title} ({p + 1}/{len(parts)})", part) for p, part in enumerate(parts)]
    return [(title, ["n", *ks]) for title, ks in out if ks]


def _latex_header(key: str) -> str:
    lines = LATEX_HEADERS.get(key) or (_latex(next(c.header for c in COLUMNS if c.key == key)),)
    if len(lines) == 1:
        return lines[0]
    return r"\begin{tabular}[b]{@{}r@{}}" + r"\\".join(lines) + r"\end{tabular}"


def _render_latex(rows: Sequence[SizeRow], keys: Sequence[str], footnotes: Sequence[str]) -> str:
    r"""Booktabs tables of at most :data:`LATEX_MAX_COLUMNS` columns each (:func:`latex_groups`), then the
    footnotes as a list; a fragment for ``\input`` (needs ``\usepackage{booktabs}``)."""
    lines = [r"% needs \usepackage{booktabs}"]
    for title, ks in latex_groups(keys):
        lines += [r"\begin{table}[htbp]", r"\centering\footnotesize\setlength{\tabcolsep}{4pt}",
                  rf"\caption{{{_latex(title)}}}", rf"\begin{{tabular}}{{{'r' * len(ks)}}}", r"\toprule",
                  " & ".join(_latex_header(k) for k in ks) + r" \\", r"\midrule"]
        lines += [" & ".join(_latex(r.get(k)) for k in ks) + r" \\" for r in rows]
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    if footnotes:
        lines += [r"\begin{itemize}\footnotesize", *(rf"\item {_latex(x)}" for x in footnotes), r"\end{itemize}"]
    return "\n".join(lines) + "\n"


_LATEX_MATH = {
    "·": r"\cdot", "≈": r"\approx", "≥": r"\geq", "≤": r"\leq", "Ω": r"\Omega", "∈": r"\in", "≠": r"\neq",
    "Σ": r"\Sigma", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor", "∅": r"\emptyset",
    "→": r"\to", "²": "^{2}", "|": "|",
}


_ATOM = r"[0-9A-Za-z.,+\- ·]|\^[0-9A-Za-z]"
_POWER = re.compile(rf"2\^(\((?:{_ATOM}|\((?:{_ATOM})*\))*\)|[0-9.,A-Za-z]+)|\|T\|")


def _power(exp: str) -> str:
    r"""``2^x`` as math: ``2^65,556.17`` → ``2^{65{,}556.17}``, ``2^(2^n)`` → ``2^{2^{n}}``,
    ``2^(b·n)`` → ``2^{b\cdot n}``."""
    inner = exp[1:-1] if exp.startswith("(") else exp
    inner = re.sub(r"\^([0-9A-Za-z]+)", r"^{\1}", inner).replace("·", r"\cdot ").replace(",", "{,}")
    return "2^{" + inner + "}"


def _latex(text: str) -> str:
    r"""Escape a cell or note for pdflatex (pure ASCII): ``2^x`` (:func:`_power`) becomes ``$2^{x}$``,
    ``|T|`` math, the symbols of :data:`_LATEX_MATH` math (adjacent math merged: ``≈2^7`` →
    ``$\approx 2^{7}$``), everything else through :func:`proofs_check.latex.escape_text`."""
    from proofs_check.latex import escape_text

    tokens: list[tuple[bool, str]] = []  # (is math, text)
    pos = 0
    for m in _POWER.finditer(text):
        tokens += [(False, text[pos:m.start()])]
        tokens.append((True, "|T|" if m.group(0) == "|T|" else _power(m.group(1))))
        pos = m.end()
    tokens.append((False, text[pos:]))
    out: list[tuple[bool, str]] = []
    for is_math, chunk in tokens:
        if is_math:
            out.append((True, chunk))
            continue
        for ch in chunk:
            out.append((True, _LATEX_MATH[ch]) if ch in _LATEX_MATH else (False, "--" if ch == "—" else escape_text(ch)))
    merged: list[str] = []
    prev_math = False
    for is_math, piece in out:
        if is_math and prev_math:
            merged[-1] = merged[-1][:-1] + ("" if piece.startswith("^") else " ") + piece + "$"
        else:
            merged.append(f"${piece}$" if is_math else piece)
        prev_math = is_math
    return "".join(merged)
