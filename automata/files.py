"""One atomic file writer for every layer: readers see the old file or the whole new one, never a part."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from automata.errors import ParameterError


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path``: a temporary sibling ``.NAME.HEX.tmp`` (created exclusively, mode 0666
    less the umask, as ``open`` would), flushed and fsynced, then renamed over ``path`` (``os.replace``).
    On any failure or interrupt the temporary file is removed and the old file stays; an OS error becomes
    one :class:`ParameterError` naming the path."""
    path = Path(path)
    if path.is_dir():
        raise ParameterError(f"cannot write {path}: it is a directory")
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        raise ParameterError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        try:
            os.remove(tmp)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise ParameterError(f"cannot write {path}: {err.strerror}") from None
        raise
    return path


__all__ = ["write_bytes_atomic"]
