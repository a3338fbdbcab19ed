"""The fault cases of issue 12 ("Hardening"), run against one checkout of the project, one table row per case.

    python bench/faults.py --checkout DIR [--python PY] [--markdown] [--only ID ...]

Each case runs ``PY -m sim ...`` as a user would: in a fresh temporary folder (the command's working directory is
its ``work/`` subfolder, the case's input files are in ``in/``), with ``PYTHONPATH=DIR`` so that DIR's ``sim``
package is the one imported, and with small scenario files that extend DIR's own ``scenarios/`` (single_office cut
to a few days; the national history cut with ``--until``). PY defaults to /work/main/.venv/bin/python, which has
every dependency. A row gives the exit status, the number of stderr lines and whether a Traceback appeared, the
first stderr line, what was left on disk (every file or folder under the temporary folder that the case did not
put there, hidden ``.partial`` folders included; for the output-path cases also whether anything was written
outside the results root) and, for the signal cases, whether a worker process outlived the parent (its pid and
start time are read from /proc before the signal; "alive" is checked 5 s after the parent ended). Every command
has a time limit: one still running then is shown as "running after N s" and its whole process group is killed
with SIGKILL (so what it leaves on disk is what a kill -9 leaves); so is one whose process tree holds more than
RSS_LIMIT_MB (10 GB), the peak shown in the notes.

Linux only (/proc). The full-disk case mounts a 64 KiB tmpfs and needs root (else it is skipped, with the reason).
Takes about 5 minutes per checkout on two cores.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

DEFAULT_PYTHON = Path("/work/main/.venv/bin/python")
RSS_LIMIT_MB = 10_000.0
"""A command whose process tree holds more than this is killed (the machine is shared; 23 GB in all)."""
SHORT_END = "2022-09-05"
"""single_office starts on 2022-09-01: five arrival days run in about a second."""
OUTLIVE_SECONDS = 5.0
FIRST_LINE_CHARS = 100


# ----------------------------------------------------------------------------------------------- processes


@dataclass(frozen=True)
class Ident:
    """A process as /proc knows it: its pid and start time (so that a reused pid is not taken for it)."""

    pid: int
    start: int


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()


def _ident(pid: int) -> Ident | None:
    fields = _stat_fields(pid)
    return None if fields is None else Ident(pid, int(fields[19]))


def _alive(process: Ident) -> bool:
    """True while the process runs (a zombie or a new process under the same pid is not it)."""
    fields = _stat_fields(process.pid)
    return fields is not None and fields[0] != "Z" and int(fields[19]) == process.start


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text(encoding="utf-8").split()]
        except OSError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    found: list[int] = []
    todo = _children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += _children(child)
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Outcome:
    """How one command ended: its status (None: still running at its time limit, then killed) and its output."""

    argv: list[str]
    status: int | None
    limit: float
    seconds: float
    stdout: str
    stderr: str
    peak_rss_mb: float
    note: str = ""

    @property
    def exit(self) -> str:
        """The exit status as a row shows it."""
        if self.status is None:
            return f"running after {self.seconds:.0f} s{self.note}, killed (SIGKILL to the group)"
        if self.status < 0:
            return f"killed by {signal.Signals(-self.status).name}"
        return str(self.status)

    @property
    def lines(self) -> list[str]:
        """The non-empty stderr lines."""
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr

    @property
    def first_line(self) -> str:
        lines = self.lines
        return lines[0] if lines else ""

    @property
    def error(self) -> str:
        """The exception line that ends a Traceback ("" when there is none)."""
        return self.lines[-1] if self.traceback else ""


class Process:
    """One ``PY -m sim ...`` in its own session (so that its process group can be signalled and killed whole)."""

    def __init__(self, ctx: Context, argv: Sequence[str], cwd: Path) -> None:
        self.argv = list(argv)
        # closed by _read once the command has ended
        self._out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.popen = subprocess.Popen(
            [str(ctx.python), "-m", "sim", *argv],
            cwd=cwd,
            env=ctx.env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )
        self.started = time.monotonic()
        self.peak_rss_mb = 0.0
        self.pid = self.popen.pid

    def sample(self) -> None:
        """Track the peak resident memory of the whole process tree."""
        tree = [self.pid, *_descendants(self.pid)]
        self.peak_rss_mb = max(self.peak_rss_mb, sum(_rss_mb(p) for p in tree))

    def workers(self) -> list[Ident]:
        found = (_ident(p) for p in _descendants(self.pid))
        return [p for p in found if p is not None]

    def wait_for(self, condition: Callable[[], bool], limit: float) -> bool:
        """Sample until ``condition`` holds (True) or the command ended or ``limit`` seconds passed (False)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.popen.poll() is not None:
                return False
            self.sample()
            time.sleep(0.01)
        return False

    def send(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the parent only (``kill -SIG PID``)."""
        if self.popen.poll() is None:
            os.kill(self.pid, sig)

    def signal_group(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the whole process group, as a terminal's Ctrl-C does."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def wait(self, limit: float) -> Outcome:
        """Wait for the command to end; past ``limit`` seconds from its start, kill its process group."""
        note = ""
        while self.popen.poll() is None:
            self.sample()
            if self.peak_rss_mb > RSS_LIMIT_MB:
                note = f" (killed at {self.peak_rss_mb / 1024:.1f} GB RSS)"
                break
            if time.monotonic() - self.started > limit:
                break
            time.sleep(0.1)
        status = self.popen.poll()
        if status is None:
            self.kill_group()
            self.popen.wait()
        seconds = time.monotonic() - self.started
        return Outcome(
            self.argv, status, limit, seconds, self._read(self._out), self._read(self._err), self.peak_rss_mb, note
        )

    def kill_group(self) -> None:
        """Kill what is left of the command's process group (orphaned workers included)."""
        self.signal_group(signal.SIGKILL)

    @staticmethod
    def _read(file: IO[bytes]) -> str:
        file.seek(0)
        text = file.read().decode("utf-8", errors="replace")
        file.close()
        return text


def partial_in(folder: Path) -> Callable[[], bool]:
    """A condition: a ``.partial`` folder is in ``folder``."""
    return lambda: any(".partial" in name for name in os.listdir(folder))


def after(seconds: float) -> Callable[[], bool]:
    """A condition: ``seconds`` have passed since now."""
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() >= deadline


def _survivors(workers: Sequence[Ident], seconds: float = OUTLIVE_SECONDS) -> list[Ident]:
    """The workers still alive ``seconds`` after the parent ended."""
    time.sleep(seconds)
    return [w for w in workers if _alive(w)]


def _lingering(alive: Sequence[Ident], longest: float = 30.0) -> str:
    """How long the workers alive at OUTLIVE_SECONDS went on living (watched up to ``longest`` s after the parent)."""
    waited = OUTLIVE_SECONDS
    while waited < longest:
        if not any(_alive(w) for w in alive):
            return f"all gone by {waited:.0f} s"
        time.sleep(0.5)
        waited += 0.5
    left = [w for w in alive if _alive(w)]
    if not left:
        return f"all gone by {longest:.0f} s"
    states = ", ".join((_stat_fields(w.pid) or ["?"])[0] for w in left)
    return f"{len(left)} still alive at {longest:.0f} s (state {states})"


def _kill(processes: Sequence[Ident]) -> None:
    for process in processes:
        if _alive(process):
            os.kill(process.pid, signal.SIGKILL)


# ----------------------------------------------------------------------------------------------- folders


@dataclass
class Context:
    """The checkout under test and how to run it."""

    checkout: Path
    python: Path
    keep: bool = False

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME")}
        env["PYTHONPATH"] = str(self.checkout)
        return env

    @property
    def scenarios(self) -> Path:
        return self.checkout / "scenarios"

    def run(self, argv: Sequence[str], cwd: Path, limit: float) -> Outcome:
        return Process(self, argv, cwd).wait(limit)


@dataclass
class Case:
    """A case's temporary folder: ``in/`` for its input files, ``work/`` as the commands' working directory."""

    root: Path
    before: set[Path] = field(default_factory=set)

    @property
    def inputs(self) -> Path:
        return self.root / "in"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def results(self) -> Path:
        return self.work / "results"

    def write(self, name: str, text: str) -> Path:
        path = self.inputs / name
        path.write_text(text, encoding="utf-8")
        return path

    def mark(self) -> None:
        """Take what is on disk now as the case's inputs (not reported as left behind)."""
        self.before = set(_walk(self.root))

    def created(self) -> list[Path]:
        return sorted(p for p in _walk(self.root) if p not in self.before)

    def left(self) -> str:
        """What the case's commands left on disk, top-most created paths first."""
        return _describe_all(self.created(), self.root)

    def outside(self, root: Path | None = None) -> str:
        """What was created outside the results root (``work/results`` unless given)."""
        inside = root or self.results
        escaped = [p for p in self.created() if p != inside and not p.is_relative_to(inside)]
        escaped = [p for p in escaped if not any(q in escaped for q in p.parents)]
        return _describe_all(escaped, self.root) if escaped else "nothing"


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        found += [base / d for d in dirs]
        found += [base / f for f in files]
    return found


def _normal(text: str) -> str:
    """A path as a row shows it: timestamps and pids replaced, long names shortened."""
    text = re.sub(r"\d{8}-\d{6}", "<ts>", text)
    text = re.sub(r"partial-\d+", "partial-<pid>", text)
    return "/".join(part if len(part) <= 40 else f"{part[:10]}…({len(part)} chars)" for part in text.split("/"))


def _size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _describe(path: Path, root: Path) -> str:
    shown = path
    while shown.is_dir() and not shown.is_symlink():
        children = list(shown.iterdir())
        if len(children) != 1 or not children[0].is_dir() or children[0].name.startswith("."):
            break
        shown = children[0]
    name = _normal(shown.relative_to(root).as_posix())
    if not shown.is_dir():
        return f"{name} ({_size(shown.stat().st_size)})" if shown.exists() else name
    inside = _walk(shown)
    files = [p for p in inside if p.is_file()]
    hidden = sorted({_normal(p.name) for p in inside if p.name.startswith(".")})
    text = f"{name}/ ({len(files)} files, {_size(sum(p.stat().st_size for p in files))})"
    if hidden:
        text += f" incl. hidden {', '.join(hidden[:2])}{' …' if len(hidden) > 2 else ''}"
    return text


def _describe_all(paths: Sequence[Path], root: Path, most: int = 4) -> str:
    created = set(paths)
    tops = [p for p in paths if p.parent not in created]
    if not tops:
        return "nothing"
    shown = [_describe(p, root) for p in tops[:most]]
    if len(tops) > most:
        shown.append(f"+{len(tops) - most} more")
    return "; ".join(shown)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ----------------------------------------------------------------------------------------------- rows


@dataclass
class Row:
    """One case's line of the table."""

    case: str
    kind: str
    command: str
    exit: str
    lines: str
    traceback: str
    first: str
    left: str
    outlived: str = "-"
    notes: str = ""


def _row(
    ident: str, kind: str, command: str, outcome: Outcome, left: str, *, notes: str = "", outlived: str = "-"
) -> Row:
    return Row(
        ident,
        kind,
        command,
        outcome.exit,
        str(len(outcome.lines)),
        "yes" if outcome.traceback else "no",
        outcome.first_line,
        left,
        outlived,
        _with_errors(notes, [outcome]),
    )


def _with_errors(notes: str, outcomes: Sequence[Outcome]) -> str:
    """``notes``, the exception line that ended each Traceback and the error line after an argparse usage."""
    errors = sorted({_cut(o.error, 120) for o in outcomes if o.error})
    usage = sorted({_cut(o.lines[-1], 120) for o in outcomes if o.first_line.startswith("usage:")})
    extra = [*(f"raised {e}" for e in errors), *(f"last stderr line: {u}" for u in usage)]
    return "; ".join([x for x in [notes, *extra] if x])


def _combined(ident: str, kind: str, command: str, outcomes: Sequence[Outcome], *, left: str, notes: str) -> Row:
    """One row for several commands (trials, or runs started together): their figures joined by ' / '."""
    firsts = [o.first_line for o in outcomes if o.first_line]
    return Row(
        ident,
        kind,
        command,
        " / ".join(o.exit for o in outcomes),
        " / ".join(str(len(o.lines)) for o in outcomes),
        "yes" if any(o.traceback for o in outcomes) else "no",
        firsts[0] if firsts else "",
        left,
        "-",
        _with_errors(notes, outcomes),
    )


def _tidy(row: Row, root: Path) -> Row:
    """The case's temporary folder shown as ``<tmp>``; the first stderr line cut to its width."""

    def short(text: str) -> str:
        return text.replace(str(root), "<tmp>")

    return Row(
        row.case,
        row.kind,
        row.command,
        row.exit,
        row.lines,
        row.traceback,
        _cut(short(row.first), FIRST_LINE_CHARS),
        short(row.left),
        row.outlived,
        short(row.notes),
    )


def _outlived(workers: Sequence[Ident], alive: Sequence[Ident]) -> str:
    if not workers:
        return "no workers seen"
    if alive:
        return f"YES: {len(alive)} of {len(workers)} alive {OUTLIVE_SECONDS:.0f} s after the parent ended"
    return f"no (0 of {len(workers)} alive {OUTLIVE_SECONDS:.0f} s after the parent ended)"


def _warnings(outcome: Outcome) -> list[str]:
    return [line for line in outcome.lines if line.startswith("warning")]


def _summary(path: Path, metrics: Sequence[str], scope: str = "total") -> str:
    """``metric=mean`` for the given metrics of a results folder's summary.csv (scope ``total``)."""
    if not path.is_file():
        return "no summary.csv"
    with path.open(encoding="utf-8") as file:
        rows = {(r["scope"], r["metric"]): r for r in csv.DictReader(file)}
    found = [f"{m}={float(rows[(scope, m)]['mean']):.4g}" for m in metrics if (scope, m) in rows]
    missing = [m for m in metrics if (scope, m) not in rows]
    return ", ".join([*found, *([f"not reported: {', '.join(missing)}"] if missing else [])])


def _printed(outcome: Outcome, column: str) -> str:
    """The ``total`` row's cell under ``column`` in the first table the command printed."""
    lines = outcome.stdout.splitlines()
    for i, line in enumerate(lines):
        header = re.split(r"\s{2,}", line.strip())
        if column in header:
            for row in lines[i + 2 :]:
                cells = re.split(r"\s{2,}", row.strip())
                if cells and cells[0] == "total" and len(cells) == len(header):
                    return cells[header.index(column)]
            return "no total row"
    return f"no '{column}' column"


# ----------------------------------------------------------------------------------------------- scenarios


def _office(
    ctx: Context,
    case: Case,
    name: str = "s.toml",
    *,
    top: str = "",
    run: str = "",
    rest: str = "",
    end: str = SHORT_END,
) -> Path:
    """A scenario file extending the checkout's single_office, cut to end on ``end``."""
    base = (ctx.scenarios / "single_office.toml").as_posix()
    text = f'extends = "{base}"\n{top}\n[run]\nend = {end}\n{run}\n{rest}\n'
    return case.write(name, text)


def _long_office(ctx: Context, case: Case) -> Path:
    """The whole single_office (90 days) without the local visits' records: thousands of replications run for long."""
    base = (ctx.scenarios / "single_office.toml").as_posix()
    return case.write("long.toml", f'extends = "{base}"\n[report]\nlocal_visit_records = "none"\n')


def _applicants_cap(ctx: Context) -> float:
    """The cap on office.applicants_per_day in the checkout's sim/scenario/offices.py (1e5 when not found)."""
    source = (ctx.checkout / "sim" / "scenario" / "offices.py").read_text(encoding="utf-8")
    found = re.search(r'"applicants_per_day",\s*low=[^,]+,\s*high=([0-9.e_+]+)', source)
    return float(found.group(1)) if found else 1e5


# ----------------------------------------------------------------------------------------------- cases


CaseFunction = Callable[["Context", "Case"], Row]
CASES: list[tuple[str, CaseFunction]] = []


def case(ident: str) -> Callable[[CaseFunction], CaseFunction]:
    def register(function: CaseFunction) -> CaseFunction:
        CASES.append((ident, function))
        return function

    return register


def _name_case(ctx: Context, case_: Case, ident: str, name_toml: str, shown: str) -> Row:
    scenario = _office(ctx, case_, top=f'name = "{name_toml}"')
    case_.mark()
    outcome = ctx.run(["run", str(scenario), "--replications", "2", "--serial", "--quiet"], case_.work, 120)
    return _row(
        ident,
        "output path",
        f"run (name = {shown})",
        outcome,
        case_.left(),
        notes=f"outside results root: {case_.outside()}",
    )


@case("P1")
def parent_name(ctx: Context, case_: Case) -> Row:
    return _name_case(ctx, case_, "P1", "../../x", '"../../x"')


@case("P2")
def absolute_name(ctx: Context, case_: Case) -> Row:
    target = Path(f"/tmp/abs-{secrets.token_hex(4)}")
    row = _name_case(ctx, case_, "P2", target.as_posix(), '"/tmp/abs-<random>"')
    if target.exists():
        row.notes += f"; {target} WAS CREATED: {_describe_all([target], target.parent)}"
        shutil.rmtree(target, ignore_errors=True)
    else:
        row.notes += f"; {target} not created"
    return row


@case("P3")
def long_name(ctx: Context, case_: Case) -> Row:
    return _name_case(ctx, case_, "P3", "n" * 300, "300 × n")


@case("P4")
def nul_name(ctx: Context, case_: Case) -> Row:
    return _name_case(ctx, case_, "P4", "nul\\u0000byte", '"nul\\u0000byte"')


@case("P5")
def empty_name(ctx: Context, case_: Case) -> Row:
    return _name_case(ctx, case_, "P5", "", '""')


@case("P6")
def read_only_root(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_)
    root = case_.work / "ro"
    root.mkdir()
    root.chmod(0o555)
    case_.mark()
    argv = ["run", str(scenario), "--replications", "2", "--serial", "--quiet", "--results-root", "ro"]
    outcome = ctx.run(argv, case_.work, 120)
    left = case_.left()
    root.chmod(0o755)
    note = "running as root: chmod 0555 is not enforced (see P7, P8)" if os.geteuid() == 0 else "not root"
    return _row(
        "P6",
        "output path",
        "run --results-root ro (chmod 0555)",
        outcome,
        left,
        notes=f"{note}; outside results root: {case_.outside(root)}",
    )


@case("P7")
def proc_root(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_)
    root = f"/proc/faults-{secrets.token_hex(3)}"
    case_.mark()
    argv = ["run", str(scenario), "--replications", "2", "--serial", "--quiet", "--results-root", root]
    outcome = ctx.run(argv, case_.work, 120)
    return _row(
        "P7",
        "output path",
        "run --results-root /proc/faults-<random>",
        outcome,
        case_.left(),
        notes="an unwritable root even for root",
    )


@case("P8")
def file_root(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_)
    (case_.work / "rootfile").write_text("a file, not a folder\n", encoding="utf-8")
    case_.mark()
    argv = ["run", str(scenario), "--replications", "2", "--serial", "--quiet", "--results-root", "rootfile"]
    outcome = ctx.run(argv, case_.work, 120)
    return _row("P8", "output path", "run --results-root FILE (a file in place of the folder)", outcome, case_.left())


@case("P9")
def out_under_file(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_)
    (case_.work / "afile").write_text("a file\n", encoding="utf-8")
    case_.mark()
    argv = ["run", str(scenario), "--replications", "2", "--serial", "--quiet", "--out", "afile/out"]
    outcome = ctx.run(argv, case_.work, 120)
    return _row("P9", "output path", "run --out afile/out (parent is a file)", outcome, case_.left())


@case("P10")
def full_disk(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_)
    case_.results.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(case_.results)],
        capture_output=True,
        text=True,
        check=False,
    )
    command = "run, results root on a 64 KiB tmpfs"
    if mounted.returncode != 0:
        reason = _cut(mounted.stderr.strip() or f"mount exited {mounted.returncode}", 80)
        return Row("P10", "output path", command, "skipped", "-", "-", "-", "-", "-", f"cannot mount: {reason}")
    try:
        case_.mark()
        outcome = ctx.run(["run", str(scenario), "--replications", "2", "--serial", "--quiet"], case_.work, 120)
        left = case_.left()
        usage = shutil.disk_usage(case_.results)
    finally:
        subprocess.run(["umount", "-l", str(case_.results)], check=False)
    return _row("P10", "output path", command, outcome, left, notes=f"tmpfs used {_size(usage.used)} of 64 kB after")


