"""Any UHAT as LaTeX: one block per layer, sparse maps with named rows and columns ([BCL] §2, THEORY §1).

The model printed is [BCL]'s (THEORY §1) with the retrieval extensions of [WDL] Thm 4.6–4.7
(:mod:`constructions.uhat.model`): the embedding ``emb`` (and the position map ``P`` when present),
then per attention layer k and head h the score maps ``A_k``, ``B_k`` (``A_{k,h}``, ``B_{k,h}`` with
several heads), the mask, the tie-break and the attention mode, and the map ``C_k`` on the
concatenation ``(v_i, a_i)`` — the residual lives in ``C_k``; per ReLU layer the coordinates it
rectifies; finally the acceptance vector ``t`` or the output logits.

**Sparse.** A map is printed as a booktabs ``longtable`` of its non-zero entries only, two
``(row, column, value)`` triples per line; its bias entries follow in the same table with the bias's
own name as the column (``b^{A}_{3}``, ``b^{C}_{3}``, ``b^{\\mathrm{out}}``). Rows and columns carry the
coordinate names ``net.names[k]`` (``x0, x1, …`` where a network has none), escaped for pdflatex
(:func:`escape_text`: any Unicode symbol, ``♯`` or ``#`` included). The score coordinates of ``A``/``B``
are ``s_1, s_2, …``; ``C``'s columns are the input ``v`` (a coordinate's name) and the attended vector
``a`` (``a^{(h)}`` for head h). A row of ``C`` whose only entry is a 1 from the coordinate of the same
name (a residual copy) is listed once, by name, under "kept unchanged" — the same weight, printed
compactly: every non-zero weight appears exactly once.

Each map's table is preceded by a comment line ``% map <name>`` and each copy list by
``% kept <name>`` (anchors for tests and tools). Networks with more than :data:`MAX_NONZEROS`
non-zero weights (or :data:`MAX_LAYERS` layers) are refused with :class:`ParameterError` before any
work; counter n = 6 paper-faithful (35,885 non-zeros, 584 layers) is well inside.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.uhat.model import UHAT, AttentionLayer

MAX_NONZEROS = 50_000  # the largest network printed (counter n = 6 paper: 35,885; tiling witness paper: 208,621 refused)
MAX_LAYERS = 5_000

PACKAGES = ("amsmath", "amssymb", "booktabs", "longtable")

_ASCII = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}", "|": r"\ensuremath{|}",
}
_UNICODE = {
    "♯": r"\sharp", "◀": r"\blacktriangleleft", "▶": r"\blacktriangleright", "≤": r"\leq", "≥": r"\geq",
    "·": r"\cdot", "−": "-", "∼": r"\sim", "⊥": r"\bot", "⊤": r"\top", "¬": r"\neg", "∧": r"\wedge",
    "∨": r"\vee", "→": r"\to", "←": r"\leftarrow", "↓": r"\downarrow", "↑": r"\uparrow", "β": r"\beta",
    "α": r"\alpha", "≈": r"\approx", "≠": r"\neq", "∈": r"\in", "∅": r"\emptyset", "Ω": r"\Omega",
    "×": r"\times", "⟨": r"\langle", "⟩": r"\rangle", "²": "^{2}", "³": "^{3}", "…": r"\ldots",
    "∞": r"\infty", "⊕": r"\oplus", "√": r"\surd", "Σ": r"\Sigma", "ε": r"\varepsilon",
}
_TEXT_UNICODE = {  # commands, not ASCII look-alikes: escape_text stays injective
    "§": r"\S{}", "—": r"\textemdash{}", "–": r"\textendash{}", "’": r"\textquoteright{}", "‘": r"\textquoteleft{}",
    "“": r"\textquotedblleft{}", "”": r"\textquotedblright{}",
}
MASKS = {"none": "none (every position)", "j<i": r"$j<i$", "j>i": r"$j>i$", "j<=i": r"$j\leq i$", "j>=i": r"$j\geq i$"}
TIEBREAKS = {"leftmost": r"leftmost ($\blacktriangleleft$)", "rightmost": r"rightmost ($\blacktriangleright$)"}
FEATURES = ("1", "j", "j^{2}", "j^{3}", "j^{4}")


def escape_text(text: str) -> str:
    """``text`` for LaTeX text mode under pdflatex: pure ASCII, specials escaped, known symbols as math
    (``♯`` → ``\\ensuremath{\\sharp}``), every other non-ASCII or control character as ``[U+XXXX]``.
    Injective (every character's code starts with ``\\`` or is a plain ASCII character, none a prefix of
    another), so distinct coordinate names stay distinct labels."""
    out: list[str] = []
    for ch in text:
        if ch in _ASCII:
            out.append(_ASCII[ch])
        elif ch in _UNICODE:
            out.append(r"\ensuremath{" + _UNICODE[ch] + "}")
        elif ch in _TEXT_UNICODE:
            out.append(_TEXT_UNICODE[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(rf"\textsf{{[U+{ord(ch):04X}]}}")
    return "".join(out)


def fraction(v: Fraction) -> str:
    """An exact rational as inline math: ``$-1$``, ``$\\tfrac{3}{2}$``, ``$-\\tfrac{1}{4}$``."""
    v = Fraction(v)
    sign = "-" if v < 0 else ""
    if v.denominator == 1:
        return f"${sign}{abs(v.numerator)}$"
    return rf"${sign}\tfrac{{{abs(v.numerator)}}}{{{v.denominator}}}$"


def coordinate(name: str) -> str:
    """A coordinate's label: its name in typewriter type."""
    return r"\texttt{" + escape_text(name) + "}"


