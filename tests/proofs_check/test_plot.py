"""The four-panel size plot (proofs_check.plot): its data are the table's numbers, one quantity per
panel, log axes labelled, legends outside the data, the code's closed forms drawn (no fitted curve)."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from proofs_check.plot import (PANELS, QUANTITIES, ClosedForm, check_closed_forms, closed_forms, figure, legend_label,
                               plot_sizes, series)
from proofs_check.registry import family
from proofs_check.table import size_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def counter_rows():
    return size_table(family("counter"), range(1, 7), "full")


@pytest.fixture(scope="module")
def witness_rows():
    return size_table(family("tiling-witness"), [1, 2, 3, 4, 16], "strict", dfa_max_n=1, paper_max_n=0)


def _int(cell: str) -> int:
    return int(cell.replace(",", ""))


def series_problems(rows) -> list[str]:
    """Every drawn point that is not the number the table prints (cells read back as integers)."""
    got = series(rows)
    problems = []
    for r in rows:
        want = {
            "paper_params": r.paper and _int(r.get("paper_params")), "paper_nnz": r.paper and _int(r.get("paper_nnz")),
            "packed_params": _int(r.get("packed_params")), "packed_nnz": _int(r.get("packed_nnz")),
            "packed_width": _int(r.get("packed_width")), "rnn_units": r.rnn and _int(r.get("rnn_units")),
            "rnn_params": r.rnn and _int(r.get("rnn_params")),
            "dfa": r.dfa_states and math.log2(_int(r.get("dfa_states"))),
            "lb_dfa": math.log2(_int(r.get("lb_dfa"))) if r.get("lb_dfa")[0].isdigit() else None,
            "shortest": math.log2(_int(r.get("shortest"))) if r.get("shortest")[0].isdigit() else None,
            "lb_ltl": _int(r.get("lb_ltl")[2:]) or None,
        }
        for key, v in want.items():
            pts = dict(got.get(key, []))
            if v is not None and pts.get(r.n) != pytest.approx(v, rel=1e-12):
                problems.append(f"{key} at n = {r.n}: drawn {pts.get(r.n)}, table {v}")
        lb_rnn = float(r.get("lb_rnn").removeprefix("≥ ").replace(",", ""))
        drawn = dict(got["lb_rnn"])[r.n]
        if not 0 <= drawn - lb_rnn < 0.1:  # the cell is the drawn log2 rounded down (to 0.1 or 0.01): a bound
            problems.append(f"lb_rnn at n = {r.n}: drawn {drawn}, table {lb_rnn}")
    return problems


def test_series_are_the_table_numbers(counter_rows, witness_rows) -> None:
    assert series_problems(counter_rows) == []
    assert series_problems(witness_rows) == []
    assert series(counter_rows)["packed_nnz"] == [(1, 239.0), (2, 354.0), (3, 439.0), (4, 529.0), (5, 624.0), (6, 724.0)]
    assert dict(series(witness_rows)["shortest"])[16] == pytest.approx(2**16 + 16 + math.log2(18))  # log2 of ≈2^65,556
    assert 1 not in dict(series(counter_rows)["lb_ltl"])  # t ≥ 0 has no place on a log axis


def test_series_check_catches_a_planted_error(counter_rows) -> None:
    bad = [dataclasses.replace(r, packed=dataclasses.replace(r.packed, nonzeros=r.packed.nonzeros + 1)) for r in counter_rows]
    assert any(p.startswith("packed_nnz at n = 1") for p in series_problems(bad))


def test_figure_has_four_labelled_log_panels_with_the_series(counter_rows) -> None:
    import matplotlib.pyplot as plt

    forms = closed_forms(family("counter"), "full")
    fig, drawn, rejected = figure(counter_rows, "counter (full)", forms)
    try:
        fig.canvas.draw()
        axes = fig.axes
        assert [ax.get_title(loc="left") for ax in axes] == [name for _, name, _ in PANELS]
        assert all("log" in ax.get_ylabel() and ax.get_yscale() == "log" and ax.get_xlabel() == "n" for ax in axes)
        assert rejected == [] and {f.key for f in drawn} == {"shortest", "rnn_units", "dfa", "paper_width"}
        data = series(counter_rows)
        by_label = {legend_label(q): q for q in QUANTITIES}
        for ax, (panel, _, _) in zip(axes, PANELS):
            seen = set()
            for line in ax.get_lines():
                label = line.get_label()
                pts = list(zip(line.get_xdata(), line.get_ydata()))
                if label in by_label:  # a measured series: exactly the table's points, in its own panel
                    q = by_label[label]
                    assert q.panel == panel and pts == data[q.key]
                    seen.add(q.key)
                else:  # a closed form: its values at every integer n where it holds
                    (f,) = [f for f in drawn if label.startswith(by_label_of(f)) and f.formula in label]
                    assert all(y == pytest.approx(_log2_if(f, f.fn(x))) for x, y in pts)
            assert seen == {q.key for q in QUANTITIES if q.panel == panel and q.key in data}
            legend = ax.get_legend().get_window_extent()
            assert legend.y1 < ax.get_window_extent().y0  # below the axes: never over the data
        dashed = [line.get_label() for ax in axes for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert sorted(dashed) == sorted(legend_label(q) for q in QUANTITIES if q.bound)  # every lower bound dashed
        texts = [t.get_text() for ax in axes for t in ax.get_legend().get_texts()]
        assert not any("fit" in t or "≈" in t for t in texts)  # no fitted curve left
    finally:
        plt.close(fig)


def by_label_of(f: ClosedForm) -> str:
    return next(legend_label(q) for q in QUANTITIES if q.key == f.key)


def _log2_if(f: ClosedForm, v: int) -> float:
    return math.log2(v) if next(q for q in QUANTITIES if q.key == f.key).log2 else float(v)


@pytest.mark.parametrize("name, variant, ns", [("counter", "full", range(1, 7)), ("counter", "stream", range(1, 5)),
                                               ("counter-cyclic", "full", range(1, 4))])
def test_counter_closed_forms_equal_the_table(name: str, variant: str, ns, counter_rows) -> None:
    fam = family(name)
    rows = counter_rows if (name, variant) == ("counter", "full") else size_table(fam, ns, variant)
    forms = closed_forms(fam, variant)
    assert check_closed_forms(forms, rows) == [] and len(forms) == (4 if name == "counter" else 2)
    by_key = {f.key: f for f in forms}
    for n in ns:  # each legend formula, restated here, is the function drawn
        assert by_key["shortest"].fn(n) == (2**n * (n + 2) if variant == "full" else n + 2)
        assert by_key["rnn_units"].fn(n) == 6 * n + (3 if name == "counter" else 5)
        if name == "counter":
            assert by_key["dfa"].fn(n) == (n + 2) * 2 ** (n + 1) - n
            assert n == 1 or by_key["paper_width"].fn(n) == 6 * n * n + 3 * n + 16
    if name == "counter":  # the paper width's closed form holds from n = 2 on only: n = 1 is 40, not 25
        assert rows[0].paper.max_width == 40 != 6 + 3 + 16 and by_key["paper_width"].n_min == 2


def test_witness_closed_forms(witness_rows) -> None:
    forms = {f.key: f for f in closed_forms(family("tiling-witness"), "strict")}
    assert check_closed_forms(list(forms.values()), witness_rows) == []
    assert forms["rnn_units"].text == "6n + 4·2^n + 18" and forms["rnn_units"].fn(16) == 262_258
    assert forms["paper_nnz"].text == "18n⁴ + 12n³ + 463n² + 11473n + 196859"
    assert forms["paper_width"].text == "max(14n + 380, 6n² + 2n + 27)" and forms["packed_width"].text == "2n + 174"
    assert forms["shortest"].fn(4) == 6 * 2**4 * 2**16 and forms["rnn_params"].fn(2) == witness_rows[1].rnn[2]
    assert closed_forms(family("ab-plus"), "-") == ()


def test_a_wrong_closed_form_is_reported_not_drawn(counter_rows) -> None:
    import matplotlib.pyplot as plt

    wrong = ClosedForm("dfa", "$(n+2)\\,2^{n+1}$", "(n+2)·2^(n+1)", lambda n: (n + 2) * 2 ** (n + 1), 1, "planted")
    assert check_closed_forms([wrong], counter_rows)[0].startswith("min DFA states (exact) at n = 1")
    fig, drawn, rejected = figure(counter_rows, "counter", [*closed_forms(family("counter"), "full"), wrong])
    plt.close(fig)
    assert wrong not in drawn and len(drawn) == 4 and rejected and "(n+2)·2^(n+1) = 12" in rejected[0]


def test_png_for_the_witness_and_a_preset(tmp_path: Path, witness_rows) -> None:
    import matplotlib.pyplot as plt

    path = tmp_path / "plot.png"
    wrong = ClosedForm("packed_width", "$2n$", "2n", lambda n: 2 * n, 1, "planted")
    out = plot_sizes(witness_rows, path, "tiling-witness (strict)", [*closed_forms(family("tiling-witness"), "strict"), wrong])
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 50_000
    assert sum(isinstance(x, ClosedForm) for x in out) == 7 and wrong not in out
    assert str(out[0]).startswith("closed form: shortest accepted word = (n+2)·2^n·2^(2^n) for n ≥ 1")
    assert str(out[-1]).startswith("closed form NOT drawn, disagrees with the table: UHAT packed: width at n = 1")
    (row,) = size_table(family("ab-plus"), [0], "-")
    fig, drawn, _ = figure([row], "ab-plus")  # one row, n = 0: still four panels
    assert len(fig.axes) == 4 and drawn == [] and series([row])["shortest"] == [(0, 1.0)]
    plt.close(fig)
