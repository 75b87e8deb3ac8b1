"""Pictures of DFAs: a networkx graph, our own DOT writer and Graphviz rendering.

The picture makes the lower-bound argument of docs/theory.md §5 visible: an automaton with m states
and a non-empty language accepts a word shorter than m, because the shortest accepted word's run visits
distinct states — that run is the highlighted path (for the counter of [BCL] Example 2, theory §3,
the 2^N·(N + 2) symbols of the shortest word walk through that many distinct states).

* :func:`dfa_graph` — the reachable states as nodes (``start``, ``accepting``, ``dead``, ``on_path``),
  the parallel transitions ``q → r`` merged into one edge with its symbol set (``symbols``) and a label
  (``"a, b"``, or ``"Σ∖{#}"`` when shorter); :func:`check_graph` re-derives all of it from the table.
* :func:`to_dot` — DOT text written by hand from that graph: every label quoted and escaped (``"``,
  ``\\``, ``&``, non-printable characters), accepting states double circles, an arrow from an invisible
  node into the start, the dead states optionally hidden (with a note), the highlighted word's path in
  colour with the word in the caption.
* :func:`render` — Graphviz ``dot`` in a subprocess with a time limit, the file written atomically.

Nothing here imports ``tasks`` or ``proofs_check``. A size limit is checked before any work.

>>> from automata.dfa import DFA
>>> d = DFA.from_table("ab#", {0: {"a": 1, "b": 0, "#": 0}, 1: {"a": 1, "b": 1, "#": 0}}, 0, {1})
>>> sorted((u, v, data["label"]) for u, v, data in dfa_graph(d).edges(data=True))
[(0, 0, 'b, #'), (0, 1, 'a'), (1, 0, '#'), (1, 1, 'a, b')]
>>> parse_symbols("Σ∖{#}", d.alphabet)
frozenset({'a', 'b'})
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Sequence

import networkx as nx

from automata.alphabet import encode_word
from automata.dfa import DFA
from automata.errors import ParameterError, StateLimitError, ToolError
from automata.files import write_bytes_atomic

DEFAULT_MAX_STATES = 200  # dot lays out a few hundred states in seconds; beyond that a picture is unreadable
FORMATS = ("png", "svg", "pdf")
SIGMA, MINUS = "Σ", "∖"
PATH_COLOUR, PATH_FILL, DEAD_COLOUR = "#c0392b", "#fdecea", "#999999"
FONT = "Helvetica"
_RAW = re.compile(r"[^\s,{}\"\\∖]+")  # symbols shown as they are; the rest as JSON strings


def format_symbol(symbol: str) -> str:
    """A symbol as it appears in a label: itself when unambiguous, else a JSON string (``","`` ``"a b"``)."""
    if _RAW.fullmatch(symbol) and symbol.isprintable() and symbol != SIGMA:
        return symbol
    return json.dumps(symbol, ensure_ascii=True)


def format_word(word: Sequence[str]) -> str:
    """A word for a caption: its symbols (:func:`format_symbol`) separated by spaces; ``ε`` when empty."""
    return " ".join(format_symbol(s) for s in word) if word else "ε"


def format_symbols(symbols: Iterable[str], alphabet: Sequence[str]) -> str:
    """The label of a merged edge: ``"a, b"``, or the complement ``"Σ∖{#}"`` (``"Σ"``) when shorter."""
    chosen = set(symbols)
    listed = ", ".join(format_symbol(a) for a in alphabet if a in chosen)
    rest = [a for a in alphabet if a not in chosen]
    other = SIGMA + (MINUS + "{" + ", ".join(format_symbol(a) for a in rest) + "}" if rest else "")
    return other if len(other) < len(listed) else listed


def _items(text: str) -> list[str]:
    """Split ``"x, \\"y, z\\", w"`` into symbols, decoding the JSON-quoted ones."""
    out: list[str] = []
    i, decoder = 0, json.JSONDecoder()
    while i < len(text):
        if text[i] == '"':
            try:
                value, i = decoder.raw_decode(text, i)
            except json.JSONDecodeError as err:
                raise ParameterError(f"bad quoted symbol in label {text!r}: {err.msg}") from None
            if not isinstance(value, str):
                raise ParameterError(f"bad quoted symbol in label {text!r}")
            out.append(value)
        else:
            m = _RAW.match(text, i)
            if m is None:
                raise ParameterError(f"cannot read label {text!r} at position {i}")
            out.append(m.group())
            i = m.end()
        if i < len(text):
            if not text.startswith(", ", i):
                raise ParameterError(f"label {text!r}: expected ', ' at position {i}")
            i += 2
    return out


def parse_symbols(label: str, alphabet: Sequence[str]) -> frozenset[str]:
    """Inverse of :func:`format_symbols`: the symbol set a label denotes (typed errors on bad text)."""
    if label == SIGMA:
        return frozenset(alphabet)
    complement = label.startswith(SIGMA + MINUS + "{") and label.endswith("}")
    items = _items(label[3:-1] if complement else label)
    unknown = [s for s in items if s not in alphabet]
    if unknown or len(set(items)) != len(items):
        raise ParameterError(f"label {label!r} names unknown or repeated symbols")
    return frozenset(alphabet) - frozenset(items) if complement else frozenset(items)


def reachable_count(dfa: DFA) -> int:
    """Number of states reachable from the start (vectorised; what the size limit counts)."""
    return dfa.reachable().num_states


def check_size(dfa: DFA, max_states: int = DEFAULT_MAX_STATES) -> int:
    """The reachable state count; :class:`StateLimitError` above ``max_states`` (before any drawing work)."""
    if isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1:
        raise ParameterError(f"max_states must be a positive int, got {max_states!r}")
    m = reachable_count(dfa)
    if m > max_states:
        raise StateLimitError(f"the automaton has {m:,} reachable states; drawing is limited to {max_states:,} "
                              "(raise the limit with max_states / --max-states)")
    return m


def _reachable_and_dead(dfa: DFA) -> tuple[list[int], set[int]]:
    """Reachable states in BFS order (symbols in alphabet order), and those of them that reach no accepting state."""
    order, seen = [dfa.start], {dfa.start}
    for q in order:
        for r in dfa.delta[q].tolist():
            if r >= 0 and r not in seen:
                seen.add(r)
                order.append(r)
    preds: dict[int, set[int]] = {q: set() for q in order}
    for q in order:
        for r in dfa.delta[q].tolist():
            if r >= 0:
                preds[r].add(q)
    alive = [q for q in order if dfa.accepting[q]]
    live = set(alive)
    for q in alive:
        for p in preds[q]:
            if p not in live:
                live.add(p)
                alive.append(p)
    return order, seen - live


def run_path(dfa: DFA, word: Sequence[str]) -> list[int]:
    """The states the run on ``word`` visits (start first); :class:`ParameterError` if the word is not accepted."""
    codes = encode_word(tuple(word), dfa.alphabet)  # UnknownSymbolError for foreign symbols
    path = [dfa.start]
    for c in codes.tolist():
        nxt = int(dfa.delta[path[-1], c])
        if nxt < 0:
            break
        path.append(nxt)
    if len(path) != len(word) + 1 or not dfa.accepting[path[-1]]:
        raise ParameterError(f"the highlighted word {format_word(word)!r} is not accepted by the automaton")
    return path


def dfa_graph(dfa: DFA, highlight: Sequence[str] | None = None,
              max_states: int = DEFAULT_MAX_STATES) -> nx.MultiDiGraph:
    """The reachable part of ``dfa`` as a graph, one edge per (source, target) pair.

    Nodes are the DFA's state numbers with attributes ``start``, ``accepting``, ``dead`` (reaches no
    accepting state) and ``on_path``; edges carry ``symbols`` (in alphabet order), ``label``
    (:func:`format_symbols`) and ``steps`` (the 1-based positions of ``highlight`` read along them).
    ``highlight`` must be an accepted word; it is stored as ``graph.graph["highlight"]``.
    """
    check_size(dfa, max_states)
    path = None if highlight is None else run_path(dfa, highlight)
    order, dead = _reachable_and_dead(dfa)
    g = nx.MultiDiGraph(alphabet=dfa.alphabet, highlight=None if highlight is None else tuple(highlight))
    on_path = set(path or ())
    for q in order:
        g.add_node(q, start=q == dfa.start, accepting=bool(dfa.accepting[q]), dead=q in dead, on_path=q in on_path)
    steps: dict[tuple[int, int], list[int]] = {}
    for i, (u, v) in enumerate(zip(path or (), (path or ())[1:]), start=1):
        steps.setdefault((u, v), []).append(i)
    for q in order:
        by_target: dict[int, list[str]] = {}
        for a, r in zip(dfa.alphabet, dfa.delta[q].tolist()):
            if r >= 0:
                by_target.setdefault(r, []).append(a)
        for r, symbols in by_target.items():
            g.add_edge(q, r, key=0, symbols=tuple(symbols), label=format_symbols(symbols, dfa.alphabet),
                       steps=tuple(steps.get((q, r), ())))
    return g


def check_graph(dfa: DFA, g: nx.MultiDiGraph, shortest: bool = True) -> list[str]:
    """Everything :func:`dfa_graph` promises, re-derived from ``dfa.delta``; the list of problems (empty: fine).

    Nodes = reachable states with the right attributes; per state the edge labels partition its defined
    symbols and each symbol's edge goes to its successor; the highlighted steps form the run of the
    highlighted word from the start, ending in an accepting state; with ``shortest`` that word is
    ``dfa.shortest_accepted()`` and its run visits distinct states (docs/theory.md §5).
    """
    problems: list[str] = []
    order, dead = _reachable_and_dead(dfa)
    if set(g.nodes) != set(order):
        problems.append(f"nodes {sorted(g.nodes)} are not the reachable states {sorted(order)}")
    for q, data in g.nodes(data=True):
        want = {"start": q == dfa.start, "accepting": 0 <= q < dfa.num_states and bool(dfa.accepting[q]),
                "dead": q in dead}
        problems += [f"state {q}: {k} = {data.get(k)}, expected {v}" for k, v in want.items() if data.get(k) != v]
    for q in set(g.nodes) & set(order):
        seen: list[str] = []
        for _, r, data in g.out_edges(q, data=True):
            syms = data.get("symbols", ())
            seen += syms
            try:
                if parse_symbols(data.get("label", ""), dfa.alphabet) != frozenset(syms):
                    problems.append(f"edge {q}→{r}: label {data.get('label')!r} does not denote {syms}")
            except ParameterError as err:
                problems.append(f"edge {q}→{r}: {err}")
            for a in syms:
                if a in dfa.alphabet and int(dfa.delta[q, dfa.alphabet.index(a)]) != r:
                    problems.append(f"edge {q}→{r} carries {a!r}, whose transition goes elsewhere")
        defined = [a for a, r in zip(dfa.alphabet, dfa.delta[q].tolist()) if r >= 0]
        if sorted(seen) != sorted(defined):
            problems.append(f"state {q}: edge labels cover {sorted(seen)}, not the defined symbols {sorted(defined)}")
    problems += _check_highlight(dfa, g, shortest)
    return problems


def _check_highlight(dfa: DFA, g: nx.MultiDiGraph, shortest: bool) -> list[str]:
    word = g.graph.get("highlight")
    marked = sorted((i, u, v, tuple(d.get("symbols", ()))) for u, v, d in g.edges(data=True)
                    for i in d.get("steps", ()))
    if word is None:
        return ["edges are highlighted but no word is"] if marked else []
    problems: list[str] = []
    if shortest and tuple(word) != dfa.shortest_accepted():
        problems.append(f"highlighted word {format_word(word)!r} is not the shortest accepted word")
    if [i for i, *_ in marked] != list(range(1, len(word) + 1)):
        return problems + [f"highlighted steps {[i for i, *_ in marked]} are not 1..{len(word)}"]
    at, walk = dfa.start, [dfa.start]
    for (i, u, v, syms), a in zip(marked, word):
        if u != at or a not in syms:
            problems.append(f"step {i} leaves {u} on {syms}, but the run is in {at} reading {a!r}")
        at = v
        walk.append(v)
    if not (0 <= at < dfa.num_states and dfa.accepting[at]):
        problems.append(f"the highlighted path ends in state {at}, which is not accepting")
    if {q for q, d in g.nodes(data=True) if d.get("on_path")} != set(walk):
        problems.append("the states marked on_path are not the states of the highlighted path")
    if shortest and len(set(walk)) != len(walk):
        problems.append("the shortest word's run repeats a state (docs/theory.md §5 says it cannot)")
    return problems


def dot_string(lines: str | Sequence[str], justify: str = "n") -> str:
    """A DOT quoted string showing ``lines`` literally: ``\\`` ``"`` ``&`` escaped, non-printables as ``\\uXXXX``.

    ``justify`` ends each line: ``n`` centred, ``l`` left (Graphviz's ``\\n`` / ``\\l``).
    """
    parts = [lines] if isinstance(lines, str) else list(lines)
    out = []
    for line in parts:
        text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in line)
        out.append(text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;"))
    sep = "\\" + justify
    return '"' + sep.join(out) + (sep if len(out) > 1 else "") + '"'


def _attrs(**kw: object) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in kw.items()) + "]"


def graph_to_dot(g: nx.MultiDiGraph, title: str | None = None, hide_dead: bool = True,
                 comment: str | None = None) -> str:
    """DOT text for a :func:`dfa_graph` graph (node ``q`` is ``"s<q>"``; one ``//`` comment line first)."""
    hidden = {q for q, d in g.nodes(data=True) if d["dead"] and not d["start"]} if hide_dead else set()
    drawn = [(u, v, d) for u, v, d in g.edges(data=True) if u not in hidden and v not in hidden]
    word = g.graph.get("highlight")
    n_trans = sum(len(d["symbols"]) for _, _, d in g.edges(data=True))
    caption = [title] if title else []
    caption.append(f"{g.number_of_nodes()} states, {n_trans} transitions; double circle = accepting")
    if word is not None:
        caption.append(f"highlighted: {format_word(word)} (length {len(word)}), its run in red")
    if hidden:
        caption.append(f"dead state{'s' if len(hidden) > 1 else ''} {', '.join(map(str, sorted(hidden)))} hidden: "
                       "symbols without an arrow lead to a rejecting sink")
    elif _partial(g):
        caption.append("symbols without an arrow lead to a rejecting sink")
    out = [] if comment is None else [f"// {line}" for line in comment.splitlines()]
    font = dot_string(FONT)
    graph = _attrs(rankdir="LR", fontname=font, fontsize=13, labelloc="t", labeljust="l", nodesep="0.35",
                   ranksep="0.45", label=dot_string(caption, "l"))
    node = _attrs(shape="circle", fontname=font, fontsize=12, width="0.45", height="0.45", fixedsize="true")
    out += ["digraph dfa {", f"  graph {graph};", f"  node {node};",
            f"  edge {_attrs(fontname=font, fontsize=11, arrowsize='0.7')};",
            f"  __start {_attrs(shape='point', style='invis', width=0, height=0, label=dot_string(''))};"]
    path_style = {"color": dot_string(PATH_COLOUR), "penwidth": "2.2"}
    for q, d in g.nodes(data=True):
        if q in hidden:
            continue
        style: dict[str, object] = {"label": dot_string(str(q))}
        if d["accepting"]:
            style["shape"] = "doublecircle"
        if d["on_path"]:
            style.update(path_style, style="filled", fillcolor=dot_string(PATH_FILL),
                         fontcolor=dot_string(PATH_COLOUR))
        elif d["dead"]:
            style.update(style="dashed", color=dot_string(DEAD_COLOUR), fontcolor=dot_string(DEAD_COLOUR))
        out.append(f"  s{q} {_attrs(**style)};")
    start = next(q for q, d in g.nodes(data=True) if d["start"])
    arrow = _attrs(**(path_style if word is not None else {}), tooltip=dot_string("start"))
    out.append(f"  __start -> s{start} {arrow};")
    for u, v, d in drawn:
        style = {"label": dot_string(d["label"])}
        if d["steps"]:
            style.update(path_style, fontcolor=dot_string(PATH_COLOUR), fontname=dot_string(FONT + " Bold"),
                         tooltip=dot_string("step " + ", ".join(map(str, d["steps"]))))
        out.append(f"  s{u} -> s{v} {_attrs(**style)};")
    out.append("}")
    return "\n".join(out) + "\n"


def _partial(g: nx.MultiDiGraph) -> bool:
    """Whether some state lacks a transition (so the picture has implicit rejecting arrows)."""
    k = len(g.graph["alphabet"])
    return any(sum(len(d["symbols"]) for _, _, d in g.out_edges(q, data=True)) < k for q in g.nodes)


def to_dot(dfa: DFA, highlight: Sequence[str] | None = None, title: str | None = None,
           max_states: int = DEFAULT_MAX_STATES, hide_dead: bool = True, comment: str | None = None) -> str:
    """DOT text of the reachable part of ``dfa`` (refused above ``max_states`` before any work).

    ``highlight``: an accepted word whose run is drawn in colour (e.g. ``dfa.shortest_accepted()``);
    ``hide_dead``: leave out the states that reach no accepting state (noted in the caption).
    """
    return graph_to_dot(dfa_graph(dfa, highlight, max_states), title, hide_dead, comment)


def check_format(fmt: str) -> str:
    """``fmt`` if it is one of :data:`FORMATS`, else :class:`ParameterError`."""
    if fmt not in FORMATS:
        raise ParameterError(f"unknown picture format {fmt!r}; choose {', '.join(FORMATS)}")
    return fmt


def render_bytes(dot_text: str, fmt: str = "png", timeout: float = 60.0, executable: str = "dot") -> bytes:
    """Run Graphviz on ``dot_text``; the picture's bytes, or :class:`ToolError` (dot missing, failing, too slow)."""
    check_format(fmt)
    if not 0 < timeout <= 3600:
        raise ParameterError(f"the rendering timeout must lie in (0, 3600] seconds, got {timeout}")
    exe = shutil.which(executable)
    if exe is None:
        raise ToolError(f"Graphviz `{executable}` was not found on PATH: install graphviz, or write DOT text (.dot)")
    try:
        dpi = ["-Gdpi=144"] if fmt == "png" else []  # sharper bitmaps; vector formats keep 72 points per inch
        done = subprocess.run([exe, f"-T{fmt}", *dpi], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"Graphviz `{executable}` ran past its time limit of {timeout:g} s") from None
    except OSError as err:
        raise ToolError(f"cannot run Graphviz `{executable}`: {err.strerror}") from None
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = lines[0] if lines else "no output"
        raise ToolError(f"Graphviz `{executable}` failed (exit status {done.returncode}): {first}")
    return done.stdout


def render(dot_text: str, path: str | os.PathLike[str], fmt: str | None = None, timeout: float = 60.0,
           executable: str = "dot") -> Path:
    """Render ``dot_text`` with Graphviz into ``path`` (format from the suffix unless ``fmt``), atomically."""
    target = Path(path)
    fmt = check_format(fmt if fmt is not None else target.suffix.lstrip(".").lower())
    return write_bytes_atomic(target, render_bytes(dot_text, fmt, timeout, executable))


__all__ = ["DEFAULT_MAX_STATES", "FORMATS", "check_format", "check_graph", "check_size", "dfa_graph", "dot_string",
           "format_symbol", "format_symbols", "format_word", "graph_to_dot", "parse_symbols", "reachable_count",
           "render", "render_bytes", "run_path", "to_dot"]