def symbol(name: str) -> str:
    """An input or output symbol's label, in sans-serif type."""
    return r"\textsf{" + escape_text(name) + "}"


@dataclass(frozen=True)
class MapView:
    """One affine map, labelled: ``name`` (math, e.g. ``C_{3}``), its bias's name, row and column labels
    (LaTeX), and which rows are residual copies (printed by name only)."""

    name: str
    bias_name: str
    affine: Affine
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    what: str  # one line: what rows and columns are
    copies: tuple[int, ...] = ()

    def entries(self) -> list[tuple[str, str, Fraction]]:
        """Every non-zero weight not in a copy row, then every bias entry: (row, column, value)."""
        skip = set(self.copies)
        out = [(self.rows[r], self.cols[c], v) for r, c, v in self.affine.entries if r not in skip]
        return out + [(self.rows[r], f"${self.bias_name}$", v) for r, v in self.affine.bias]


def _names(net: UHAT, k: int, width: int) -> tuple[str, ...]:
    """Unique coordinate names after layer k (``x0 …`` when the network has none)."""
    got = net.names[k] if len(net.names) > k and len(net.names[k]) == width else ()
    if not got:
        return tuple(f"x{i}" for i in range(width))
    seen: set[str] = set()
    out = []
    for i, name in enumerate(got):
        out.append(name if name not in seen else f"{name}[{i}]")
        seen.add(name)
    return tuple(out)


def _copies(c: Affine, rows: Sequence[str], inputs: Sequence[str]) -> tuple[int, ...]:
    """Rows of ``C`` that copy the input coordinate of the same name with weight 1 and no bias."""
    by_row = c.rows()
    biased = c.bias_dict()
    out = []
    for r, cols in by_row.items():
        if r in biased or len(cols) != 1:
            continue
        (col, v), = cols.items()
        if v == 1 and col < len(inputs) and inputs[col] == rows[r]:
            out.append(r)
    return tuple(out)


def layer_views(net: UHAT, k: int) -> list[MapView]:
    """The maps of attention layer ``k`` (1-based): per head A, B, then C."""
    layer = net.layers[k - 1]
    if not isinstance(layer, AttentionLayer):
        return []
    r = layer.in_width
    ins = _names(net, k - 1, r)
    outs = _names(net, k, layer.out_width)
    views = []
    many = layer.n_heads > 1
    for h, head in enumerate(layer.heads, start=1):
        sub = f"{k},{h}" if many else f"{k}"
        score = tuple(f"$s_{{{i + 1}}}$" for i in range(head.A.out_dim))
        for part, m, side in (("A", head.A, "query position $i$"), ("B", head.B, "key position $j$")):
            views.append(MapView(f"{part}_{{{sub}}}", f"b^{{{part}}}_{{{sub}}}", m, score, tuple(map(coordinate, ins)),
                                 f"rows: score coordinates $s$; columns: coordinates of $v$ at the {side}"))
    att = tuple(
        (r"$a$\," if not many else rf"$a^{{({h})}}$\,") + coordinate(name)
        for h in range(1, layer.n_heads + 1) for name in ins
    )
    cols = (*map(coordinate, ins), *att)
    rows = tuple(map(coordinate, outs))
    views.append(MapView(f"C_{{{k}}}", f"b^{{C}}_{{{k}}}", layer.C, rows, cols,
                         "rows: coordinates after the layer; columns: $v_i$ (by name) and the attended vector $a$",
                         _copies(layer.C, rows, cols[:r])))
    return views


