"""Files Bridge writes for a person (the brief): all or nothing, never through a planted link.

:func:`write_file` writes into a temporary file created exclusively (a random name, ``O_EXCL``, never
following a symlink) in the target's own folder, flushes it to disk, then renames it over the target —
so a reader sees the old file or the whole new one, a full disk leaves nothing behind, and a symlink
at the target is replaced, never written through. An existing file is kept unless the caller says
``force``; a folder, a device or any other non-regular file is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from bridge.errors import BridgeError


class OutputError(BridgeError):
    """A file could not be written where asked: what, where, and what to do."""


def write_file(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; see the module docstring for what is refused."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    if found is not None:
        if stat.S_ISDIR(found.st_mode):
            raise OutputError(f"{path} is a folder; give a file name, e.g. {path / 'brief.html'}")
        if not (stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)):
            raise OutputError(f"{path} is not a regular file (a device or a pipe); choose a file")
        if not force:
            raise OutputError(f"{path} already exists; pass --force to replace it")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {exc.strerror}") from None
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {exc.strerror}; nothing was written") from None
