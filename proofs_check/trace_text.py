"""The text of a :class:`proofs_check.trace.RunTrace`: tables a person reads, positions 1-based as in
docs/theory.md (the paper's w = w_1 ⋯ w_n)."""
from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from constructions.brasp.program import AttentionOp
from constructions.brasp.syntax import format_op
from constructions.uhat.trace import HeadPick, LayerStep

SIDE = {"rightmost": "▶ rightmost", "leftmost": "◀ leftmost"}


def num(x: Fraction | int | bool) -> str:
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def positions(js: Sequence[int]) -> str:
    """0-based positions as a 1-based set, runs compressed: (0, 1, 2, 4) → {1..3, 5}."""
    if not js:
        return "∅"
    parts, start, prev = [], js[0], js[0]
    for j in [*js[1:], None]:
        if j is not None and j == prev + 1:
            prev = j
            continue
        if prev - start >= 2:
            parts.append(f"{start + 1}..{prev + 1}")
        else:
            parts += [str(x + 1) for x in range(start, prev + 1)]
        if j is not None:
            start = prev = j
    return "{" + ", ".join(parts) + "}"


def _grid(rows: list[tuple[str, Sequence[str]]], indent: str = "  ") -> list[str]:
    """Label column + one column per position, right-aligned."""
    label_w = max(len(label) for label, _ in rows)
    cell_w = max([1, *(len(c) for _, cells in rows for c in cells)])
    return [f"{indent}{label:<{label_w}}  " + " ".join(f"{c:>{cell_w}}" for c in cells) for label, cells in rows]


def _header(word: Sequence[str]) -> list[tuple[str, list[str]]]:
    return [("i", [str(i + 1) for i in range(len(word))]), ("w_i", list(word))]


def _program(t) -> list[str]:
    p = t.program
    out = [f"== B-RASP program {p.program.name} ([BCL] §3): the predicate table "
           "(1 = true; o(i) = attended position, – = none, so the default is used) =="]
    out += [f"  {format_op(s.op)}" for s in p.steps]
    rows = _header(p.word)
    rows += [(q, [num(v) for v in vals]) for q, vals in p.symbols.items()]
    for s in p.steps:
        rows.append((s.op.name, [num(v) for v in s.values]))
        if isinstance(s.op, AttentionOp):
            rows.append((f"  o(i) {'▶' if s.op.tiebreak == 'rightmost' else '◀'}",
                         ["–" if j is None else str(j + 1) for j in s.attended]))
    out += _grid(rows)
    at = "last" if p.program.accept_at == "last" else "first"
    out.append(f"  accept: {p.program.output} at the {at} position = {num(p.accepted)} → "
               f"{'accept' if p.accepted else 'reject'}")
    return out


def _pick_row(pick: HeadPick, word: Sequence[str], o: int | None | str = "") -> str:
    """One position's attention; ``o`` the program's o(i) for the operation the layer implements
    ("" when unknown)."""
    i = pick.position
    if not pick.attended:
        return f"  {i + 1:>3} {word[i]:<4} {'–':>7} {'–':>7}  {'∅':<14} {pick.reason}"
    att = ",".join(str(j + 1) for j in pick.attended)
    line = (f"  {i + 1:>3} {word[i]:<4} {att:>7} {num(pick.best):>7}  {positions(pick.ties):<14} {pick.reason}"
            + f" (of {len(pick.candidates)} unmasked)")
    if o is None:
        line += "; program: no j satisfies the score, so the guard R(i) = 0 selects the default"
    elif o != "":
        line += f"; program: o(i) = {o + 1}" + ("" if pick.attended == (o,) else "  ≠ ATTENDED")
    return line


def _values(step: LayerStep, coords: Sequence[int]) -> list[tuple[str, list[str]]]:
    return [(step.names[r], [num(v[r]) for v in step.vectors]) for r in coords]


