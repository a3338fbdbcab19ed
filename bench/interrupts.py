"""Interrupt a run many times at random moments: does every one stop with its one line and exit status?

Usage: ``python bench/interrupts.py [--runs N] [--signal INT|TERM]``. Each run is ``python -m sim run`` on the
single office over a year (12 replications, serial), interrupted as soon as its first replication is checkpointed
(so the signal lands somewhere inside a later replication: in Python, in NumPy or inside a compiled kernel's
call). A run passes when it exits 130 (SIGINT) or 143 (SIGTERM) with exactly one line on stderr and no traceback.
Prints the tally and the first failure's stderr. About two seconds a run.
"""

from __future__ import annotations

import argparse
import collections
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATUS = {"INT": (signal.SIGINT, 130), "TERM": (signal.SIGTERM, 143)}


def interrupted(sig: signal.Signals) -> tuple[int, str]:
    """One run interrupted after its first checkpoint: exit status and stderr."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        scenario = work / "year.toml"
        office = (ROOT / "scenarios" / "single_office.toml").as_posix()
        scenario.write_text(f'extends = "{office}"\n[run]\nend = 2023-08-31\n', encoding="utf-8")
        command = [sys.executable, "-m", "sim", "run", str(scenario), "--serial", "--quiet", "--replications", "12",
                   "--out", str(work / "out")]  # fmt: skip
        run = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while not any((work / ".checkpoints").rglob("rep-*.pkl")) and run.poll() is None:
            time.sleep(0.05)
        run.send_signal(sig)
        _, stderr = run.communicate(timeout=120)
        return run.returncode, stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--signal", choices=sorted(STATUS), default="INT")
    args = parser.parse_args()
    sig, expected = STATUS[args.signal]
    tally: collections.Counter[str] = collections.Counter()
    first_failure = ""
    for _ in range(args.runs):
        status, stderr = interrupted(sig)
        ok = status == expected and stderr.count("\n") == 1 and "Traceback" not in stderr
        lines = stderr.count("\n")
        tally[f"one line, exit {expected}" if ok else f"exit {status}, {lines} stderr lines"] += 1
        first_failure = first_failure or ("" if ok else stderr)
    for outcome, count in tally.most_common():
        print(f"{count:4d}  {outcome}")
    if first_failure:
        print("first failure's stderr:")
        print(first_failure)


if __name__ == "__main__":
    main()
