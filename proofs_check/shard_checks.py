"""The checks a sharded run knows, by kind: an index space and a function of an index range.

- ``retrieval`` — params ``task``, ``n``, ``broken``: the answerers of ``succinct verify TASK -n N``
  (:func:`proofs_check.retrieval_check.verify_answerers`) on the rows [start, stop) of the task's
  input space (:func:`proofs_check.retrieval_check.check_task` with ``start``/``stop``).
- ``family`` — params ``family``, ``n``, ``variant``, ``max_len``, ``dtype``: the deciders of
  ``succinct verify MEMBER`` (:func:`proofs_check.suite.deciders`) on a range of
  :func:`proofs_check.exhaustive.word_space` (:func:`proofs_check.exhaustive.check_range`).
- ``istree`` — params ``n``, ``broken``, ``dtype`` (None: the module's choice): ``proofs_check.istree_check``
  (``istree_space(n)``, ``istree_range(n, start, stop, broken, dtype, side=…)``; the summary
  ``summary(n, result, dtype)``), imported when first asked for.

A :class:`CheckKind` is what a worker runs: ``size(params)`` validates the params and gives N,
``run(params, start, stop)`` a range result (count, stats, first, recognisers), ``render(params, merged,
seconds)`` the single-process summary and the exit status. The kind object itself is sent to the workers
(by reference for module-level functions), so :func:`register_kind` works for any importable kind.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from automata.errors import ParameterError
from proofs_check.sharding import CheckSpec, Merged

MAX_SHARDED_INPUTS = 10**12  # index spaces a sharded run accepts (single-process limits are far lower)
PYTHON_SAMPLE = 2000  # the first rows: the vectorised reference against the plain-Python one


class CheckUnavailableError(ParameterError):
    """A check kind whose module is not there (e.g. istree before ``proofs_check.istree_check`` exists)."""


@dataclass(frozen=True)
class CheckKind:
    name: str
    size: Callable[[Mapping[str, Any]], int]
    run: Callable[[Mapping[str, Any], int, int], dict]
    render: Callable[[Mapping[str, Any], Merged, float], tuple[str, int]]


def _bounded(total: int, what: str) -> int:
    if total > MAX_SHARDED_INPUTS:
        raise ParameterError(f"{what}: {total:,} inputs exceed the sharded limit {MAX_SHARDED_INPUTS:,}")
    return total


def _params(params: Mapping[str, Any], types: Mapping[str, type | tuple], kind: str) -> None:
    if set(params) != set(types):
        raise ParameterError(f"a {kind} check takes the params {sorted(types)}, got {sorted(params)}")
    for key, typ in types.items():
        v = params[key]
        if (isinstance(v, bool) and typ is int) or not isinstance(v, typ):
            raise ParameterError(f"{kind} check: {key} = {v!r} is not a {getattr(typ, '__name__', typ)}")


# --- retrieval -------------------------------------------------------------------------------------------

def retrieval_spec(task: str, n: int, broken: bool = False) -> CheckSpec:
    """The spec of ``succinct verify TASK -n N [--break-weight]`` (validated)."""
    spec = CheckSpec("retrieval", {"task": task, "n": n, "broken": bool(broken)})
    _retrieval_size(spec.params)
    return spec


def _retrieval_size(params: Mapping[str, Any]) -> int:
    from tasks.retrieval import retrieval_task

    _params(params, {"task": str, "n": int, "broken": bool}, "retrieval")
    task = retrieval_task(params["task"], params["n"])
    return _bounded(task.input_space(), task.describe())


@functools.lru_cache(maxsize=4)
def _answerers(name: str, n: int, broken: bool):
    from proofs_check.retrieval_check import verify_answerers
    from tasks.retrieval import retrieval_task

    task = retrieval_task(name, n)
    return task, verify_answerers(task, "cpu", broken)


def _retrieval_run(params: Mapping[str, Any], start: int, stop: int) -> dict:
    from proofs_check.retrieval_check import check_task, chunk_rows

    task, answerers = _answerers(params["task"], params["n"], params["broken"])
    names = [name for name, _ in answerers]
    python_sample = max(0, PYTHON_SAMPLE - start)  # the rows a single-process run checks in plain Python
    rep = check_task(task, answerers, python_sample=python_sample, start=start, stop=stop)
    first = None
    if rep.first is not None:
        d = rep.first
        rank = names.index(d.recogniser) if d.recogniser in names else -1  # -1: the reference itself
        # the single-process order: chunk, then the answerers' order, then the row
        first = {"index": d.index, "input": d.word, "recogniser": d.recogniser, "expected": d.expected,
                 "got": d.got, "key": [d.index // chunk_rows(task), rank, d.index]}
    return {"count": rep.inputs, "stats": {"python_checked": min(rep.inputs, python_sample)}, "first": first,
            "recognisers": names}


def _retrieval_render(params: Mapping[str, Any], merged: Merged, seconds: float) -> tuple[str, int]:
    from proofs_check.retrieval_check import CheckReport, Disagreement
    from proofs_check.retrieval_check import verify_verdict
    from tasks.retrieval import retrieval_task

    task = retrieval_task(params["task"], params["n"])
    f = merged.first
    first = None if f is None else Disagreement(f["recogniser"], f["input"], f["expected"], f["got"], f["index"])
    checked = merged.stats.get("python_checked", 0)
    report = CheckReport(task.describe(), merged.count, True, list(merged.recognisers), seconds, first,
                         [f"reference: vectorised answers = plain-Python answer on {checked:,} inputs"])
    lines, code = verify_verdict(report, params["broken"])
    return "\n".join([report.summary(), *lines]), code


# --- family ----------------------------------------------------------------------------------------------

def family_spec(name: str, n: int | None, variant: str | None, max_len: int, dtype: str = "float64") -> CheckSpec:
    """The spec of ``succinct verify MEMBER -n N --variant V --max-len L --dtype D`` (validated, n and
    the variant normalised as the family does)."""
    from constructions.dtypes import parse_dtype
    from proofs_check.registry import family

    n, variant = family(name).check(n, variant)
    dtype = str(parse_dtype(dtype)).replace("torch.", "")
    spec = CheckSpec("family", {"family": name, "n": n, "variant": variant, "max_len": max_len, "dtype": dtype})
    _family_size(spec.params)
    return spec


@functools.lru_cache(maxsize=4)
def _member(name: str, n: int, variant: str, dtype: str):
    from proofs_check.registry import family
    from proofs_check.suite import build, deciders

    member = build(family(name), n if n else None, variant)
    return member, deciders(member, dtype, "cpu")


def _family_size(params: Mapping[str, Any]) -> int:
    from proofs_check.exhaustive import count_words, word_space

    _params(params, {"family": str, "n": (int, type(None)), "variant": str, "max_len": int, "dtype": str}, "family")
    if params["max_len"] < 1:
        raise ParameterError(f"--max-len must be at least 1, got {params['max_len']}")
    member, ds = _member(params["family"], params["n"], params["variant"], params["dtype"])
    k = len(member.task.alphabet)
    try:
        count_words(k, params["max_len"], MAX_SHARDED_INPUTS)
    except ParameterError as err:
        raise ParameterError(f"{member.label}: {err} (the sharded limit)") from None
    return word_space(k, params["max_len"], all(d.causal for d in ds))


def _family_run(params: Mapping[str, Any], start: int, stop: int) -> dict:
    from proofs_check.exhaustive import check_range

    member, ds = _member(params["family"], params["n"], params["variant"], params["dtype"])
    return check_range(member.task.alphabet, ds, params["max_len"], start, stop)


def _family_render(params: Mapping[str, Any], merged: Merged, seconds: float) -> tuple[str, int]:
    from automata.alphabet import all_words, decode_word
    from proofs_check.exhaustive import CheckReport, Disagreement

    member, _ = _member(params["family"], params["n"], params["variant"], params["dtype"])
    alphabet, max_len = member.task.alphabet, params["max_len"]
    k = len(alphabet)
    dis = None
    if merged.first is not None:
        rank, length = merged.first["index"], 1
        while rank >= k**length:
            rank, length = rank - k**length, length + 1
        word = decode_word(all_words(length, k, rank, rank + 1)[0], alphabet)
        dis = Disagreement(word, tuple((str(a), bool(b)) for a, b in merged.first["verdicts"]))
    accepted = tuple(merged.stats.get(f"accepted_{p}", 0) for p in range(1, max_len + 1))
    total = sum(k**m for m in range(1, max_len + 1))
    report = CheckReport(merged.recognisers, max_len, total, accepted, dis, seconds)
    return f"{member.label}: {report.summary()}", 0 if report.agree else 1


# --- istree (the main developer's module, imported lazily) ----------------------------------------------

def istree_spec(n: int, broken: bool = False, dtype: str | None = None, side: bool = False) -> CheckSpec:
    """The spec of the istree check at size ``n`` (``dtype`` None: the module's smallest proved dtype).
    A sharded run checks the transformer's CoT against the reference and networkx; ``side`` adds the exact
    RNN, RAG and the hybrid (the param is present only then, so results directories of runs without it
    stay resumable); validated (CheckUnavailableError without the module)."""
    params = {"n": n, "broken": bool(broken), "dtype": dtype}
    if side:
        params["side"] = True
    spec = CheckSpec("istree", params)
    check_size(spec)
    return spec


def _istree_module():
    import importlib

    try:
        return importlib.import_module("proofs_check.istree_check")
    except ModuleNotFoundError as err:
        if err.name != "proofs_check.istree_check":  # the module is there but one of its imports is not
            raise
        raise CheckUnavailableError("the istree check is not available: proofs_check.istree_check is missing "
                                    "(it must define istree_space(n) and istree_range(n, start, stop, broken))") from None


def _istree_kind() -> CheckKind:
    _istree_module()
    return CheckKind("istree", _istree_size, _istree_run, _istree_render)


def _istree_size(params: Mapping[str, Any]) -> int:
    types = {"n": int, "broken": bool, "dtype": (str, type(None))}
    if "side" in params:
        types["side"] = bool
    _params(params, types, "istree")
    return _bounded(_istree_module().istree_space(params["n"]), f"istree n={params['n']}")


def _istree_run(params: Mapping[str, Any], start: int, stop: int) -> dict:
    mod = _istree_module()
    return mod.istree_range(params["n"], start, stop, params["broken"], params["dtype"],
                            side=params.get("side", False))


def _istree_render(params: Mapping[str, Any], merged: Merged, seconds: float) -> tuple[str, int]:
    """The module's ``summary(n, result, dtype)`` of the merged result, then the verdict."""
    mod = _istree_module()
    dtype = params["dtype"]
    if dtype is None:
        from tasks.istree import IsTreeTask

        dtype = mod.smallest_dtype(IsTreeTask(params["n"]))
    result = {"count": merged.count, "stats": dict(merged.stats), "first": merged.first, "seconds": seconds}
    return _with_verdict(mod.summary(params["n"], result, dtype), merged, params.get("broken", False))


def _with_verdict(text: str, merged: Merged, broken: bool) -> tuple[str, int]:
    if not broken:
        return text, 0 if merged.first is None else 1
    if merged.first is None:
        return text + "\n  a weight was perturbed on purpose, but no checked input shows it", 1
    return text + "\n  (a weight was perturbed on purpose: the disagreement above is the expected result)", 0


# --- the registry ----------------------------------------------------------------------------------------

_KINDS: dict[str, CheckKind] = {
    "retrieval": CheckKind("retrieval", _retrieval_size, _retrieval_run, _retrieval_render),
    "family": CheckKind("family", _family_size, _family_run, _family_render),
}
_LAZY: dict[str, Callable[[], CheckKind]] = {"istree": _istree_kind}


def register_kind(kind: CheckKind) -> None:
    """Add (or replace) a kind in this process (workers receive the kind object with each shard)."""
    if not isinstance(kind, CheckKind):
        raise ParameterError(f"register_kind needs a CheckKind, got {type(kind).__name__}")
    _KINDS[kind.name] = kind


def kinds() -> tuple[str, ...]:
    return tuple(sorted({*_KINDS, *_LAZY}))


def kind_of(spec: CheckSpec | Mapping) -> CheckKind:
    """The registered kind of ``spec`` (ParameterError for an unknown one)."""
    spec = CheckSpec.from_json(spec)
    if spec.kind not in _KINDS and spec.kind in _LAZY:
        _KINDS[spec.kind] = _LAZY[spec.kind]()
    if spec.kind not in _KINDS:
        raise ParameterError(f"unknown check kind {spec.kind!r}; known: {', '.join(kinds())}")
    return _KINDS[spec.kind]


def check_size(spec: CheckSpec | Mapping) -> int:
    """N, the size of ``spec``'s index space (validates the params)."""
    spec = CheckSpec.from_json(spec)
    return kind_of(spec).size(spec.params)


def run_range(spec: CheckSpec | Mapping, start: int, stop: int) -> dict:
    """The range result (count, stats, first, recognisers) of ``spec`` on the indices ``start..stop−1``."""
    spec = CheckSpec.from_json(spec)
    return kind_of(spec).run(spec.params, start, stop)


def render(spec: CheckSpec | Mapping, merged: Merged, seconds: float) -> tuple[str, int]:
    """The single-process summary of a merged run and its exit status."""
    spec = CheckSpec.from_json(spec)
    return kind_of(spec).render(spec.params, merged, seconds)


__all__ = ["CheckKind", "CheckUnavailableError", "MAX_SHARDED_INPUTS", "check_size", "family_spec", "istree_spec",
           "kind_of", "kinds", "register_kind", "render", "retrieval_spec", "run_range"]
