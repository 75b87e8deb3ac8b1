"""`succinct trace`: the text a reader of [BCL] follows, the picture (PNG; HTML screenshotted in headless
Chromium), bad input as one error line."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from proofs_check.cli import main
from proofs_check.trace import trace
from proofs_check.trace_view import PICK, panels


def test_counter_trace_text(capsys) -> None:
    assert main(["trace", "counter", "-n", "1", "0a#1b#"]) == 0
    out = capsys.readouterr().out
    assert "verdicts: reference accept · B-RASP accept · UHAT packed accept · RNN accept" in out
    assert "INC(i) := ▶_j[j<i, Q_#(j)] B_1(i) ∧ ¬B_1(j) : ¬B_1(i)" in out
    lines = out.splitlines()
    # the predicate table: B_1's attended positions, 1-based, – where the default is used
    b1 = lines.index(next(line for line in lines if line.strip().startswith("B_1 ")))
    assert lines[b1 + 1].split()[-6:] == ["–", "1", "1", "1", "4", "4"]
    assert "layer 5: attention (▶ rightmost, mask j<i) — implements B_1" in out
    assert "2-way tie, rightmost ▶" in out
    assert out.count("= the table's row") == 8 and "≠" not in out
    assert "accept: ⟨t, v⟩ at position 6 = 1 > 0 → accept" in out
    assert "accepts w_1..w_i" in out  # the RNN's verdict per prefix


def test_paper_form_and_levels(capsys) -> None:
    assert main(["trace", "counter", "-n", "1", "0a#1b#", "--form", "paper", "--level", "uhat", "--layers", "1..20"]) == 0
    out = capsys.readouterr().out
    assert "B-RASP program" not in out and "== RNN" not in out
    assert "layer 3: attention (▶ rightmost, mask j<i) — implements A_L" in out
    assert "layer 21:" not in out


def test_png_has_one_panel_per_attention_layer(tmp_path: Path, capsys) -> None:
    from PIL import Image

    png = tmp_path / "t.png"
    assert main(["trace", "ab-plus", "abab", "--png", str(png)]) == 0
    t = trace("ab-plus", "abab")
    assert len(panels(t)) == len(t.uhat.attention_layers) >= 1
    with Image.open(png) as im:
        assert im.size[0] > 300 and im.size[1] > 200


def _chromium() -> str | None:
    return shutil.which("chromium-headless-shell") or shutil.which("chromium")


def test_html_page_in_headless_chromium(tmp_path: Path, capsys) -> None:
    """The page renders in a real browser: the screenshot shows the attended-position dots (the SVG drew)."""
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium is missing (`.ci/run` installs chromium-headless-shell)")
        pytest.skip("no headless Chromium")
    from PIL import Image

    page = tmp_path / "t.html"
    shot = tmp_path / "shot.png"
    assert main(["trace", "counter", "-n", "1", "0a#1b#", "--html", str(page), "--level", "brasp"]) == 0
    text = page.read_text()
    assert text.count("<svg") == 7 and "layer 11: INC" in text and "<script" not in text
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()],
                   check=True, capture_output=True, timeout=120, cwd=tmp_path)
    red = tuple(int(PICK[k:k + 2], 16) for k in (1, 3, 5))
    import numpy as np

    with Image.open(shot) as im:
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.shape == (1000, 1400, 3)
    assert int((rgb == red).all(axis=2).sum()) > 7 * 20  # 7 panels' dots, each many pixels
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 50  # text and cells, not a blank page


@pytest.mark.parametrize("argv,fragment", [
    (["trace", "counter", "-n", "1", "0a#1x"], "unknown symbol"),
    (["trace", "counter", "-n", "99", "0a#"], "n"),
    (["trace", "counter", "-n", "1", ""], "1..256"),
    (["trace", "counter", "-n", "1", "0" * 257], "1..256"),
    (["trace", "nope", "ab"], "unknown task"),
    (["trace", "index", "-n", "2", "ab"], "trace covers the [BCL] families"),
    (["trace", "ab-plus", "ab", "--level", "uhat,nope"], "--level"),
    (["trace", "ab-plus", "ab", "--layers", "0..3"], "outside"),
    (["trace", "ab-plus", "ab", "--html", "x.png"], "ending in .html"),
    (["trace", "ab-plus", "ab", "--png", "/no/such/dir/x.png"], "no directory"),
])
def test_bad_input_is_one_error_line(argv: list[str], fragment: str, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err