def _start_long(ctx: Context, case_: Case, replications: int = 3000) -> tuple[Process, list[Ident], float]:
    """A two-worker run of the whole office, signalled ~3 s after it started (at least 1 s after its workers)."""
    scenario = _long_office(ctx, case_)
    case_.mark()
    argv = ["run", str(scenario), "--replications", str(replications), "--workers", "2", "--quiet", "--out", "out"]
    process = Process(ctx, argv, case_.work)
    process.wait_for(lambda: len(process.workers()) >= 2, 60)
    up = time.monotonic()
    process.wait_for(lambda: time.monotonic() >= max(process.started + 3.0, up + 1.0), 10)
    return process, process.workers(), time.monotonic() - process.started


def _signal_mid_run(ctx: Context, case_: Case, send: Callable[[Process], None]) -> tuple[Outcome, str, str]:
    process, workers, at = _start_long(ctx, case_)
    running = process.popen.poll() is None
    send(process)
    outcome = process.wait(60)
    alive = _survivors(workers)
    later = _lingering(alive) if alive else ""
    process.kill_group()
    _kill(alive)
    when = f"signal at {at:.1f} s, {len(workers)} workers" if running else f"run ended before the signal ({at:.1f} s)"
    return outcome, _outlived(workers, alive) + (f"; {later}" if later else ""), when


