"""Files written whole or not at all: a temporary file beside the target, renamed over it when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal, TypeAlias

Format: TypeAlias = Literal["png", "svg", "pdf"]
FORMATS: tuple[Format, ...] = ("png", "svg", "pdf")
"""The file formats :func:`sim.output.plots.write_figures` writes."""


def replace_file(target: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``target`` atomically, with the permissions of an ordinary new file.

    Parameters
    ----------
    target
        The file to create or replace; its folder must exist.
    write
        Writes the whole content to the binary stream it is given.

    Returns
    -------
    Path
        ``target``. A failure or an interrupt while writing leaves the previous file (or none) and no temporary.
    """
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes the file private; results are ordinary files
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