def _layer(t, step: LayerStep, before: LayerStep | None) -> list[str]:
    word = t.word
    if step.kind == "relu":
        prev = before.vectors if before is not None else t.uhat.vectors
        clamped = [r for r in step.written if any(p[r] < 0 for p in prev)]
        names = ", ".join(step.names[r] for r in step.written)
        if not clamped:
            return [f"layer {step.index}: ReLU on {names}: nothing negative, no change"]
        out = [f"layer {step.index}: ReLU on {names}; clamps {', '.join(step.names[r] for r in clamped)} to:"]
        return out + _grid(_values(step, clamped), "    ")
    if step.kind == "affine":
        out = [f"layer {step.index}: position-wise (C ignores the attended vector); writes:"]
    else:
        layer = step.layer
        op = t.layer_ops.get(step.index)
        heads = layer.heads
        desc = ", ".join(f"{h.mode if h.mode != 'hard' else SIDE[h.tiebreak]}, mask {h.mask}" for h in heads)
        out = [f"layer {step.index}: attention ({desc})" + (f" — implements {op}" if op else "")]
        program = {s.op.name: s.attended for s in t.program.steps}
        o = program.get(op, [""] * len(word)) if op else [""] * len(word)
        for h in range(len(heads)):
            if len(heads) > 1:
                out.append(f"  head {h + 1}:")
            out.append(f"  {'i':>3} {'w_i':<4} {'attends':>7} {'score':>7}  {'max set':<14} why")
            out += [_pick_row(row[h], word, o[i] if h == 0 else "") for i, row in enumerate(step.picks)]
        out.append("  writes:")
    out += _grid(_values(step, step.written), "    ") if step.written else ["    (nothing)"]
    return out


def _uhat(t, layers: tuple[int, int] | None) -> list[str]:
    u = t.uhat
    s = u.net.size()
    out = [f"== UHAT ({t.form} form, [BCL] Lemma 9): {s.uha_layers} UHA + {s.relu_layers} ReLU layers, "
           f"max width {s.max_width}; score(i, j) = ⟨A v_i, B v_j⟩ =="]
    out.append("  after the embedding: " + ", ".join(u.names))
    lo, hi = layers if layers is not None else (1, len(u.layers))
    for k, step in enumerate(u.layers):
        if lo <= step.index <= hi:
            out += _layer(t, step, u.layers[k - 1] if k else None)
    if t.readings:
        out.append("the program's predicates read off the network's coordinates"
                   + (" (affine expressions of ReLU units in the packed form)" if t.form == "packed" else "") + ":")
        rows = [(f"{r.name}{'' if r.expr.single() == r.name else ' = ' + _lin(r.expr)} after layer {r.layer}",
                 [num(v) for v in r.values]) for r in t.readings]
        out += [line + ("   = the table's row" if r.agrees else "   ≠ THE TABLE'S ROW")
                for line, r in zip(_grid(rows), t.readings)]
    at = len(t.word) if u.net.accept_at == "last" else 1
    val = u.out[at - 1][0]
    out.append(f"  accept: ⟨t, v⟩ at position {at} = {num(val)} {'>' if val > 0 else '≤'} 0 → "
               f"{'accept' if u.accepted else 'reject'}")
    return out


def _lin(lin) -> str:
    parts = [("" if v == 1 else "−" if v == -1 else f"{num(v)}·") + n for n, v in lin.terms]
    text = " + ".join(parts).replace("+ −", "− ")
    if lin.const:
        text = f"{num(lin.const)} + {text}".replace("+ −", "− ") if text else num(lin.const)
    return text or "0"


def _rnn(t) -> list[str]:
    r = t.rnn
    out = [f"== RNN: {len(r.unit_names)} units; the state h_i after w_1 ⋯ w_i (h_0 the initial state) =="]
    rows = [("i", ["0", *(str(i + 1) for i in range(len(t.word)))]), ("w_i", ["", *t.word])]
    quiet = [name for u, name in enumerate(r.unit_names) if not r.h0[u] and not any(h[u] for h in r.states)]
    hide = len(r.unit_names) > 12 and quiet
    rows += [(name, [num(r.h0[u]), *(num(h[u]) for h in r.states)]) for u, name in enumerate(r.unit_names)
             if not (hide and name in quiet)]
    rows.append(("accepts w_1..w_i", ["", *("1" if a else "0" for a in r.accepted)]))
    out += _grid(rows)
    if hide:
        out.append(f"  ({len(quiet)} units stay 0 throughout: {', '.join(quiet)})")
    return out


def render_text(t, levels: Sequence[str], layers: tuple[int, int] | None = None) -> str:
    verdicts = " · ".join(f"{k} {'accept' if v else 'reject'}" for k, v in t.verdicts.items())
    out = [f"trace of {' '.join(t.word)} ({len(t.word)} positions) through {t.label}", f"verdicts: {verdicts}"]
    if "brasp" in levels:
        out += ["", *_program(t)]
    if "uhat" in levels:
        out += ["", *_uhat(t, layers)]
    if "rnn" in levels and t.rnn is not None:
        out += ["", *_rnn(t)]
    return "\n".join(out) + "\n"


__all__ = ["num", "positions", "render_text"]
