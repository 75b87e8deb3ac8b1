"""The project's import graph, read from the source with ``ast`` (nothing is imported), for the
architecture rules of docs/architecture.md: layers import only to their right, no module imports
itself back through others, no module borrows another's private names.

Every import counts, the ones inside functions too: a cycle closed by a lazy import is still a cycle
(an error class imported back from the module that raises it, a CLI helper imported by a checker).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

#: Left to right: each package may import itself and those after it, never those before it.
LAYERS = ("benchmarks", "proofs_check", "constructions", "tasks", "automata")


@dataclass(frozen=True)
class Edge:
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    names: tuple[str, ...]  # the names imported with ``from target import …`` (empty for ``import target``)
    where: str  # path:line of the import statement

    def __str__(self) -> str:
        what = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.where}: {self.source} imports {self.target}{what}"


def modules(root: Path, packages: tuple[str, ...] = LAYERS) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file of ``packages`` under ``root``."""
    out: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def edges(root: Path, packages: tuple[str, ...] = LAYERS) -> list[Edge]:
    """Every import of one project module by another (module level or inside a function). ``from p
    import m`` where ``m`` is a submodule counts as importing ``p.m``."""
    mods = modules(root, packages)
    out: list[Edge] = []
    for source, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                out += [Edge(source, a.name, (), where) for a in node.names if a.name in mods]
            elif (isinstance(node, ast.Call) and _dotted(node.func) in ("importlib.import_module", "import_module")
                  and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in mods):
                out.append(Edge(source, node.args[0].value, (), where))  # a module named by a literal
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = [a.name for a in node.names if f"{node.module}.{a.name}" in mods]
                out += [Edge(source, f"{node.module}.{s}", (), where) for s in subs]
                rest = tuple(a.name for a in node.names if a.name not in subs)
                if node.module in mods and rest:
                    out.append(Edge(source, node.module, rest, where))
    return out


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` of a Name/Attribute chain ('' for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def private_attribute_reads(root: Path, packages: tuple[str, ...] = LAYERS) -> list[str]:
    """``module._name`` where ``module`` was imported as a project module (``from automata import graph``,
    ``import automata.graph as graph``): a private name read across modules without an import line."""
    mods = modules(root, packages)
    out = []
    for source, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names
                                if f"{node.module}.{a.name}" in mods})
            elif isinstance(node, ast.Import):
                aliases.update({a.asname: a.name for a in node.names if a.asname and a.name in mods})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and aliases[node.value.id] != source):
                out.append(f"{path.relative_to(root)}:{node.lineno}: {source} reads {aliases[node.value.id]}.{node.attr}")
    return out


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def upward(found: list[Edge]) -> list[Edge]:
    """Imports of a package to the left of the importer's own (a lower layer importing a higher one)."""
    return [e for e in found if _layer(e.target) < _layer(e.source)]


def cycles(found: list[Edge]) -> list[list[str]]:
    """The groups of modules that import each other round a cycle (strongly connected components of more
    than one module, or a module importing itself), each sorted; networkx finds them."""
    g = nx.DiGraph()
    g.add_edges_from((e.source, e.target) for e in found)
    groups = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    groups += [[m] for m in g if g.has_edge(m, m)]
    return sorted(groups)


def private_imports(found: list[Edge]) -> list[Edge]:
    """``from other_module import _name``: a private helper borrowed across modules."""
    return [e for e in found if e.source != e.target
            and any(n.startswith("_") and not n.startswith("__") for n in e.names)]


def long_files(root: Path, limit: int, packages: tuple[str, ...] = LAYERS) -> list[tuple[str, int]]:
    """Modules of more than ``limit`` lines."""
    out = []
    for name, path in modules(root, packages).items():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > limit:
            out.append((name, lines))
    return out


__all__ = ["LAYERS", "Edge", "cycles", "edges", "long_files", "modules", "private_attribute_reads",
           "private_imports", "upward"]
