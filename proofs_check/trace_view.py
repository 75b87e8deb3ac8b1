"""The attention picture of a trace: one panel per attention layer, as a self-contained HTML page (inline
SVG, no scripts, no external files) and as a PNG (matplotlib).

A panel is the L × L grid of (query position i, key position j), both 1-based with their symbols:
grey = masked; white → blue = the score ⟨A v_i, B v_j⟩ relative to the row's range; an outlined cell = in
the maximal set; a red dot = the attended position (the tie-break's pick); a row with no unmasked position
attends the zero vector (marked ∅). The title names the layer, the B-RASP operation it implements, the
mask and the tie-break.
"""
from __future__ import annotations

import html
from fractions import Fraction
from pathlib import Path

from automata.files import write_bytes_atomic
from proofs_check.trace_text import num

PICK = "#d62728"  # the attended position (a test looks for this colour in the browser's screenshot)
TIE = "#1f3b73"
MASKED = "#d9d9d9"
CELL = 26
MAX_PANELS = 200


def _shade(score: Fraction, lo: Fraction, hi: Fraction) -> str:
    """White (row minimum) to blue (row maximum)."""
    t = float((score - lo) / (hi - lo)) if hi != lo else 1.0
    r, g, b = (int(255 + (c - 255) * (0.15 + 0.6 * t)) for c in (66, 133, 244))
    return f"#{r:02x}{g:02x}{b:02x}"


def _label(k: int, word) -> str:
    """Position k (0-based) as '1:a' — the 1-based position and its symbol."""
    return f"{k + 1}:{word[k]}"


def panels(t) -> list[tuple[str, object]]:
    """(title, step) for every attention layer of the trace (first head when there are several); at most
    :data:`MAX_PANELS` (ParameterError beyond)."""
    if len(t.uhat.attention_layers) > MAX_PANELS:
        from automata.errors import ParameterError

        raise ParameterError(f"{len(t.uhat.attention_layers)} attention layers; the picture draws at most {MAX_PANELS}")
    out = []
    for step in t.uhat.attention_layers:
        head = step.layer.heads[0]
        side = "▶ rightmost" if head.tiebreak == "rightmost" else "◀ leftmost"
        op = t.layer_ops.get(step.index)
        out.append((f"layer {step.index}" + (f": {op}" if op else "") + f" — mask {head.mask}, {side}", step))
    return out


def _svg(title: str, step, word) -> str:
    n = len(word)
    pad_l, pad_t = 48, 56
    w, h = max(pad_l + n * CELL + 16, 7 * len(title) // 2 + 8), pad_t + n * CELL + 10
    e = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{e(title)}">',
             *(f'<text x="4" y="{13 + 13 * k}" font-size="12" font-weight="{"bold" if k == 0 else "normal"}">{e(part)}</text>'
               for k, part in enumerate(title.split(" — "))),
             f'<text x="{pad_l}" y="{pad_t - 14}" font-size="10">key position j →</text>']
    for j in range(n):
        parts.append(f'<text x="{pad_l + j * CELL + CELL / 2}" y="{pad_t - 2}" font-size="10" '
                     f'text-anchor="middle">{e(_label(j, word))}</text>')
    for i, row in enumerate(step.picks):
        pick = row[0]
        y = pad_t + i * CELL
        parts.append(f'<text x="{pad_l - 4}" y="{y + CELL / 2 + 4}" font-size="10" text-anchor="end">'
                     f'{e(_label(i, word))}</text>')
        lo, hi = (min(pick.scores), max(pick.scores)) if pick.scores else (0, 0)
        for j in range(n):
            x = pad_l + j * CELL
            s = pick.score_of(j)
            fill = MASKED if s is None else _shade(s, lo, hi)
            stroke = f' stroke="{TIE}" stroke-width="2"' if j in pick.ties else ' stroke="#ffffff"'
            tip = f"i={i + 1}, j={j + 1}: " + ("masked" if s is None else f"score {num(s)}")
            parts.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}"{stroke}>'
                         f'<title>{e(tip)}</title></rect>')
            if s is not None:
                parts.append(f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 3}" font-size="8" '
                             f'text-anchor="middle" fill="#333">{e(num(s))}</text>')
        for j in pick.attended:
            parts.append(f'<circle cx="{pad_l + j * CELL + CELL / 2}" cy="{y + CELL / 2}" r="{CELL / 4}" fill="{PICK}"/>')
        if not pick.attended:
            parts.append(f'<text x="{pad_l + n * CELL + 2}" y="{y + CELL / 2 + 4}" font-size="10">∅</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(t) -> str:
    """A page a teacher can project: verdicts, the attention panels, the text trace below."""
    ps = panels(t)
    e = html.escape
    verdicts = " · ".join(f"{k}: {'accept' if v else 'reject'}" for k, v in t.verdicts.items())
    body = "\n".join(f'<figure>{_svg(title, step, t.word)}</figure>' for title, step in ps)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(t.label)}: {e(' '.join(t.word))}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
