"""Executable PyTorch form of a symbolic Elman RNN — exact, CPU or CUDA.

``to_torch(rnn, dtype, device)`` returns an :class:`RNNModule` whose ``forward`` maps a LongTensor
``(B, L)`` of symbol codes to a BoolTensor ``(B, L)``: whether each prefix is accepted. The weights
(``W``, the symbol table ``U e(a) + b``, ``h0``, ``t``, ``c``) are registered buffers, so
``state_dict()`` holds them.

Exactness (THEORY §1: never rely on rounding): weights must be integral, and the interval audit bounds
every pre-activation and readout partial sum, assuming ``0 ≤ h ≤ max_activation`` (1 for Heaviside and
saturated linear; ``2^k − 1`` for ReLU, i.e. the network's ``precision_bits`` claim) and ``|h0|``,
within the dtype's exact integer range (:mod:`constructions.dtypes`); otherwise :class:`DtypeError`.
For ReLU networks the claim itself is re-checked on every run: a state beyond it raises
:class:`DtypeError` instead of returning a possibly rounded answer.

PyTorch conventions (:mod:`constructions.torch_io`): the audit's bound is stored in the module, so
``.to(dtype)`` / ``.half()`` / ``.float()`` / ``.double()`` / ``.type()`` re-check it and either convert
or raise :class:`DtypeError` leaving the module unchanged; changed weights (in place or by
``load_state_dict``) are re-audited from the tensors (:func:`tensor_bound`) before the next run;
``forward(words, lengths=…)`` / ``attention_mask=…`` runs a batch of mixed lengths (a padded step
leaves the state unchanged, padded positions read False); :func:`constructions.torch_io.save` /
``load`` write and read the module without the symbolic network.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch

from automata.errors import DtypeError, ParameterError, UnknownSymbolError
from constructions.dtypes import check_exact, parse_device, parse_dtype
from constructions.exact import Affine, abs_bound
from constructions.rnn.model import ElmanRNN
from constructions.torch_io import ExactModule, field, fraction, lossless, resolve_lengths, valid_positions

SUPPORTED = (torch.float32, torch.float64, torch.int64)


@dataclass(frozen=True)
class RNNAudit:
    """Bounds behind the exactness check: ``max_abs`` bounds every value and partial sum."""

    integral: bool
    state_bound: Fraction  # assumed bound on |h| (max activation, or |h0| if larger)
    pre_bound: Fraction  # bound on every pre-activation and its partial sums
    readout_bound: Fraction
    max_abs: Fraction


def audit(rnn: ElmanRNN) -> RNNAudit:
    """Interval (absolute-sum) audit of one step and of the readout, see the module docstring."""
    hb = max([Fraction(rnn.max_activation), *(abs(v) for v in rnn.h0)])
    hs = [hb] * rnn.units
    w = abs_bound(rnn.W, hs)
    u = abs_bound(rnn.U, [Fraction(1)] * len(rnn.alphabet))  # one-hot input: Σ|U_ra| + |b_r| bounds it
    pre = max([Fraction(0), *(x + y for x, y in zip(w, u))])
    ro = max(abs_bound(rnn.readout, hs))
    return RNNAudit(rnn.is_integral(), hb, pre, ro, max(pre, ro, hb))


def dense(m: Affine, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """The integral map ``m`` as a dense (out, in) matrix and an (out,) bias, in ``dtype``."""
    mat = torch.zeros((m.out_dim, m.in_dim), dtype=torch.int64)
    for r, c, v in m.entries:
        mat[r, c] = int(v)
    bias = torch.zeros(m.out_dim, dtype=torch.int64)
    for r, v in m.bias:
        bias[r] = int(v)
    return mat.to(dtype), bias.to(dtype)


def exact_dtype(dtype: torch.dtype | str, max_abs: Fraction, integral: bool, what: str) -> torch.dtype:
    """``dtype`` parsed, one of :data:`SUPPORTED`, and proved exact for values up to ``max_abs``
    (:func:`constructions.dtypes.check_exact`); else :class:`DtypeError` naming ``what``."""
    dtype = parse_dtype(dtype)
    if dtype not in SUPPORTED:
        raise DtypeError(f"{what} backend supports float32, float64 and int64, not {dtype}")
    check_exact(dtype, max_abs, integral, what)
    return dtype


def sigma(x: torch.Tensor, activation: str) -> torch.Tensor:
    """The activation (relu, satlin or heaviside) on a tensor, in its dtype."""
    if activation == "relu":
        return x.clamp_min(0)
    if activation == "satlin":
        return x.clamp(0, 1)
    return (x > 0).to(x.dtype)


class AuditedRecurrent(ExactModule):
    """The exactness bookkeeping the recurrent modules share: the bound proved for the current tensors is
    re-derived (:meth:`_tensor_bound`) whenever a buffer changed, and every dtype move is checked against
    it and against the buffers' own values."""

    label = "RNN"

    def _tensor_bound(self) -> tuple[bool, Fraction]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _key(self) -> tuple:
        return tuple((id(b), b._version) for b in self._buffers.values())

    def _sync(self) -> None:
        """Re-audit the tensors if a weight changed since the last proof (DtypeError if it fails)."""
        if self._key() == self._seen:
            return
        integral, bound = self._tensor_bound()
        check_exact(self.dtype, bound, integral, f"{self.label} (changed weights)")
        self.bound, self._seen = bound, self._key()

    def _weights_changed(self) -> None:
        self._sync()

    def _check_dtype(self, dtype: torch.dtype) -> None:
        self._sync()
        exact_dtype(dtype, self.bound, True, self.label)
        for name, buf in self._buffers.items():
            if not lossless(buf, dtype):
                raise DtypeError(f"{self.label}: {name} holds values {dtype} does not represent exactly")

    def _after_apply(self) -> None:
        self._seen = self._key()


