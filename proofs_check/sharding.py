"""Sharded checks, engine-agnostic: shard bounds, the results directory (manifest, one JSON file per
shard, written atomically), resume and merging (the interface: docs/architecture.md, "sharding").

A *check* is an index space [0, N) and a pure function of an index range (``proofs_check.shard_checks``).
K shards split [0, N) into contiguous ranges; each shard's result is a *ShardResult* (JSON)::

    {"spec", "shard", "start", "stop", "count", "stats": {name: int}, "first": null | {"index", "input",
     "recogniser", "expected", "got", ...}, "seconds", ...}

Merging sums ``count`` and ``stats`` (the maximum for stats named ``max_…`` or ``longest_…``) and keeps the ``first`` with the least ``key`` (a list of ints a
check may add to order its disagreements like its single-process run; default ``[index]``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from automata.errors import ParameterError, SuccinctError
from automata.files import write_bytes_atomic

FORMAT = 1
MAX_SHARDS = 100_000
MANIFEST = "manifest.json"
MAX_PREFIXES = ("max_", "longest_")  # stats merged by maximum (e.g. longest_cot); all others are summed
_SCALARS = (str, int, float, bool, type(None))


class ShardError(SuccinctError, RuntimeError):
    """A shard failed (a real error in the check, a worker that died too often, a malformed result)."""


@dataclass(frozen=True)
class CheckSpec:
    """What a sharded run checks: a registered ``kind`` and its JSON-scalar ``params``."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind:
            raise ParameterError(f"a check's kind is a non-empty str, got {self.kind!r}")
        if not isinstance(self.params, Mapping) or not all(
                isinstance(k, str) and isinstance(v, _SCALARS) for k, v in self.params.items()):
            raise ParameterError(f"a check's params map str to JSON scalars, got {self.params!r}")
        object.__setattr__(self, "params", dict(self.params))

    def to_json(self) -> dict:
        return {"kind": self.kind, "params": dict(sorted(self.params.items()))}

    @classmethod
    def from_json(cls, obj: object) -> CheckSpec:
        if isinstance(obj, CheckSpec):
            return obj
        if not isinstance(obj, Mapping) or set(obj) != {"kind", "params"}:
            raise ParameterError(f"a check spec is {{'kind': str, 'params': {{...}}}}, got {obj!r}")
        return cls(obj["kind"], obj["params"])

    def describe(self) -> str:
        return f"{self.kind} " + " ".join(f"{k}={v}" for k, v in sorted(self.params.items()))


