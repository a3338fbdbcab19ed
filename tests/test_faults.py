"""Faults around the simulation, tried as a user would (real subprocesses, real files): one line, exit 2, nothing
written, and never a path outside the results root."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from sim import cli
from sim.experiment.checkpoints import run_fingerprint
from sim.experiment.preflight import (
    DAILY_ROW_MEMORY,
    MAX_DRAIN_DAYS,
    MAX_VISITS,
    PROCESS_BYTES,
    Plan,
    PreflightError,
    check_work,
    estimate,
)
from sim.experiment.store import write_atomically
from sim.scenario.load import load_scenario
from sim.scenario.schema import MAX_REPLICATIONS
from tests.conftest import SCENARIOS

OFFICE = (SCENARIOS / "single_office.toml").as_posix()


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *argv], capture_output=True, text=True, cwd=cwd, check=False, timeout=600
    )


def _one_line_exit_2(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "name",
    ["../../escaped", "/tmp/absolute", "", "with space", "nul\\u0000byte", "x" * 101, ".hidden", "a/b"],
    ids=["parent", "absolute", "empty", "space", "nul", "too-long", "dot", "slash"],
)
def test_an_unsafe_scenario_name_is_refused_before_anything_runs(tmp_path, name):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "{OFFICE}"\nname = "{name}"\n[run]\nend = 2022-09-05\n', encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    line = _one_line_exit_2(_cli("run", str(scenario), "--replications", "2", "--serial", cwd=work))
    assert line.startswith(f"{scenario}: name: must be 1-100 characters")
    assert _files(tmp_path) == [scenario]  # nothing written, inside or outside the results root


def test_a_file_name_that_is_not_a_safe_name_is_slugged(tmp_path):
    scenario = tmp_path / "my office (draft).toml"  # no name in it, nor in any file it extends
    text = (SCENARIOS / "mmc_check.toml").read_text(encoding="utf-8").replace('name = "mmc_check"\n', "")
    scenario.write_text(text.replace("end = 2023-03-12", "end = 2023-01-12"), encoding="utf-8")
    done = _cli("run", str(scenario), "--replications", "2", "--serial", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name == "my_office_draft_"
    assert all(p.resolve().is_relative_to((tmp_path / "results").resolve()) for p in _files(tmp_path / "results"))


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "calibrate"])
def test_the_command_line_obeys_the_files_replication_cap(tmp_path, command):
    too_many = str(MAX_REPLICATIONS + 1)
    argv = {
        "run": ["run", OFFICE],
        "sweep": ["sweep", OFFICE, "--set", "office.windows=2,3"],
        "compare": ["compare", OFFICE, (SCENARIOS / "two_provinces.toml").as_posix()],
        "calibrate": ["calibrate", (SCENARIOS / "history.toml").as_posix(), "--target", "2021-12-31:1000"],
    }[command]
    done = _cli(*argv, "--replications", too_many, "--out", str(tmp_path / "out"), cwd=tmp_path)
    line = _one_line_exit_2(done)
    assert line == (f"rollout-sim {command}: error: argument --replications: must be at most {MAX_REPLICATIONS:,} "
                    f"(as run.replications), got {too_many} (see rollout-sim {command} --help)")  # fmt: skip
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("count", ["-5", "0", "nan", "inf"])
def test_a_calibration_target_must_be_a_positive_finite_count(tmp_path, count):
    history = (SCENARIOS / "history.toml").as_posix()
    done = _cli("calibrate", history, "--target", f"2022-07-31:{count}", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert _one_line_exit_2(done) == (
        f"rollout-sim calibrate: error: argument --target: the count must be a finite number > 0, got "
        f"2022-07-31:{count} (see rollout-sim calibrate --help)"
    )
    assert not (tmp_path / "out").exists()


def test_a_run_past_the_holiday_table_is_warned_about(tmp_path):
    scenario = tmp_path / "late.toml"
    scenario.write_text(f'extends = "{OFFICE}"\n[run]\nstart = 2026-12-01\nend = 2027-01-31\n', encoding="utf-8")
    done = _cli("validate", str(scenario), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: the holiday table ends in 2026 but the run goes to 2027-01-31: official holidays after 2026 are "
        "treated as ordinary days"
    ]
    within = _cli("validate", OFFICE, cwd=tmp_path)  # the shipped office runs in 2022: no such warning
    assert "holiday table" not in within.stderr


def test_compare_says_when_scenarios_do_not_share_their_horizon(tmp_path):
    shorter = tmp_path / "shorter.toml"
    shorter.write_text(f'extends = "{OFFICE}"\nname = "shorter"\n[run]\nend = 2022-09-20\n', encoding="utf-8")
    longer = tmp_path / "longer.toml"
    longer.write_text(f'extends = "{OFFICE}"\nname = "longer"\n[run]\nend = 2022-09-25\n', encoding="utf-8")
    done = _cli("compare", str(longer), str(shorter), "--replications", "2", "--serial", "--quiet",
                "--out", str(tmp_path / "c"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "warning: compare: shorter differs from longer in run.end: the paired differences measure that too, not "
        "only the schedule"
    ]
    same = _cli("compare", str(longer), (SCENARIOS / "two_provinces.toml").as_posix(), "--replications", "2",
                "--until", "2022-09-05", "--serial", "--quiet", "--out", str(tmp_path / "d"), cwd=tmp_path)  # fmt: skip
    assert same.returncode == 0, same.stderr
    assert "warning: compare" not in same.stderr


def _start_long_run(tmp_path: Path) -> subprocess.Popen[str]:
    """A two-worker run long enough to signal mid-way (thousands of replications of one office)."""
    command = [sys.executable, "-m", "sim", "run", (SCENARIOS / "two_provinces.toml").as_posix(), "--replications",
               "5000", "--workers", "2", "--quiet", "--out", str(tmp_path / "out")]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2:  # wait until both workers run
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.2)
    time.sleep(1.0)
    return process


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(x) for x in children.read_text().split()]
    return found


def _gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    process = _start_long_run(tmp_path)
    workers = _children(process.pid)
    _wait_for(lambda: any((tmp_path / ".checkpoints").rglob("rep-*.pkl")), process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143
    (line,) = stderr.strip().splitlines()
    kept = sorted((tmp_path / ".checkpoints").rglob("rep-*.pkl"))  # the finished replications, for a rerun
    assert line == (f"terminated: no results written; {len(kept)} finished replication(s) kept in "
                    f"{kept[0].parent}; rerun to resume")  # fmt: skip
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".checkpoints"]  # no partial folder
    assert _gone(workers, 30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    process = _start_long_run(tmp_path)
    workers = _children(process.pid)
    process.kill()  # SIGKILL: the parent cannot clean up
    process.communicate(timeout=60)
    assert _gone(workers, 30), [(p, _state(p)) for p in workers]


def test_a_folder_written_meanwhile_by_another_run_is_never_overwritten(tmp_path):
    target = tmp_path / "results" / "x" / "20221001-000000"

    def other_run_finishes_first(partial: Path) -> None:
        (partial / "mine.csv").write_text("mine")
        target.mkdir(parents=True)  # the other run's folder appears while this one writes
        (target / "theirs.csv").write_text("theirs")

    with pytest.raises(FileExistsError, match="exists already"):
        write_atomically(target, other_run_finishes_first)
    assert [p.name for p in target.iterdir()] == ["theirs.csv"]
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no partial folder left


def test_concurrent_runs_in_one_folder_all_keep_their_results(tmp_path):
    """Runs started together pick the same timestamped folder; each must end with its own (exit 0)."""
    command = [sys.executable, "-m", "sim", "run", OFFICE, "--replications", "2", "--serial", "--quiet",
               "--until", "2022-09-02"]  # fmt: skip
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]  # fmt: skip
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    folders = sorted((tmp_path / "results" / "single_office").iterdir())
    assert len(folders) == 3
    printed = sorted(line.removeprefix("results: ") for out, _ in outputs for line in out.splitlines()
                     if line.startswith("results: "))  # fmt: skip
    assert [Path(p).name for p in printed] == [f.name for f in folders]
    assert all((f / "summary.csv").is_file() for f in folders)


def test_an_out_folder_taken_meanwhile_is_one_line(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", (SCENARIOS / "two_provinces.toml").as_posix(), "--replications",
               "60", "--serial", "--quiet", "--out", str(out)]  # fmt: skip
    run = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for((tmp_path / ".out.lock").exists, run)  # the run has checked that out is free and is simulating
    out.mkdir()  # another writer takes the folder meanwhile
    (out / "theirs.csv").write_text("theirs", encoding="utf-8")
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 2
    assert stderr.strip().splitlines() == [
        f"{out}: --out: another run wrote this folder while this one ran; nothing was written"
    ]
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --- preflight: the output location and the estimated work, before anything is simulated -----------------------


def _short(tmp_path: Path, name: str = "s.toml", extra: str = "") -> Path:
    scenario = tmp_path / name
    scenario.write_text(f'extends = "{OFFICE}"\n{extra}\n[run]\nend = 2022-09-03\n', encoding="utf-8")
    return scenario


def test_an_out_whose_parent_is_a_file_is_one_line_before_simulating(tmp_path):
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    scenario = _short(tmp_path)
    line = _one_line_exit_2(_cli("run", str(scenario), "--serial", "--out", "afile/sub/out", cwd=tmp_path))
    assert line == f"afile/sub/out: {tmp_path / 'afile'} is a file, not a folder; nothing was run"
    assert _files(tmp_path) == [tmp_path / "afile", scenario]


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``folder`` (skips the test where mounting is not allowed)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_read_only_results_root_is_one_line_before_simulating(tmp_path):
    scenario = _short(tmp_path)
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as root:
        line = _one_line_exit_2(_cli("run", str(scenario), "--serial", "--results-root", str(root), cwd=tmp_path))
        assert line == f"{root}/single_office: cannot write in {root} (Read-only file system); nothing was run"
        assert list(root.iterdir()) == []


def test_a_disk_without_room_for_the_estimated_output_is_one_line_before_simulating(tmp_path):
    scenario = _short(tmp_path)
    with _tmpfs(tmp_path / "small", "size=64k") as root:
        done = _cli(
            "run", str(scenario), "--serial", "--replications", "200", "--results-root", str(root), cwd=tmp_path
        )
        line = _one_line_exit_2(done)
        assert line.startswith(f"{root}/single_office: needs about ")
        assert line.endswith(f" for its results, 64.0 KiB free in {root}; nothing was run")
        assert list(root.iterdir()) == []


def test_a_disk_that_fills_up_during_the_run_is_one_line_and_leaves_nothing(tmp_path):
    scenario = tmp_path / "year.toml"  # a run of a few seconds, with little output
    scenario.write_text(f'extends = "{OFFICE}"\n[run]\nend = 2023-08-31\n', encoding="utf-8")
    with _tmpfs(tmp_path / "disk", "size=100m") as root:
        command = [sys.executable, "-m", "sim", "run", str(scenario), "--serial", "--quiet", "--replications", "10",
                   "--results-root", str(root)]  # fmt: skip
        run = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for(lambda: any((root / "single_office" / ".checkpoints").rglob("rep-*.pkl")), run)
        with contextlib.suppress(OSError):  # another program fills the disk meanwhile
            (root / "filler").write_bytes(b"\0" * 100 * 2**20)
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        assert "Traceback" not in stderr
        assert "(No space left on device); nothing was written" in lines[0]
        assert sorted(p.name for p in root.rglob("*")) == ["filler"]  # no partial folder, no checkpoints


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_work_above_the_bounds_is_refused_unless_forced(tmp_path):
    scenario = _short(tmp_path, extra="[office]\nwindows = 1\napplicants_per_day = 50000")  # 833 days of overtime
    line = _one_line_exit_2(_cli("run", str(scenario), "--serial", "--replications", "1", cwd=tmp_path))
    assert re.fullmatch(
        rf"{re.escape(scenario.name)}: estimated a backlog draining [\d,]+ days past run.end \(bound "
        rf"{MAX_DRAIN_DAYS} days\); rerun with --force to run it anyway",
        line,
    ), line
    assert _files(tmp_path) == [scenario]
    forced = _cli("run", str(scenario), "--serial", "--replications", "1", "--quiet", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    (folder,) = (tmp_path / "results" / "single_office").iterdir()
    summary = {(r["scope"], r["metric"]): r for r in csv.DictReader((folder / "summary.csv").open())}
    records = np.load(folder / "records.npz")
    last_end_days = float(records["visits/end"].max()) / 1440
    assert last_end_days > 3 + MAX_DRAIN_DAYS  # the backlog did drain for longer than the bound
    assert float(summary[("total", "applicants")]["mean"]) > 0


def test_demand_from_data_tables_a_million_times_too_large_is_refused(tmp_path):
    rows = list(csv.reader((SCENARIOS / "data" / "migration_od.csv").open(encoding="utf-8")))
    big = tmp_path / "migration.csv"
    with big.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows[0])
        writer.writerows([*row[:2], str(int(row[2]) * 10**6), *row[3:]] for row in rows[1:])
    scenario = tmp_path / "huge.toml"
    history = (SCENARIOS / "history.toml").as_posix()
    scenario.write_text(f'extends = "{history}"\nname = "huge"\n[data]\nmigration = "{big}"\n', encoding="utf-8")
    line = _one_line_exit_2(_cli("run", str(scenario), "--until", "2021-12-31", "--serial", cwd=tmp_path))
    assert line.startswith(f"{big.name}: row 2, column migrants: must keep the migrants into ")  # the table's rule
    assert _files(tmp_path) == sorted([big, scenario])


def test_visits_above_the_bound_are_refused_with_the_estimate(tmp_path):
    scenario = tmp_path / "busy.toml"  # ten years of the largest allowed intake at one office
    scenario.write_text(f'extends = "{OFFICE}"\n[run]\nend = 2032-08-31\n[office]\nwindows = 500\n'
                        "applicants_per_day = 100000\n", encoding="utf-8")  # fmt: skip
    line = _one_line_exit_2(_cli("run", str(scenario), "--serial", cwd=tmp_path))
    assert re.fullmatch(
        rf"{re.escape(scenario.name)}: estimated [\d,]+ visits a replication \(bound {MAX_VISITS:,}\)(; a backlog "
        r"draining [\d,]+ days past run.end \(bound \d+ days\))?; rerun with --force to run it anyway",
        line,
    ), line
    assert _files(tmp_path) == [scenario]


def test_the_shipped_scenarios_are_within_the_work_bounds():
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = load_scenario(path)
        plan = Plan((estimate(scenario),), scenario.run.replications, 2, records=True, checkpoints=True)
        check_work(plan, available=24 * 2**30)  # raises when above a bound


def test_the_memory_bound_counts_the_records_and_daily_rows_held_until_written():
    scenario = load_scenario(SCENARIOS / "single_office.toml")
    work = estimate(scenario)
    plan = Plan((work,), 10_000, 2, records=True, checkpoints=False)
    daily = len(scenario.offices) * scenario.run.days * DAILY_ROW_MEMORY
    assert work.held_bytes == pytest.approx(work.record_bytes + daily)
    assert plan.memory_bytes == pytest.approx(PROCESS_BYTES + 2 * work.worker_bytes + 10_000 * work.held_bytes)
    lean = dataclasses.replace(plan, records=False)  # compare: neither is held
    assert lean.memory_bytes == pytest.approx(PROCESS_BYTES + 2 * work.worker_bytes)
    with pytest.raises(PreflightError, match=r"estimated [\d.]+ GiB of memory, 0.1 GiB available; rerun with --force"):
        check_work(plan, available=0.1 * 2**30)
    check_work(dataclasses.replace(plan, replications=1), available=2**30)


# --- run resumes; stale partial folders; one writer per output -------------------------------------------------


@pytest.mark.parametrize(("sig", "status", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                     (signal.SIGTERM, 143, "terminated")])  # fmt: skip
def test_an_interrupted_run_resumes_and_gives_the_uninterrupted_results(tmp_path, sig, status, word):
    scenario = tmp_path / "year.toml"
    scenario.write_text(f'extends = "{OFFICE}"\n[run]\nend = 2023-08-31\n', encoding="utf-8")
    command = [sys.executable, "-m", "sim", "run", str(scenario), "--serial", "--quiet", "--replications", "12",
               "--out", str(tmp_path / "a")]  # fmt: skip
    run = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: any((tmp_path / ".checkpoints").rglob("rep-*.pkl")), run)
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == status
    (line,) = stderr.strip().splitlines()
    kept = sorted((tmp_path / ".checkpoints").rglob("rep-*.pkl"))
    assert 1 <= len(kept) < 12
    folder = kept[0].parent
    assert line == f"{word}: no results written; {len(kept)} finished replication(s) kept in {folder}; rerun to resume"
    assert not (tmp_path / "a").exists()
    resumed = _cli(*command[3:], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {len(kept)} finished replication(s) restored from {folder}" in resumed.stderr
    assert not (tmp_path / ".checkpoints").exists()  # dropped once the results are written
    whole = _cli(*command[3:-1], str(tmp_path / "b"), cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert "resuming" not in whole.stderr
    for name in ("summary.csv", "daily.csv", "weekly.csv", "records.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_checkpoint_of_another_scenario_is_never_restored(tmp_path):
    scenario = _short(tmp_path)
    first = _cli("run", str(scenario), "--serial", "--quiet", "--replications", "2", "--seed", "1", "--out",
                 str(tmp_path / "a"), cwd=tmp_path)  # fmt: skip
    assert first.returncode == 0
    fingerprints = {
        run_fingerprint(load_scenario(scenario), "fast"),
        run_fingerprint(dataclasses.replace(load_scenario(scenario), run=dataclasses.replace(
            load_scenario(scenario).run, seed=2)), "fast"),
        run_fingerprint(load_scenario(scenario), "simpy"),
        run_fingerprint(load_scenario(_short(tmp_path, "t.toml", "[office]\nwindows = 4")), "fast"),
    }  # fmt: skip
    assert len(fingerprints) == 4
    more = dataclasses.replace(load_scenario(scenario).run, replications=7)
    same = run_fingerprint(dataclasses.replace(load_scenario(scenario), run=more), "fast")
    assert same == run_fingerprint(load_scenario(scenario), "fast")  # the count of replications does not matter


def test_a_stale_partial_folder_is_removed_and_reported_by_the_next_run(tmp_path):
    parent = tmp_path / "results" / "single_office"
    stale = parent / ".20221001-000000.partial-4194999"  # above any pid this machine hands out
    live = parent / f".20221001-000001.partial-{os.getpid()}"  # a run that is still writing
    for folder in (stale, live):
        folder.mkdir(parents=True)
        (folder / "summary.csv").write_text("half", encoding="utf-8")
    done = _cli("run", str(_short(tmp_path)), "--serial", "--quiet", "--replications", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"removed {stale.relative_to(tmp_path)}: a partial results folder left by a run that was killed while writing"
    ]
    assert not stale.exists()
    assert live.exists()


def test_a_second_writer_to_the_same_out_fails_fast(tmp_path):
    scenario = tmp_path / "year.toml"
    scenario.write_text(f'extends = "{OFFICE}"\n[run]\nend = 2023-08-31\n', encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", str(scenario), "--serial", "--quiet", "--replications", "30",
               "--out", str(out)]  # fmt: skip
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for((tmp_path / ".out.lock").exists, first)
    began = time.monotonic()
    line = _one_line_exit_2(_cli(*command[3:], cwd=tmp_path))
    assert time.monotonic() - began < 30  # it did not wait for the first
    assert line == f"{out}: in use by another run (process {first.pid}); wait for it to finish, or choose another --out"
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert not (tmp_path / ".out.lock").exists()


def test_a_second_sweep_into_the_same_folder_fails_fast(tmp_path):
    scenario = tmp_path / "year.toml"
    scenario.write_text(f'extends = "{OFFICE}"\n[run]\nend = 2023-08-31\n', encoding="utf-8")
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim", "sweep", str(scenario), "--set", "office.windows=3,4,5", "--serial",
               "--quiet", "--replications", "10", "--out", str(out)]  # fmt: skip
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for((out / "sweep.json").exists, first)
    line = _one_line_exit_2(_cli(*command[3:], cwd=tmp_path))
    assert line == f"{out}: in use by another run (process {first.pid}); wait for it to finish, or choose another --out"
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert (out / "index.csv").read_text(encoding="utf-8").count("done") == 3


def test_compare_sees_scenarios_on_different_base_data(tmp_path):
    rows = list(csv.reader((SCENARIOS / "data" / "migration_od.csv").open(encoding="utf-8")))
    halved = tmp_path / "migration.csv"
    with halved.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([rows[0], *([*r[:2], str(int(r[2]) // 2), *r[3:]] for r in rows[1:])])
    other = tmp_path / "other.toml"
    history = (SCENARIOS / "history.toml").as_posix()
    other.write_text(f'extends = "{history}"\nname = "other"\n[data]\nmigration = "{halved}"\n', encoding="utf-8")
    base = load_scenario(SCENARIOS / "history.toml")
    assert cli._unshared(base, load_scenario(other)) == ["data"]
    assert cli._unshared(base, load_scenario(SCENARIOS / "big_bang.toml")) == []  # same base, another schedule