@case("I1")
def sigterm_mid_run(ctx: Context, case_: Case) -> Row:
    outcome, outlived, when = _signal_mid_run(ctx, case_, lambda p: p.send(signal.SIGTERM))
    return _row(
        "I1",
        "interrupt",
        "kill -TERM PID of run --workers 2 (3000 reps)",
        outcome,
        case_.left(),
        notes=when,
        outlived=outlived,
    )


@case("I2")
def sigkill_parent(ctx: Context, case_: Case) -> Row:
    outcome, outlived, when = _signal_mid_run(ctx, case_, lambda p: p.send(signal.SIGKILL))
    return _row(
        "I2",
        "interrupt",
        "kill -9 PID (parent) of run --workers 2",
        outcome,
        case_.left(),
        notes=when,
        outlived=outlived,
    )


@case("I3")
def ctrl_c_run(ctx: Context, case_: Case) -> Row:
    outcome, outlived, when = _signal_mid_run(ctx, case_, lambda p: p.signal_group(signal.SIGINT))
    left = case_.left()
    rerun = ctx.run(outcome.argv, case_.work, 10)
    said = (rerun.first_line or _cut(rerun.stdout.strip().split("\n")[0], 80)) or "nothing"
    resumed = "resum" in (rerun.stdout + rerun.stderr).lower()
    notes = f"{when}; same command again: {rerun.exit}, said: {said!r}; reports resuming: {'yes' if resumed else 'no'}"
    return _row(
        "I3",
        "interrupt",
        "Ctrl-C (SIGINT to the group) of run --workers 2",
        outcome,
        left,
        notes=notes,
        outlived=outlived,
    )


