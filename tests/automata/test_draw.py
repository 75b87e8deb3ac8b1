"""automata/draw.py: the graph against networkx built from the table, the checker against planted bugs,
DOT escaping read back from Graphviz's own SVG, rendering, the size limit and the typed tool errors."""
from __future__ import annotations

import os
import shutil
import stat
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automata import draw
from automata.dfa import DFA
from automata.draw import (check_graph, dfa_graph, dot_string, format_symbols, format_word, parse_symbols, render,
                           render_bytes, to_dot)
from automata.errors import ParameterError, StateLimitError, SuccinctError, ToolError, UnknownSymbolError

HOSTILE = ('"', "\\", "#", "<", ">", "&lt;", "\\N", "a b", ",", "{", "}", "Σ", "∖", "'", "&", "x\ny", "é",
           "\\\"", "a")
AB_PLUS = DFA.from_table("ab", {0: {"a": 1, "b": 2}, 1: {"a": 2, "b": 3}, 2: {"a": 2, "b": 2}, 3: {"a": 1, "b": 2}},
                         0, {3})


def need_dot() -> None:
    """Skip without Graphviz, except on CI (CI=true), where a missing tool is a failure."""
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz `dot` is required on CI")
        pytest.skip("Graphviz `dot` is not installed")


def truth(d: DFA) -> nx.MultiDiGraph:
    """networkx ground truth: one edge per defined transition, keyed by its symbol, reachable part only."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(d.num_states))
    for q in range(d.num_states):
        for a, r in zip(d.alphabet, d.delta[q].tolist()):
            if r >= 0:
                g.add_edge(q, r, key=a)
    return g.subgraph(nx.descendants(g, d.start) | {d.start}).copy()


@st.composite
def dfas(draw_, pool: tuple[str, ...] = HOSTILE) -> DFA:
    k = draw_(st.integers(1, 5))
    alphabet = draw_(st.lists(st.sampled_from(pool), min_size=k, max_size=k, unique=True))
    m = draw_(st.integers(1, 8))
    delta = np.array(draw_(st.lists(st.integers(-1, m - 1), min_size=m * k, max_size=m * k))).reshape(m, k)
    acc = np.array(draw_(st.lists(st.booleans(), min_size=m, max_size=m)))
    return DFA(tuple(alphabet), delta, draw_(st.integers(0, m - 1)), acc)


def assert_matches_truth(d: DFA, g: nx.MultiDiGraph) -> None:
    t = truth(d)
    assert set(g.nodes) == set(t.nodes)
    merged: dict[tuple[int, int], set[str]] = {}
    for u, v, a in t.edges(keys=True):
        merged.setdefault((u, v), set()).add(a)
    assert {(u, v): set(s["symbols"]) for u, v, s in g.edges(data=True)} == merged
    assert g.number_of_edges() == len(merged)  # parallel transitions merged into one edge
    coreach = set().union(*(nx.ancestors(t, q) | {q} for q in t.nodes if d.accepting[q]))
    for q, data in g.nodes(data=True):
        want = (q == d.start, bool(d.accepting[q]), q not in coreach)
        assert (data["start"], data["accepting"], data["dead"]) == want


@settings(max_examples=150, deadline=None)
@given(dfas())
def test_graph_is_the_reachable_table_and_labels_partition_each_state(d: DFA) -> None:
    word = d.shortest_accepted()
    g = dfa_graph(d, word)
    assert_matches_truth(d, g)
    for q in g.nodes:
        labels = [parse_symbols(data["label"], d.alphabet) for _, _, data in g.out_edges(q, data=True)]
        union = frozenset().union(*labels)
        assert sum(map(len, labels)) == len(union)  # pairwise disjoint
        assert union == {a for a, r in zip(d.alphabet, d.delta[q].tolist()) if r >= 0}
    assert check_graph(d, g) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=8, unique=True), st.data())
def test_labels_round_trip_and_are_the_shorter_form(alphabet: list[str], data: st.DataObject) -> None:
    chosen = data.draw(st.sets(st.sampled_from(alphabet), min_size=1))
    label = format_symbols(chosen, alphabet)
    assert parse_symbols(label, alphabet) == chosen
    listed = ", ".join(draw.format_symbol(a) for a in alphabet if a in chosen)
    assert len(label) <= len(listed)
    assert label.isprintable()


def test_label_forms() -> None:
    alphabet = ("0", "1", "#", "a", "b", "c")
    assert format_symbols({"a", "b"}, alphabet) == "a, b"
    assert format_symbols(set(alphabet) - {"#"}, alphabet) == "Σ∖{#}"
    assert format_symbols(set(alphabet), alphabet) == "Σ"
    assert format_symbols({'"', ","}, ('"', ",", "x", "y", "z")) == '"\\"", ","'
    for bad in ("z", "a, a", "a,b", '"a', "Σ∖{z}"):
        with pytest.raises(ParameterError):
            parse_symbols(bad, alphabet)


def test_highlighted_path_spells_the_shortest_word_and_ends_accepting() -> None:
    word = AB_PLUS.shortest_accepted()
    g = dfa_graph(AB_PLUS, word)
    steps = sorted((i, u, v, data["symbols"]) for u, v, data in g.edges(data=True) for i in data["steps"])
    assert [i for i, *_ in steps] == [1, 2]
    assert steps[0][1] == AB_PLUS.start and all(a == b for (_, _, a, _), (_, b, _, _) in zip(steps, steps[1:]))
    assert [w in syms for w, (*_, syms) in zip(word, steps)] == [True, True]
    assert g.nodes[steps[-1][2]]["accepting"]
    accepting = [q for q in g.nodes if g.nodes[q]["accepting"]]
    assert len(word) == min(nx.shortest_path_length(g, AB_PLUS.start, q) for q in accepting)


def _planted(g: nx.MultiDiGraph, how: str) -> nx.MultiDiGraph:
    g = g.copy()
    edges = {(u, v): data for u, v, data in g.edges(data=True)}
    if how == "path not ending in accept":  # the last step moved onto the edge 1 -a-> 2 (dead)
        edges[(1, 3)]["steps"], edges[(1, 2)]["steps"] = (), (2,)
    elif how == "wrong label":
        edges[(1, 2)]["label"] = "b"
    elif how == "dropped edge":
        g.remove_edge(2, 2)
    elif how == "accepting flag":
        g.nodes[1]["accepting"] = True
    elif how == "dead flag":
        g.nodes[2]["dead"] = False
    elif how == "on_path flag":
        g.nodes[2]["on_path"] = True
    elif how == "missing step":
        edges[(0, 1)]["steps"] = ()
    elif how == "extra node":
        g.add_node(7, start=False, accepting=False, dead=True, on_path=False)
    return g


@pytest.mark.parametrize("how", ["path not ending in accept", "wrong label", "dropped edge", "accepting flag",
                                 "dead flag", "on_path flag", "missing step", "extra node"])
def test_checker_catches_planted_bugs(how: str) -> None:
    g = dfa_graph(AB_PLUS, AB_PLUS.shortest_accepted())
    assert check_graph(AB_PLUS, g) == []
    problems = check_graph(AB_PLUS, _planted(g, how))
    assert problems, how
    if how == "path not ending in accept":
        assert any("not accepting" in p for p in problems)


def test_checker_catches_a_non_shortest_highlight() -> None:
    longer = ("a", "b", "a", "b")
    g = dfa_graph(AB_PLUS, longer)
    assert check_graph(AB_PLUS, g, shortest=False) == []
    assert any("not the shortest" in p for p in check_graph(AB_PLUS, g))


def test_highlight_must_be_an_accepted_word_over_the_alphabet() -> None:
    with pytest.raises(ParameterError, match="not accepted"):
        dfa_graph(AB_PLUS, ("a", "a"))
    with pytest.raises(UnknownSymbolError):
        dfa_graph(AB_PLUS, ("z",))
    eps = DFA.from_table("a", {0: {"a": 0}}, 0, {0})
    g = dfa_graph(eps, ())
    assert check_graph(eps, g) == [] and g.nodes[0]["on_path"]


def test_size_limit_refuses_before_any_dot_work(monkeypatch: pytest.MonkeyPatch) -> None:
    m = 201
    chain = DFA(("a",), np.array([[q + 1] for q in range(m - 1)] + [[-1]]), 0, np.arange(m) == m - 1)
    monkeypatch.setattr(draw, "_reachable_and_dead", lambda d: pytest.fail("work started above the limit"))
    with pytest.raises(StateLimitError, match=r"201 reachable states; drawing is limited to 200"):
        to_dot(chain)
    monkeypatch.undo()
    assert to_dot(chain, max_states=201).count(" -> ") == 201  # 200 transitions + the start arrow
    with pytest.raises(ParameterError):
        to_dot(chain, max_states=0)
    unreachable = DFA(("a",), np.full((300, 1), -1), 0, np.zeros(300, bool))
    assert "1 states" in to_dot(unreachable)  # only reachable states count


def test_dead_state_hidden_with_a_note_or_shown() -> None:
    hidden, shown = to_dot(AB_PLUS), to_dot(AB_PLUS, hide_dead=False)
    assert " s2 [" not in hidden and "dead state 2 hidden" in hidden
    assert " s2 [" in shown and "style=dashed" in shown and "hidden" not in shown


def test_empty_language_keeps_its_start_state() -> None:
    empty = DFA.from_table("ab", {0: {"a": 1, "b": 0}, 1: {"a": 1}}, 0, set())
    g = dfa_graph(empty)
    assert check_graph(empty, g) == [] and all(d["dead"] for _, d in g.nodes(data=True))
    text = to_dot(empty)
    assert " s0 [" in text and " s1 [" not in text and "__start -> s0" in text and "dead state 1 hidden" in text
    with pytest.raises(ParameterError, match="not accepted"):
        dfa_graph(empty, ())


def test_dot_string_escapes() -> None:
    assert dot_string('a"b\\c&d') == '"a\\"b\\\\c&amp;d"'
    assert dot_string("x\ny") == '"x\\\\u000ay"'
    assert dot_string(["one", "two"], "l") == '"one\\ltwo\\l"'


def _svg_texts(svg: bytes) -> tuple[dict[str, str], list[str]]:
    """Edge title → rendered label, and the graph's own texts (the caption), from Graphviz's SVG."""
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(svg)
    edges, caption = {}, []
    for group in root.iter(f"{ns}g"):
        title = group.find(f"{ns}title")
        texts = ["".join(t.itertext()) for t in group.findall(f"{ns}text")]
        if group.get("class") == "edge":
            edges[title.text] = " ".join(texts)
        elif group.get("class") == "graph":
            caption = texts
    return edges, caption


def _svg_mismatches(g: nx.MultiDiGraph, title: str) -> list[str]:
    """Where Graphviz's rendering of our DOT differs from the graph's labels and caption (empty: none)."""
    try:
        svg = render_bytes(draw.graph_to_dot(g, title=title, hide_dead=False), "svg")
    except ToolError as err:
        return [str(err)]
    edges, caption = _svg_texts(svg)
    edges = {k: v for k, v in edges.items() if not k.startswith("__start")}
    want = {f"s{u}->s{v}": data["label"] for u, v, data in g.edges(data=True)}
    bad = [f"{k}: {edges.get(k)!r} != {v!r}" for k, v in want.items() if edges.get(k) != v]
    alphabet = g.graph["alphabet"]
    bad += [f"{u}->{v} decodes wrongly" for u, v, data in g.edges(data=True) if f"s{u}->s{v}" in edges and
            edges[f"s{u}->s{v}"] == data["label"] and parse_symbols(data["label"], alphabet) != set(data["symbols"])]
    if not caption or caption[0] != title:
        bad.append(f"caption {caption[:1]!r} != {title!r}")
    word = g.graph["highlight"]
    if word is not None and f"highlighted: {format_word(word)} (length {len(word)}), its run in red" not in caption:
        bad.append("the highlighted word is not in the caption")
    return bad


TITLE = 'title "with" \\ & &lt; <odd> \\N symbols'


@settings(max_examples=12, deadline=None)
@given(dfas())
def test_hostile_labels_survive_graphviz(d: DFA) -> None:
    need_dot()
    assert _svg_mismatches(dfa_graph(d, d.shortest_accepted()), TITLE) == []


def test_naive_quoting_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative test: DOT strings written without escaping break the labels, and the SVG check says so."""
    need_dot()
    d = DFA.from_table(('"x', "\\N", "&lt;", "#"), {0: {'"x': 1, "\\N": 1, "#": 0}, 1: {"&lt;": 0}}, 0, {1})
    g = dfa_graph(d, d.shortest_accepted())
    assert _svg_mismatches(g, TITLE) == []

    def naive(lines: str | list[str], justify: str = "n") -> str:
        parts = [lines] if isinstance(lines, str) else list(lines)
        return '"' + ("\\" + justify).join(parts) + '"'

    monkeypatch.setattr(draw, "dot_string", naive)
    assert _svg_mismatches(g, TITLE)
    entity = dfa_graph(DFA.from_table(("&lt;", "b"), {0: {"&lt;": 0}}, 0, {0}), None)  # only '&' needs escaping
    assert _svg_mismatches(entity, "t")
    monkeypatch.undo()
    assert _svg_mismatches(entity, "t") == []


