"""A compiled UHAT's named weights, the plan derived from them and its exactness proof (docs/architecture.md).

:class:`CompiledUHAT` is the weight-holding half of :class:`~constructions.uhat.torch_backend.UHATModule`:
the named tensors (:mod:`constructions.uhat.torch_plan`), each a view of one flat tensor so that any
in-place change bumps one version counter; the metadata the tensors do not carry, with the precision
audit's bounds (THEORY §1, [BCL] Prop 12; :mod:`constructions.uhat.precision`); and the slot plan,
re-derived — after the proof is re-derived from the tensors (:func:`~constructions.uhat.torch_plan.symbolic`
then the audit) — whenever a named tensor changed. Dtype moves are checked against the stored bounds
(:class:`constructions.torch_exact.ExactModule`); a weights file rebuilds the module without the symbolic
network (:meth:`CompiledUHAT.from_file`, :mod:`constructions.torch_io`).
"""
from __future__ import annotations

from fractions import Fraction

import torch

from automata.errors import DtypeError, ParameterError
from constructions.dtypes import EXACT_LIMIT, parse_device
from constructions.torch_exact import ExactModule, digest, field, fraction, lossless
from constructions.uhat.model import UHAT
from constructions.uhat.precision import precision_audit
from constructions.uhat.torch_plan import (AttentionBlock, HeadMaps, Map, Part, Plan, ReLUBlock, PlanStep, build_plan,
                                           dense_size, layer_meta, named_parts, symbolic)

DENSE_LIMIT = 1 << 25  # dense entries of all A, B, C beyond which the layer maps are stored sparse


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


