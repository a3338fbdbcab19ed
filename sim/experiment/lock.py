"""One writer per output: an advisory lock (``flock``) on a hidden file beside the folder a command writes.

A second ``sweep`` into the same folder, or a second ``run``/``compare``/``calibrate`` with the same ``--out``,
fails fast with :class:`InUseError` instead of racing the first. The kernel releases the lock when its holder ends,
however it ends (``kill -9`` included), so a lock is never stale; the file itself is removed by the holder on the
way out. Linux and other POSIX systems only (``fcntl``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class InUseError(Exception):
    """Another process holds the lock on an output folder.

    Attributes
    ----------
    folder : Path
        The output folder that is in use.
    holder : str
        The holder's process id as it wrote it ("" when unknown).
    """

    def __init__(self, folder: Path, holder: str) -> None:
        self.folder = folder
        self.holder = holder
        by = f" (process {holder})" if holder else ""
        super().__init__(f"{folder}: in use by another run{by}; wait for it to finish, or choose another --out")


def lock_file(folder: Path) -> Path:
    """The lock file of an output folder: ``.<name>.lock`` beside it."""
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def holding(folder: Path) -> Iterator[None]:
    """Hold the lock on ``folder`` for the block (its parent folder is created when missing).

    Raises
    ------
    InUseError
        At once, when another process holds it.
    """
    path = lock_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = _acquire(path, folder)
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(handle)


def _acquire(path: Path, folder: Path) -> int:
    """Open and lock ``path``; retried when the file was replaced between open and lock (a holder leaving)."""
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _holder(handle)
            os.close(handle)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise InUseError(folder, holder) from None
            raise
        if _same_file(handle, path):
            return handle
        os.close(handle)  # the holder removed the file after we opened it: lock the new one


def _same_file(handle: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(handle)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def _holder(handle: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(handle, 32, 0).decode("ascii", "replace").strip()
    return ""