def test_render_png_atomically(tmp_path: Path) -> None:
    need_dot()
    from PIL import Image

    out = render(to_dot(AB_PLUS, AB_PLUS.shortest_accepted(), "ab+"), tmp_path / "ab.png")
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 0 and im.size[1] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ab.png"]  # no temporary file left
    before = out.read_bytes()
    with pytest.raises(ToolError, match="failed"):
        render("digraph { this is not dot", out)
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["ab.png"]
    with pytest.raises(ParameterError, match="format"):
        render(to_dot(AB_PLUS), tmp_path / "ab.jpg")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(ParameterError, match="directory"):
        render(to_dot(AB_PLUS), tmp_path / "d.png")


def _script(tmp_path: Path, body: str) -> str:
    """A stand-in for dot: a Python script (no other program needed on PATH)."""
    exe = tmp_path / "fake-dot"
    exe.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def test_tool_errors_are_typed(tmp_path: Path) -> None:
    text = to_dot(AB_PLUS)
    with pytest.raises(ToolError, match="not found"):
        render_bytes(text, "png", executable="no-such-dot-binary")
    with pytest.raises(ToolError, match="time limit"):
        render_bytes(text, "png", timeout=0.5, executable=_script(tmp_path, "time.sleep(5)"))
    with pytest.raises(ToolError, match="exit status 3"):
        render_bytes(text, "png", executable=_script(tmp_path, "print('broken', file=sys.stderr); sys.exit(3)"))
    assert issubclass(ToolError, SuccinctError)
    with pytest.raises(ParameterError):
        render_bytes(text, "png", timeout=0)
