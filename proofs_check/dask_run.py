"""Sharded checks on Dask distributed: a local cluster of worker processes, or a running scheduler.

:func:`run_sharded` splits a check (:mod:`proofs_check.shard_checks`) into K shards, skips the shards whose
files in the results directory are valid (resume), submits the others, writes each shard's file
atomically as its future completes, and merges (:mod:`proofs_check.sharding`). A worker that dies is
replaced and its shards rerun by Dask (``distributed.scheduler.allowed-failures``); a shard that fails
for a real error stops the run with one typed error (the shards done so far stay on disk). Dask is
imported only here, and only when a run starts.

For a real cluster start a scheduler and workers that can import this project (``dask scheduler``,
``dask worker tcp://HOST:8786 --nthreads 1``, or dask-jobqueue's ``SLURMCluster`` on SLURM) and pass
``--scheduler tcp://HOST:8786`` (there, unset Dask's ``MALLOC_TRIM_THRESHOLD_`` in the workers' config:
``distributed.nanny.pre-spawn-environ``; it makes these checks several times slower, see :func:`_client`).
"""
from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from automata.errors import ParameterError, SuccinctError
from proofs_check import shard_checks
from proofs_check.progress import bar as progress_bar, wanted
from proofs_check.sharding import (MAX_SHARDS, CheckSpec, Manifest, Merged, ShardError, existing_shards, merge,
                                   prepare_results, shard_name, shard_record, write_json_atomically)

MAX_WORKERS = 64
DEFAULT_WORKERS = 2
CONNECT_TIMEOUT = "10s"
WORKER_WAIT = 30.0  # seconds a scheduler may take to get its first worker
PRE_SPAWN = "distributed.nanny.pre-spawn-environ"
_QUIET = ("distributed", "tornado", "asyncio", "bokeh")


@dataclass(frozen=True)
class ShardedRun:
    """A finished sharded run: the merged result and how it was obtained."""

    merged: Merged
    resumed: int  # shards whose valid files were already there
    recomputed: int  # shard files that were there but invalid (partial, corrupt, foreign)
    workers: int
    seconds: float
    results_dir: Path
    temporary: bool  # results_dir is a fresh temporary directory
    computed_inputs: int  # inputs checked by the shards computed in this run

    def line(self) -> str:
        rate = self.computed_inputs / self.seconds if self.seconds > 0 else 0.0
        text = (f"{self.merged.shards:,} shards ({self.resumed:,} resumed), {self.workers} "
                f"worker{'s' if self.workers != 1 else ''}, "
                f"{self.seconds:.1f} s, {rate:,.0f} inputs/s")
        if self.recomputed:
            text += f"; {self.recomputed} invalid shard files recomputed"
        where = "a fresh temporary directory; --results DIR to keep them" if self.temporary else "rerun to resume"
        return f"{text}\nshard results: {self.results_dir} ({where})"


def _bounded(name: str, value: object, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
        raise ParameterError(f"{name} must be an integer in 1..{hi:,}, got {value!r}")
    return value


def _run_shard(kind: shard_checks.CheckKind, params: Mapping, start: int, stop: int) -> tuple[dict, float]:
    """On a worker: one shard's range result and its seconds (torch on one thread: cores are shared)."""
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    raw = kind.run(params, start, stop)
    return raw, time.perf_counter() - t0


def dask_setup(worker: object) -> None:
    """Dask preload hook, run in each local worker process as it starts (restarted ones included): the
    worker ignores SIGINT. A Ctrl-C in the terminal reaches the whole process group; the client alone
    handles it (one ``error: interrupted`` line) and closes the cluster, instead of every worker printing
    its own KeyboardInterrupt traceback."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _quiet() -> Iterator[None]:
    """Dask's and tornado's loggers at CRITICAL and their warnings off for the run, restored after."""
    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            for module in _QUIET:
                warnings.filterwarnings("ignore", module=module)
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[tuple[object, int]]:
    """(client, worker count): a LocalCluster of ``workers`` single-threaded processes, or a client of the
    running ``scheduler``; closed on any exit (errors and KeyboardInterrupt included)."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        import dask

        try:
            # Dask's default MALLOC_TRIM_THRESHOLD_ turns off glibc's adaptive mmap threshold: every large
            # numpy temporary becomes an mmap/munmap pair (measured: the exact RNN 3x slower, sys time 5x)
            with dask.config.set({f"{PRE_SPAWN}.MALLOC_TRIM_THRESHOLD_": None}):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", host="127.0.0.1", silence_logs=logging.CRITICAL,
                                       preload=[__name__])  # dask_setup: workers ignore SIGINT
        except OSError as err:
            raise ParameterError(f"cannot start a local Dask cluster: {err}") from None
        with cluster, Client(cluster) as client:
            yield client, workers
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise ParameterError(f"cannot connect to the Dask scheduler {scheduler}: {err}") from None
    with client:
        try:  # a scheduler without workers would leave every shard pending forever
            client.wait_for_workers(1, timeout=WORKER_WAIT)
        except (TimeoutError, OSError) as err:
            raise ParameterError(f"the Dask scheduler {scheduler} has no workers (waited {WORKER_WAIT:g} s): "
                                 f"start some with `dask worker {scheduler} --nthreads 1`") from err
        yield client, len(client.scheduler_info().get("workers", {}))


