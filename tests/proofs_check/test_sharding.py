"""Sharded, resumable checks on Dask: bounds, manifest, resume, merge = the single-process run, a worker
killed mid-run, the CLI. One 2-worker LocalCluster is shared by the module (workers start in seconds,
but importing torch in each is most of a run on 2 cores)."""
from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from automata.errors import ParameterError
from proofs_check import shard_checks
from proofs_check.cli import main
from proofs_check.dask_run import run_sharded
from proofs_check.deciders import Decider
from proofs_check.exhaustive import check_range, exhaustive_check, word_space
from proofs_check.retrieval_check import check_task
from proofs_check.retrieval_check import verify_answerers
from proofs_check.sharding import (CheckSpec, Manifest, ShardError, existing_shards, merge, prepare_results,
                                   read_shard, shard_bounds, shard_name, shard_record, write_json_atomically)
from proofs_check.shard_checks import CheckKind, CheckUnavailableError, retrieval_spec
from proofs_check.suite import build, deciders
from proofs_check.registry import family
from tasks.retrieval import retrieval_task

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  host="127.0.0.1", silence_logs=logging.CRITICAL) as c:
        yield c


def _single(name: str, n: int, broken: bool = False):
    task = retrieval_task(name, n)
    return check_task(task, verify_answerers(task, "cpu", broken))


# --- engine-agnostic pieces ------------------------------------------------------------------------------

def test_bounds() -> None:
    assert shard_bounds(10, 3) == (0, 3, 6, 10)
    assert shard_bounds(5, 5) == (0, 1, 2, 3, 4, 5)
    for size, shards in ((10, 0), (10, 100_001), (10, True), (3, 4), (0, 1), (10, 2.0)):
        with pytest.raises(ParameterError):
            shard_bounds(size, shards)


SPEC = CheckSpec("family", {"family": "ab-plus", "n": 0, "variant": "-", "max_len": 3, "dtype": "float64"})


