"""Faults around the simulation, tried as a user would (real subprocesses, real files): one line, exit 2, nothing
written, and never a path outside the results root."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiment.store import write_atomically
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
    assert done.returncode == 2
    assert f"must be at most {MAX_REPLICATIONS:,}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("count", ["-5", "0", "nan", "inf"])
def test_a_calibration_target_must_be_a_positive_finite_count(tmp_path, count):
    history = (SCENARIOS / "history.toml").as_posix()
    done = _cli("calibrate", history, "--target", f"2022-07-31:{count}", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2
    assert "the count must be a finite number > 0" in done.stderr
    assert "Traceback" not in done.stderr
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
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143
    assert stderr.strip().splitlines() == ["terminated: nothing was written"]
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folder
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
    time.sleep(2.0)  # the run has checked that out is free and is simulating
    assert run.poll() is None, "the run ended before the other writer came"
    out.mkdir()  # another writer takes the folder meanwhile
    (out / "theirs.csv").write_text("theirs", encoding="utf-8")
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 2
    assert stderr.strip().splitlines() == [
        f"{out}: --out: another run wrote this folder while this one ran; nothing was written"
    ]
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