def input_views(net: UHAT) -> list[MapView]:
    """The embedding (columns: symbols) and the position map (columns: 1, j, j², …)."""
    names = tuple(map(coordinate, _names(net, 0, net.embedding.out_dim)))
    views = [MapView(r"\mathrm{emb}", r"b^{\mathrm{emb}}", net.embedding, names, tuple(map(symbol, net.alphabet)),
                     "rows: coordinates of $v$; columns: input symbols (one-hot)")]
    if net.positions is not None:
        feats = tuple(f"${FEATURES[c]}$" if c < len(FEATURES) else f"$j^{{{c}}}$" for c in range(net.positions.in_dim))
        views.append(MapView("P", "b^{P}", net.positions, names, feats,
                             "rows: coordinates of $v$; columns: features of the 0-based position $j$"))
    return views


def output_view(net: UHAT) -> MapView:
    """The acceptance vector ``t`` or the output logits, over the final coordinates."""
    final = tuple(map(coordinate, _names(net, len(net.layers), net.width_out)))
    if net.accept is not None:
        return MapView("t", "b^{t}", net.accept, ("$t$",), final, "columns: final coordinates")
    return MapView(r"W_{\mathrm{out}}", r"b^{\mathrm{out}}", net.output, tuple(map(symbol, net.output_symbols)), final,
                   "rows: output symbols (one logit each); columns: final coordinates")


def _table(view: MapView) -> list[str]:
    """A map as a sparse booktabs longtable, two (row, column, value) triples per line."""
    lines = [f"% map {view.name}", rf"\paragraph{{${view.name}$}} {view.what}."]
    entries = view.entries()
    if view.copies:
        kept = ", ".join(view.rows[r] for r in view.copies)
        lines += [f"% kept {view.name}",
                  rf"Kept unchanged (weight $1$ from the input coordinate of the same name, {len(view.copies)}): {kept}."]
    if not entries:
        lines.append(rf"No other non-zero entry; ${view.bias_name} = 0$." if view.copies else
                     rf"${view.name} = 0$, ${view.bias_name} = 0$.")
        return lines
    lines += [r"\begin{longtable}{@{}lll@{\qquad}lll@{}}", r"\toprule",
              r"row & column & value & row & column & value \\", r"\midrule", r"\endhead", r"\bottomrule", r"\endfoot"]
    cells = [f"{row} & {col} & {fraction(v)}" for row, col, v in entries]
    if len(cells) % 2:
        cells.append(" & & ")
    lines += [f"{cells[i]} & {cells[i + 1]} \\\\" for i in range(0, len(cells), 2)]
    lines.append(r"\end{longtable}")
    return lines


def _attention(net: UHAT, k: int, layer: AttentionLayer) -> list[str]:
    """Attention layer ``k``: its heading, per head the mask, tie-break and mode, then its maps."""
    out = [rf"\subsection*{{Layer {k}: attention, $\mathbb{{Q}}^{{{layer.in_width}}}\to\mathbb{{Q}}^{{{layer.out_width}}}$}}"]
    for h, head in enumerate(layer.heads, start=1):
        mode = {"hard": "unique hard attention", "average": "average-hard attention",
                "softmax": rf"softmax attention, $\beta = {_frac_math(head.beta)}$"}[head.mode]
        lead = f"Head {h}: " if layer.n_heads > 1 else ""
        out.append(rf"{lead}mask {MASKS[head.mask]}, tie-break {TIEBREAKS[head.tiebreak]}, {mode}." + "\n")
    if not layer.attends:
        out.append(r"Position-wise: $C_{" + str(k) + r"}$ reads no attended coordinate." + "\n")
    for view in layer_views(net, k):
        out += _table(view)
    return out


def _frac_math(v: Fraction | None) -> str:
    """A rational as math without the ``$`` delimiters (for use inside a formula)."""
    return fraction(Fraction(v or 0)).strip("$")


