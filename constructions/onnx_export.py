"""ONNX export of a compiled network, and an exhaustive check of the exported graph (docs/architecture.md).

:func:`export_onnx` writes a graph computed from the module's **named tensors** (the
``state_dict``: initializers of the graph) with ``torch.onnx.export(dynamo=True)`` (torch.export +
onnxscript), dynamic batch size and word length:

* UHAT ([BCL] §2, THEORY §1): the dense form — per attention layer q = A·v + a, k = B·v + b, the
  (L × L) scores, the mask, the maximal unmasked scores, and the tie-break as the largest *rank*
  (j for rightmost, L−1−j for leftmost; ranks are distinct, so no argmax convention of any runtime
  decides a tie), the attended vector zero where no position is unmasked, then C on (v, a¹, …, aᴴ);
  ReLU on the masked coordinates; the read-out (acceptance > 0 per position, or the least index of the
  largest logit). O(L²) per layer — the module's O(L) plan is torch-side only.
* RNNs ([BCL] §2.4): one ``scan`` step per symbol (the ONNX ``Scan`` loop), outputs ``verdicts`` (B, L)
  and ``within_claim`` (B,) — False where a ReLU state exceeded the precision claim the exactness audit
  relies on (the torch module raises there; a graph cannot).

The graph's input is ``words`` (B, L) int64 symbol codes, all of one length (no padding: run mixed lengths
one length at a time); its last output is ``valid`` (B,) bool — False for a row holding a code outside
0..|Σ|−1 (such a row's verdicts are meaningless: the graph clamps the codes instead of raising).

**Exactness in onnxruntime.** Every value, score and partial sum of a run is an integer within the
dtype's exact range (the module's stored audit), so ORT's MatMul/ReduceMax/Gather give the exact
result in any summation order. Refused, with a typed error naming why: ``bfloat16`` (ORT has no
bfloat16 MatMul kernel on CPU), averaging/softmax heads and rational weights (their certificate bounds
torch's float kernels, not ORT's exp and sums), positional features and certified length bounds (an
exported graph cannot refuse words longer than the audited ``max_len``).

:func:`check_onnx` runs every word up to a length through onnxruntime and the module and returns the
first disagreement (shortest, then lexicographically least word), or None.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from automata.alphabet import all_words
from automata.errors import ArgumentError, DtypeError, ParameterError, check_int
from constructions.torch_exact import ExactModule, ModelFileError
from constructions.torch_io import file_path

MAX_CHECK_WORDS = 2_000_000  # check_onnx refuses larger word sets before running any


@dataclass(frozen=True)
class OnnxDisagreement:
    """The first word on which the exported graph and the module differ, at ``position`` (0-based)."""

    word: tuple[int, ...]
    position: int
    torch_value: int
    onnx_value: int


def _sentinel(dtype: torch.dtype) -> torch.Tensor:
    """A score below every real one (real scores are bounded by the audit)."""
    value = float("-inf") if dtype.is_floating_point else torch.iinfo(dtype).min
    return torch.tensor(value, dtype=dtype)


def _allowed(mask: str, pos: torch.Tensor) -> torch.Tensor:
    i, j = pos[:, None], pos[None, :]
    return {"none": (i >= 0) & (j >= 0), "j<i": j < i, "j>i": j > i, "j<=i": j <= i, "j>=i": j >= i}[mask]


class _UHATGraph(nn.Module):
    """The dense forward over a UHATModule's named tensors (shared, not copied)."""

    def __init__(self, module) -> None:
        super().__init__()
        self.embedding, self.layers = module.embedding, module.layers
        self.readout_map = module.output if module.generator else module.accept
        self.metas, self.generator, self.dtype = module._meta["layers"], module.generator, module.dtype
        self.attends = [m["kind"] == "attention" and bool(layer.C.weight[:, layer.A.weight.shape[1]:].ne(0).any())
                        for layer, m in zip(module.layers, self.metas)]  # decided here: no data-dependent graph

    def forward(self, words: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.embedding.weight.shape[0]
        valid = ((words >= 0) & (words < k)).all(1)  # a graph cannot raise: codes outside 0..k−1 are reported
        x = self.embedding.weight[words.clamp(0, k - 1)]  # (B, L, D0)
        length = words.shape[1]
        pos = torch.arange(length, device=words.device)
        for layer, meta, attends in zip(self.layers, self.metas, self.attends):
            if meta["kind"] == "relu":
                x = torch.where(layer.mask, x.clamp(min=0), x)
                continue
            r = x.shape[2]
            c_w = layer.C.weight
            if not attends:  # position-wise: C ignores the attended vectors
                x = x @ c_w[:, :r].T + layer.C.bias
                continue
            parts = [x]
            for (a, b), spec in zip(layer.head_maps(), meta["heads"]):
                score = (x @ a.weight.T + a.bias) @ (x @ b.weight.T + b.bias).transpose(1, 2)  # (B, L, L)
                allowed = _allowed(spec["mask"], pos)
                score = torch.where(allowed, score, _sentinel(score.dtype))
                top = (score == score.amax(-1, keepdim=True)) & allowed
                rank = pos if spec["tiebreak"] == "rightmost" else length - 1 - pos
                best = torch.where(top, rank, -1).amax(-1)  # (B, L): the tie-break's rank
                j = (best if spec["tiebreak"] == "rightmost" else length - 1 - best).clamp(0, length - 1)
                att = torch.gather(x, 1, j[..., None].expand(-1, -1, r))
                parts.append(att * allowed.any(-1)[None, :, None].to(x.dtype))
            x = torch.cat(parts, -1) @ c_w.T + layer.C.bias
        out = x @ self.readout_map.weight.T
        if not self.generator:
            return out[..., 0] > 0, valid
        out = out + self.readout_map.bias
        index = torch.arange(out.shape[-1], device=out.device)
        return torch.where(out == out.amax(-1, keepdim=True), index, out.shape[-1]).amin(-1), valid  # least argmax


def _activation(x: torch.Tensor, kind: str) -> torch.Tensor:
    if kind == "relu":
        return x.clamp(min=0)
    if kind == "satlin":
        return x.clamp(0, 1)
    return (x > 0).to(x.dtype)


class _RNNGraph(nn.Module):
    """The Elman or deep RNN as one ``scan`` over the symbols: (verdicts (B, L), within_claim (B,))."""

    def __init__(self, module) -> None:
        super().__init__()
        self.m = module
        self.deep = module.kind == "deep_rnn"
        self.claim = module.max_activation
        self.relu = (module.activations[-1] if self.deep else module.activation) == "relu"

    def forward(self, words: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        from torch._higher_order_ops.scan import scan

        m = self.m
        k = len(m.alphabet)
        valid = ((words >= 0) & (words < k)).all(1)  # a graph cannot raise: codes outside 0..k−1 are reported
        words = words.clamp(0, k - 1)
        if self.deep:
            d = m.units
            xs = (m.M0[:, d:].T + m.b0)[words.T]  # (L, B, H1): the symbol's column plus the bias
        else:
            xs = m.table[words.T]  # (L, B, D)

        def step(h: torch.Tensor, x: torch.Tensor):
            if self.deep:
                y = _activation(h @ m.M0[:, : m.units].T + x, m.activations[0])
                for i in range(1, len(m.activations)):
                    y = _activation(y @ getattr(m, f"M{i}").T + getattr(m, f"b{i}"), m.activations[i])
            else:
                y = _activation(h @ m.W.T + x, m.activation)
            return y.clone(), (y @ m.t + m.c > 0, y.amax(-1))

        h0 = m.h0.expand(words.shape[0], -1).clone()
        _, (verdicts, peaks) = scan(step, h0, xs)
        within = (peaks <= self.claim).all(0) if self.relu else torch.ones_like(words[:, 0], dtype=torch.bool)
        return verdicts.T, within, valid


def _graph(module: ExactModule) -> nn.Module:
    """The exportable graph of ``module``, or a typed refusal naming why no exact export exists."""
    from constructions.rnn.deep_torch import DeepRNNModule
    from constructions.rnn.torch_backend import RNNModule
    from constructions.uhat.torch_backend import UHATModule

    if not isinstance(module, (UHATModule, RNNModule, DeepRNNModule)):
        raise ParameterError(f"export_onnx needs a compiled module (to_torch / deep_to_torch), got "
                             f"{type(module).__name__}")
    if module.dtype == torch.bfloat16:
        raise DtypeError("onnxruntime has no bfloat16 MatMul kernel on CPU: export float32, float64 or an integer "
                         "dtype instead")
    if isinstance(module, UHATModule):
        module._sync()
        if not module.exact:
            raise DtypeError("averaging/softmax heads or rational weights: their FloatCertificate bounds torch's "
                             "float kernels, not onnxruntime's exp and summation order; no exact export")
        if module.sparse:
            raise ParameterError("the module stores its layer maps sparse (a very large network): the dense "
                                 "graph would hold every entry; build it with to_torch(..., sparse=False)")
        if module.max_len is not None or module.n_pos:
            raise ParameterError(f"positional features are audited only up to max_len = {module.max_len}; an "
                                 "exported graph cannot refuse longer words")
        return _UHATGraph(module)
    module._sync()  # the RNN modules hold float32, float64 or int64 only
    return _RNNGraph(module)


@contextlib.contextmanager
def _quiet():
    """The exporter's progress lines and warnings, swallowed (errors still raise)."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _check_module(module: object, where: str) -> None:
    if not isinstance(module, ExactModule):
        raise ArgumentError(f"{where} needs a compiled module (to_torch / deep_to_torch), got {type(module).__name__}")


def export_onnx(module: ExactModule, path: str | os.PathLike, example_length: int = 3) -> Path:
    """Write ``module`` as an ONNX graph to ``path`` (atomically: a temporary file renamed into place):
    input ``words`` (B, L) int64 with dynamic B and L ≥ 1; output ``verdicts`` (B, L) — bool acceptance
    per position, or a generator's int64 answer per position — and, for RNNs, ``within_claim`` (B,).
    Typed errors for modules no exact graph exists for (see the module docstring)."""
    _check_module(module, "export_onnx")
    path = file_path(path, "export_onnx")
    example_length = check_int(example_length, "export_onnx: example_length", 1, 1 << 20)
    graph = _graph(module).eval()
    if path.exists() and not path.is_file():
        raise ParameterError(f"{path} exists and is not a file")
    if not path.parent.is_dir():
        raise ParameterError(f"directory {path.parent} does not exist")
    alphabet = module.net_alphabet if hasattr(module, "net_alphabet") else module.alphabet
    words = (torch.arange(2 * example_length) % len(alphabet)).reshape(2, example_length).to(module.device)
    batch, length = torch.export.Dim("batch", min=1), torch.export.Dim("length", min=1, max=1 << 20)
    outputs = ["verdicts", "valid"] if isinstance(graph, _UHATGraph) else ["verdicts", "within_claim", "valid"]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        with _quiet(), torch.no_grad():
            torch.onnx.export(graph, (words,), tmp, dynamo=True, input_names=["words"], output_names=outputs,
                              dynamic_shapes=({0: batch, 1: length},), external_data=False, verbose=False)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def onnx_session(path: str | os.PathLike):
    """An onnxruntime CPU session of an exported graph (:class:`ModelFileError` if it cannot be read)."""
    import onnxruntime as ort

    path = file_path(path, "onnx_session")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    try:
        return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # the untrusted boundary: ORT's own exception types
        raise ModelFileError(f"{path}: onnxruntime cannot load it ({type(e).__name__})") from None


def check_onnx(module: ExactModule, path: str | os.PathLike, max_length: int, chunk: int = 1 << 14,
               max_words: int = MAX_CHECK_WORDS) -> OnnxDisagreement | None:
    """Every word of length 1..``max_length`` through the exported graph (onnxruntime) and ``module``;
    the first disagreement in any position's output (shortest, then lexicographically least word), or
    None. An RNN graph must also report every such word within its precision claim."""
    _check_module(module, "check_onnx")
    alphabet = module.net_alphabet if hasattr(module, "net_alphabet") else getattr(module, "alphabet", None)
    if alphabet is None or isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ParameterError("check_onnx needs a compiled module and an integer max_length ≥ 1")
    k = len(alphabet)
    total = 0
    for ell in range(1, max_length + 1):  # stops as soon as the limit is passed (max_length may be huge)
        total += k**ell
        if total > max_words:
            break
    if total > max_words:
        raise ParameterError(f"{total} words up to length {max_length} exceed the limit of {max_words}")
    session = onnx_session(path)
    for ell in range(1, max_length + 1):
        for lo in range(0, k**ell, chunk):
            words = all_words(ell, k, lo, lo + chunk)
            with torch.no_grad():
                want = module(torch.from_numpy(words).to(module.device)).cpu().numpy()
            got = session.run(None, {"words": words})
            bad = np.nonzero((np.asarray(got[0]) != want).any(1) | ~np.asarray(got[-1], dtype=bool) | (
                ~np.asarray(got[1], dtype=bool) if len(got) > 2 else False))[0]
            if bad.size:
                row = int(bad[0])
                diff = np.nonzero(np.asarray(got[0])[row] != want[row])[0]
                p = int(diff[0]) if diff.size else ell - 1
                return OnnxDisagreement(tuple(int(c) for c in words[row]), p, int(want[row, p]),
                                        int(np.asarray(got[0])[row, p]))
    return None


__all__ = ["MAX_CHECK_WORDS", "OnnxDisagreement", "check_onnx", "export_onnx", "onnx_session"]
