"""One atomic file writer for every layer (readers see the old file or the whole new one, never a part)
and one bounded reader of user text files (programs, machines)."""
from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path
from typing import Callable

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


def read_text_file(path: str | os.PathLike[str], max_chars: int, what: str,
                   error: Callable[[str], Exception] = ParameterError) -> str:
    """The UTF-8 text of the regular file ``path`` (a leading BOM dropped), read in bounded memory: at most
    ``4·max_chars`` bytes (the UTF-8 worst case), then at most ``max_chars`` characters. A directory, a FIFO
    (which would block), a device (endless), an unreadable, oversized or non-UTF-8 file is one
    ``error(message)`` (``what`` names the kind of file: "a program", "a machine")."""
    path = Path(path)
    limit = 4 * max_chars
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path} is not a regular file; {what} is a text file")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)  # bounded even if the file grew since the stat
    except OSError as err:
        raise error(f"cannot read {path}: {err.strerror}") from None
    if len(data) > limit:
        raise error(f"{path} has more than {limit:,} bytes; {what} has at most {max_chars:,} characters")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{path} is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})") from None
    text = text.removeprefix("\ufeff")
    if len(text) > max_chars:
        raise error(f"{path} has {len(text):,} characters; {what} has at most {max_chars:,}")
    return text


__all__ = ["read_text_file", "write_bytes_atomic"]
