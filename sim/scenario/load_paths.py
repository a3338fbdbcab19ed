"""Data files named in a scenario: resolved relative to the file that names them."""

from __future__ import annotations

from pathlib import Path

from sim.scenario.reader import Table


def data_path(table: Table, name: str) -> tuple[Path, str]:
    """The file named by key ``name`` of ``table``, resolved from the file that wrote it, and its shown name.

    Raises
    ------
    ScenarioError
        If the key is missing or the file does not exist.
    """
    value = table.text(name)
    path = (Path(table.origin(table.key(name))).resolve().parent / value).resolve()
    if not path.is_file():
        raise table.fail(name, "file not found", value)
    try:
        shown = str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path)
    return path, shown
