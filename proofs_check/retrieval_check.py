"""Exhaustive checks of the retrieval constructions ([WDL] Thm 4.6, 5.6): every input, every recogniser.

A retrieval task is a function input → answer and a language L_n = input · answer. Every recogniser
here is turned into an **answerer** (codes (B, L) → answer symbol indices (B,), −1 for "no unique
answer"): the transformer generates (argmax of its logits at the last position); an RNN language
acceptor answers a iff it accepts input · a and no other answer; RAG runs its regular expressions.
:func:`check_task` runs them all on every valid input of the task's input space (or a random sample
with ``sample``), against the reference ``task.answers`` — itself cross-checked with the plain-Python
``task.answer`` on a sample — and reports the first disagreement as a readable input.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from automata.errors import ParameterError
from constructions.library.retrieval_uhat import READOUT_MARGIN, head_margins, retrieval_uhat
from constructions.uhat.certified import certify_float
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.precision import precision_audit
from constructions.uhat.torch_backend import to_torch

Answerer = Callable[[np.ndarray], np.ndarray]
MAX_INPUTS = 20_000_000  # exhaustive checks above this need --sample
CHUNK = 1 << 16
CHUNK_CELLS = 1 << 22  # positions (inputs × length) per batch through the networks
MAX_SAMPLE_CELLS = 1 << 30  # positions in all of a random check (bounds its time)


@dataclass
class Disagreement:
    recogniser: str
    word: str
    expected: str
    got: str
    index: int | None = None  # the input's row in the task's input space (exhaustive checks only)


@dataclass
class CheckReport:
    task: str
    inputs: int
    exhaustive: bool
    recognisers: list[str]
    seconds: float
    first: Disagreement | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        return self.first is None

    def summary(self) -> str:
        what = "all" if self.exhaustive else "random"
        head = (f"{self.task}: {self.inputs:,} inputs ({what}), recognisers: {', '.join(self.recognisers)} "
                f"[{self.seconds:.1f}s]")
        lines = [head, *(f"  {n}" for n in self.notes)]
        if self.first is None:
            lines.append("  AGREE — every recogniser gives the reference answer on every input")
        else:
            d = self.first
            lines.append(f"  DISAGREE — {d.recogniser} on {d.word}: expected {d.expected}, got {d.got}")
        return "\n".join(lines)


def uhat_answerer(task, net: UHAT, dtype: str = "float64", device: str = "cpu") -> tuple[Answerer, str]:
    """The transformer as an answerer (exact dtype, or certified when it has averaging/softmax heads)."""
    length = task.input_length
    cert = None
    if not precision_audit(net, length).integral:
        cert = certify_float(net, dtype, length, head_margins(task, net), READOUT_MARGIN)
    module = to_torch(net, dtype, device, max_len=length, certificate=cert)
    sym = np.array([task.index[s] for s in net.output_symbols])

    def answer(codes: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            got = module.generate(torch.from_numpy(codes).to(device)).cpu().numpy()
        return sym[got]

    kind = "certified" if cert is not None else "exact"
    return answer, f"transformer {dtype} ({kind})"


def language_answerer(task, accepts: Callable[[np.ndarray], np.ndarray]) -> Answerer:
    """An acceptor of L_n as an answerer: a iff input · a is accepted and no other answer is (else −1)."""
    cands = [task.index[s] for s in task.answer_symbols]

    def answer(codes: np.ndarray) -> np.ndarray:
        out = np.full(len(codes), -1, dtype=np.int64)
        hits = np.zeros(len(codes), dtype=np.int64)
        for a in cands:
            ok = accepts(np.concatenate([codes, np.full((len(codes), 1), a, dtype=np.int64)], 1))
            out[ok] = a
            hits += ok
        out[hits != 1] = -1
        return out

    return answer


def smallest_dtype(task, net: UHAT) -> str:
    """float32 when the audit (or, for averaging heads, the certificate) allows it, else float64."""
    rep = precision_audit(net, task.input_length)
    if rep.integral:
        return "float32" if rep.exact("float32") else "float64"
    cert = certify_float(net, "float32", task.input_length, head_margins(task, net), READOUT_MARGIN)
    return "float32" if cert.ok else "float64"


def softmax_certificate(task, dtype: str = "float64"):
    """The float certificate of ``task``'s construction with every hard head made softmax (β = 64, the
    certificate then reports each head's least certified β)."""
    soft = retrieval_uhat(task, softmax=64)
    return certify_float(soft, dtype, task.input_length, head_margins(task, soft), READOUT_MARGIN)


