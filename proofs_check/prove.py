"""`succinct prove`: every proof that holds for all word lengths, for one family member, as one report.

Sections (each with its own times; see :mod:`proofs_check.certify`):

* **UHAT** — the z3 layer certificates of :func:`proofs_check.certify.uhat.certify_uhat` for the
  paper-faithful and the packed network of Lemma 9, and the value-set precision audit of
  :mod:`constructions.uhat.precision` (which dtypes are proved exact).
* **RNN** — :func:`proofs_check.certify.rnn.certify_rnn` (an invariant of (DFA state, hidden vector)
  pairs, closed under one step, proved with z3) against the minimal reference DFA when it is small
  enough, and for the Example 2 counter the symbolic proof
  :func:`proofs_check.certify.rnn_symbolic.certify_counter_symbolic`, which never lists states.
* **Emptiness** — for a tiling task, the eq. (14e) "as printed" program proved empty for every length
  (:func:`proofs_check.certify.emptiness.prove_empty`) and the corrected one shown non-empty by the
  solver's shortest word.

The report is proved exactly when every section is.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from automata.errors import ParameterError, StateLimitError
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT
from constructions.uhat.precision import precision_audit
from proofs_check.progress import bar as progress_bar
from proofs_check.registry import Family

SECTIONS = ("uhat", "precision", "rnn", "empty")
RNN_DFA_LIMIT = 5_000  # explicit RNN certificates only against reference DFAs up to this many states


@dataclass(frozen=True)
class Section:
    title: str
    proved: bool | None  # None: not attempted (the text says why)
    text: str
    seconds: float

    @property
    def status(self) -> str:
        return {True: "PROVED", False: "NOT PROVED", None: "SKIPPED"}[self.proved]


@dataclass(frozen=True)
class ProofReport:
    label: str
    sections: tuple[Section, ...]

    @property
    def proved(self) -> bool:
        return all(s.proved is not False for s in self.sections)

    def render(self) -> str:
        out = [f"== proofs for {self.label} (all word lengths) =="]
        for s in self.sections:
            out.append(f"\n-- {s.title}: {s.status} [{s.seconds:.2f}s]")
            out.append(s.text)
        skipped = sum(s.proved is None for s in self.sections)
        verdict = "ALL PROVED" if self.proved else "SOME NOT PROVED"
        if skipped:
            verdict += f" ({skipped} section(s) skipped, see above)"
        out.append(f"\n{verdict}: {len(self.sections)} sections ({sum(s.seconds for s in self.sections):.1f}s)")
        return "\n".join(out)


def _timed(title: str, fn) -> Section:
    start = time.perf_counter()
    proved, text = fn()
    return Section(title, proved, text, time.perf_counter() - start)


def _uhat(program, net):
    from proofs_check.certify.uhat import certify_uhat

    cert = certify_uhat(program, net)
    return cert.proved, cert.render()


def _precision(net):
    rep = precision_audit(net)
    return rep.integral and rep.exact("float32"), rep.render()


def _rnn_explicit(rnn, task, shortest: int | None):
    from proofs_check.certify.rnn import certify_rnn

    if shortest is not None and shortest + 1 > RNN_DFA_LIMIT:  # decided before building the automaton
        raise StateLimitError(f"the minimal DFA has ≥ shortest word + 1 = {shortest + 1} states (> {RNN_DFA_LIMIT})")
    dfa = task.reference_dfa()
    if dfa.num_states > RNN_DFA_LIMIT:
        raise StateLimitError(f"reference DFA has {dfa.num_states} states (> {RNN_DFA_LIMIT})")
    cert = certify_rnn(rnn, dfa)
    return cert.proved, cert.render()


def _rnn_symbolic(rnn, task):
    from proofs_check.certify.rnn_symbolic import certify_counter_symbolic

    proof = certify_counter_symbolic(task, rnn)
    return proof.proved, proof.render()


def _emptiness(instance):
    from constructions.library.tiling_brasp import tiling_program
    from proofs_check.certify.emptiness import prove_empty
    from tasks.tiling import shortest_word

    printed = prove_empty(tiling_program(instance, aggregate="printed"))
    corrected = prove_empty(tiling_program(instance), witness_search=lambda: shortest_word(instance, 4096))
    ok = printed.proved_empty and not corrected.proved_empty and corrected.witness is not None
    text = ("eq. (14e) as printed (B's default B_1→0 ∧ B_+1):\n" + printed.render()
            + "\ncorrected (∨):\n" + corrected.render())
    return ok, text


def prove_member(fam: Family, n: int | None, variant: str | None, sections: Sequence[str] = SECTIONS,
                 forms: Sequence[str] = ("paper", "packed"), progress: bool = False,
                 strict: bool = False) -> ProofReport:
    """Run the requested proof sections for one family member (see the module docstring). The sections
    are planned first, so ``progress`` (a bar on stderr, :mod:`proofs_check.progress`) counts exactly the
    report's sections, naming each as it runs. A request that plans no section at all is refused
    (ParameterError: nothing proved is never "ALL PROVED"); so is, with ``strict`` (sections named
    explicitly), any named section that does not apply to the member."""
    n, variant = fam.check(n, variant)
    label = fam.label(n, variant)
    program = fam.program(n, variant)
    task = fam.task(n, variant)
    plan = _plan(fam, n, variant, program, task, sections, forms)
    reasons = {"rnn": "it has no RNN construction", "empty": "it is not a tiling instance (Lemma 8's program)"}
    missing = [s for s in sections if s in reasons and not any(name.startswith(_PLAN_PREFIX[s]) for name, _ in plan)]
    if not plan or (strict and missing):
        what = ", ".join(f"{s} ({reasons[s]})" for s in missing) or ", ".join(sections)
        raise ParameterError(f"prove {label}: nothing to prove for {what}; sections that apply: "
                             f"{', '.join(_applicable(fam, task)) or 'none'}")
    out: list[Section] = []
    with progress_bar(len(plan), "prove", "section", progress) as bar:
        for name, run in plan:
            bar.step(name)
            out.append(run())
            bar.update(1)
    return ProofReport(label, tuple(out))


def _plan(fam: Family, n: int, variant: str, program, task, sections: Sequence[str],
          forms: Sequence[str]) -> list[tuple[str, Callable[[], Section]]]:
    """(step name, thunk → Section), one per section of the report, in its order; a network is compiled
    by the first section that needs it."""
    plan: list[tuple[str, Callable[[], Section]]] = []
    for form in forms:
        if "uhat" not in sections and "precision" not in sections:
            break
        compiled = _compiler(program, form)
        if "uhat" in sections:
            plan.append((f"UHAT {form}: certificates", lambda c=compiled: _timed(
                f"{c()[1]}: layer certificates (z3)", lambda: _uhat(program, c()[0]))))
        if "precision" in sections:
            plan.append((f"UHAT {form}: precision", lambda c=compiled: _timed(
                f"{c()[1]}: precision audit (value sets)", lambda: _precision(c()[0]))))
    if "rnn" in sections and fam.rnn is not None:
        rnn = fam.rnn(n, variant)
        shortest = fam.shortest(n, variant) if fam.shortest is not None else None
        plan.append(("RNN: step certificate", lambda: _rnn_section(rnn, task, shortest)))
        if fam.name.startswith("counter"):
            plan.append(("RNN: symbolic proof", lambda: _timed(
                "RNN: symbolic proof against the counter automaton (z3)", lambda: _rnn_symbolic(rnn, task))))
    instance = getattr(task, "instance", None)
    if "empty" in sections and instance is not None:
        plan.append(("emptiness", lambda: _timed("Lemma 8 program: emptiness (the eq. (14e) erratum)",
                                                 lambda: _emptiness(instance))))
    return plan


_PLAN_PREFIX = {"uhat": "UHAT", "precision": "UHAT", "rnn": "RNN", "empty": "emptiness"}


def _applicable(fam: Family, task) -> list[str]:
    return ["uhat", "precision", *(["rnn"] if fam.rnn is not None else []),
            *(["empty"] if getattr(task, "instance", None) is not None else [])]


def _compiler(program, form: str) -> Callable[[], tuple[UHAT, str]]:
    """The Lemma 9 network of ``form`` and its section name, compiled on first use, then remembered."""
    memo: list[tuple[UHAT, str]] = []

    def get() -> tuple[UHAT, str]:
        if not memo:
            start = time.perf_counter()
            net = compile_lemma9(program, packed=form == "packed")
            memo.append((net, f"UHAT {form} ({len(net.layers)} layers, compiled in "
                              f"{time.perf_counter() - start:.1f}s)"))
        return memo[0]

    return get


def _rnn_section(rnn, task, shortest: int | None) -> Section:
    title = "RNN: step certificate against the minimal DFA (z3)"
    try:
        return _timed(title, lambda: _rnn_explicit(rnn, task, shortest))
    except StateLimitError as err:
        return Section(title, None, f"skipped: {err}; see the symbolic proof where the family has one", 0.0)


__all__ = ["SECTIONS", "ProofReport", "Section", "prove_member"]