.panels {{ display: flex; flex-wrap: wrap; gap: 1.2em; }}
figure {{ margin: 0; }}
pre {{ font-size: 12px; background: #f7f7f7; padding: 1em; overflow-x: auto; }}
.key span {{ display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin: 0 .3em 0 1em; }}
</style></head><body>
<h1>{e(t.label)} on <code>{e(' '.join(t.word))}</code></h1>
<p>{e(verdicts)}</p>
<p class="key">UHAT ({e(t.form)} form), one panel per attention layer; rows: query position i, columns: key
position j (1-based, with the symbol).
<span style="background:{MASKED}"></span>masked
<span style="background:{_shade(Fraction(1), Fraction(0), Fraction(1))}"></span>highest score in the row
<span style="border:2px solid {TIE}"></span>maximal set
<span style="background:{PICK};border-radius:50%"></span>attended (tie-break's pick); ∅: zero vector</p>
<div class="panels">
{body}
</div>
<h2>The whole trace</h2>
<pre>{e(t.text())}</pre>
</body></html>
"""


def save_html(t, path: str | Path) -> None:
    write_bytes_atomic(Path(path), render_html(t).encode())


def save_png(t, path: str | Path) -> None:
    """The same panels drawn with matplotlib (Agg), written atomically."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    ps = panels(t)
    if not ps:
        from automata.errors import ParameterError

        raise ParameterError("the network has no attention layer to draw")
    n = len(t.word)
    cols = min(4, len(ps))
    rows = -(-len(ps) // cols)
    side = max(2.6, 0.32 * n + 1.2)
    fig, axes = plt.subplots(rows, cols, figsize=(side * cols, side * rows + 0.4), squeeze=False)
    labels = [_label(k, t.word) for k in range(n)]
    for ax in axes.flat[len(ps):]:
        ax.axis("off")
    for ax, (title, step) in zip(axes.flat, ps):
        grid = np.full((n, n), np.nan)
        for i, row in enumerate(step.picks):
            pick = row[0]
            lo, hi = (min(pick.scores), max(pick.scores)) if pick.scores else (0, 0)
            for j, s in zip(pick.candidates, pick.scores):
                grid[i, j] = float((s - lo) / (hi - lo)) if hi != lo else 1.0
        cmap = matplotlib.colormaps["Blues"].with_extremes(bad=MASKED)
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=-0.3, vmax=1.3)
        for i, row in enumerate(step.picks):
            pick = row[0]
            for j in pick.ties:
                ax.add_patch(matplotlib.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=TIE, lw=1.5))
            for j in pick.attended:
                ax.plot(j, i, "o", color=PICK, ms=max(3, 9 - n // 8))
            if n <= 12:
                for j, s in zip(pick.candidates, pick.scores):
                    if j not in pick.attended:
                        ax.text(j, i, num(s), ha="center", va="center", fontsize=6,
                                color="white" if grid[i, j] >= 0.6 else "#333")
            if not pick.attended:
                ax.text(n - 0.4, i, "∅", va="center", fontsize=8)
        ax.set_xticks(range(n), labels, fontsize=7)
        ax.set_yticks(range(n), labels, fontsize=7)
        ax.set_xlabel("key position j", fontsize=8)
        ax.set_ylabel("query position i", fontsize=8)
        ax.set_title(title, fontsize=8)
    fig.suptitle(f"{t.label} on {' '.join(t.word)} — UHAT ({t.form}); red dot: attended, box: maximal set, grey: masked",
                 fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(Path(path), buf.getvalue())


__all__ = ["PICK", "panels", "render_html", "save_html", "save_png"]