class CompiledUHAT(ExactModule):
    """Named weights + stored proof + derived plan; the execution lives in the subclass."""

    kind = "uhat"

    def _setup(self, net: UHAT, report, dtype: torch.dtype, device: torch.device, fast: bool,
               max_len: int | None, initial_values, cert: dict | None, sparse: bool | None = None) -> None:
        """Build from a symbolic network and its precision ``report`` (already checked for ``dtype``, or
        certified: ``cert`` is then the certificate's summary). ``sparse``: the layer maps as sparse COO
        tensors (None: when their dense size exceeds :data:`DENSE_LIMIT` entries)."""
        if report.integral:
            top = _largest_weight(net)
            if top > EXACT_LIMIT[dtype]:
                raise DtypeError(f"UHAT: a weight {top} is outside the range {dtype_name(dtype)} holds exactly")
        self.exact = report.integral
        self.plain = net.is_plain  # [BCL]'s model: what class_exec / streaming handle
        self.max_len = max_len if net.positions is not None or not report.integral else None
        self.bound = report.max_abs
        self.net_alphabet = net.alphabet
        self.accept_at = net.accept_at
        self.output_symbols = net.output_symbols
        self.generator = net.output is not None
        self.fast = fast
        self.n_pos = 0 if net.positions is None else net.positions.in_dim
        worst = max(report.layers, key=lambda p: max(p.max_value, p.partial))
        self._meta = {
            "alphabet": list(net.alphabet), "accept_at": net.accept_at, "model": net.model,
            "output_symbols": list(net.output_symbols), "layers": layer_meta(net), "max_len": max_len,
            "initial_values": None if initial_values is None else [[str(Fraction(lo)), str(Fraction(hi))]
                                                                    for lo, hi in initial_values],
            "audit": {"integral": report.integral, "max_abs": str(report.max_abs), "bits": report.bits,
                      "worst_layer": worst.index, "worst_kind": worst.kind},
            "certificate": cert,
        }
        # layer-0 vectors given directly (forward_from) are accepted only inside the audited bounds
        self._initial = None if initial_values is None else (
            torch.tensor([float(lo) for lo, _ in initial_values], dtype=torch.float64),
            torch.tensor([float(hi) for _, hi in initial_values], dtype=torch.float64), report.integral)
        self.sparse = dense_size(net) > DENSE_LIMIT if sparse is None else bool(sparse)
        for name, part in named_parts(net, dtype, self.sparse).items():
            setattr(self, name, part)
        self._cell = [0]
        for part in self.modules():
            if isinstance(part, Part):
                part.__dict__["_cell"] = self._cell
        self.dtype = dtype
        self._pack()
        if device.type == "cpu":
            self._after_apply()
        else:
            self.to(device)

    @classmethod
    def from_file(cls, meta: dict, tensors: dict[str, torch.Tensor], dtype: torch.dtype,
                  device: str | torch.device, fast: bool) -> "CompiledUHAT":
        """The module of a weights file (:func:`constructions.torch_io.load`): the network is read back
        from the tensors, its exactness proof re-derived and compared with the stored bounds."""
        for key, kind in (("alphabet", list), ("layers", list), ("output_symbols", list), ("audit", dict),
                          ("accept_at", str), ("model", str)):
            field(meta, key, kind)
        max_len = meta.get("max_len")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int)):
            raise ParameterError("max_len must be an integer or null")
        bounds = meta.get("initial_values")
        initial = None if bounds is None else [(fraction(lo), fraction(hi)) for lo, hi in bounds]
        net = symbolic(_parts_from(meta, tensors), meta)
        report = precision_audit(net, max_len, initial)
        audit = meta["audit"]
        if report.integral != field(audit, "integral", bool) or report.max_abs != fraction(audit.get("max_abs")):
            raise ParameterError(f"the stored exactness bounds ({audit.get('max_abs')}) disagree with the tensors' "
                                 f"({report.max_abs})")
        cert = meta.get("certificate")
        if report.integral:
            report.check(dtype, "UHAT")
        elif not isinstance(cert, dict) or cert.get("dtype") != dtype_name(dtype):
            raise DtypeError(f"this network runs only in the dtype its FloatCertificate covers "
                             f"({cert.get('dtype') if isinstance(cert, dict) else 'none stored'}), not {dtype_name(dtype)}")
        module = cls.__new__(cls)
        ExactModule.__init__(module)
        sparse = any(t.layout == torch.sparse_coo for t in tensors.values())
        module._setup(net, report, dtype, parse_device(device), fast, max_len, initial, cert, sparse)
        return module

    def file_parts(self) -> tuple[dict, dict[str, torch.Tensor]]:
        self._sync()
        return dict(self._meta), self.state_dict()

    # -- weights, plan and proof ---------------------------------------------------------------------------
    def _pack(self) -> None:
        """Make every dense weight a view of one flat tensor (masks: of one bool tensor), so any in-place
        change bumps one version counter; reassigned tensors are copied in (exactly, else DtypeError).
        Sparse weights (their own version counters) are listed in ``_sparse``."""
        found = [(p, n, b) for p in self.modules() if isinstance(p, Part) for n, b in p._buffers.items()]
        self._sparse = [(p, n) for p, n, b in found if b.layout != torch.strided]
        for part, name in self._sparse:
            if not lossless(part._buffers[name], self.dtype):
                raise DtypeError(f"{name}: values {dtype_name(self.dtype)} does not hold exactly")
            part._buffers[name] = part._buffers[name].to(self.dtype).coalesce()
        found = [(p, n, b) for p, n, b in found if b.layout == torch.strided]
        for is_mask, dtype in ((False, self.dtype), (True, torch.bool)):
            group = [(p, n, b) for p, n, b in found if (n == "mask") == is_mask]
            flat = torch.empty(sum(b.numel() for _, _, b in group), dtype=dtype, device=group[0][2].device
                               if group else self.embedding.weight.device)
            at = 0
            for part, name, buf in group:
                if not lossless(buf, dtype):
                    raise DtypeError(f"{name}: values {dtype_name(dtype)} does not hold exactly")
                view = flat[at: at + buf.numel()].view(buf.shape)
                view.copy_(buf.to(flat.device))
                part._buffers[name] = view
                at += buf.numel()
            setattr(self, "_masks" if is_mask else "_flat", flat)
        self._packed = self._cell[0]

    def _key(self) -> tuple:
        return (self._flat._version, self._masks._version, self._cell[0],
                *(p._buffers[n]._version for p, n in self._sparse))

    def _sync(self) -> None:
        """Re-derive the plan (and re-prove exactness) if a named tensor changed since the last run."""
        if self.__dict__.get("_plan_key") == self._key():
            return
        if self._cell[0] != self._packed:
            self._pack()
        now = digest(self.state_dict())
        if now != self._proved:
            self._reprove(now)
        self._replan()

    def _reprove(self, now: str) -> None:
        """The weights changed: their network's exactness proof, from the tensors, or DtypeError."""
        if self._meta["certificate"] is not None:
            raise DtypeError("the weights of a certified network changed: its FloatCertificate no longer applies")
        initial = self._meta["initial_values"]
        net = symbolic(self._named(), self._meta)
        report = precision_audit(net, self._meta["max_len"], None if initial is None else
                                 [(Fraction(lo), Fraction(hi)) for lo, hi in initial])
        if not report.integral:
            raise DtypeError("the changed weights are not integral: no exact run of them exists")
        report.check(self.dtype, "UHAT (changed weights)")
        self.bound, self._proved = report.max_abs, now
        self._meta["audit"] = {**self._meta["audit"], "max_abs": str(report.max_abs), "bits": report.bits}

    def _replan(self) -> None:
        readout = self.output if self.generator else self.accept
        self._plan = build_plan(self.embedding.weight.shape[1], self.layers, self._meta["layers"], readout,
                                self.fast, self.exact, self.embedding.weight)
        self._scratch_bufs = {}
        self._plan_key = self._key()

    def _named(self) -> dict:
        return {name: getattr(self, name) for name in ("embedding", "positions", "layers", "accept", "output")
                if name in self._modules}

    def _check_dtype(self, dtype: torch.dtype) -> None:
        """The stored proof for ``dtype``: the audit's bound within its exact range, weights cast losslessly."""
        self._sync()
        cert, audit = self._meta["certificate"], self._meta["audit"]
        if cert is not None:
            raise DtypeError(f"this network is certified for {cert['dtype']} only (a FloatCertificate covers one "
                             f"dtype), not {dtype_name(dtype)}")
        if self.bound > EXACT_LIMIT[dtype]:
            raise DtypeError(f"UHAT: layer {audit['worst_layer']} ({audit['worst_kind']}) reaches |value| {self.bound} "
                             f"but {dtype_name(dtype)} is exact only up to {EXACT_LIMIT[dtype]}")
        if not all(lossless(t, dtype) for t in (self._flat, *(p._buffers[n] for p, n in self._sparse))):
            raise DtypeError(f"UHAT: a weight is outside the range {dtype_name(dtype)} holds exactly")

    def _after_apply(self) -> None:
        self._pack()
        self._proved = digest(self.state_dict())
        self._replan()

    def _weights_changed(self) -> None:
        self._sync()

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            plan = self.__dict__.get("_plan")
            if plan is not None and name in plan.blocks:  # the plan's blocks by their historical names
                return plan.blocks[name]
            raise

    @property
    def plan(self) -> Plan:
        self._sync()
        return self._plan

    @property
    def steps(self) -> tuple[PlanStep, ...]:
        return self.plan.steps

    @property
    def _index(self) -> tuple[dict[str, torch.Tensor], ...]:
        return self.plan.index

    @property
    def n_slots(self) -> int:
        return self.plan.n_slots

    @property
    def t_slots(self) -> tuple[int, ...]:
        return self.plan.t_slots

    @property
    def emb(self) -> torch.Tensor:
        """(|Σ|, D₀): row a is emb(a) (``embedding.weight``)."""
        return self.embedding.weight

    @property
    def pos_w(self) -> torch.Tensor:
        """(D₀, d+1) positional map (``positions.weight``; zero columns without positional features)."""
        if "positions" in self._modules:
            return self.positions.weight
        return self.embedding.weight.new_zeros((self.embedding.weight.shape[1], 0))

    @property
    def device(self) -> torch.device:
        return self.embedding.weight.device

    def __setstate__(self, state: dict) -> None:
        """After a deep copy or unpickling: the weights become views of one flat tensor again."""
        super().__setstate__(state)
        if "_flat" in state:
            self._pack()
            self._plan_key = None