def test_manifest_and_shard_files(tmp_path: Path) -> None:
    man = Manifest.new(SPEC, 14, 4)
    prepare_results(tmp_path, man)
    prepare_results(tmp_path, man)  # the same run: accepted
    with pytest.raises(ParameterError, match="shard count"):
        prepare_results(tmp_path, Manifest.new(SPEC, 14, 2))
    other = CheckSpec("family", {**SPEC.params, "max_len": 4})
    with pytest.raises(ParameterError, match="another run"):
        prepare_results(tmp_path, Manifest.new(other, 30, 4))
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "manifest.json").write_text("{trunc")
    with pytest.raises(ParameterError, match="not JSON"):
        prepare_results(tmp_path / "x", man)
    rec = shard_record(man, 1, {"count": 3, "stats": {"a": 1}, "first": None}, 0.5)
    write_json_atomically(tmp_path / shard_name(1), rec)
    assert read_shard(tmp_path, man, 1) == rec
    assert read_shard(tmp_path, man, 2) is None  # missing
    text = (tmp_path / shard_name(1)).read_text()
    (tmp_path / shard_name(2)).write_text(text[: len(text) // 2])  # partial
    (tmp_path / shard_name(3)).write_text(text)  # shard 1's result under shard 3's name
    found, bad = existing_shards(tmp_path, man)
    assert list(found) == [1] and bad == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(ValueError):
        shard_record(man, 1, {"count": 99, "stats": {}, "first": None}, 0.1)  # more than the shard's inputs


def test_merge_least_key_and_sums() -> None:
    man = Manifest.new(SPEC, 14, 3)

    def first(index, key=None):
        f = {"index": index, "input": str(index), "recogniser": "r", "expected": "a", "got": "b"}
        return f if key is None else {**f, "key": key}

    recs = {0: shard_record(man, 0, {"count": 4, "stats": {"s": 1, "longest_x": 4}, "first": None}, 1.0),
            1: shard_record(man, 1, {"count": 5, "stats": {"s": 2, "t": 1, "longest_x": 9}, "first": first(7, [1, 2, 7])}, 1.0),
            2: shard_record(man, 2, {"count": 5, "stats": {"s": 3, "longest_x": 2}, "first": first(11, [1, 0, 11])}, 1.0)}
    m = merge(man, recs)
    assert (m.count, m.stats, m.first["index"]) == (14, {"s": 6, "t": 1, "longest_x": 9}, 11)  # key (chunk, rank, row)
    with pytest.raises(ShardError, match="no result"):
        merge(man, {0: recs[0], 1: recs[1]})


def _flip(d: Decider, when) -> Decider:
    def run(words: np.ndarray) -> np.ndarray:
        out = np.array(d(words), dtype=bool)
        mask = when(words)
        out[mask] = ~out[mask]
        return out

    return Decider(d.name + " (broken)", d.causal, run)


@pytest.mark.parametrize("name, n, max_len", [("counter", 1, 4), ("ab-plus", None, 6)])
def test_family_ranges_merge_to_exhaustive_check(name: str, n, max_len: int) -> None:
    """Disagreements planted at several lengths and positions: the least key over any sharding is
    exhaustive_check's shortest-then-least word; accepted counts sum to its counts when they agree."""
    member = build(family(name), n, None)
    ds = deciders(member, torch_rnn=False)
    k, alphabet = len(member.task.alphabet), member.task.alphabet
    if ds[-1].causal:
        bad = _flip(ds[-1], lambda w: np.broadcast_to((w[:, :1] == k - 1) & (np.arange(w.shape[1]) >= 3), w.shape))
    else:
        bad = _flip(ds[-1], lambda w: (w.shape[1] >= 4) & (w[:, -1] == 1) & (w[:, 0] == 1))
    causal = all(d.causal for d in ds)
    for cand in (ds, [*ds[:-1], bad]):
        want = exhaustive_check(alphabet, cand, max_len)
        size = word_space(k, max_len, causal)
        spec = CheckSpec("x", {})
        for shards in (3, 7):
            man = Manifest.new(spec, size, shards)
            recs = {j: shard_record(man, j, check_range(alphabet, cand, max_len, *man.shard(j), chunk=256), 0.0)
                    for j in range(shards)}
            m = merge(man, recs)
            if want.agree:
                assert m.first is None
                assert tuple(m.stats[f"accepted_{p}"] for p in range(1, max_len + 1)) == want.accepted
                assert m.count == size
            else:
                assert m.first["input"] == "".join(want.disagreement.word)
                assert [tuple(v) for v in m.first["verdicts"]] == list(want.disagreement.verdicts)


def test_istree_kind_is_lazy() -> None:
    spec = {"kind": "istree", "params": {"n": 4, "broken": False, "dtype": None}}
    if importlib.util.find_spec("proofs_check.istree_check") is None:
        with pytest.raises(CheckUnavailableError, match="istree_check is missing"):
            shard_checks.check_size(spec)
    else:
        from proofs_check.istree_check import istree_space

        assert shard_checks.check_size(spec) == istree_space(4)
    with pytest.raises(ParameterError, match="unknown check kind"):
        shard_checks.kind_of({"kind": "nope", "params": {}})


# --- on the cluster ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("broken", [False, True])
def test_sharded_retrieval_equals_single_process(cluster, tmp_path: Path, broken: bool) -> None:
    run = run_sharded(retrieval_spec("index-binary", 8, broken), 4, tmp_path, cluster.scheduler_address)
    single = _single("index-binary", 8, broken)
    assert run.merged.recognisers == tuple(single.recognisers)
    if broken:
        f = run.merged.first
        assert (f["input"], f["recogniser"], f["expected"], f["got"]) == (
            single.first.word, single.first.recogniser, single.first.expected, single.first.got)
    else:
        assert (run.merged.count, run.merged.first, single.first) == (single.inputs, None, None)
    assert run.resumed == 0 and len(list(tmp_path.glob("shard-*.json"))) == 4


def test_resume_computes_only_missing_shards(cluster, tmp_path: Path) -> None:
    spec = retrieval_spec("counting", 3)
    first = run_sharded(spec, 5, tmp_path, cluster.scheduler_address)
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("shard-*.json")}
    (tmp_path / shard_name(1)).unlink()
    (tmp_path / shard_name(3)).write_text((tmp_path / shard_name(3)).read_text()[:40])  # a partial file
    again = run_sharded(spec, 5, tmp_path, cluster.scheduler_address)
    assert (again.resumed, again.recomputed) == (3, 1)
    assert again.merged.count == first.merged.count == _single("counting", 3).inputs
    for name, ns in stamps.items():
        changed = (tmp_path / name).stat().st_mtime_ns != ns
        assert changed == (name in (shard_name(1), shard_name(3))), name
    with pytest.raises(ParameterError, match="another run"):
        run_sharded(retrieval_spec("counting", 4), 5, tmp_path, cluster.scheduler_address)


def _slow_size(base, params):
    return shard_checks.check_size(CheckSpec(base, params))


def _slow_run(base, delay, params, start, stop):
    time.sleep(delay)
    return shard_checks.run_range(CheckSpec(base, params), start, stop)


def _slow_render(base, params, merged, seconds):
    return shard_checks.render(CheckSpec(base, params), merged, seconds)


def _slow_kind(name: str, base: str, delay: float) -> CheckKind:
    """The check kind ``base`` with every shard ``delay`` seconds slower (time to kill a worker)."""
    return CheckKind(name, functools.partial(_slow_size, base), functools.partial(_slow_run, base, delay),
                     functools.partial(_slow_render, base))


def _failing_run(params, start, stop):
    if start > 0:
        raise ValueError("planted")
    return {"count": stop - start, "stats": {}, "first": None}


@pytest.fixture
def by_value():
    """Kinds defined here travel to the workers by value (the workers cannot import this test file)."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_a_failing_shard_is_one_typed_error(cluster, tmp_path: Path, by_value) -> None:
    shard_checks.register_kind(CheckKind("failing", lambda p: 10, _failing_run,
                                         functools.partial(_slow_render, "retrieval")))
    with pytest.raises(ShardError, match=r"shard [1-4] \(.*\) failed: ValueError: planted"):
        run_sharded({"kind": "failing", "params": {}}, 5, tmp_path, cluster.scheduler_address)


def _run_killing_a_worker(cluster, tmp_path: Path, spec, shards: int, which: int):
    """Run ``spec`` while a thread SIGKILLs worker ``which`` as soon as the first shard file appears;
    (the run, shard files there at the kill)."""
    with distributed.Client(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())
    state: dict = {}

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.glob("shard-*.json")):
            time.sleep(0.05)
        state["done_at_kill"] = len(list(tmp_path.glob("shard-*.json")))
        os.kill(pids[which], signal.SIGKILL)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        run = run_sharded(spec, shards, tmp_path, cluster.scheduler_address)
    finally:
        thread.join()
    return run, state["done_at_kill"]


def test_killed_worker_mid_run(cluster, tmp_path: Path, by_value) -> None:
    """SIGKILL one worker while shards are pending: Dask reruns its shards; the result is complete and
    equal to the single-process run."""
    shard_checks.register_kind(_slow_kind("slow-retrieval", "retrieval", 0.6))
    spec = {"kind": "slow-retrieval", "params": {"task": "index-binary", "n": 8, "broken": True}}
    run, done_at_kill = _run_killing_a_worker(cluster, tmp_path, spec, 8, 0)
    assert done_at_kill < 8  # killed while shards were pending
    single = _single("index-binary", 8, broken=True)
    f = run.merged.first
    assert (f["input"], f["recogniser"], f["got"]) == (single.first.word, single.first.recogniser, single.first.got)
    assert run.merged.count == sum(json.loads(p.read_text())["count"] for p in tmp_path.glob("shard-*.json"))
    assert len(list(tmp_path.glob("shard-*.json"))) == 8


# --- the command line --------------------------------------------------------------------------------------

def test_cli_sharded_verify_and_resume(cluster, tmp_path: Path, capfd) -> None:
    out_dir = str(tmp_path / "res")
    argv = ["verify", "index-binary", "-n", "8", "--shards", "4", "--results", out_dir]
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    out, err = capfd.readouterr()
    assert "AGREE" in out and "2,048 inputs (all)" in out and "4 shards (0 resumed)" in out
    assert err == ""  # no Dask log lines
    assert main(argv) == 0  # everything on disk: no cluster is started
    out, err = capfd.readouterr()
    assert "4 shards (4 resumed)" in out and err == ""


@pytest.mark.parametrize("extra, fragment", [
    (["--shards", "0"], "1..100,000"),
    (["--shards", "100001"], "1..100,000"),
    (["--results", "R"], "add --shards"),
    (["--scheduler", "tcp://127.0.0.1:1"], "add --shards"),
    (["--workers", "2"], "add --shards"),
    (["--shards", "2", "--workers", "65"], "1..64"),
    (["--shards", "2", "--sample", "5"], "every input"),
    (["--shards", "2", "--results", ""], "directory name"),
    (["--shards", "4096"], "one shard per input"),
])
def test_cli_bad_shard_options(capsys, extra: list[str], fragment: str) -> None:
    code = main(["verify", "index-binary", "-n", "8", *extra])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], err


def test_cli_results_of_another_run(tmp_path: Path, capsys) -> None:
    prepare_results(tmp_path, Manifest.new(retrieval_spec("index-binary", 8), 2048, 4))
    code = main(["verify", "index-binary", "-n", "8", "--shards", "2", "--results", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "another run" in err[0]
    code = main(["verify", "index", "-n", "3", "--shards", "2", "--results", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "another run" in err[0]


def test_cli_family_on_a_local_cluster(capfd, tmp_path: Path, monkeypatch) -> None:
    """The default engine (a LocalCluster started and closed by the run) on a [BCL] family member: the
    summary is the single-process one (same words, accepted counts, recognisers)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the default results directory
    assert main(["verify", "ab-plus", "--max-len", "5"]) == 0
    single = capfd.readouterr().out.split(": AGREE")[0]
    assert main(["verify", "ab-plus", "--max-len", "5", "--shards", "3", "--workers", "1"]) == 0
    out, err = capfd.readouterr()
    assert out.split(": AGREE")[0] == single and "3 shards (0 resumed), 1 worker," in out
    assert "a fresh temporary directory" in out and str(tmp_path) in out and err == ""


# --- IsTree ([WDL] Thm 4.7): the same engine, the CoT transformer's check ------------------------------------

@pytest.mark.parametrize("broken", [False, True])
def test_sharded_istree_equals_single_process(cluster, tmp_path: Path, broken: bool) -> None:
    from proofs_check.istree_check import istree_range
    from proofs_check.shard_checks import istree_spec

    run = run_sharded(istree_spec(5, broken, side=not broken), 6, tmp_path, cluster.scheduler_address)
    single = istree_range(5, 0, 5040, broken, side=not broken)
    assert run.merged.first == single["first"]
    if not broken:
        assert run.merged.count == single["count"] == 5040
        assert run.merged.stats == single["stats"]


def test_istree_killed_worker_then_resume(cluster, tmp_path: Path, by_value) -> None:
    """A worker SIGKILLed mid-run: the run completes, equal to the single-process check; a rerun resumes
    every shard."""
    from proofs_check.istree_check import istree_range

    shard_checks.register_kind(_slow_kind("slow-istree", "istree", 0.5))
    spec = {"kind": "slow-istree", "params": {"n": 5, "broken": False, "dtype": None, "side": False}}
    run, done_at_kill = _run_killing_a_worker(cluster, tmp_path, spec, 8, -1)
    assert done_at_kill < 8
    single = istree_range(5, 0, 5040, side=False)
    assert (run.merged.count, run.merged.stats, run.merged.first) == (single["count"], single["stats"], None)
    again = run_sharded(spec, 8, tmp_path, cluster.scheduler_address)
    assert (again.resumed, again.recomputed) == (8, 0) and again.merged.stats == single["stats"]


def test_a_scheduler_without_workers_is_refused(tmp_path: Path, monkeypatch) -> None:
    """Shards would wait forever on a scheduler with no workers: one typed error instead."""
    import proofs_check.dask_run as dask_run

    monkeypatch.setattr(dask_run, "WORKER_WAIT", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0",
                                  silence_logs=logging.CRITICAL) as empty:
        with pytest.raises(ParameterError, match="has no workers"):
            run_sharded(retrieval_spec("index-binary", 4), 2, tmp_path, empty.scheduler_address)
