"""One atomic file writer for every layer: readers see the old file or the whole new one, never a part."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from automata.errors import ParameterError


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path``: a temporary sibling, flushed and fsynced, then renamed over ``path``
    (``os.replace``). On any failure the temporary file is removed and the old file stays; an OS error
    becomes one :class:`ParameterError` naming the path."""
    target = Path(path)
    if target.is_dir():
        raise ParameterError(f"cannot write {target}: it is a directory")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.",
                                   suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
        tmp = None
    except OSError as err:
        raise ParameterError(f"cannot write {target}: {err.strerror}") from None
    finally:
        if tmp is not None:
            try:
                os.remove(tmp)
            except OSError:
                pass
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["write_bytes_atomic"]