@case("I4")
def ctrl_c_sweep(ctx: Context, case_: Case) -> Row:
    scenario = _long_office(ctx, case_)
    case_.mark()
    argv = [
        "sweep",
        str(scenario),
        "--set",
        "office.windows=2,3",
        "--replications",
        "800",
        "--workers",
        "2",
        "--quiet",
        "--out",
        "sw",
    ]
    process = Process(ctx, argv, case_.work)
    process.wait_for(lambda: len(process.workers()) >= 2, 60)
    process.wait_for(lambda: False, 1.5)
    workers = process.workers()
    checkpoints = len(list((case_.work / "sw").rglob("rep-*")))
    process.signal_group(signal.SIGINT)
    outcome = process.wait(60)
    alive = _survivors(workers)
    process.kill_group()
    _kill(alive)
    left = case_.left()
    rerun = ctx.run(argv, case_.work, 180)
    said = next((line for line in rerun.stdout.splitlines() if "replications run now" in line), rerun.first_line)
    notes = f"SIGINT with {checkpoints} replications checkpointed; same command again: {rerun.exit}, {_cut(said, 90)!r}"
    return _row(
        "I4",
        "interrupt",
        "Ctrl-C of sweep --set office.windows=2,3 (800 reps/point)",
        outcome,
        left,
        notes=notes,
        outlived=_outlived(workers, alive),
    )


