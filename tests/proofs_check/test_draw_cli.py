"""``succinct draw``: DOT on stdout, pictures written atomically, and one `error:` line (exit 2) on bad input."""
from __future__ import annotations

from pathlib import Path

import pytest

from automata.draw import check_graph, dfa_graph, render_bytes
from proofs_check.cli import main
from proofs_check.cli.draw import EXPLORE_FACTOR, pictures, resolve_task
from tests.automata.test_draw import need_dot


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["draw", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_dot_on_stdout_is_valid_and_annotated(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "ab-plus")
    assert (rc, err) == (0, "")
    first = out.splitlines()[0]
    assert first == "// ab-plus minimal: 4 states (1 dead, hidden), 8 transitions as 7 arrows; shortest accepted " \
                    "word 'a b' (length 2)"
    assert out.count("digraph dfa {") == 1 and "doublecircle" in out and "dead state 2 hidden" in out
    need_dot()
    assert render_bytes(out, "svg").startswith(b"<?xml")
    rc, both, _ = run(capsys, "ab-plus", "--which", "both", "--no-highlight", "--show-dead")
    assert rc == 0 and both.count("digraph dfa {") == 2 and "#c0392b" not in both and "style=dashed" in both


def test_pictures_are_the_tasks_automata() -> None:
    task, label = resolve_task("counter", 1, None)
    assert label == "counter -n 1 --variant full"
    pics = {p.which: p for p in pictures(task, label, "both", 200)}
    minimal, reference = pics["minimal"].dfa, pics["reference"].dfa
    assert minimal.identical(task.reference_dfa())
    assert reference.identical(task.reference().explore().trim())
    assert (minimal.num_states, reference.num_states) == (11, 17)
    for d in (minimal, reference):
        assert check_graph(d, dfa_graph(d, d.shortest_accepted())) == []
    assert "0 a # 1 b #" in pics["minimal"].dot


def test_both_pictures_written_atomically(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    need_dot()
    from PIL import Image

    rc, out, err = run(capsys, "counter", "-n", "1", "--which", "both", "--out", str(tmp_path / "c1.png"))
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("counter -n 1 --variant full minimal: 11 states (1 dead, hidden), 66 transitions")
    assert lines[1].startswith("counter -n 1 --variant full reference: 17 states, 17 transitions")
    assert all("shortest accepted word '0 a # 1 b #' (length 6)" in line for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c1-minimal.png", "c1-reference.png"]
    for name in ("c1-minimal.png", "c1-reference.png"):
        with Image.open(tmp_path / name) as im:
            assert im.format == "PNG" and min(im.size) > 0


def test_dot_file_equals_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, _ = run(capsys, "index", "-n", "2", "--which", "reference")
    assert rc == 0
    rc, line, _ = run(capsys, "index", "-n", "2", "--which", "reference", "--out", str(tmp_path / "i.dot"))
    assert rc == 0 and (tmp_path / "i.dot").read_text() == out
    assert line.startswith("index -n 2 reference: 24 states, 23 transitions")


def test_max_states_above_the_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ("counter", "-n", "4", "--which", "reference", "--out", str(tmp_path / "c4.dot"))
    assert "281 states; drawing is limited to 200" in _error(capsys, *argv)
    rc, line, _ = run(capsys, *argv, "--max-states", "281")
    assert rc == 0 and line.startswith("counter -n 4 --variant full reference: 281 states")
    assert "295 transitions as 295 arrows" in line  # a tree-like trimmed automaton: one arrow per transition
    assert (tmp_path / "c4.dot").read_text().count(" -> ") == 296  # and the start arrow


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "", argv
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv, message", [
    (("no-such-task",), "unknown task 'no-such-task'"),
    (("counter",), "counter needs -n"),
    (("counter", "-n", "0"), "out of range 1..20"),
    (("counter", "-n", "99"), "out of range 1..20"),
    (("counter", "-n", "1", "--variant", "odd"), "unknown variant"),
    (("ab-plus", "-n", "3"), "ab-plus takes no -n"),
    (("index",), "index needs -n"),
    (("index", "-n", "2", "--variant", "x"), "index has no variants"),
    (("ab-plus", "--out", "pic.jpg"), "unknown extension '.jpg'"),
    (("ab-plus", "--out", "pic"), "unknown extension '(none)'"),
    (("ab-plus", "--out", ""), "--out needs a file name"),
    (("ab-plus", "--which", "all"), "invalid choice"),
    (("ab-plus", "--max-states", "0"), "--max-states must lie in 1..5,000"),
    (("ab-plus", "--max-states", "5001"), "--max-states must lie in 1..5,000"),
    (("ab-plus", "--timeout", "0"), "--timeout must lie in"),
    (("counter", "-n", "3", "--max-states", "50"), "the minimal automaton of counter -n 3 --variant full has 77 "
                                                    "states; drawing is limited to 50"),
    (("counter", "-n", "3", "--which", "reference", "--max-states", "100"), "has 115 states; drawing is limited to 100"),
    (("counter", "-n", "20"), f"more than {EXPLORE_FACTOR * 200:,} reachable states"),
    (("istree", "-n", "1000"), "the alphabet has"),
])
def test_bad_input_is_one_error_line(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    assert message in _error(capsys, *argv)


def test_refusals_write_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "c.png"
    assert "drawing is limited to 50" in _error(capsys, "counter", "-n", "3", "--max-states", "50", "--out", str(out))
    (tmp_path / "d.png").mkdir()
    assert "is a directory" in _error(capsys, "ab-plus", "--out", str(tmp_path / "d.png"))
    assert "does not exist" in _error(capsys, "ab-plus", "--out", str(tmp_path / "missing" / "x.png"))
    out.write_bytes(b"old")
    monkeypatch.setenv("PATH", str(tmp_path))  # no Graphviz on PATH
    assert "Graphviz `dot` was not found" in _error(capsys, "ab-plus", "--which", "both", "--out", str(out))
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["c.png", "d.png"]