def _count(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(f"{name} must be an integer in {lo:,}..{hi:,}, got {value!r}")
    return value


def shard_bounds(size: int, shards: int) -> tuple[int, ...]:
    """K + 1 boundaries 0 = b_0 < b_1 < … < b_K = N: shard k is [b_k, b_{k+1}), sizes differ by ≤ 1."""
    shards = _count("the number of shards (--shards)", shards, 1, MAX_SHARDS)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ParameterError(f"a sharded check needs a non-empty index space, got {size!r}")
    if shards > size:
        raise ParameterError(f"{shards:,} shards for {size:,} inputs: use at most one shard per input")
    return tuple(k * size // shards for k in range(shards + 1))


def shard_name(k: int) -> str:
    return f"shard-{k:05d}.json"


@dataclass(frozen=True)
class Manifest:
    """manifest.json of a results directory: what the shard files there belong to."""

    spec: dict
    size: int
    shards: int
    bounds: tuple[int, ...]
    format: int = FORMAT

    @classmethod
    def new(cls, spec: CheckSpec, size: int, shards: int) -> Manifest:
        return cls(spec.to_json(), size, shards, shard_bounds(size, shards))

    def to_json(self) -> dict:
        return {"spec": self.spec, "size": self.size, "shards": self.shards, "bounds": list(self.bounds),
                "format": self.format}

    def shard(self, k: int) -> tuple[int, int]:
        return self.bounds[k], self.bounds[k + 1]


def write_json_atomically(path: Path, obj: object) -> None:
    """``obj`` as JSON at ``path``, atomically (:func:`automata.files.write_bytes_atomic`)."""
    write_bytes_atomic(path, (json.dumps(obj, sort_keys=True) + "\n").encode())


def prepare_results(directory: Path, manifest: Manifest) -> None:
    """Create ``directory`` with ``manifest`` or check that its manifest is this one (ParameterError
    otherwise: a results directory never mixes the shards of two checks)."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ParameterError(f"--results {directory} exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ParameterError(f"cannot create --results {directory}: {err.strerror}") from None
    path = directory / MANIFEST
    if not path.exists():
        write_json_atomically(path, manifest.to_json())
        return
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        raise ParameterError(f"{path} is unreadable or not JSON; use another --results directory") from None
    if not isinstance(old, dict):
        raise ParameterError(f"{path} is not a manifest; use another --results directory")
    for key, what in (("format", "format"), ("spec", "check"), ("size", "index space"), ("shards", "shard count"),
                      ("bounds", "shard bounds")):
        if old.get(key) != manifest.to_json()[key]:
            raise ParameterError(f"--results {directory} holds another run ({what}: {_short(old.get(key))}, now "
                                 f"{_short(manifest.to_json()[key])}); use another directory or the same options")


def _short(value: object) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def check_result(raw: object) -> dict:
    """A check's raw range result (count, stats, first, optional recognisers), validated; ValueError
    when malformed."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"a range result is a dict, got {type(raw).__name__}")
    count, stats, first = raw.get("count"), raw.get("stats", {}), raw.get("first")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be an integer ≥ 0, got {count!r}")
    if not isinstance(stats, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in stats.items()):
        raise ValueError(f"stats must map str to int, got {stats!r}")
    if first is not None:
        if not isinstance(first, Mapping):
            raise ValueError(f"first must be null or a dict, got {first!r}")
        index = first.get("index")
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ValueError(f"first.index must be an integer ≥ 0, got {index!r}")
        for key in ("input", "recogniser", "expected", "got"):
            if not isinstance(first.get(key), str):
                raise ValueError(f"first.{key} must be a str, got {first.get(key)!r}")
        key = first.get("key", [index])
        if not isinstance(key, list) or not key or not all(isinstance(x, int) and not isinstance(x, bool) for x in key):
            raise ValueError(f"first.key must be a non-empty list of integers, got {key!r}")
    names = raw.get("recognisers", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"recognisers must be a list of str, got {names!r}")
    out = dict(raw)
    out.update(count=count, stats=dict(stats), first=None if first is None else dict(first), recognisers=list(names))
    return out


def shard_record(manifest: Manifest, k: int, raw: Mapping, seconds: float) -> dict:
    """The ShardResult of shard ``k`` from a check's range result (validated; ValueError if malformed)."""
    start, stop = manifest.shard(k)
    rec = check_result(raw)
    rec.update(spec=manifest.spec, shard=k, start=start, stop=stop, seconds=round(float(seconds), 6))
    if rec["count"] > stop - start:
        raise ValueError(f"count {rec['count']} exceeds the shard's {stop - start} indices")
    return rec


def read_shard(directory: Path, manifest: Manifest, k: int) -> dict | None:
    """Shard ``k``'s file when it exists and is a complete ShardResult of this manifest, else None
    (missing, partial, corrupt or foreign: to be recomputed)."""
    try:
        rec = json.loads((Path(directory) / shard_name(k)).read_text())
        start, stop = manifest.shard(k)
        if not isinstance(rec, dict) or (rec.get("spec"), rec.get("shard"), rec.get("start"), rec.get("stop")) != (
                manifest.spec, k, start, stop):
            return None
        seconds = rec.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            return None
        rec = check_result(rec)
        return rec if rec["count"] <= stop - start else None
    except (OSError, ValueError):
        return None


def existing_shards(directory: Path, manifest: Manifest) -> tuple[dict[int, dict], int]:
    """The valid shard files of ``directory`` (shard → ShardResult) and how many files were there but
    invalid (they are recomputed)."""
    found: dict[int, dict] = {}
    bad = 0
    for k in range(manifest.shards):
        if not (Path(directory) / shard_name(k)).exists():
            continue
        rec = read_shard(directory, manifest, k)
        if rec is None:
            bad += 1
        else:
            found[k] = rec
    return found, bad


@dataclass(frozen=True)
class Merged:
    """All K shards merged: counts and stats summed (maxima for :data:`MAX_PREFIXES`), the least ``first``
    by key, the recognisers."""

    spec: dict
    size: int
    shards: int
    count: int
    stats: dict
    first: dict | None
    recognisers: tuple[str, ...]
    shard_seconds: float

    @property
    def agree(self) -> bool:
        return self.first is None


def first_key(first: Mapping) -> list[int]:
    return list(first.get("key", [first["index"]]))


def merge(manifest: Manifest, records: Mapping[int, Mapping]) -> Merged:
    """Merge the ShardResults of every shard of ``manifest`` (ShardError when one is missing or the
    shards name different recognisers)."""
    missing = [k for k in range(manifest.shards) if k not in records]
    if missing:
        raise ShardError(f"{len(missing)} of {manifest.shards} shards have no result (first: shard {missing[0]})")
    count, stats, first, seconds = 0, {}, None, 0.0
    names: list[str] | None = None
    for k in range(manifest.shards):
        rec = records[k]
        count += rec["count"]
        seconds += rec.get("seconds", 0.0)
        for key, value in rec["stats"].items():
            if key.startswith(MAX_PREFIXES):
                stats[key] = max(stats.get(key, value), value)
            else:
                stats[key] = stats.get(key, 0) + value
        if rec["first"] is not None and (first is None or first_key(rec["first"]) < first_key(first)):
            first = rec["first"]
        if rec.get("recognisers"):
            if names is not None and names != rec["recognisers"]:
                raise ShardError(f"shard {k} names the recognisers {rec['recognisers']}, others {names}")
            names = rec["recognisers"]
    return Merged(manifest.spec, manifest.size, manifest.shards, count, stats, first, tuple(names or ()), seconds)


__all__ = ["CheckSpec", "Manifest", "Merged", "ShardError", "check_result", "existing_shards", "first_key",
           "merge", "prepare_results", "read_shard", "shard_bounds", "shard_name", "shard_record",
           "write_json_atomically", "MAX_SHARDS"]