def chunk_rows(task) -> int:
    """Rows of the input space per batch of an exhaustive check (chunks start at multiples of it)."""
    return max(1, min(CHUNK, CHUNK_CELLS // task.input_length))


def _inputs(task, sample: int | None, seed: int, start: int | None = None, stop: int | None = None):
    """Chunks of valid input codes: all of the input space (or rows ``start..stop−1`` of it), or
    ``sample`` random valid inputs."""
    for _, codes in _indexed_inputs(task, sample, seed, start, stop):
        yield codes


def _indexed_inputs(task, sample: int | None, seed: int, start: int | None = None, stop: int | None = None):
    """(rows, codes) chunks: as :func:`_inputs`, with each valid input's row in the input space (None for
    a sample). With ``start``/``stop`` (a shard) the limit :data:`MAX_INPUTS` is the caller's business and
    chunks are cut at the same multiples of :func:`chunk_rows` as a whole-space run."""
    if sample is not None:
        check_sample(task, sample, seed)
        rng = np.random.default_rng(seed)
        left = sample
        step = chunk_rows(task)
        while left > 0:
            codes = task.sample_inputs(rng, min(step, left))
            left -= len(codes)
            yield None, codes
        return
    if start is None and stop is None:
        total = exhaustive_size(task)
        lo_all, hi_all = 0, total
    else:
        total = task.input_space()
        lo_all = 0 if start is None else start
        hi_all = total if stop is None else stop
        if not 0 <= lo_all <= hi_all <= total:
            raise ParameterError(f"{task.name}: need 0 ≤ start ≤ stop ≤ {total:,}, got {lo_all}, {hi_all}")
    step = chunk_rows(task)
    lo = lo_all
    while lo < hi_all:
        hi = min(hi_all, (lo // step + 1) * step)
        codes, valid = task.encode_inputs(lo, hi)
        if valid.any():
            yield np.nonzero(valid)[0] + lo, codes[valid]
        lo = hi


def check_sample(task, sample: object, seed: object) -> None:
    """A random check's size and seed: ParameterError unless 1 ≤ sample ≤ 10^7, sample × length ≤
    MAX_SAMPLE_CELLS, and 0 ≤ seed < 2^128."""
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 1 <= sample <= 10**7:
        raise ParameterError(f"the sample size (--sample) must be an integer in 1..10,000,000, got {sample!r}")
    if sample * task.input_length > MAX_SAMPLE_CELLS:
        raise ParameterError(f"{sample:,} inputs of length {task.input_length:,} exceed {MAX_SAMPLE_CELLS:,} "
                             "positions in all; use a smaller --sample")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**128:
        raise ParameterError(f"the seed must be an integer in 0..2^128−1, got {seed!r}")


def exhaustive_size(task) -> int:
    """The input space's size, or :class:`ParameterError` when an exhaustive check would be unbounded."""
    from tasks.retrieval_base import approx

    total = task.input_space()
    if total > MAX_INPUTS:
        hint = " (or index-binary, Index over {0, 1}: all inputs up to n = 16)" if getattr(
            task, "variant", "") == "range" else ""
        raise ParameterError(f"{task.name} n={task.n}: {approx(total)} inputs exceed the exhaustive limit "
                             f"{MAX_INPUTS:,}; use --sample K{hint}")
    return total


def show_input(task, codes: np.ndarray) -> str:
    return " ".join(task.alphabet[int(c)] for c in codes)


def check_task(task, answerers: list[tuple[str, Answerer]], sample: int | None = None, seed: int = 0,
               python_sample: int = 2000, progress: Callable[[int], None] | None = None,
               start: int | None = None, stop: int | None = None) -> CheckReport:
    """Every answerer against ``task.answers`` on every valid input (or a sample); with ``start`` /
    ``stop``, on the rows ``start..stop−1`` of the input space only (one shard of a sharded check)."""
    from tasks.retrieval import RetrievalTask

    if not isinstance(task, RetrievalTask):
        raise ParameterError(f"check_task needs a retrieval task, got {type(task).__name__}")
    t0 = time.perf_counter()
    count = 0
    report = CheckReport(task.describe() if hasattr(task, "describe") else task.name, 0, sample is None,
                         [name for name, _ in answerers], 0.0)
    checked_python = 0
    for rows, codes in _indexed_inputs(task, sample, seed, start, stop):
        ref = task.answers(codes)
        if checked_python < python_sample:  # the vectorised reference against the plain-Python one
            for r, (row, a) in enumerate(zip(codes[: python_sample - checked_python], ref)):
                inp = tuple(task.alphabet[int(c)] for c in row)
                if task.answer(inp) != task.alphabet[int(a)]:
                    report.first = Disagreement("reference (vectorised)", show_input(task, row),
                                                task.answer(inp), task.alphabet[int(a)],
                                                None if rows is None else int(rows[r]))
                    break
            checked_python += min(len(codes), python_sample - checked_python)
        for name, answer in answerers:
            if report.first is not None:
                break
            got = answer(codes)
            bad = np.nonzero(got != ref)[0]
            if bad.size:
                b = int(bad[0])
                report.first = Disagreement(name, show_input(task, codes[b]), task.alphabet[int(ref[b])],
                                            "no unique answer" if got[b] < 0 else task.alphabet[int(got[b])],
                                            None if rows is None else int(rows[b]))
        count += len(codes)
        if progress is not None:
            progress(count)
        if report.first is not None:
            break
    report.inputs = count
    report.seconds = time.perf_counter() - t0
    report.notes.append(f"reference: vectorised answers = plain-Python answer on {checked_python:,} inputs")
    return report


def broken_weight(net: UHAT) -> UHAT:
    """The negative test: the first attention layer's C map with its ``out``/first computed row's first
    attended coefficient changed by +1 (a perturbed weight the check must catch)."""
    from dataclasses import replace

    for k, layer in enumerate(net.layers):
        if isinstance(layer, AttentionLayer):
            r = layer.in_width
            for row, col, v in layer.C.entries:
                if col >= r:
                    C = layer.C.with_entry(row, col, v + 1)
                    return replace(net, layers=(*net.layers[:k], replace(layer, C=C), *net.layers[k + 1:]))
    raise ParameterError("no attended weight to perturb")


def transformer_answerers(task, device: str = "cpu", broken: bool = False) -> list[tuple[str, Answerer]]:
    net = retrieval_uhat(task)
    if broken:
        net = broken_weight(net)
    out = [uhat_answerer(task, net, "float64", device)[::-1]]
    small = smallest_dtype(task, net)
    if small != "float64":
        out.append(uhat_answerer(task, net, small, device)[::-1])
    return [(name, fn) for name, fn in out]


RAG_MAX = 500_000  # RAG runs its regexes input by input (pure Python): it joins checks of at most this many inputs
RAG_MAX_N = 1024  # and of inputs this short (AR's duplicate-key regex is quadratic in the input length)
RNN_MAX_N = 16  # the exact RNNs (one batched run per candidate answer) join the exhaustive check up to here


def rnn_answerer(task) -> Answerer:
    """The exact RNN of [WDL] Thm 4.6's upper side (store everything), as an answerer."""
    from constructions.library.retrieval_rnn import retrieval_rnn
    rnn = retrieval_rnn(task)
    return language_answerer(task, rnn.run)


def hybrid_answerer(task) -> Answerer:
    """The hybrid (a linear RNN and one attention layer), as an answerer."""
    from constructions.library.retrieval_hybrid import retrieval_hybrid

    return retrieval_hybrid(task).answer


def rag_answerer(task) -> Answerer:
    """The RNN with a regex retriever (RAG), input by input, as an answerer."""
    from constructions.library.retrieval_rag import retrieval_rag

    rag = retrieval_rag(task)
    index = task.index

    def answer(codes: np.ndarray) -> np.ndarray:
        return np.array([index[rag.run(tuple(task.alphabet[c] for c in row))] for row in codes], dtype=np.int64)

    return answer


def verify_answerers(task, device: str = "cpu", broken: bool = False, inputs: int | None = None) -> list:
    """The answerers ``succinct verify`` checks: the transformer (float64 and the smallest proved dtype);
    unless ``broken``, the hybrid, the exact RNN (n ≤ RNN_MAX_N) and RAG (for checks of at most RAG_MAX
    ``inputs``, default the whole input space, and n ≤ RAG_MAX_N)."""
    answerers = transformer_answerers(task, device, broken=broken)
    if not broken:
        answerers.append(("hybrid (linear RNN + 1 attention layer)", hybrid_answerer(task)))
    if not broken and task.n <= RNN_MAX_N:
        answerers.append(("RNN (exact, store everything)", rnn_answerer(task)))
    if not broken and task.n <= RAG_MAX_N and (task.input_space() if inputs is None else inputs) <= RAG_MAX:
        answerers.append(("RAG (regex retriever)", rag_answerer(task)))
    return answerers


def verify_verdict(report, broken: bool) -> tuple[list[str], int]:
    """The lines after a verify summary and the exit status: with a perturbed weight (``broken``) a
    disagreement is the expected result."""
    if broken:
        if report.agree:
            return ["  a weight was perturbed on purpose, but no checked input shows it (too few inputs: try a "
                    "larger n or --sample)"], 1
        return ["  (a weight was perturbed on purpose: the disagreement above is the expected result)"], 0
    return [], 0 if report.agree else 1

__all__ = ["RAG_MAX", "RAG_MAX_N", "RNN_MAX_N", "CheckReport", "Disagreement", "broken_weight", "check_task", "chunk_rows",
           "hybrid_answerer", "language_answerer", "rag_answerer", "rnn_answerer", "show_input", "verify_answerers",
           "smallest_dtype", "transformer_answerers", "uhat_answerer", "verify_verdict"]