@case("I5")
def sigterm_while_writing(ctx: Context, case_: Case) -> Row:
    """TERM while the results folder is written: the partial folder appears, then TERM after each delay."""
    outcomes: list[Outcome] = []
    trials: list[str] = []
    partial_left = 0
    for delay in (0.0, 0.3, 1.0, 2.0):
        trial = Case(Path(tempfile.mkdtemp(prefix="faults-I5-", dir=case_.root)))
        trial.inputs.mkdir()
        trial.work.mkdir()
        scenario = _long_office(ctx, trial)
        trial.mark()
        argv = ["run", str(scenario), "--replications", "300", "--workers", "2", "--quiet", "--out", "out"]
        process = Process(ctx, argv, trial.work)
        seen = process.wait_for(partial_in(trial.work), 120)
        process.wait_for(after(delay), delay + 1)
        writing = process.popen.poll() is None and partial_in(trial.work)()
        process.send(signal.SIGTERM)
        outcome = process.wait(60)
        process.kill_group()
        outcomes.append(outcome)
        left = trial.left()
        partial_left += ".partial" in left
        state = "TERM while the partial folder existed" if writing else "partial gone/ended before TERM"
        trials.append(f"+{delay:.1f} s: {state if seen else 'no partial seen'}, exit {outcome.exit}, left {left}")
    left = f"partial folder left in {partial_left} of {len(outcomes)} trials"
    return _combined(
        "I5",
        "interrupt",
        "kill -TERM during the final write (300 reps; 4 delays)",
        outcomes,
        left=left,
        notes=" | ".join(trials),
    )