def _largest_weight(net: UHAT) -> Fraction:
    maps = [net.embedding, net.accept if net.accept is not None else net.output,
            *([net.positions] if net.positions is not None else []), *(m for layer in net.layers for m in layer.maps())]
    return max((abs(v) for m in maps for v in m.values()), default=Fraction(0))


def _parts_from(meta: dict, tensors: dict[str, torch.Tensor]) -> dict:
    """The named parts a weights file's tensors form (by the names :mod:`torch_plan` documents)."""
    get = lambda name: tensors[name]  # noqa: E731 - KeyError: a missing tensor
    pair = lambda prefix: Map(get(f"{prefix}.weight"), get(f"{prefix}.bias"))  # noqa: E731
    parts: dict = {"embedding": Map(get("embedding.weight"))}
    if "positions.weight" in tensors:
        parts["positions"] = Map(get("positions.weight"))
    layers = []
    for k, info in enumerate(meta["layers"]):
        kind = field(info, "kind", str)
        if kind == "relu":
            mask = get(f"layers.{k}.mask")
            if mask.dtype != torch.bool or mask.dim() != 1:
                raise ParameterError(f"layers.{k}.mask must be a 1-d bool tensor")
            layers.append(ReLUBlock(mask))
        elif kind == "attention":
            extra = [HeadMaps(pair(f"layers.{k}.extra.{h}.A"), pair(f"layers.{k}.extra.{h}.B"))
                     for h in range(len(field(info, "heads", list)) - 1)]
            layers.append(AttentionBlock(pair(f"layers.{k}.A"), pair(f"layers.{k}.B"), pair(f"layers.{k}.C"), extra))
        else:
            raise ParameterError(f"unknown layer kind {kind!r}")
    parts["layers"] = layers
    if "accept.weight" in tensors:
        parts["accept"] = Map(get("accept.weight"))
    else:
        parts["output"] = pair("output")
    return parts


__all__ = ["DENSE_LIMIT", "CompiledUHAT"]
