"""The demo's Dyck-(k, D) section (THEORY §9): depth costs every model linearly; only L_n separates them."""
from __future__ import annotations

from proofs_check.registry import family
from proofs_check.suite import build, verify


def dyck_section() -> bool:
    """Dyck-(2, 3): every recogniser on all words up to 8 symbols, the stack RNN proved for every length
    (z3), and the growth of the packed UHAT against the RNN bound over D = 1..8 beside L_n over n = 1..6."""
    from proofs_check.certify.rnn import certify_rnn
    from proofs_check.plot import growth_note, series
    from proofs_check.table import size_table

    print("\n== Dyck-(k, D) beside L_n (THEORY §9): `succinct verify dyck -k 2 -D 3 --max-len 8`, "
          "`succinct table dyck -k 2 -D 1..8 --out DIR --beside tiling-witness:1..6` ==")
    fam = family("dyck")
    member = build(fam, 3, "2")
    report = verify(member, 8)
    print(f"{member.label}: {report.summary()}")
    cert = certify_rnn(member.rnn, member.task.reference_dfa())  # type: ignore[arg-type]
    print(f"stack RNN ({member.rnn.units} units): step certificate against the minimal DFA: "  # type: ignore[union-attr]
          f"{'PROVED for every length' if cert.proved else cert.counterexample}")
    gap = []
    for name, ns, variant, x in (("dyck", range(1, 9), "2", "D"), ("tiling-witness", range(1, 7), "strict", "n")):
        note = growth_note(series(size_table(family(name), list(ns), variant, paper_max_n=0)), x)
        gap.append(note.endswith("exponential gap"))
        print(f"{name:<15} " + note.replace("\n", "; "))
    return report.agree and cert.proved and gap == [False, True]


__all__ = ["dyck_section"]
