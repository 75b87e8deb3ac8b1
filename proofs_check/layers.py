"""Human-readable views of a UHAT: one line per layer ([BCL] §2, THEORY §1); sizes.

The LaTeX view lives in :mod:`proofs_check.latex`."""
from __future__ import annotations

from constructions.uhat.model import UHAT, AttentionLayer

ARROW = {"leftmost": "◀", "rightmost": "▶"}


def _expr(m, row: int, names) -> str:
    """Row ``row`` of the affine map ``m`` as an expression over coordinate names."""
    from fractions import Fraction

    terms = [(c, v) for r, c, v in m.entries if r == row]
    bias = dict(m.bias).get(row, Fraction(0))
    parts = []
    for c, v in terms:
        name = names[c] if c < len(names) else f"@{c // len(names)}:{names[c % len(names)]}"
        parts.append(name if v == 1 else f"-{name}" if v == -1 else f"{v}·{name}")
    if bias or not parts:
        parts.append(str(bias))
    return " + ".join(parts).replace("+ -", "− ")


def _describe_extended(net: UHAT) -> list[str]:
    """Per attention layer and head: mode, mask, tie-break, the score's query and key rows over the
    coordinate names, and what C writes; then the read-out (the retrieval extensions)."""
    names = net.names[0] if net.names else tuple(f"x{i}" for i in range(net.embedding.out_dim))
    lines = [f"  coordinates: {', '.join(names)}"]
    if net.positions is not None:
        feats = ["1", "j", "j²", "j³"][: net.positions.in_dim]
        pos = [f"{names[r]} += {feats[c]}" if v == 1 else f"{names[r]} += {v}·{feats[c]}" for r, c, v in net.positions.entries]
        lines.append(f"  positions (j = 0-based position): {'; '.join(pos)}")
    for k, layer in enumerate(net.layers, start=1):
        if not isinstance(layer, AttentionLayer):
            lines.append(f"{k:>5} ReLU on {', '.join(names[c] for c in layer.coords)}")
            continue
        for h, head in enumerate(layer.heads, start=1):
            mode = head.mode + (f" β = {head.beta}" if head.beta is not None else "")
            q = ", ".join(_expr(head.A, r, names) for r in range(head.A.out_dim))
            key = ", ".join(_expr(head.B, r, names) for r in range(head.B.out_dim))
            lines.append(f"{k:>5} head {h}: {mode}, mask {head.mask}, {head.tiebreak}; score ⟨({q}), ({key})⟩")
        cols = [*names, *(f"@{h}:{n}" for h in range(1, layer.n_heads + 1) for n in names)]
        writes = [f"{names[r]} := {_expr(layer.C, r, cols)}" for r in range(layer.C.out_dim)
                  if [(c, v) for rr, c, v in layer.C.entries if rr == r] != [(r, 1)] or dict(layer.C.bias).get(r)]
        lines.append(f"{'':>5} C: {'; '.join(writes) or 'identity'}")
    if net.output is not None:
        lines.append(f"  output: logits over {len(net.output_symbols)} symbols at the last position, e.g. "
                     f"{net.output_symbols[0]}: {_expr(net.output, 0, names)}; argmax is the answer")
    return lines


def describe_layers(net: UHAT) -> str:
    s = net.size()
    lines = [
        f"UHAT ({s.model} model): {s.uha_layers} UHA + {s.relu_layers} ReLU layers, max width {s.max_width}, "
        f"{s.params} params, {s.nonzeros} non-zeros, {s.total_bits} bits",
        f"  emb: one-hot {len(net.alphabet)} → {net.embedding.out_dim}",
    ]
    if not net.is_plain:
        lines[0] += f", {s.heads} head(s) per layer at most, {s.core_params} core params + {s.table_params} table"
        return "\n".join(lines + _describe_extended(net))
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


def size_lines(net: UHAT, formula: object) -> str:
    """``succinct show … --what sizes``: every size measure of ``net``, then the construction's formula."""
    lines = [f"{key:<13} {value}" for key, value in vars(net.size()).items()]
    return "\n".join([*lines, f"{'core formula':<13} {formula}"])


__all__ = ["ARROW", "describe_layers", "size_lines"]
