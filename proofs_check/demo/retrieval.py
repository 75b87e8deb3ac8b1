"""The demo's retrieval section: [WDL] Thm 4.6 in one screen (every input for small n, the lemmas for
every n, the table with the constant transformer against the linear RNN bound)."""
from __future__ import annotations

from proofs_check.retrieval_check import check_task, hybrid_answerer, rag_answerer, rnn_answerer, transformer_answerers
from proofs_check.retrieval_proofs import prove_task, refute_broken
from proofs_check.retrieval_table import render, retrieval_row
from tasks.retrieval import retrieval_task


def retrieval_section() -> bool:
    ok = True
    print("\n== [WDL] Thm 4.6: constant-size transformers retrieve; RNNs need Ω(n) bits (constructions of ours) ==")
    for name, n in (("index-binary", 10), ("index", 5), ("ar", 6), ("cgram", 5), ("cgram3", 5), ("counting", 4)):
        task = retrieval_task(name, n)
        answerers = [*transformer_answerers(task), ("RNN", rnn_answerer(task)), ("RAG", rag_answerer(task)),
                     ("hybrid", hybrid_answerer(task))]
        report = check_task(task, answerers)
        ok &= report.agree
        verdict = "AGREE" if report.agree else f"DISAGREE: {report.first}"
        print(f"{name} n={n}: {report.inputs:,} inputs (all), {len(answerers)} recognisers (transformer exact/"
              f"certified, smallest dtype, RNN, RAG, hybrid): {verdict}")
    broken = check_task(retrieval_task("index", 4), transformer_answerers(retrieval_task("index", 4), broken=True))
    ok &= not broken.agree
    print(f"a perturbed weight is caught: {broken.first.recogniser} on {broken.first.word}: expected "
          f"{broken.first.expected}, got {broken.first.got}")
    lemmas = [r for t in ("index", "ar", "cgram", "counting") for r in prove_task(t)]
    refuted = [refute_broken(t) for t in ("index", "ar", "cgram", "counting")]
    ok &= all(r.proved for r in lemmas) and not any(r.proved for r in refuted)
    print(f"z3: {sum(r.proved for r in lemmas)}/{len(lemmas)} attention/read-out lemmas proved for every n; "
          f"{sum(not r.proved for r in refuted)}/4 planted errors refuted with counterexamples")
    rows = [retrieval_row("counting", n) for n in (8, 64, 1024)]
    print(render(rows, "md", "counting (k = n): `succinct table counting -n 2..65536` for all"), end="")
    return ok


__all__ = ["retrieval_section"]