def _preamble(net: UHAT, title: str) -> list[str]:
    """The title, every size measure (THEORY §1) and the notation."""
    s = net.size()
    model = "paper-faithful, one ReLU per layer" if net.model == "paper" else "packed feed-forward"
    if not net.is_plain:
        model += (f"; retrieval extensions of [WDL]: up to {s.heads} head(s) per layer"
                  + (", positions" if net.positions is not None else "")
                  + (f", logits over {len(net.output_symbols):,} output symbols" if net.output is not None else ""))
    lines = [
        rf"\section*{{{escape_text(title)}}}",
        rf"UHAT ({model}): {s.uha_layers:,} attention and {s.relu_layers:,} ReLU layers, maximal width {s.max_width:,}, "
        rf"{s.params:,} parameters, {s.nonzeros:,} non-zero weights, {s.total_bits:,} bits $|T|$ (docs/theory.md \S 1).",
        "",
        r"Notation ([BCL] \S 2): $v_i$ is the vector at position $i$, $v_i = \mathrm{emb}(w_i)"
        + (r" + P\,(1, j, j^2, \ldots)$ with $j = i$ 0-based" if net.positions is not None else "$")
        + r". An attention layer $k$ maps $v_i \mapsto C_k(v_i, a_i) + b^{C}_{k}$, where $a_i = v_{j}$ for the "
        r"unmasked $j$ maximising $\langle A_k v_i + b^{A}_{k},\ B_k v_j + b^{B}_{k}\rangle$, picked by the "
        r"tie-break ($a_i = 0$ when every position is masked); average/softmax heads average over $j$ instead. "
        r"Only non-zero weights are listed.",
    ]
    return lines


def latex_network(net: UHAT, *, standalone: bool = False, title: str = "UHAT", max_nonzeros: int = MAX_NONZEROS) -> str:
    """The whole network as LaTeX; ``standalone`` wraps it in a document that compiles with pdflatex
    (packages :data:`PACKAGES`); else a fragment for ``\\input``. Refuses (ParameterError) networks with
    more than ``max_nonzeros`` non-zero weights or :data:`MAX_LAYERS` layers, before any work."""
    nnz = net.size().nonzeros
    if nnz > max_nonzeros:
        raise ParameterError(f"network has {nnz:,} non-zero weights > {max_nonzeros:,}: too large for LaTeX "
                             "(use --what layers, or a smaller n / the packed form)")
    if len(net.layers) > MAX_LAYERS:
        raise ParameterError(f"network has {len(net.layers):,} layers > {MAX_LAYERS:,}: too large for LaTeX")
    body = _preamble(net, title)
    for view in input_views(net):
        body += _table(view)
    for k, layer in enumerate(net.layers, start=1):
        if isinstance(layer, AttentionLayer):
            body += _attention(net, k, layer)
        else:
            names = _names(net, k, layer.out_width)
            coords = ", ".join(coordinate(names[c]) for c in layer.coords)
            body += [f"% relu {k}", rf"\subsection*{{Layer {k}: ReLU}}",
                     rf"$\max(0, \cdot)$ on {len(layer.coords)} coordinate{'s' if len(layer.coords) > 1 else ''}: {coords}; "
                     "the others pass unchanged." + "\n"]
    view = output_view(net)
    if net.accept is not None:
        body += [r"\subsection*{Acceptance}", rf"Accept iff $\langle t, v_i\rangle > 0$ at the {net.accept_at} position $i$."]
    else:
        body += [r"\subsection*{Output}",
                 r"$\mathrm{logits} = W_{\mathrm{out}} v_i + b^{\mathrm{out}}$ at the last position; the answer is the "
                 r"output symbol of the largest logit."]
    body += _table(view)
    if not standalone:
        return "\n".join([f"% needs \\usepackage{{{','.join(PACKAGES)}}}", *body]) + "\n"
    head = [r"\documentclass[10pt]{article}", r"\usepackage[a4paper,margin=2cm]{geometry}",
            rf"\usepackage{{{','.join(PACKAGES)}}}", r"\setlength{\parindent}{0pt}", r"\begin{document}", r"\small"]
    return "\n".join([*head, *body, r"\end{document}"]) + "\n"


__all__ = ["MAX_NONZEROS", "MapView", "escape_text", "fraction", "input_views", "latex_network",
           "layer_views", "output_view"]