@case("R1")
def million_replications(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_)
    case_.mark()
    outcome = ctx.run(["run", str(scenario), "--replications", "1000000", "--quiet"], case_.work, 20)
    return _row(
        "R1",
        "resources",
        "run --replications 1000000",
        outcome,
        case_.left(),
        notes=f"{outcome.seconds:.0f} s, peak RSS {outcome.peak_rss_mb:.0f} MB",
    )


@case("R2")
def huge_demand(ctx: Context, case_: Case) -> Row:
    source = ctx.scenarios / "data" / "migration_od.csv"
    with source.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    column = rows[0].index("migrants")
    with (case_.inputs / "migration_x1e6.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(rows[0])
        writer.writerows([*r[:column], str(int(float(r[column]) * 10**6)), *r[column + 1 :]] for r in rows[1:])
    history = (ctx.scenarios / "history.toml").as_posix()
    scenario = case_.write("huge.toml", f'extends = "{history}"\n[data]\nmigration = "migration_x1e6.csv"\n')
    case_.mark()
    argv = ["run", str(scenario), "--until", "2021-11-15", "--replications", "1", "--quiet"]
    outcome = ctx.run(argv, case_.work, 60)
    return _row(
        "R2",
        "resources",
        "run history, migration_od.csv × 1e6, --until 2021-11-15 (1 rep)",
        outcome,
        case_.left(),
        notes=f"{outcome.seconds:.0f} s, peak RSS {outcome.peak_rss_mb:.0f} MB; {len(_warnings(outcome))} warnings",
    )


@case("R3")
def most_applicants(ctx: Context, case_: Case) -> Row:
    cap = _applicants_cap(ctx)
    scenario = _office(ctx, case_, rest=f"[office]\napplicants_per_day = {cap:g}\n")
    case_.mark()
    outcome = ctx.run(["run", str(scenario), "--quiet"], case_.work, 60)
    return _row(
        "R3",
        "resources",
        f"run single_office with applicants_per_day = {cap:g} (the cap), 20 reps",
        outcome,
        case_.left(),
        notes=f"{outcome.seconds:.0f} s, peak RSS {outcome.peak_rss_mb:.0f} MB",
    )


@case("C1")
def concurrent_runs(ctx: Context, case_: Case) -> Row:
    outcomes: list[Outcome] = []
    trials: list[str] = []
    for n in range(1, 5):
        trial = Case(Path(tempfile.mkdtemp(prefix=f"faults-C1-{n}-", dir=case_.root)))
        trial.inputs.mkdir()
        trial.work.mkdir()
        scenario = _office(ctx, trial)
        trial.mark()
        argv = ["run", str(scenario), "--replications", "2", "--serial", "--quiet"]
        both = [Process(ctx, argv, trial.work) for _ in range(2)]
        done = [p.wait(120) for p in both]
        outcomes += done
        folder = trial.results / "single_office"
        whole = [f for f in folder.iterdir() if (f / "summary.csv").is_file()] if folder.is_dir() else []
        named = sorted(_normal(f.name) for f in whole)
        hidden = [p for p in trial.created() if p.name.startswith(".")]
        trials.append(
            f"t{n}: exit {done[0].exit}+{done[1].exit}, {len(whole)} whole folders {named}"
            f"{f', {len(hidden)} hidden left' if hidden else ''}"
        )
    left = "; ".join(t.split(", ", 1)[1] for t in trials)
    return _combined(
        "C1",
        "concurrency",
        "2 × run of the same scenario at once, one folder (4 trials)",
        outcomes,
        left=left,
        notes=" | ".join(trials),
    )


@case("C2")
def concurrent_sweeps(ctx: Context, case_: Case) -> Row:
    outcomes: list[Outcome] = []
    trials: list[str] = []
    for n in range(1, 3):
        trial = Case(Path(tempfile.mkdtemp(prefix=f"faults-C2-{n}-", dir=case_.root)))
        trial.inputs.mkdir()
        trial.work.mkdir()
        scenario = _office(ctx, trial)
        trial.mark()
        argv = ["sweep", str(scenario), "--set", "office.windows=2,3", "--out", "X", "--quiet"]
        both = [Process(ctx, argv, trial.work) for _ in range(2)]
        done = [p.wait(180) for p in both]
        outcomes += done
        out = trial.work / "X"
        points = sorted(f.name for f in out.iterdir() if (f / "summary.csv").is_file()) if out.is_dir() else []
        index = out / "index.csv"
        rows = len(index.read_text(encoding="utf-8").splitlines()) - 1 if index.is_file() else 0
        hidden = sorted({_normal(p.name) for p in trial.created() if p.name.startswith(".")})
        trials.append(
            f"t{n}: exit {done[0].exit}+{done[1].exit}, {len(points)} whole points, index.csv {rows} rows"
            f"{', hidden left: ' + ', '.join(hidden) if hidden else ''}"
        )
    left = "; ".join(t.split(", ", 1)[1] for t in trials)
    return _combined(
        "C2",
        "concurrency",
        "2 × sweep --set office.windows=2,3 --out X at once (2 trials)",
        outcomes,
        left=left,
        notes=" | ".join(trials),
    )


@case("H1")
def overloaded_serve(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_, rest="[office]\nwindows = 1\napplicants_per_day = 150\n", end="2022-09-14")
    case_.mark()
    argv = ["run", str(scenario), "--replications", "4", "--serial", "--quiet", "--out", "out"]
    outcome = ctx.run(argv, case_.work, 120)
    figures = _summary(
        case_.work / "out" / "summary.csv",
        ["utilisation", "overtime_hours_per_open_day", "peak_office_utilisation", "queue_at_end"],
    )
    notes = f"printed util: {_printed(outcome, 'util')}; summary.csv: {figures}; warnings: {len(_warnings(outcome))}"
    return _row(
        "H1",
        "honest figures",
        'run, 1 window, 150 applicants/day, at_closing = "serve"',
        outcome,
        case_.left(),
        notes=notes,
    )


@case("H2")
def unstable_around_the_clock(ctx: Context, case_: Case) -> Row:
    base = (ctx.scenarios / "mmc_check.toml").as_posix()
    scenario = case_.write(
        "unstable.toml",
        f'extends = "{base}"\nname = "unstable"\n[run]\nend = 2023-01-31\n[office]\napplicants_per_day = 500\n',
    )
    case_.mark()
    argv = ["run", str(scenario), "--replications", "4", "--serial", "--quiet", "--out", "out"]
    outcome = ctx.run(argv, case_.work, 120)
    figures = _summary(case_.work / "out" / "summary.csv", ["utilisation", "queue_length_mean", "queue_at_end"])
    header = next((line for line in outcome.stdout.splitlines() if line.startswith("office")), "")
    shown = "yes" if "end" in header else "no"
    notes = (
        f"warnings: {[_cut(w, 170) for w in _warnings(outcome)]}; summary.csv: {figures}; "
        f"end-of-run queue in the printed table: {shown}"
    )
    return _row(
        "H2",
        "honest figures",
        "run mmc_check at 500/day (rho 1.16), 00:00-24:00 every day",
        outcome,
        case_.left(),
        notes=notes,
    )


@case("H3")
def compare_unlike(ctx: Context, case_: Case) -> Row:
    a = _office(ctx, case_, "a.toml", top='name = "a"', end="2022-09-14")
    source = ctx.scenarios / "data" / "holidays_cn.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    case_.write("holidays_no_national_day.csv", "".join(x for x in lines if "National Day" not in x))
    b = _office(
        ctx,
        case_,
        "b.toml",
        top='name = "b"',
        run="start = 2023-09-01",
        rest='[calendar]\nholidays = "holidays_no_national_day.csv"\n',
        end="2023-09-14",
    )
    case_.mark()
    argv = ["compare", str(a), str(b), "--replications", "2", "--serial", "--quiet", "--out", "cmp"]
    outcome = ctx.run(argv, case_.work, 120)
    notes = f"warnings: {[_cut(w, 170) for w in _warnings(outcome)] or 'none'}"
    return _row(
        "H3",
        "honest figures",
        "compare a (Sep 2022) b (Sep 2023, holidays without National Day)",
        outcome,
        case_.left(),
        notes=notes,
    )


@case("H4")
def past_holidays(ctx: Context, case_: Case) -> Row:
    scenario = _office(ctx, case_, run="start = 2026-12-01", end="2027-01-31")
    case_.mark()
    argv = ["run", str(scenario), "--replications", "2", "--serial", "--quiet", "--out", "out"]
    outcome = ctx.run(argv, case_.work, 120)
    notes = f"warnings: {[_cut(w, 170) for w in _warnings(outcome)] or 'none'}"
    return _row(
        "H4",
        "honest figures",
        "run 2026-12-01..2027-01-31 (holiday table ends 2026)",
        outcome,
        case_.left(),
        notes=notes,
    )


@case("H5")
def three_mistakes(ctx: Context, case_: Case) -> Row:
    rest = '[office]\nwindows = 0\napplicants_per_day = -5\nat_closing = "maybe"\n'
    scenario = _office(ctx, case_, rest=rest)
    case_.mark()
    outcome = ctx.run(["run", str(scenario), "--replications", "2", "--serial", "--quiet"], case_.work, 120)
    return _row(
        "H5",
        "honest figures",
        'run; windows = 0, applicants_per_day = -5, at_closing = "maybe"',
        outcome,
        case_.left(),
        notes=f"{len(outcome.lines)} stderr line(s) for 3 mistakes",
    )


@case("S1")
def holidays_missing_column(ctx: Context, case_: Case) -> Row:
    source = ctx.scenarios / "data" / "holidays_cn.csv"
    with source.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    drop = rows[0].index("kind")
    with (case_.inputs / "holidays_no_kind.csv").open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([*r[:drop], *r[drop + 1 :]] for r in rows)
    scenario = _office(ctx, case_, rest='[calendar]\nholidays = "holidays_no_kind.csv"\n')
    case_.mark()
    outcome = ctx.run(["run", str(scenario), "--replications", "2", "--serial", "--quiet"], case_.work, 120)
    return _row("S1", "stray errors", "run with a holiday CSV missing its 'kind' column", outcome, case_.left())


def _calibrate(ctx: Context, case_: Case, ident: str, count: str) -> Row:
    history = (ctx.scenarios / "history.toml").as_posix()
    case_.mark()
    argv = ["calibrate", history, "--target", f"2021-11-30:{count}", "--replications", "1", "--quiet", "--out", "cal"]
    outcome = ctx.run(argv, case_.work, 60)
    return _row(
        ident, "stray errors", f"calibrate history --target 2021-11-30:{count} --replications 1", outcome, case_.left()
    )


@case("S2")
def calibrate_negative(ctx: Context, case_: Case) -> Row:
    return _calibrate(ctx, case_, "S2", "-5")


@case("S3")
def calibrate_nan(ctx: Context, case_: Case) -> Row:
    return _calibrate(ctx, case_, "S3", "nan")


@case("S4")
def calibrate_inf(ctx: Context, case_: Case) -> Row:
    return _calibrate(ctx, case_, "S4", "inf")


# ----------------------------------------------------------------------------------------------- table


COLUMNS = (
    "case",
    "class",
    "command",
    "exit",
    "stderr lines",
    "Traceback",
    "first stderr line",
    "left on disk",
    "workers outlived parent",
    "notes",
)


def _cells(row: Row) -> list[str]:
    return [
        row.case,
        row.kind,
        row.command,
        row.exit,
        row.lines,
        row.traceback,
        row.first,
        row.left,
        row.outlived,
        row.notes,
    ]


def markdown(rows: Sequence[Row]) -> str:
    """A markdown table; stderr lines and paths as code (they hold ``<ts>``, underscores and stars)."""

    def cell(text: str, code: bool) -> str:
        text = text.replace("|", "\\|").replace("\n", " ")
        text = text.replace("`", "'")
        return f"`{text}`" if code and text and text != "-" else text

    coded = {"first stderr line", "left on disk"}
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += [
        "| " + " | ".join(cell(c, n in coded) for n, c in zip(COLUMNS, _cells(r), strict=True)) + " |" for r in rows
    ]
    return "\n".join(lines)


def plain(rows: Sequence[Row]) -> str:
    blocks = []
    for row in rows:
        cells = _cells(row)
        blocks.append("\n".join(f"{name:>24}: {value}" for name, value in zip(COLUMNS, cells, strict=True)))
    return "\n\n".join(blocks)


def _describe_checkout(checkout: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(checkout), "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=False
    )
    return _cut(done.stdout.strip(), 110) if done.returncode == 0 else "not a git checkout"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, required=True, help="the project checkout whose sim/ is run")
    parser.add_argument("--python", type=Path, default=DEFAULT_PYTHON, help=f"interpreter (default {DEFAULT_PYTHON})")
    parser.add_argument("--markdown", action="store_true", help="a markdown table instead of one block per case")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these cases (e.g. P1 I3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (their paths on stderr)")
    args = parser.parse_args(argv)
    ctx = Context(args.checkout.resolve(), args.python, args.keep)
    if not (ctx.checkout / "sim" / "__init__.py").is_file():
        parser.error(f"{ctx.checkout}: no sim package there")
    started = time.monotonic()
    rows = []
    for ident, function in CASES:
        if args.only and ident not in args.only:
            continue
        root = Path(tempfile.mkdtemp(prefix=f"faults-{ident}-"))
        case_ = Case(root)
        case_.inputs.mkdir()
        case_.work.mkdir()
        began = time.monotonic()
        try:
            row = function(ctx, case_)
        except Exception as error:  # a case that cannot be run is a row too, not the end of the table
            row = Row(
                ident,
                "?",
                function.__name__,
                "case failed",
                "-",
                "-",
                "-",
                "-",
                "-",
                _cut(f"{type(error).__name__}: {error}", 200),
            )
        print(
            f"{ident}: {row.exit} ({time.monotonic() - began:.0f} s){f' in {root}' if args.keep else ''}",
            file=sys.stderr,
            flush=True,
        )
        rows.append(_tidy(row, root))
        if not args.keep:
            for folder, _, _ in os.walk(root):
                Path(folder).chmod(0o755)
            shutil.rmtree(root, ignore_errors=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    root_note = "as root (uid 0)" if os.geteuid() == 0 else f"as uid {os.geteuid()}"
    head = (
        f"Fault cases on {ctx.checkout} ({_describe_checkout(ctx.checkout)}), {ctx.python}, {root_note}, "
        f"{stamp}, {time.monotonic() - started:.0f} s"
    )
    print(head + "\n")
    print(markdown(rows) if args.markdown else plain(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
