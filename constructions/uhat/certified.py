"""Certified floating-point runs: a proved bound on the read-out error of a UHAT run in float32/float64.

Hard attention over integral weights is exact in a float dtype when the precision audit bounds every
value (:mod:`constructions.uhat.precision`). Averaging heads (``average``: 1/(c+1) is not a float),
``softmax`` heads (irrational weights) and rational weights are not, so such a network runs only with a
:class:`FloatCertificate`: a forward error analysis in the standard model of floating-point arithmetic
(fl(x ∘ y) = (x ∘ y)(1 + δ), |δ| ≤ u; a sum of m terms in any order has error ≤ γ_m·Σ|terms|,
γ_m = m·u/(1 − m·u); Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1) that
bounds, for every word of length ≤ ``max_len``, the distance between the float run and the **exact
reference**: the same network with every softmax head replaced by its β → ∞ limit (hard attention on a
unique winner) — :func:`constructions.uhat.semantics.run_exact` with ``softmax_as_hard=True``.

Per coordinate r the analysis carries a magnitude bound B_r (absolute-sum interval arithmetic) and an
error bound E_r (E_r = 0 while the value is an exactly computed integer within the dtype's range):

* affine row Σ w_c x_c + b: E ≤ Σ(|w_c|E_c + δw_c(B_c + E_c)) + δb + γ_{m+1}(Σ(|w_c| + δw_c)(B_c + E_c) + |b| + δb),
  δw = 0 for an integer weight within range, else u|w| (the stored weight is rounded);
* ReLU: 1-Lipschitz, E unchanged;
* hard head: exact scores (E = 0) pick exactly the reference position (ties included); otherwise refused;
* average head: exact scores give exactly the reference's maximal set; the mean of ≤ L values adds
  γ_L·B + u·B (division);
* softmax head with a **proved margin** Δ (the reference winner beats every other unmasked position by
  ≥ Δ; :mod:`proofs_check.retrieval_proofs` proves it with z3 for every n) and N ≤ L − 1 competitors:
  the weight off the winner is ε ≤ N·e^(−β(Δ − 2E_s)) (the standard softmax tail bound), so the attended
  value moves by ≤ ε·2B from the winner's, plus E_v and the float error of exp/normalise/weighted sum
  ≤ (2L + 8)·u·B·1.01;
* read-out: the answer is the reference's when 2·max_k E_k < g, g the reference's proved logit margin.

Given layer-0 vectors (``initial_bounds``: a hybrid's exact integer RNN states, [WDL] Def 5.5) start
with their magnitude bounds and no error instead of the embedding's.

``beta_min`` is the least β (per softmax head, to 1/1000, by bisection on the monotone bound) for
which the certificate holds; a softmax head with β below it is refused (:class:`DtypeError`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Mapping, Sequence

from automata.errors import DtypeError, ParameterError
from constructions.dtypes import EXACT_LIMIT, parse_dtype
from constructions.exact import Affine, up2
from constructions.uhat.model import UHAT, AttentionLayer

UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24}
HeadKey = tuple[int, int]  # (layer index from 0, head index from 0)


@dataclass(frozen=True)
class FloatCertificate:
    """The outcome of :func:`certify_float` (``ok``: the float run's answer is the reference's)."""

    net: UHAT = field(repr=False)
    dtype: str
    max_len: int
    ok: bool
    logit_error: float  # bound on |float logit − reference logit|
    readout_margin: Fraction
    beta_min: Mapping[HeadKey, Fraction]  # least certified β per softmax head
    reason: str
    initial_bounds: tuple[Fraction, ...] | None = None  # the layer-0 magnitude bounds it assumed (a hybrid)

    def render(self) -> str:
        head = f"{self.dtype}, words of length ≤ {self.max_len}: " + ("CERTIFIED" if self.ok else "NOT CERTIFIED")
        lines = [head, f"  logit error ≤ {self.logit_error:.3e}; proved read-out margin {self.readout_margin} "
                       f"(needs 2·error < margin)"]
        for (layer, h), b in sorted(self.beta_min.items()):  # β rounded up: the printed value is certified
            lines.append(f"  layer {layer + 1} head {h + 1}: softmax β ≥ {up2(b, 3)} certified")
        if self.reason:
            lines.append(f"  {self.reason}")
        return "\n".join(lines)


def _gamma(m: int, u: float) -> float:
    if m * u >= 1:
        return math.inf
    return m * u / (1 - m * u)


def _weight_error(w: Fraction, limit: int, u: float) -> float:
    return 0.0 if w.denominator == 1 and abs(w) <= limit else u * abs(float(w)) * 1.0000001


_FLOAT_ROWS: dict[tuple[int, float, int], tuple[Affine, list]] = {}  # id(map), u, limit → (map, rows)


def _float_rows(m: Affine, limit: int, u: float) -> list:
    """Per output row: [(column, |w|, δw)], |b|, δb, whether every weight is stored exactly (cached)."""
    key = (id(m), u, limit)
    hit = _FLOAT_ROWS.get(key)
    if hit is not None and hit[0] is m:
        return hit[1]
    rows, bias = m.rows(), m.bias_dict()
    out = []
    for r in range(m.out_dim):
        row = [(c, abs(float(w)), _weight_error(w, limit, u)) for c, w in rows.get(r, {}).items()]
        b = bias.get(r, Fraction(0))
        db = _weight_error(b, limit, u)
        out.append((row, abs(float(b)), db, db == 0 and all(d == 0 for _, _, d in row)))
    if len(_FLOAT_ROWS) > 256:
        _FLOAT_ROWS.clear()
    _FLOAT_ROWS[key] = (m, out)
    return out


def _affine(m: Affine, B: Sequence[float], E: Sequence[float], integral: Sequence[bool], limit: int, u: float
            ) -> tuple[list[float], list[float], list[bool]]:
    """Magnitude bounds (absolute sums, rounded up by a relative 1e−9 against float rounding of the bound
    itself), error bounds and integrality of every output row of ``m``."""
    outB, outE, outI = [], [], []
    for row, b, db, exact_w in _float_rows(m, limit, u):
        mag_exact = (sum(w * B[c] for c, w, _ in row) + b) * (1 + 1e-9)
        outB.append(mag_exact)
        if exact_w and mag_exact <= limit and all(E[c] == 0 and integral[c] for c, _, _ in row):
            outE.append(0.0)
            outI.append(True)
            continue
        err = sum(w * E[c] + dw * (B[c] + E[c]) for c, w, dw in row) + db
        mag = sum((w + dw) * (B[c] + E[c]) for c, w, dw in row) + b + db
        outE.append(err + _gamma(len(row) + 1, u) * mag)
        outI.append(False)
    return outB, outE, outI


def certify_float(net: UHAT, dtype: str, max_len: int, margins: Mapping[HeadKey, Fraction],
                  readout_margin: Fraction, betas: Mapping[HeadKey, Fraction] | None = None,
                  initial_bounds: Sequence[Fraction | int] | None = None) -> FloatCertificate:
    """Bound the read-out error of a ``dtype`` run of ``net`` on words of length ≤ ``max_len`` (see the
    module docstring). ``margins``: the proved score margin of each softmax head (and of any hard head
    whose scores are not computed exactly); ``readout_margin``: the reference's proved logit margin.
    ``betas`` overrides the heads' β (used by the search for ``beta_min``).

    ``initial_bounds``: for runs whose layer-0 vectors are given instead of embedded (a hybrid's RNN
    states, [WDL] Def 5.5), one magnitude bound per coordinate; the vectors must be **exact integers**
    of at most that magnitude (the caller's obligation — an integer RNN's states). Coordinate r then
    starts with B_r = bound, E_r = 0 when the bound is within the dtype's exact range (else E_r = u·B_r,
    the rounding of the given value); the embedding and positions are not used."""
    _check_arguments(net, max_len, margins, readout_margin, betas)
    name = str(parse_dtype(dtype)).replace("torch.", "")
    if name not in UNIT_ROUNDOFF:
        raise DtypeError(f"certified runs use float32 or float64, not {name}")
    if max_len < 1:
        raise ParameterError("max_len must be ≥ 1")
    u, limit = UNIT_ROUNDOFF[name], EXACT_LIMIT[parse_dtype(dtype)]
    for key, beta in (betas or {}).items():  # the certificate is for the network with these β
        net = with_beta(net, key, beta)
    betas = {}
    try:
        init = None if initial_bounds is None else tuple(Fraction(b) for b in initial_bounds)
    except (TypeError, ValueError):
        raise ParameterError("initial_bounds must be a sequence of numbers, one per layer-0 coordinate") from None
    if init is not None and (len(init) != net.embedding.out_dim or any(b < 0 for b in init)):
        raise ParameterError(f"initial_bounds needs one magnitude bound ≥ 0 per layer-0 coordinate "
                             f"({net.embedding.out_dim})")
    result = _analyse(net, u, limit, max_len, margins, betas, init)
    if isinstance(result, str):
        return FloatCertificate(net, name, max_len, False, math.inf, Fraction(readout_margin), {}, result, init)
    err = result
    ok = 2 * err < float(readout_margin)
    mins = {key: _beta_min(net, u, limit, max_len, margins, readout_margin, key, init)
            for key in _softmax_heads(net)}
    reason = "" if ok else f"2·{err:.3e} ≥ margin {readout_margin}"
    low = [f"layer {k[0] + 1} head {k[1] + 1}: β = {float(_beta(net, k, betas or {})):.3f} < β_min = {up2(b, 3)}"
           for k, b in mins.items() if _beta(net, k, betas or {}) < b]
    if low:
        ok, reason = False, "; ".join(low)
    return FloatCertificate(net, name, max_len, ok, err, Fraction(readout_margin), mins, reason, init)


def _check_arguments(net: object, max_len: object, margins: object, readout_margin: object, betas: object) -> None:
    """Typed errors for wrong argument types (never a TypeError from inside the analysis)."""
    from numbers import Rational

    if not isinstance(net, UHAT):
        raise ParameterError(f"certify_float needs a UHAT, got {type(net).__name__}")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ParameterError(f"max_len must be an integer ≥ 1, got {max_len!r}")
    if not isinstance(readout_margin, (Rational, float)) or isinstance(readout_margin, bool) or readout_margin <= 0:
        raise ParameterError(f"the read-out margin must be a positive number, got {readout_margin!r}")
    heads = {(k, h) for k, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer)
             for h in range(layer.n_heads)}
    for what, table in (("margins", margins), ("betas", betas or {})):
        if not isinstance(table, Mapping):
            raise ParameterError(f"{what} must map (layer, head) to a number, got {type(table).__name__}")
        for key, value in table.items():
            if key not in heads:
                raise ParameterError(f"{what}: no attention head {key!r} (heads: {sorted(heads)})")
            if not isinstance(value, (Rational, float)) or isinstance(value, bool) or value <= 0:
                raise ParameterError(f"{what}[{key}] must be a positive number, got {value!r}")


def _softmax_heads(net: UHAT) -> list[HeadKey]:
    return [(k, h) for k, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer)
            for h, head in enumerate(layer.heads) if head.mode == "softmax"]


def _beta(net: UHAT, key: HeadKey, betas: Mapping[HeadKey, Fraction]) -> Fraction:
    if key in betas:
        return Fraction(betas[key])
    return Fraction(net.layers[key[0]].heads[key[1]].beta)


def _beta_min(net, u, limit, max_len, margins, readout_margin, key, init=None) -> Fraction:
    """Least β (to 1/1000) for head ``key`` with the other heads as they are."""
    def good(beta: Fraction) -> bool:
        res = _analyse(net, u, limit, max_len, margins, {key: beta}, init)
        return not isinstance(res, str) and 2 * res < float(readout_margin)

    lo, hi = Fraction(0), Fraction(1)
    while not good(hi):
        lo, hi = hi, hi * 2
        if hi > 2**20:
            return Fraction(2**20)  # not certifiable below this: reported as the bound
    while hi - lo > Fraction(1, 1000):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if good(mid) else (mid, hi)
    return Fraction(math.ceil(hi * 1000), 1000)


def _initial(init: Sequence[Fraction], limit: int, u: float) -> tuple[list[float], list[float], list[bool]]:
    """Magnitude, error and integrality of given exact-integer layer-0 coordinates of magnitude ≤ init_r."""
    B = [float(b) * (1 + 1e-9) for b in init]
    exact = [b <= limit for b in init]
    return B, [0.0 if ok else u * b for ok, b in zip(exact, B)], exact


def _analyse(net: UHAT, u: float, limit: int, max_len: int, margins: Mapping[HeadKey, Fraction],
             betas: Mapping[HeadKey, Fraction], init: Sequence[Fraction] | None = None) -> float | str:
    """The bound on the logits' error, or why there is none."""
    L = max_len
    d0 = net.embedding.out_dim
    emb_rows = net.embedding.rows()
    B, E, I = [], [], []
    feats_B = [float(max(L - 1, 1)) ** d for d in range(net.positions.in_dim)] if net.positions else []
    pos_rows = net.positions.rows() if net.positions else {}
    if init is not None:
        B, E, I = _initial(init, limit, u)
        d0 = 0  # the embedding loop below is skipped
    for r in range(d0):
        vals = list(emb_rows.get(r, {}).values())
        mag_e = max([abs(float(v)) for v in vals], default=0.0)
        exact_e = all(v.denominator == 1 and abs(v) <= limit for v in vals)
        pw = pos_rows.get(r, {})
        mag_p = sum(abs(float(w)) * feats_B[d] for d, w in pw.items())
        exact_p = all(w.denominator == 1 for w in pw.values()) and all(feats_B[d] <= limit for d in pw)
        mag = mag_e + mag_p
        B.append(mag)
        if exact_e and exact_p and mag <= limit:
            E.append(0.0)
            I.append(True)
        else:
            E.append((mag_e * u if not exact_e else 0.0) + _gamma(len(pw) + 2, u) * mag + (mag_p * u if not exact_p else 0.0))
            I.append(False)
    for k, layer in enumerate(net.layers):
        if not isinstance(layer, AttentionLayer):
            continue  # ReLU: B, E, I unchanged (1-Lipschitz, integers stay integers)
        attB, attE, attI = [], [], []
        for h, head in enumerate(layer.heads):
            qB, qE, qI = _affine(head.A, B, E, I, limit, u)
            kB, kE, kI = _affine(head.B, B, E, I, limit, u)
            s_mag = sum(a * b for a, b in zip(qB, kB))
            s_exact = all(qE[r] == 0 and kE[r] == 0 and qI[r] and kI[r] for r in range(len(qB))) and s_mag <= limit
            s_err = 0.0 if s_exact else (sum(qB[r] * kE[r] + kB[r] * qE[r] + qE[r] * kE[r] for r in range(len(qB)))
                                         + _gamma(len(qB), u) * sum((qB[r] + qE[r]) * (kB[r] + kE[r]) for r in range(len(qB))))
            if not layer.attends:
                attB += [0.0] * len(B); attE += [0.0] * len(B); attI += [True] * len(B)
                continue
            if head.mode == "hard":
                if not s_exact and not (((k, h) in margins) and float(margins[(k, h)]) > 2 * s_err):
                    return f"layer {k + 1} head {h + 1}: hard scores not exact and no proved margin above 2·{s_err:.3e}"
                attB += B; attE += E; attI += I
            elif head.mode == "average":
                if not s_exact:
                    return f"layer {k + 1} head {h + 1}: an average head needs exactly computed scores"
                attB += B
                attE += [e + (_gamma(L, u) + u) * b for b, e in zip(B, E)]
                attI += [False] * len(B)
            else:
                if (k, h) not in margins:
                    return f"layer {k + 1} head {h + 1}: a softmax head needs a proved score margin Δ"
                eff = float(margins[(k, h)]) - 2 * s_err
                if eff <= 0:
                    return f"layer {k + 1} head {h + 1}: score error {s_err:.3e} eats the margin"
                beta = float(_beta(net, (k, h), betas)) * (1 - 2 * u)
                leak = min(1.0, (L - 1) * math.exp(-beta * eff) * (1 + 1e-12))
                attB += B
                attE += [e + leak * 2 * b + (2 * L + 8) * u * b * 1.01 for b, e in zip(B, E)]
                attI += [False] * len(B)
        B, E, I = _affine(layer.C, [*B, *attB], [*E, *attE], [*I, *attI], limit, u)
        if any(not math.isfinite(e) for e in E):
            return f"layer {k + 1}: the error bound diverges"
    _, oE, _ = _affine(net.accept if net.accept is not None else net.output, B, E, I, limit, u)
    return max(oE, default=0.0)


