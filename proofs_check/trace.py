"""``trace(task, word)``: one word through every recogniser of a family member, laid open for teaching.

* the B-RASP program's predicate table with the attended position o(i) of every attention
  (:mod:`constructions.brasp.trace`);
* the compiled UHAT (packed or paper-faithful, [BCL] Lemma 9), per layer and position: the attended
  position, its score, the maximal set and the tie-break, the coordinates written, by name
  (:mod:`constructions.uhat.trace`) — each attention layer labelled with the operation it implements,
  and each predicate read back off the network's coordinates and compared with the program's table;
* the RNN's state after every symbol, unit by name, and the verdict on every prefix;
* the reference language's verdict.

Text here; the attention picture (HTML page, PNG) in :mod:`proofs_check.trace_view`.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from automata.alphabet import encode_word, split_word
from automata.errors import ArgumentError, ParameterError, shown
from constructions.brasp.trace import MAX_TRACE_LEN, ProgramTrace, trace_program
from constructions.uhat.builder import Lin
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT
from constructions.uhat.trace import UHATTrace, trace_uhat

LEVELS = ("brasp", "uhat", "rnn")


@dataclass(frozen=True)
class RNNTrace:
    unit_names: tuple[str, ...]
    h0: tuple[Fraction, ...]
    states: tuple[tuple[Fraction, ...], ...]  # h_1 … h_L
    accepted: tuple[bool, ...]  # after each prefix


@dataclass(frozen=True)
class Reading:
    """A predicate read off the network: ``expr`` over the coordinates after ``layer``."""

    name: str
    layer: int
    expr: Lin
    values: tuple[Fraction, ...]
    agrees: bool


@dataclass(frozen=True)
class RunTrace:
    label: str
    form: str
    word: tuple[str, ...]
    reference: bool
    program: ProgramTrace
    uhat: UHATTrace
    layer_ops: dict[int, str]  # attention layer index -> the B-RASP operation it implements
    readings: tuple[Reading, ...]
    rnn: RNNTrace | None

    @property
    def verdicts(self) -> dict[str, bool]:
        out = {"reference": self.reference, "B-RASP": self.program.accepted, f"UHAT {self.form}": bool(self.uhat.accepted)}
        if self.rnn is not None:
            out["RNN"] = self.rnn.accepted[-1]
        return out

    def text(self, levels: Sequence[str] = LEVELS, layers: tuple[int, int] | None = None) -> str:
        from proofs_check.trace_text import render_text

        return render_text(self, levels, layers)

    def html(self) -> str:
        from proofs_check.trace_view import render_html

        return render_html(self)

    def save_png(self, path) -> None:
        from proofs_check.trace_view import save_png

        save_png(self, path)


def _layer_ops(program, net, form: str, trace: UHATTrace) -> dict[int, str]:
    """Attention layer index → operation name: the packed compiler's order, or the paper form's
    '<op>@<coordinate>' names of the attended copies."""
    steps = trace.attention_layers
    if form == "packed":
        from constructions.uhat.packed import packed_attention_ops

        ops = packed_attention_ops(program)
        return {s.index: op for s, op in zip(steps, ops)} if len(ops) == len(steps) else {}
    known = {op.name for op in program.attention_ops}
    out = {}
    for s in steps:
        owners = {s.names[r].split("@")[0] for r in s.written if "@" in s.names[r]}
        if len(owners & known) == 1:
            out[s.index] = (owners & known).pop()
    return out


def _readings(program, form: str, ptrace: ProgramTrace, trace: UHATTrace) -> tuple[Reading, ...]:
    """Every operation's predicate read off the first layer whose coordinates hold it."""
    if form == "packed":
        from constructions.uhat.packed import packed_values

        exprs = packed_values(program)
    else:
        exprs = {op.name: Lin.of(op.name) for op in program.ops}
    layers = [(0, trace.names, trace.vectors), *((s.index, s.names, s.vectors) for s in trace.layers)]
    clamps = [set(), *({s.names[r] for r in s.written} if s.kind == "relu" else set() for s in trace.layers)]
    out = []
    for step in ptrace.steps:
        lin = exprs.get(step.op.name)
        if lin is None:
            continue
        for k, names, vectors in layers:
            index = {n: c for c, n in enumerate(names)}
            # a gate's value exists once its ReLU has run: skip a layer whose next layer clamps it
            if lin.names() <= index.keys() and not (k + 1 < len(clamps) and lin.names() & clamps[k + 1]):
                vals = tuple(lin.const + sum((v * vec[index[n]] for n, v in lin.terms), Fraction(0)) for vec in vectors)
                out.append(Reading(step.op.name, k, lin, vals, vals == tuple(Fraction(int(b)) for b in step.values)))
                break
    return tuple(out)


