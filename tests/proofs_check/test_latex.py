"""LaTeX of any network (proofs_check.latex) and of the size table (proofs_check.table, fmt="latex").

Structural checks always run: every non-zero weight of every map appears exactly once with its row and
column names (residual copies listed by name count as their weight 1), masks, tie-breaks and ReLU
coordinates are stated, braces balance, every table line has its column count, tables have at most 8
columns. The pdflatex compile test runs when pdflatex is installed, and FAILS under CI=true without it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.errors import ParameterError
from constructions.exact import Affine
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer, Head, ReLULayer
from proofs_check import latex
from proofs_check.latex import MASKS, TIEBREAKS, coordinate, escape_text, latex_network, symbol
from proofs_check.registry import family
from proofs_check.table import LATEX_MAX_COLUMNS, notes, render, size_table

_ATOM = r"\\[a-zA-Z]+|\\[^a-zA-Z]|[^{}\\]"
TEXTT = re.compile(rf"\\texttt\{{(?:{_ATOM}|\{{(?:{_ATOM}|\{{(?:{_ATOM})*\}})*\}})*\}}")


def balanced(tex: str) -> bool:
    """Braces balance, escaped ones (\\{, \\}) not counted."""
    depth, i = 0, 0
    while i < len(tex):
        if tex[i] == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


# -- an independent reading of the printed network -------------------------------------------------
def split_cells(line: str) -> list[str]:
    """Split a table line at the & that are not escaped (\\&) and not inside braces."""
    cells, depth, cur, i = [], 0, "", 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            cur += line[i:i + 2]
            i += 2
            continue
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "&" and depth == 0:
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    return [*cells, cur.strip()]


def value(cell: str) -> Fraction:
    m = re.fullmatch(r"\$(-?)(?:(\d+)|\\tfrac\{(\d+)\}\{(\d+)\})\$", cell)
    assert m, cell
    v = Fraction(int(m.group(2))) if m.group(2) else Fraction(int(m.group(3)), int(m.group(4)))
    return -v if m.group(1) else v


def printed(tex: str) -> Counter:
    """(map, row, column, value) of every weight printed, copies included as weight 1."""
    out: Counter = Counter()
    current, in_table, kept = None, False, False
    for line in tex.splitlines():
        if line.startswith("% map "):
            current = line[6:]
        elif line.startswith("% kept "):
            kept = True
        elif kept:
            for name in TEXTT.findall(line.split("): ", 1)[1]):
                out[(current, name, name, Fraction(1))] += 1
            kept = False
        elif line == r"\endfoot":
            in_table = True
        elif line == r"\end{longtable}":
            in_table = False
        elif in_table:
            assert line.endswith(r" \\"), line
            cells = split_cells(line[:-3])
            assert len(cells) == 6, line
            for row, col, v in (cells[:3], cells[3:]):
                if row:
                    out[(current, row, col, value(v))] += 1
    return out


def names(net: UHAT, k: int, width: int) -> list[str]:
    got = net.names[k] if len(net.names) > k and len(net.names[k]) == width else [f"x{i}" for i in range(width)]
    return [coordinate(x) for x in got]


def expected(net: UHAT) -> Counter:
    """The weights of ``net`` with the labels the module docstring promises."""
    out: Counter = Counter()

    def add(name: str, m: Affine, rows, cols, bias: str) -> None:
        for r, c, v in m.entries:
            out[(name, rows[r], cols[c], v)] += 1
        for r, v in m.bias:
            out[(name, rows[r], f"${bias}$", v)] += 1

    ins = names(net, 0, net.embedding.out_dim)
    add(r"\mathrm{emb}", net.embedding, ins, [symbol(a) for a in net.alphabet], r"b^{\mathrm{emb}}")
    if net.positions is not None:
        feats = ["$1$", "$j$", "$j^{2}$", "$j^{3}$", "$j^{4}$"]
        add("P", net.positions, ins, feats, "b^{P}")
    for k, layer in enumerate(net.layers, start=1):
        outs = names(net, k, layer.out_width)
        if isinstance(layer, AttentionLayer):
            many = layer.n_heads > 1
            for h, head in enumerate(layer.heads, start=1):
                sub = f"{k},{h}" if many else f"{k}"
                score = [f"$s_{{{i + 1}}}$" for i in range(head.A.out_dim)]
                add(f"A_{{{sub}}}", head.A, score, ins, f"b^{{A}}_{{{sub}}}")
                add(f"B_{{{sub}}}", head.B, score, ins, f"b^{{B}}_{{{sub}}}")
            att = [(rf"$a^{{({h})}}$\," if many else r"$a$\,") + x for h in range(1, layer.n_heads + 1) for x in ins]
            add(f"C_{{{k}}}", layer.C, outs, ins + att, f"b^{{C}}_{{{k}}}")
        ins = outs
    if net.accept is not None:
        add("t", net.accept, ["$t$"], ins, "b^{t}")
    else:
        add(r"W_{\mathrm{out}}", net.output, [symbol(s) for s in net.output_symbols], ins, r"b^{\mathrm{out}}")
    return out


def structure_problems(net: UHAT, tex: str) -> list[str]:
    """Everything the printed network gets wrong (empty: all right)."""
    problems = []
    got, want = printed(tex), expected(net)
    if got != want:
        problems.append(f"weights differ: missing {list((want - got).items())[:3]}, extra {list((got - want).items())[:3]}")
    if not balanced(tex):
        problems.append("unbalanced braces")
    if tex.count(r"\begin{longtable}") != tex.count(r"\end{longtable}"):
        problems.append("unbalanced longtable")
    blocks = tex.split(r"\subsection*{Layer ")[1:]
    if len(blocks) != len(net.layers):
        problems.append(f"{len(blocks)} layer blocks for {len(net.layers)} layers")
    for k, (block, layer) in enumerate(zip(blocks, net.layers), start=1):
        if isinstance(layer, AttentionLayer):
            for head in layer.heads:
                if f"mask {MASKS[head.mask]}, tie-break {TIEBREAKS[head.tiebreak]}" not in block:
                    problems.append(f"layer {k}: mask/tie-break not stated")
        else:
            relu = [names(net, k, layer.width)[c] for c in layer.coords]
            if TEXTT.findall(block.split("coordinate", 1)[1].split("; the others pass")[0]) != relu:
                problems.append(f"layer {k}: ReLU coordinates wrong")
    return problems


# -- networks of every kind ------------------------------------------------------------------------
def _compiled(name: str, n: int, packed: bool) -> UHAT:
    fam = family(name)
    return compile_lemma9(fam.program(n, fam.variants[0]), packed=packed)


def _extended(name: str) -> UHAT:
    if name == "istree":
        from constructions.library.istree_uhat import istree_uhat
        from tasks.istree import IsTreeTask

        return istree_uhat(IsTreeTask(3))
    from constructions.library.retrieval_uhat import retrieval_uhat
    from tasks.retrieval import retrieval_task

    return retrieval_uhat(retrieval_task(name, 4))


NETS = [("counter", 1, False), ("counter", 1, True), ("counter", 3, False), ("counter", 6, True),
        ("counter", 2, True), ("ab-plus", 0, False), ("dyck1-depth2", 0, True), ("stair3", 0, False),
        ("b-prec-a-nosucc-c", 0, True)]


@pytest.mark.parametrize("name, n, packed", NETS)
def test_every_weight_once_with_names(name: str, n: int, packed: bool) -> None:
    net = _compiled(name, n, packed)
    tex = latex_network(net, title=f"{name} {n}")
    assert structure_problems(net, tex) == []
    assert tex.isascii() and r"\begin{document}" not in tex


@pytest.mark.parametrize("name", ["istree", "index", "ar", "cgram3", "counting"])
def test_extended_networks_heads_positions_logits(name: str) -> None:
    net = _extended(name)
    tex = latex_network(net, standalone=True, title=name)
    assert structure_problems(net, tex) == []
    assert r"\mathrm{logits}" in tex and "% map P" in tex and tex.startswith(r"\documentclass")
    if name == "counting":
        assert "average-hard attention" in tex
    if name == "cgram3":
        assert "% map A_{1,2}" in tex and r"$a^{(2)}$\," in tex


def test_counter_6_paper_is_printed() -> None:  # 35,885 non-zeros, 584 layers: under the limit
    net = _compiled("counter", 6, False)
    tex = latex_network(net)
    assert structure_problems(net, tex) == []
    assert net.size().nonzeros <= latex.MAX_NONZEROS


def test_planted_errors_are_caught(monkeypatch) -> None:
    net = _compiled("counter", 1, True)
    tex = latex_network(net)
    layer = net.layers[0]
    (r, c, v), *_ = layer.C.entries
    changed = UHAT(net.alphabet, net.embedding, (AttentionLayer(layer.A, layer.B, layer.C.with_entry(r, c, v + 1),
                   layer.mask, layer.tiebreak), *net.layers[1:]), net.accept, net.accept_at, net.model, net.names)
    assert structure_problems(changed, tex)  # a weight differs from the printed one
    line = next(x for x in tex.splitlines() if x.startswith(r"\texttt") and x.endswith(r" \\"))
    assert structure_problems(net, tex.replace(line + "\n", "", 1))  # a printed line lost
    assert structure_problems(net, tex.replace("mask $j<i$", "mask $j>i$", 1))
    monkeypatch.setattr(latex, "_copies", lambda c, rows, inputs: tuple(range(c.out_dim)))  # every row "kept"
    assert structure_problems(net, latex_network(net))


def test_size_limit_is_checked_before_work(monkeypatch) -> None:
    net = _compiled("counter", 1, False)
    monkeypatch.setattr(latex, "layer_views", lambda *a: pytest.fail("work done before the size check"))
    with pytest.raises(ParameterError, match="2,154 non-zero weights > 1,000"):
        latex_network(net, max_nonzeros=1000)


def test_cli_refuses_a_paper_network_too_large_before_compiling_it(capsys, monkeypatch) -> None:
    """counter n = 20's paper-faithful network has ≥ 128,974 non-zero weights by the program's bound: the
    command refuses without compiling (it took minutes to compile and then refuse)."""
    from constructions.uhat import lemma9
    from proofs_check.cli import main

    monkeypatch.setattr(lemma9, "compile_lemma9", lambda *a, **k: pytest.fail("compiled before the bound"))
    assert main(["show", "counter", "-n", "20", "--what", "latex", "--form", "paper"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least 128,974 non-zero weights" in err and "> 50,000" in err


def test_cli_show_latex_counter_and_istree(capsys) -> None:
    from proofs_check.cli import main

    assert main(["show", "counter", "-n", "1", "--what", "latex", "--form", "paper"]) == 0
    out = capsys.readouterr().out
    assert "% map C_{3}" in out and r"\texttt{Q\_\#}" in out and r"rightmost ($\blacktriangleright$)" in out
    assert main(["show", "istree", "-n", "9", "--what", "latex"]) == 0  # formerly refused above n = 8
    assert "% map W_{\\mathrm{out}}" in capsys.readouterr().out


# -- escaping -------------------------------------------------------------------------------------
SPECIALS = set("#$%&_^~{}\\<>|")


def _bare_specials(tex: str) -> str:
    """``tex`` with every escape sequence removed: what is left must hold no special character."""
    tex = re.sub(r"\\ensuremath\{(?:[^{}]|\{[^{}]*\})*\}", "", tex)
    tex = re.sub(r"\\(?:text[a-z]+|S)\{(?:[^{}]|\{[^{}]*\})*\}", "", tex)
    return re.sub(r"\\[#$%&_{}]", "", tex)


@given(st.text(max_size=30))
def test_escape_text_is_ascii_safe(text: str) -> None:
    out = escape_text(text)
    assert out.isascii() and not SPECIALS & set(_bare_specials(out))


@given(st.text(max_size=8), st.text(max_size=8))
def test_escape_text_is_injective(a: str, b: str) -> None:
    assert (escape_text(a) == escape_text(b)) == (a == b)


@given(st.text(alphabet=st.sampled_from(list("2^(),.nt|T{}$_#%&\\·≈≥Σ⌈⌉—é🙂 ab")), max_size=30))
def test_table_cells_escape_to_safe_latex(text: str) -> None:
    from proofs_check.table import _latex

    out = _latex(text)
    bare = re.sub(r"\\.", "", out)  # escaped characters out: the $ left delimit math, in pairs
    assert out.isascii() and balanced(out) and bare.count("$") % 2 == 0
    assert not set("#%&_~^") & set(re.sub(r"\$[^$]*\$", "", bare))  # specials only escaped or in math


def test_bare_specials_check_catches_a_raw_underscore() -> None:
    assert "_" in _bare_specials(r"\texttt{a}_b") and _bare_specials(escape_text("a_b#♯")) == "ab"


# -- random networks with arbitrary names ---------------------------------------------------------
small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def affines(draw, rows: int, cols: int, bias: bool = True) -> Affine:
    ent = draw(st.dictionaries(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1)), small, max_size=6))
    b = draw(st.dictionaries(st.integers(0, rows - 1), small, max_size=2)) if bias else {}
    return Affine.build(cols, rows, ent, b)


@st.composite
def networks(draw) -> UHAT:
    alphabet = tuple(draw(st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=3, unique=True)))
    w = draw(st.integers(1, 3))
    labels = draw(st.lists(st.text(max_size=5), min_size=2 * w, max_size=2 * w, unique=True))
    heads = draw(st.integers(1, 2))
    modes = [draw(st.sampled_from(["hard", "average", "softmax"])) for _ in range(heads)]
    hs = [Head(draw(affines(1, w)), draw(affines(1, w)), draw(st.sampled_from(list(MASKS))),
               draw(st.sampled_from(list(TIEBREAKS))), m, Fraction(3, 2) if m == "softmax" else None) for m in modes]
    att = AttentionLayer(hs[0].A, hs[0].B, draw(affines(w, (1 + heads) * w)), hs[0].mask, hs[0].tiebreak, hs[0].mode,
                         hs[0].beta, tuple(hs[1:]))
    coords = tuple(sorted(draw(st.sets(st.integers(0, w - 1), min_size=1))))
    named = draw(st.booleans())
    return UHAT(alphabet, draw(affines(w, len(alphabet), bias=False)), (att, ReLULayer(w, coords)),
                draw(affines(1, w, bias=False)), model="packed",
                names=(tuple(labels[:w]), tuple(labels[w:]), tuple(labels[w:])) if named else ())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_print_every_weight(net: UHAT) -> None:
    tex = latex_network(net)
    assert structure_problems(net, tex) == [] and tex.isascii()


# -- the size table -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def witness_rows():
    return size_table(family("tiling-witness"), [1, 2, 3, 4, 16], "strict", dfa_max_n=1, paper_max_n=0)


def table_problems(tex: str, rows, md: str) -> list[str]:
    """Tables of ≤ 8 columns, ``n`` first in each, every line with its column count, every md cell
    present in some table row of its n."""
    problems = []
    tables = re.findall(r"\\begin\{tabular\}\{(r+)\}\n(.*?)\\bottomrule\n\\end\{tabular\}", tex, re.S)
    if not tables:
        problems.append("no table")
    seen: dict[str, set[str]] = {str(r.n): set() for r in rows}
    for spec, body in tables:
        if len(spec) > LATEX_MAX_COLUMNS:
            problems.append(f"{len(spec)} columns")
        lines = [x for x in body.splitlines() if x.endswith(r" \\")]
        if not split_cells(lines[0][:-3])[0] == "$n$":
            problems.append("n is not the first column")
        for line in lines:
            cells = split_cells(line[:-3])
            if len(cells) != len(spec):
                problems.append(f"{len(cells)} cells in a {len(spec)}-column table: {line}")
            if cells[0] in seen:
                seen[cells[0]] |= set(cells[1:])
    from proofs_check.table import _latex

    for line in md.splitlines()[2:2 + len(rows)]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        missing = [c for c in cells[1:] if _latex(c) not in seen[cells[0]]]
        if missing:
            problems.append(f"n = {cells[0]}: cells {missing} in no table")
    return problems


def test_table_latex_splits_into_page_wide_tables(witness_rows) -> None:
    foot = notes(family("tiling-witness"), "strict", witness_rows)
    tex = render(witness_rows, "latex", foot)
    assert table_problems(tex, witness_rows, render(witness_rows, "md")) == []
    assert tex.count(r"\begin{tabular}") >= 3 and tex.count(r"\item ") == len(foot) and tex.isascii()
    assert balanced(tex) and not balanced(tex + "{") and balanced(r"\{")
    assert r"$\approx 2^{65{,}556.17}$" in tex and r"$2^{2^{n}}$" in tex  # a note's 2^(2^n)


def test_table_check_catches_a_wide_table_and_a_lost_cell(witness_rows) -> None:
    tex = render(witness_rows, "latex")
    md = render(witness_rows, "md")
    wide = tex.replace(r"\begin{tabular}{rrrrrrr}", r"\begin{tabular}{rrrrrrrrr}", 1)
    assert any("columns" in p for p in table_problems(wide, witness_rows, md))
    lost = tex.replace("10,240 &", "10,241 &", 1)
    assert any("in no table" in p for p in table_problems(lost, witness_rows, md))


# -- pdflatex -------------------------------------------------------------------------------------
def _pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but pdflatex is missing (apt-get install texlive-latex-base texlive-latex-recommended)")
        pytest.skip("pdflatex not installed")
    return exe


def _compile(exe: str, tmp: Path, name: str, doc: str) -> str:
    (tmp / f"{name}.tex").write_text(doc)
    for _ in range(2):  # longtable settles its column widths on the second run
        run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp / f"{name}.pdf").stat().st_size > 1000
    return (tmp / f"{name}.log").read_text(errors="replace")


NASTY = ("a_b", "#♯", "{x}%", "$^~", "\\<>|", "🙂 é")


def test_pdflatex_compiles_networks_and_tables(tmp_path: Path, witness_rows, monkeypatch) -> None:
    exe = _pdflatex()
    nasty = UHAT(NASTY[:2], Affine.build(2, 3, {(0, 0): 1, (1, 1): Fraction(-3, 2)}),
                 (AttentionLayer(Affine.build(3, 1, {(0, 2): 1}), Affine.build(3, 1, {(0, 0): 1}, {0: 1}),
                                 Affine.build(6, 3, {(0, 0): 1, (1, 4): 2, (2, 2): 1}, {2: -1}), "j<=i", "leftmost"),
                  ReLULayer(3, (2,))),
                 Affine.build(3, 1, {(0, 2): 1}), model="packed", names=(NASTY[:3], NASTY[3:], NASTY[3:]))
    for name, net in (("nasty", nasty), ("counter1", _compiled("counter", 1, True)), ("istree", _extended("istree"))):
        log = _compile(exe, tmp_path, name, latex_network(net, standalone=True, title=f"{name} _#♯"))
        assert "Overfull \\hbox" not in log, name
    foot = notes(family("tiling-witness"), "strict", witness_rows)
    doc = ("\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
           + render(witness_rows, "latex", foot) + "\\end{document}\n")
    log = _compile(exe, tmp_path, "table", doc)
    assert "Overfull \\hbox" not in log  # every split table fits the default article's text width
    narrow = render(witness_rows, "latex", foot)
    from proofs_check.table import COLUMNS

    monkeypatch.setattr("proofs_check.table.LATEX_MAX_COLUMNS", 30)  # planted: one table of every column
    monkeypatch.setattr("proofs_check.table.LATEX_GROUPS", (("all", tuple(c.key for c in COLUMNS)),))
    wide = doc.replace(narrow, render(witness_rows, "latex", foot))
    assert wide != doc and "Overfull \\hbox" in _compile(exe, tmp_path, "wide", wide)  # the check sees it


def test_compile_test_fails_under_ci_without_pdflatex(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but pdflatex is missing"):
        _pdflatex()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        _pdflatex()