def run_sharded(spec: CheckSpec | Mapping, shards: int, results_dir: str | Path | None = None,
                scheduler: str | None = None, workers: int = DEFAULT_WORKERS, progress: bool = False) -> ShardedRun:
    """Run ``spec`` in ``shards`` shards on Dask and merge them (resuming from ``results_dir``'s valid
    shard files; a fresh temporary directory when None). ``workers`` (1..64) is the size of the local
    cluster; with ``scheduler`` (an address such as ``tcp://host:8786``) its cluster's workers run instead."""
    spec = CheckSpec.from_json(spec)
    shards = _bounded("the number of shards (--shards)", shards, MAX_SHARDS)
    workers = _bounded("the number of workers (--workers)", workers, MAX_WORKERS)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ParameterError(f"--scheduler needs an address such as tcp://HOST:8786, got {scheduler!r}")
    if results_dir is not None and (not isinstance(results_dir, (str, Path)) or not str(results_dir).strip()):
        raise ParameterError(f"--results needs a directory name, got {results_dir!r}")
    kind = shard_checks.kind_of(spec)
    manifest = Manifest.new(spec, kind.size(spec.params), shards)
    temporary = results_dir is None
    directory = Path(tempfile.mkdtemp(prefix="succinct-shards-") if temporary else results_dir)
    try:
        prepare_results(directory, manifest)
        records, bad = existing_shards(directory, manifest)
        resumed = len(records)
        missing = [k for k in range(shards) if k not in records]
        t0 = time.perf_counter()
        computed = 0
        # the bar counts shards, resumed ones included: it ends at the K of the run's "K shards (R resumed)"
        with progress_bar(shards, "shards", "shard", progress, initial=resumed) as bar:
            if missing:
                with _quiet(), _client(scheduler, workers) as (client, workers):
                    for k, rec in _compute(client, kind, spec, manifest, missing, directory):
                        records[k] = rec
                        computed += rec["count"]
                        bar.update(1)
                        bar.step(f"{computed:,} inputs")
    except BaseException:
        if temporary:  # nobody was told where it is: a failed run leaves no temporary directory behind
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return ShardedRun(merge(manifest, records), resumed, bad, workers, time.perf_counter() - t0, directory,
                      temporary, computed)


def _compute(client, kind, spec: CheckSpec, manifest: Manifest, missing: list[int], directory: Path):
    """Submit the ``missing`` shards; yield (shard, ShardResult) as each completes, its file written."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    token = uuid.uuid4().hex[:12]
    futures = {client.submit(_run_shard, kind, spec.params, *manifest.shard(k), pure=False, retries=0,
                             key=f"succinct-{kind.name}-shard-{k:05d}-{token}"): k for k in missing}
    try:
        for future in as_completed(futures):
            k = futures[future]
            start, stop = manifest.shard(k)
            where = f"shard {k} ({start:,}..{stop:,})"
            try:
                raw, seconds = future.result()
            except SuccinctError as err:
                raise ShardError(f"{where}: {err}") from None
            except KilledWorker:
                raise ShardError(f"{where}: the workers running it died too often (a crash or out of memory; "
                                 "Dask's distributed.scheduler.allowed-failures)") from None
            except Exception as err:  # a bug in the check: one line, the shards done so far stay on disk
                raise ShardError(f"{where} failed: {type(err).__name__}: {err}") from None
            try:
                rec = shard_record(manifest, k, raw, seconds)
            except ValueError as err:
                raise ShardError(f"{where} returned a malformed result: {err}") from None
            write_json_atomically(directory / shard_name(k), rec)
            future.release()
            yield k, rec
    finally:
        client.cancel(list(futures))


def check_shard_options(args: argparse.Namespace) -> None:
    """Refuse the sharding options without ``--shards`` and options a sharded run cannot honour (one
    ParameterError line); bound ``--shards`` and ``--workers`` before anything is built."""
    shards = getattr(args, "shards", None)
    if shards is None:
        for opt in ("results", "scheduler", "workers"):
            if getattr(args, opt, None) is not None:
                raise ParameterError(f"--{opt} is an option of sharded runs; add --shards K")
        return
    _bounded("the number of shards (--shards)", shards, MAX_SHARDS)
    results = getattr(args, "results", None)
    if results is not None and not str(results).strip():
        raise ParameterError("--results needs a directory name")
    if getattr(args, "workers", None) is not None:
        _bounded("the number of workers (--workers)", args.workers, MAX_WORKERS)
        if getattr(args, "scheduler", None) is not None:
            raise ParameterError("--workers sizes the local cluster; with --scheduler the cluster's own workers run")
    if getattr(args, "sample", None) is not None:
        raise ParameterError("--sample and --shards: a sharded run checks every input")
    if getattr(args, "device", None) not in (None, "cpu"):
        raise ParameterError("sharded runs use CPU workers; drop --device")


def verify_sharded(spec: CheckSpec | Mapping, args: argparse.Namespace) -> int:
    """``succinct verify … --shards K``: run, print the single-process summary and the shard line, and
    return the exit status (``args``: shards, results, scheduler, workers, progress)."""
    check_shard_options(args)
    run = run_sharded(spec, args.shards, getattr(args, "results", None), getattr(args, "scheduler", None),
                      getattr(args, "workers", None) or DEFAULT_WORKERS, wanted(getattr(args, "progress", None)))
    text, code = shard_checks.render(spec, run.merged, run.seconds)
    print(text)
    print(run.line())
    return code


__all__ = ["ShardedRun", "check_shard_options", "run_sharded", "verify_sharded", "MAX_WORKERS"]
