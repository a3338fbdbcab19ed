"""Finished replications kept on disk so that an interrupted ``run`` or ``sweep`` resumes where it stopped.

A checkpoint folder holds one file per finished replication, ``rep-0007.pkl``: the pickled
:class:`~sim.experiment.runner.Outcome` with a tag, the fingerprint of what it depends on and its index, written to a
temporary file and renamed (so a file is whole or absent). A replication depends only on the scenario, the seed, the
engine and its index (never on how many replications the run has), so a restored outcome is exactly the one a new
run would compute, and a resumed run's results are byte-identical to an uninterrupted run's. A file that cannot be
read, or that was written for another scenario, is ignored with a warning and its replication runs again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import pickle
import shutil
from pathlib import Path

import sim
from sim.experiment.runner import Outcome
from sim.model.engine import Engine
from sim.scenario.schema import Scenario

TAG = "rollout-sim replication checkpoint 1"
"""First item of every checkpoint file; a file without it is not ours."""

log = logging.getLogger("sim")


def scenario_fingerprint(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario with the replications and seed used: what a sweep point depends on."""
    data = {"resolved": scenario.resolved, "replications": scenario.run.replications, "seed": scenario.run.seed}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_fingerprint(scenario: Scenario, engine: Engine) -> str:
    """SHA-256 of everything one replication of a ``run`` depends on, except the number of replications.

    The validated scenario in full (its data tables included, the horizon as cut by ``--until``, the seed), the
    engine and the version; not the file's path nor ``run.replications``, so a rerun with more replications or
    under ``--precision`` reuses the replications it shares.
    """
    run = dataclasses.replace(scenario.run, replications=0)
    text = repr((dataclasses.replace(scenario, file="", run=run), engine, sim.__version__))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Checkpoints:
    """The checkpoint folder of one scenario's replications.

    Attributes
    ----------
    folder : Path
        Where the ``rep-NNNN.pkl`` files go (created on the first one).
    fingerprint : str
        What the replications depend on; files with another are ignored.
    """

    folder: Path
    fingerprint: str

    def file(self, index: int) -> Path:
        """The checkpoint file of replication ``index``."""
        return self.folder / f"rep-{index:04d}.pkl"

    def keep(self, index: int, outcome: Outcome) -> None:
        """Write replication ``index``'s outcome whole (temporary file, then rename)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((TAG, self.fingerprint, index, outcome), protocol=pickle.HIGHEST_PROTOCOL)
        replace_file(self.file(index), data)

    def restore(self, indices: range) -> dict[int, Outcome]:
        """The kept outcomes among ``indices``; damaged or foreign files are ignored (they run again)."""
        outcomes: dict[int, Outcome] = {}
        if not self.folder.is_dir():
            return outcomes
        for partial in self.folder.glob(".*.tmp-*"):  # left by a process killed while writing one
            partial.unlink(missing_ok=True)
        for index in indices:
            outcome = self._read(index)
            if outcome is not None:
                outcomes[index] = outcome
        return outcomes

    def _read(self, index: int) -> Outcome | None:
        file = self.file(index)
        if not file.exists():
            return None
        try:
            tag, mark, number, outcome = pickle.loads(file.read_bytes())
        except Exception as exc:  # any damage at all means: run the replication again
            log.warning("%s: ignored, cannot be read (%s)", file, exc)
            return None
        if tag == TAG and mark == self.fingerprint and number == index and isinstance(outcome, Outcome):
            return outcome
        log.warning("%s: ignored, written for another scenario", file)
        return None

    def count(self) -> int:
        """How many checkpoint files the folder holds."""
        return len(list(self.folder.glob("rep-*.pkl"))) if self.folder.is_dir() else 0

    def drop(self) -> None:
        """Remove the folder, and its parent when that is left empty."""
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.folder.parent.rmdir()


def replace_file(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, renamed over it."""
    partial = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
