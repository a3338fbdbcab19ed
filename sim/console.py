"""What every command shares at the terminal: its two output streams, the progress bar, and option types.

Used by :mod:`sim.cli`, the commands beside it (:mod:`sim.cli_size`, :mod:`sim.cli_sensitivity`) and
:mod:`sim.guard`, so that a line, a bar or a date option reads the same in each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable

from tqdm import tqdm


def out(text: str) -> None:
    """Write one line of results to stdout."""
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    """Write one line (an error, warning or note) to stderr."""
    sys.stderr.write(text + "\n")


def progress(quiet: bool) -> Callable[[int, int], None] | None:
    """A progress bar on a terminal, called with (replications done, total); none with --quiet or off a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="rep", desc="replications", file=sys.stderr)
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


def iso_date(text: str) -> dt.date:
    """An option's date, such as 2022-12-31."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date such as 2022-12-31, got {text}") from None


def seed(text: str) -> int:
    """An option's root seed, from 0 to 2**63-1."""
    value = int(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to 2**63-1, got {text}")
    return value
