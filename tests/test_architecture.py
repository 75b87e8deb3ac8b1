"""The architecture rules of docs/architecture.md, checked on the source (tests/import_graph.py), and
each check shown to catch a planted violation in a small tree of its own."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.import_graph import (LAYERS, cycles, edges, long_files, modules, private_attribute_reads,
                                private_imports, upward)

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500  # "files under ~500 lines" for the product's modules


@pytest.fixture(scope="module")
def project_edges():
    return edges(ROOT)


def test_the_graph_sees_the_known_imports(project_edges) -> None:
    """The reader finds module-level and function-level imports (else the checks below would pass on
    nothing): automata.dfa imports automata.graph at the top, proofs_check.cli.commands imports
    proofs_check.cli.limits inside a function."""
    pairs = {(e.source, e.target) for e in project_edges}
    assert ("automata.dfa", "automata.graph") in pairs
    assert ("proofs_check.cli.commands", "proofs_check.cli.limits") in pairs
    assert len(modules(ROOT)) >= 100 and len(project_edges) >= 400


def test_layers_import_only_to_their_right(project_edges) -> None:
    bad = upward(project_edges)
    assert not bad, "upward imports:\n" + "\n".join(map(str, bad))


def test_no_import_cycles(project_edges) -> None:
    found = cycles(project_edges)
    detail = [str(e) for e in project_edges if any(e.source in c and e.target in c for c in found)]
    assert not found, f"import cycles {found}:\n" + "\n".join(detail)


def test_no_private_name_is_borrowed_across_modules(project_edges) -> None:
    bad = private_imports(project_edges)
    assert not bad, "private names imported from another module:\n" + "\n".join(map(str, bad))


def test_no_private_attribute_is_read_across_modules() -> None:
    bad = private_attribute_reads(ROOT)
    assert not bad, "private names read through another module:\n" + "\n".join(bad)


def test_the_weights_file_loader_closes_no_cycle(project_edges) -> None:
    """torch_io.load imports the module class its fixed KINDS table names (a computed name the reader
    cannot see): none of those modules may import torch_io back."""
    import networkx as nx

    from constructions.torch_io import KINDS

    g = nx.DiGraph((e.source, e.target) for e in project_edges)
    for module, _ in KINDS.values():
        assert module in g and not nx.has_path(g, module, "constructions.torch_io"), module


def test_product_modules_stay_short() -> None:
    assert not long_files(ROOT, MAX_LINES), f"modules over {MAX_LINES} lines: {long_files(ROOT, MAX_LINES)}"


def test_the_product_never_imports_the_tests() -> None:
    bad = []
    for name, path in modules(ROOT).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{name} imports {t}" for t in targets if t == "tests" or t.startswith("tests.")]
    assert not bad, bad


# -- negative tests: a tree with each violation planted -----------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in LAYERS:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"automata/dfa.py": "def f():\n    from tasks.counter import X\n",
                            "tasks/counter.py": "from automata.dfa import f\nX = 1\n"})
    bad = upward(edges(root))
    assert [str(e) for e in bad] == ["automata/dfa.py:2: automata.dfa imports tasks.counter (X)"]


def test_a_cycle_closed_by_a_lazy_import_is_caught(tmp_path: Path) -> None:
    """The shape of the DFAError circle: the helper imports the error class back, inside a function."""
    root = _tree(tmp_path, {
        "automata/dfa.py": "from automata import graph\nclass DFAError(Exception): pass\n",
        "automata/graph.py": "def g():\n    from automata.dfa import DFAError\n    raise DFAError\n",
        "automata/alone.py": "import automata.alone\n",
    })
    assert cycles(edges(root)) == [["automata.alone"], ["automata.dfa", "automata.graph"]]


def test_a_borrowed_private_name_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"proofs_check/table.py": "def _helper(): pass\n",
                            "proofs_check/plot.py": "from proofs_check.table import _helper, __doc__\n"})
    assert [e.names for e in private_imports(edges(root))] == [("_helper", "__doc__")]


def test_a_long_module_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"tasks/big.py": "x = 1\n" * (MAX_LINES + 1)})
    assert long_files(root, MAX_LINES) == [("tasks.big", MAX_LINES + 1)]


def test_a_literal_import_module_call_counts(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"automata/dfa.py": "from automata import graph\n",
                            "automata/graph.py": "import importlib\ndef g():\n    importlib.import_module('automata.dfa')\n"})
    assert cycles(edges(root)) == [["automata.dfa", "automata.graph"]]


def test_a_private_attribute_read_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"automata/graph.py": "_LIMIT = 3\n",
                            "automata/dfa.py": "from automata import graph\nx = graph._LIMIT + graph.__name__.count('a')\n"})
    assert private_attribute_reads(root) == ["automata/dfa.py:2: automata.dfa reads automata.graph._LIMIT"]
