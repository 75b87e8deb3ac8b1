"""Human-readable views of a UHAT: one line per layer, or LaTeX matrices for small networks."""
from __future__ import annotations

from automata.errors import ParameterError
from constructions.uhat.model import UHAT, AttentionLayer

ARROW = {"leftmost": "◀", "rightmost": "▶"}


def describe_layers(net: UHAT) -> str:
    s = net.size()
    lines = [
        f"UHAT ({s.model} model): {s.uha_layers} UHA + {s.relu_layers} ReLU layers, max width {s.max_width}, "
        f"{s.params} params, {s.nonzeros} non-zeros, {s.total_bits} bits",
        f"  emb: one-hot {len(net.alphabet)} → {net.embedding.out_dim}",
    ]
    names = net.names
    for k, layer in enumerate(net.layers, start=1):
        before = set(names[k - 1]) if len(names) > k else set()
        after = names[k] if len(names) > k else ()
        new = [n for n in after if n not in before]
        gone = len(before - set(after))
        if isinstance(layer, AttentionLayer):
            kind = (
                f"attend {ARROW[layer.tiebreak]} mask {layer.mask}, score rank {sum(1 for _ in layer.A.rows())}"
                if layer.attends
                else "affine"
            )
            lines.append(
                f"{k:>5} UHA  {layer.in_width:>3}→{layer.out_width:<3} {kind}; new {', '.join(new) or '—'}"
                + (f"; drops {gone}" if gone else "")
            )
        else:
            relu = [after[c] for c in layer.coords] if after else list(layer.coords)
            lines.append(f"{k:>5} ReLU {layer.width:>3}     on {', '.join(map(str, relu))}")
    lines.append(f"  accept: ⟨t, v⟩ > 0 at the {net.accept_at} position")
    return "\n".join(lines)


def latex_layers(net: UHAT, max_width: int = 24) -> str:
    """Every map as exact LaTeX (sympy); only for networks no wider than ``max_width``."""
    import sympy

    if net.size().max_width > max_width:
        raise ParameterError(
            f"network width {net.size().max_width} > {max_width}: LaTeX output is for small networks"
        )
    out = [r"\mathrm{emb} = " + sympy.latex(net.embedding.to_sympy()[0])]
    for k, layer in enumerate(net.layers, start=1):
        if isinstance(layer, AttentionLayer):
            for part in ("A", "B", "C"):
                m, b = getattr(layer, part).to_sympy()
                out.append(rf"{part}_{{{k}}} = {sympy.latex(m)},\quad b = {sympy.latex(b.T)}")
        else:
            out.append(rf"\text{{layer {k}: ReLU on coordinates }} {list(layer.coords)}")
    out.append("t = " + sympy.latex(net.accept.to_sympy()[0]))
    return "\n".join(out)