def require_certificate(cert: object, net: UHAT, dtype, max_len: int | None) -> None:
    """Raise :class:`DtypeError` unless ``cert`` certifies ``net`` in ``dtype`` for words up to ``max_len``."""
    name = str(parse_dtype(dtype)).replace("torch.", "")
    if cert is None:
        raise DtypeError(f"this network (non-integral weights, or averaging/softmax heads) is not exact in {name}; "
                         "it runs only with a FloatCertificate (constructions.uhat.certified.certify_float)")
    if not isinstance(cert, FloatCertificate):
        raise DtypeError(f"certificate must be a FloatCertificate, got {type(cert).__name__}")
    if not cert.ok:
        raise DtypeError(f"the float run is not certified: {cert.reason}")
    if cert.dtype != name:
        raise DtypeError(f"the certificate is for {cert.dtype}, not {name}")
    if max_len is None or max_len > cert.max_len:
        raise DtypeError(f"the certificate covers words of length ≤ {cert.max_len}; pass max_len ≤ that")
    if cert.net != net:
        raise DtypeError("the certificate was issued for another network")


def with_beta(net: UHAT, key: HeadKey, beta: Fraction) -> UHAT:
    """``net`` with softmax head ``key``'s β replaced (for β sweeps and the β-too-small negative test)."""
    k, h = key
    layer = net.layers[k]
    if h == 0:
        new = replace(layer, beta=Fraction(beta))
    else:
        heads = list(layer.extra_heads)
        heads[h - 1] = replace(heads[h - 1], beta=Fraction(beta))
        new = replace(layer, extra_heads=tuple(heads))
    return replace(net, layers=(*net.layers[:k], new, *net.layers[k + 1:]))


__all__ = ["FloatCertificate", "certify_float", "require_certificate", "with_beta", "UNIT_ROUNDOFF"]
