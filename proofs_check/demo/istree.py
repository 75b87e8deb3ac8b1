"""The demo's IsTree section ([WDL] Thm 4.7): the CoT transformer on every graph for n ≤ 6, a perturbed
weight caught, the lower-bound rows enumerated, the table."""
from __future__ import annotations

import time

from proofs_check.istree_check import istree_range, smallest_dtype, summary
from proofs_check.istree_table import istree_row, render
from tasks.istree import IsTreeTask
from tasks.istree_bounds import check_fooling, closed_form_rows, count_rows


def istree_section() -> bool:
    ok = True
    print("\n== [WDL] Thm 4.7: a constant transformer writes IsTree's chain of thought (a construction of ours) ==")
    for n in range(2, 7):
        task = IsTreeTask(n)
        result = istree_range(n, 0, task.input_space())
        ok &= result["first"] is None
        print(summary(n, result, smallest_dtype(task)).replace("\n  ", ": ", 1) if result["first"] is None
              else summary(n, result, smallest_dtype(task)))
    broken = istree_range(5, 0, IsTreeTask(5).input_space(), broken=True)
    ok &= broken["first"] is not None
    if broken["first"] is not None:
        f = broken["first"]
        print(f"a perturbed weight is caught: {f['input']}: expected {f['expected']}, got {f['got']}")
    t0 = time.perf_counter()
    rows = {n: count_rows(n) for n in range(2, 9)}
    fooling = {n: check_fooling(n) for n in range(2, 8)}
    ok &= all(r == closed_form_rows(n) for n, r in rows.items())
    print(f"RNN lower bound, distinct answer rows R(n) enumerated (first n − 2 edges | last edge), n = 2..8: "
          f"{list(rows.values())} = 2^(n−1) − 1 + [n ≥ 5]; proved fooling sets (valid inputs) n = 2..7: "
          f"{list(fooling.values())} [{time.perf_counter() - t0:.1f}s]")
    print(render([istree_row(n) for n in (4, 8, 64, 1024)], "md",
                 "istree: `succinct table istree -n 3..64` for all"), end="")
    return ok


__all__ = ["istree_section"]