def _rnn_trace(rnn, word: tuple[str, ...]) -> RNNTrace:
    codes = encode_word(word, rnn.alphabet)[None, :]
    states = rnn.states(codes)[0]
    return RNNTrace(tuple(rnn.unit_names), tuple(rnn.h0),
                    tuple(tuple(Fraction(x) for x in row) for row in states.tolist()),
                    tuple(bool(b) for b in rnn.run_prefixes(codes)[0]))


def trace(task: str, word: str | Sequence[str], n: int | None = None, variant: str | None = None,
          form: str = "packed", net: UHAT | None = None) -> RunTrace:
    """Trace ``word`` through the member ``task`` (a family name of ``succinct tasks``, e.g.
    ``"counter"`` with ``n=1``) — see the module. ``word`` is a string (``'0a#1b#'``, split into the
    alphabet's symbols) or a sequence of symbols; at most :data:`MAX_TRACE_LEN` symbols. ``net``: trace
    this network instead of the compiled one (e.g. a mutant; ``form`` then names how it was compiled, so
    that its coordinates are read back as that form's)."""
    from proofs_check.registry import families, family
    from tasks.retrieval import RETRIEVAL_TASKS

    if not isinstance(task, str):
        raise ArgumentError(f"trace: the task is a family name (str), got {shown(task)}")
    if not isinstance(form, str) or form not in ("packed", "paper"):
        raise ParameterError(f"form must be packed or paper, got {shown(form)}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
        raise ArgumentError(f"trace: n must be an int, got {shown(n)}")
    if variant is not None and not isinstance(variant, str):
        raise ArgumentError(f"trace: the variant must be a str, got {shown(variant)}")
    if net is not None and not isinstance(net, UHAT):
        raise ArgumentError(f"trace: net must be a UHAT, got {type(net).__name__}")
    if not isinstance(word, (str, list, tuple)):
        raise ArgumentError(f"trace: the word is a str or a sequence of symbols, got {shown(word)}")
    if task not in families() and (task in RETRIEVAL_TASKS or task == "istree"):
        raise ParameterError(f"trace covers the [BCL] families ({', '.join(families())}); for {task} use "
                             f"`succinct show {task} -n N --what layers` and `succinct verify {task} -n N`")
    fam = family(task)
    n, variant = fam.check(n, variant)
    tsk = fam.task(n, variant)
    symbols = tuple(split_word(word, tsk.alphabet) if isinstance(word, str) else word)
    if not 1 <= len(symbols) <= MAX_TRACE_LEN:
        raise ParameterError(f"a trace takes words of 1..{MAX_TRACE_LEN} symbols, got {len(symbols)}")
    encode_word(symbols, tsk.alphabet)  # foreign symbols: UnknownSymbolError
    program = fam.program(n, variant)
    if net is None:
        net = compile_lemma9(program, packed=form == "packed")
    elif net.alphabet != tsk.alphabet:
        raise ParameterError(f"the network's alphabet {net.alphabet} is not the task's {tsk.alphabet}")
    ptrace = trace_program(program, symbols)
    utrace = trace_uhat(net, symbols)
    rnn = fam.rnn(n, variant) if fam.rnn else None
    label = fam.label(n, variant)
    return RunTrace(label, form, symbols, bool(tsk.accepts(symbols)), ptrace, utrace,
                    _layer_ops(program, net, form, utrace), _readings(program, form, ptrace, utrace),
                    _rnn_trace(rnn, symbols) if rnn is not None else None)


__all__ = ["LEVELS", "RNNTrace", "Reading", "RunTrace", "trace"]
