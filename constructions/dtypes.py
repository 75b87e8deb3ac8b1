"""Which torch dtypes represent a network's values exactly.

With integral weights every value a run computes is an integer; a floating dtype with a p-bit
significand represents every integer of absolute value ≤ 2^p exactly, and if every partial sum of every
dot product stays within that range the computation is exact whatever the summation order. The bound
is proved by interval (absolute-sum) arithmetic over the network (see the audits next to each model).
"""
from __future__ import annotations

from fractions import Fraction

import torch

from automata.errors import DtypeError

EXACT_LIMIT: dict[torch.dtype, int] = {
    torch.bfloat16: 2**8,
    torch.float16: 2**11,
    torch.float32: 2**24,
    torch.float64: 2**53,
    torch.int32: 2**31 - 1,
    torch.int64: 2**63 - 1,
}

NAMES: dict[str, torch.dtype] = {
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int32": torch.int32,
    "int64": torch.int64,
}


def parse_dtype(name: str | torch.dtype) -> torch.dtype:
    if isinstance(name, torch.dtype):
        if name not in EXACT_LIMIT:
            raise DtypeError(f"unsupported dtype {name}")
        return name
    if not isinstance(name, str) or name not in NAMES:
        from automata.errors import shown

        raise DtypeError(f"unknown dtype {shown(name)}; choose one of {', '.join(NAMES)}")
    return NAMES[name]


def check_exact(dtype: torch.dtype, bound: Fraction, integral: bool, what: str = "network") -> None:
    """Raise :class:`DtypeError` unless ``dtype`` holds every value (|value| ≤ ``bound``) exactly."""
    if not integral:
        raise DtypeError(f"{what} has non-integral weights; exact execution needs integral weights")
    limit = EXACT_LIMIT[parse_dtype(dtype)]
    if bound > limit:
        raise DtypeError(
            f"{what} reaches |value| ≤ {bound} but {str(dtype).replace('torch.', '')} is exact only up to {limit}"
        )


def smallest_exact(bound: Fraction, integral: bool) -> torch.dtype:
    """The narrowest floating dtype (float32 or float64) that is exact for the bound."""
    for dt in (torch.float32, torch.float64):
        if integral and bound <= EXACT_LIMIT[dt]:
            return dt
    raise DtypeError(f"no floating dtype is exact for values up to {bound}")


def parse_device(name: str | torch.device) -> torch.device:
    """A torch device that exists here: ``cpu``, or ``cuda`` / ``cuda:K`` when CUDA has device K;
    :class:`ParameterError` otherwise (one line, no traceback)."""
    from automata.errors import ParameterError

    from automata.errors import shown

    if isinstance(name, bool) or not isinstance(name, (str, int, torch.device)):  # an int K is cuda:K
        raise ParameterError(f"unknown device {shown(name)}; use cpu or cuda[:K]")
    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        raise ParameterError(f"unknown device {shown(name)}; use cpu or cuda[:K]") from None
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise ParameterError(f"device {name!r}: the CPU is one device, cpu or cpu:0")
        return dev
    if dev.type != "cuda":
        raise ParameterError(f"device {name!r} is not supported; use cpu or cuda[:K]")
    if not torch.cuda.is_available():
        raise ParameterError(f"device {name!r}: CUDA is not available on this machine")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ParameterError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return dev