class RNNModule(AuditedRecurrent):
    """forward(LongTensor (B, L)) → BoolTensor (B, L): ⟨t, h_p⟩ + c > 0 after every prefix p."""

    kind = "rnn"
    NAMES = ("W", "table", "h0", "t", "c")

    def __init__(self, rnn: ElmanRNN, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu"):
        super().__init__()
        report = audit(rnn)
        dtype = exact_dtype(dtype, report.max_abs, report.integral, "RNN")
        w, _ = dense(rnn.W, torch.int64)
        u, b = dense(rnn.U, torch.int64)
        t, c = dense(rnn.readout, torch.int64)
        d = rnn.units
        tensors = {"W": w, "table": (u.T + b).contiguous(), "h0": torch.tensor([int(v) for v in rnn.h0],
                   dtype=torch.int64).reshape(d), "t": t.reshape(d), "c": c.reshape(())}
        self._setup(tensors, rnn.alphabet, rnn.activation, rnn.max_activation, report.max_abs, dtype,
                    parse_device(device))

    def _setup(self, tensors: dict[str, torch.Tensor], alphabet, activation: str, max_activation: int,
               bound: Fraction, dtype: torch.dtype, device: torch.device) -> None:
        self.activation = activation
        self.alphabet = tuple(alphabet)
        self.max_activation = max_activation
        self.bound = bound  # the proved bound on every value and partial sum
        for name in self.NAMES:
            if not lossless(tensors[name], dtype):
                raise DtypeError(f"RNN: {name} holds values {dtype} does not represent exactly")
            self.register_buffer(name, tensors[name].to(dtype))
        self.dtype = dtype
        self._seen = self._key()
        self.to(device)

    @classmethod
    def from_file(cls, meta: dict, tensors: dict[str, torch.Tensor], dtype: torch.dtype,
                  device: str | torch.device, fast: bool) -> "RNNModule":
        """The module of a weights file: shapes checked, the bound re-derived from the tensors."""
        alphabet, activation = field(meta, "alphabet", list), field(meta, "activation", str)
        max_activation = field(meta, "max_activation", int)
        stored = fraction(field(meta, "audit", dict).get("max_abs"))
        d = tensors["W"].shape[0]
        shapes = {"W": (d, d), "table": (len(alphabet), d), "h0": (d,), "t": (d,), "c": ()}
        if set(tensors) != set(shapes) or any(tuple(tensors[k].shape) != v for k, v in shapes.items()):
            raise ParameterError("the RNN tensors have the wrong names or shapes")
        if activation not in ("relu", "satlin", "heaviside") or not all(isinstance(a, str) for a in alphabet):
            raise ParameterError("bad activation or alphabet")
        integral, bound = tensor_bound(tensors["W"], tensors["table"], tensors["h0"], tensors["t"], tensors["c"],
                                       max_activation)
        if not integral or bound > stored:
            raise ParameterError(f"the stored bound {stored} does not cover the tensors ({bound})")
        exact_dtype(dtype, stored, True, "RNN")
        module = cls.__new__(cls)
        ExactModule.__init__(module)
        module._setup(tensors, alphabet, activation, max_activation, stored, dtype, parse_device(device))
        return module

    def file_parts(self) -> tuple[dict, dict[str, torch.Tensor]]:
        self._sync()
        return ({"alphabet": list(self.alphabet), "activation": self.activation, "max_activation": self.max_activation,
                 "audit": {"integral": True, "max_abs": str(self.bound)}}, self.state_dict())

    def _tensor_bound(self) -> tuple[bool, Fraction]:
        return tensor_bound(self.W, self.table, self.h0, self.t, self.c, self.max_activation)

    @property
    def device(self) -> torch.device:
        return self.W.device

    def _sigma(self, x: torch.Tensor) -> torch.Tensor:
        return sigma(x, self.activation)

    def _chunk_float(self, cols: torch.Tensor, out: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        """Floating dtypes: states as (B, D) rows, dense BLAS products; a padded step keeps the state."""
        h = self.h0.expand(cols.shape[1], -1)
        peak = torch.zeros((), dtype=self.dtype, device=self.device)
        for p in range(cols.shape[0]):
            new = self._sigma(h @ self.W.T + self.table.index_select(0, cols[p]))
            h = new if valid is None else torch.where(valid[p][:, None], new, h)
            if self.activation == "relu":
                peak = torch.maximum(peak, h.max())
            out[p] = h @ self.t + self.c > 0
        return peak

    def _chunk_int(self, cols: torch.Tensor, out: torch.Tensor, valid: torch.Tensor | None = None) -> torch.Tensor:
        """Integer dtypes: states as (D, B) columns, one fused add per non-zero weight (integer
        matmul is slow on CPU and missing on CUDA; the weights read here are the buffers)."""
        w_nz = [(int(r), int(c), int(self.W[r, c])) for r, c in self.W.nonzero().tolist()]
        t_nz = [(int(c), int(self.t[c])) for (c,) in self.t.nonzero().tolist()]
        table_t = self.table.T.contiguous()
        h = self.h0.unsqueeze(1).expand(-1, cols.shape[1])
        peak = torch.zeros((), dtype=self.dtype, device=self.device)
        for p in range(cols.shape[0]):
            pre = table_t.index_select(1, cols[p])
            for r, c, v in w_nz:
                pre[r].add_(h[c], alpha=v)
            h = self._sigma(pre) if valid is None else torch.where(valid[p][None, :], self._sigma(pre), h)
            if self.activation == "relu":
                peak = torch.maximum(peak, h.max())
            acc = self.c.expand(cols.shape[1]).clone()
            for c, v in t_nz:
                acc.add_(h[c], alpha=v)
            out[p] = acc > 0
        return peak

    def forward(self, words: torch.Tensor, chunk: int = 1 << 16, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """Acceptance after every prefix; rows run ``chunk`` at a time (cache-sized blocks). With
        ``lengths`` / ``attention_mask`` padded positions read False and never change the state."""
        self._sync()
        run = self._chunk_float if self.dtype.is_floating_point else self._chunk_int
        return prefix_verdicts(words, len(self.alphabet), self.device, chunk, run,
                               self.max_activation if self.activation == "relu" else None, lengths, attention_mask)

    def accepts(self, words: torch.Tensor, *, lengths=None, attention_mask=None) -> torch.Tensor:
        """(B,) bool: each word's verdict after its own last symbol."""
        return last_verdicts(self.forward(words, lengths=lengths, attention_mask=attention_mask), words, lengths,
                             attention_mask)


def tensor_bound(w: torch.Tensor, table: torch.Tensor, h0: torch.Tensor, t: torch.Tensor, c: torch.Tensor,
                 max_activation: int) -> tuple[bool, Fraction]:
    """(integral, bound) of the computation the module performs, from its tensors, in exact integers:
    with hb = max(max_activation, |h0|), every pre-activation partial sum is ≤ Σ_c |W_rc|·hb + max_a
    |table_ar| and the read-out's ≤ Σ_c |t_c|·hb + |c| (the module adds the table row to W·h)."""
    tensors = (w, table, h0, t, c)
    if not all(_integral(x) for x in tensors):
        return False, Fraction(0)
    hb = max([max_activation, *(abs(v) for v in _ints(h0))])
    table_max = [max((abs(v) for v in col), default=0) for col in zip(*_ints(table))] or [0] * w.shape[0]
    pre = [sum(abs(x) for x in row) * hb + m for row, m in zip(_ints(w), table_max)]
    ro = sum(abs(x) for x in _ints(t)) * hb + abs(int(_ints(c)))
    return True, Fraction(max([hb, ro, *pre]))


def _integral(x: torch.Tensor) -> bool:
    x = x.detach()
    return not x.dtype.is_floating_point or bool((torch.isfinite(x) & (x == x.round())).all())


def _ints(x: torch.Tensor):
    """Exact Python integers of an integral tensor (nested lists, or one int for a scalar)."""
    x = x.detach().cpu()
    if x.dim() == 0:
        return int(x.item())
    if x.dim() == 1:
        return [int(v) for v in x.tolist()]
    return [[int(v) for v in row] for row in x.tolist()]


def last_verdicts(out: torch.Tensor, words: torch.Tensor, lengths, attention_mask) -> torch.Tensor:
    """(B,) the prefix verdicts ``out`` (B, L) read at each word's own last position."""
    lens = resolve_lengths(words, lengths, attention_mask)
    last = torch.full((out.shape[0],), out.shape[1] - 1, dtype=torch.long) if lens is None else lens - 1
    return out[torch.arange(out.shape[0], device=out.device), last.to(out.device)]


def prefix_verdicts(words: torch.Tensor, sigma: int, device: torch.device, chunk: int, run,
                    max_activation: int | None, lengths=None, attention_mask=None) -> torch.Tensor:
    """The driver shared by the RNN modules: validate a (B, L) batch of symbol codes, run it ``chunk``
    rows at a time through ``run(cols, out, valid) -> peak state value`` (which fills ``out``, shape
    (L, rows); ``valid`` (L, rows) or None: a padded step keeps the state), and refuse a run whose peak
    exceeds ``max_activation`` (the precision claim the audit relies on; None: no check). With
    ``lengths`` / ``attention_mask`` (:func:`constructions.torch_io.resolve_lengths`) only the real
    positions must hold symbols, and padded positions read False. Returns (B, L) bool."""
    if not isinstance(words, torch.Tensor) or words.dim() != 2:
        raise ParameterError(f"words must be a (B, L) LongTensor of symbol codes, got "
                             f"{tuple(words.shape) if isinstance(words, torch.Tensor) else type(words).__name__}")
    if words.dtype.is_floating_point or words.dtype.is_complex or words.dtype == torch.bool:
        raise ParameterError(f"symbol codes must be integers, got {words.dtype}")
    words = words.to(device, torch.long)
    n, length = words.shape
    out = torch.zeros(length, n, dtype=torch.bool, device=device)
    if words.numel() == 0:
        return out.T
    lens = resolve_lengths(words, lengths, attention_mask)
    valid = None if lens is None else valid_positions(lens, length, device)
    if valid is not None:
        words = torch.where(valid, words, torch.zeros_like(words))
    if int(words.min()) < 0 or int(words.max()) >= sigma:
        raise UnknownSymbolError(f"symbol code out of range 0..{sigma - 1}")
    cols = words.T.contiguous()
    vcols = None if valid is None else valid.T.contiguous()
    peak = max(float(run(cols[:, lo: lo + chunk], out[:, lo: lo + chunk],
                         None if vcols is None else vcols[:, lo: lo + chunk])) for lo in range(0, n, chunk))
    if max_activation is not None and peak > max_activation:
        raise DtypeError(f"a state coordinate reached {peak} > {max_activation}, beyond the network's "
                         f"precision claim the exactness audit relies on")
    return out.T if valid is None else out.T & valid


def to_torch(rnn: ElmanRNN, dtype: torch.dtype | str = torch.float64, device: str | torch.device = "cpu") -> RNNModule:
    """The exact PyTorch module of ``rnn`` (raises :class:`DtypeError` if ``dtype`` is not exact); a
    :class:`~constructions.rnn.deep.DeepRNN` gets its own module (:func:`~constructions.rnn.deep_torch.deep_to_torch`)."""
    from constructions.rnn.deep import DeepRNN

    if isinstance(rnn, DeepRNN):
        from constructions.rnn.deep_torch import deep_to_torch

        return deep_to_torch(rnn, dtype, device)  # type: ignore[return-value]
    if not isinstance(rnn, ElmanRNN):
        from automata.errors import ArgumentError

        raise ArgumentError(f"to_torch needs an ElmanRNN (or a DeepRNN), got {type(rnn).__name__}")
    return RNNModule(rnn, parse_dtype(dtype), device)
