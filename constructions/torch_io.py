"""The weights file of the compiled modules (UHAT, Elman RNN, DeepRNN): :func:`save` / :func:`load`
(docs/architecture.md, constructions/); the modules' shared conventions — dtype moves, batches of mixed
lengths (:func:`pad_words`) — are :mod:`constructions.torch_exact`.

**The weights file** (:func:`save` / :func:`load`): ``torch.save`` of a plain dict

* ``format``: :data:`FORMAT`; ``version``: :data:`VERSION` (other versions are refused);
* ``meta``: a JSON string — ``kind`` (uhat, rnn, deep_rnn), ``alphabet``, ``dtype``, the
  structure the tensors do not carry (masks, tie-breaks, activations, …) and the exactness proof's
  bounds (``audit``); see each module's ``file_parts``;
* ``tensors``: name → tensor, exactly the module's ``state_dict()``;
* ``digest``: SHA-256 of the tensors (:func:`digest`), so a corrupted weight is refused, not run.

:func:`load` reads it with ``torch.load(weights_only=True)`` (tensors, dicts and strings only: no
code is ever unpickled), checks format, version, digest and metadata, and rebuilds the module
without the symbolic network; the module's exactness proof is re-derived from the tensors and must
agree with the stored bounds. Anything wrong is one :class:`ModelFileError`.
"""
from __future__ import annotations

import importlib
import io
import json
import os
from pathlib import Path

import torch

from automata.errors import ArgumentError, DtypeError, ParameterError, check_int, shown
from automata.files import write_bytes_atomic
from constructions.dtypes import parse_dtype
from constructions.torch_exact import (PAD, ExactModule, ModelFileError, digest, field, fraction, lossless,
                                       pad_words, resolve_lengths, valid_positions)

FORMAT = "succinct-verifier/compiled-network"
VERSION = 2  # 2: the digest covers the metadata too
MAX_FILE_BYTES = 1 << 32  # load refuses larger files before reading them
MAX_META_CHARS = 1 << 26
KINDS: dict[str, tuple[str, str]] = {  # a fixed table: the file's kind never names code
    "uhat": ("constructions.uhat.torch_backend", "UHATModule"),
    "rnn": ("constructions.rnn.torch_backend", "RNNModule"),
    "deep_rnn": ("constructions.rnn.deep_torch", "DeepRNNModule"),
}


# ---- the file ---------------------------------------------------------------------------------------


def save(module: ExactModule, path: str | os.PathLike) -> Path:
    """Write ``module`` to ``path`` in the documented format (a temporary file renamed into place, so a
    failure leaves any old file untouched). Returns the path."""
    if not isinstance(module, ExactModule):
        raise ParameterError(f"save needs a compiled module (to_torch / deep_to_torch), got {type(module).__name__}")
    path = file_path(path, "save")
    if path.exists() and not path.is_file():
        raise ParameterError(f"{path} exists and is not a file")
    if not path.parent.is_dir():
        raise ParameterError(f"directory {path.parent} does not exist")
    meta, tensors = module.file_parts()
    tensors = {k: v.detach().to("cpu").clone() for k, v in tensors.items()}
    meta = {"kind": module.kind, "dtype": str(module.dtype).replace("torch.", ""), **meta}
    meta_text = json.dumps(meta, sort_keys=True)
    payload = {"format": FORMAT, "version": VERSION, "meta": meta_text, "tensors": tensors,
               "digest": digest(tensors, meta_text)}
    buf = io.BytesIO()
    torch.save(payload, buf)
    return write_bytes_atomic(path, buf.getvalue())


def load(path: str | os.PathLike, dtype: torch.dtype | str | None = None, device: str | torch.device = "cpu",
         fast: bool = True, max_bytes: int = MAX_FILE_BYTES) -> ExactModule:
    """The module saved at ``path`` (in ``dtype``, default the saved one, on ``device``), rebuilt from the
    tensors and metadata alone. :class:`ModelFileError` for anything wrong with the file;
    :class:`DtypeError` when the file is fine but ``dtype`` is not proved exact for it."""
    from constructions.dtypes import parse_device

    path = file_path(path, "load")
    max_bytes = check_int(max_bytes, "load: max_bytes", 0)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ModelFileError(f"{path}: {size} bytes exceeds the limit of {max_bytes}")
    device = parse_device(device)
    try:
        with torch.sparse.check_sparse_tensor_invariants():  # a malformed sparse tensor is refused, not run
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # the untrusted boundary: any failure to unpickle is a bad file
        raise ModelFileError(f"{path}: not a readable weights file ({type(e).__name__})") from None
    meta, tensors = _validate(path, payload)
    kind = meta["kind"]
    module_name, class_name = KINDS[kind]
    cls = getattr(importlib.import_module(module_name), class_name)
    try:
        dt = parse_dtype(dtype if dtype is not None else field(meta, "dtype", str, path))
    except DtypeError:
        if dtype is not None:
            raise
        raise ModelFileError(f"{path}: unknown stored dtype {meta.get('dtype')!r}") from None
    try:
        module = cls.from_file(meta, tensors, dt, device, fast)
    except DtypeError as e:
        if dtype is not None:  # the requested dtype is refused: a proper refusal, not a bad file
            raise
        raise ModelFileError(f"{path}: the stored network fails its exactness proof ({e})") from None
    except (ParameterError, KeyError, TypeError, ValueError, IndexError) as e:
        raise ModelFileError(f"{path}: inconsistent metadata or tensors ({e})") from None
    own = module.state_dict()
    if set(own) != set(tensors) or digest(own) != digest({k: v.to(own[k].dtype) for k, v in tensors.items()}):
        raise ModelFileError(f"{path}: the rebuilt module does not hold the stored weights")
    return module


def file_path(path: object, where: str) -> Path:
    """``path`` (a str or os.PathLike) as a Path; :class:`ArgumentError` for anything else."""
    if not isinstance(path, (str, os.PathLike)) or (isinstance(path, str) and "\0" in path):
        raise ArgumentError(f"{where}: a path is a str or os.PathLike, got {shown(path)}")
    return Path(path)


def _validate(path: Path, payload: object) -> tuple[dict, dict[str, torch.Tensor]]:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a {FORMAT} file")
    version = payload.get("version")
    if version != VERSION:
        raise ModelFileError(f"{path}: format version {version!r} is not supported (this library reads {VERSION})")
    meta_text, tensors = payload.get("meta"), payload.get("tensors")
    if not isinstance(meta_text, str) or len(meta_text) > MAX_META_CHARS:
        raise ModelFileError(f"{path}: missing or oversized metadata")
    if not isinstance(tensors, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                and v.layout in (torch.strided, torch.sparse_coo)
                                                for k, v in tensors.items()):
        raise ModelFileError(f"{path}: the tensors must be a dict of names to dense or sparse COO tensors")
    if payload.get("digest") != digest(tensors, meta_text):
        raise ModelFileError(f"{path}: the tensors or metadata do not match the file's digest (corrupt or edited)")
    try:
        meta = json.loads(meta_text)
    except ValueError:
        raise ModelFileError(f"{path}: the metadata is not JSON") from None
    if not isinstance(meta, dict) or meta.get("kind") not in KINDS:
        raise ModelFileError(f"{path}: unknown network kind {meta.get('kind') if isinstance(meta, dict) else None!r}")
    return meta, tensors


__all__ = ["FORMAT", "KINDS", "MAX_FILE_BYTES", "PAD", "VERSION", "ExactModule", "ModelFileError", "digest",
           "field", "fraction", "load", "lossless", "pad_words", "resolve_lengths", "save", "valid_positions"]
