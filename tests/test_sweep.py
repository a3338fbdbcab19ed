"""Parameter sweeps: ``--set`` parsing and overrides, cartesian points, and resuming after an interruption.

The sweeps run for real on a two-week cut of ``two_provinces.toml`` (4 replications a point). Interruptions are a
KeyboardInterrupt raised from the callbacks, at a point boundary and in the middle of a point; the resumed sweep
must give byte-identical summaries and index to an uninterrupted one, and must not run again what was finished,
which a counting executor (a serial executor that records the replication indices it runs) shows.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

from sim.experiment.executors import ProcessExecutor, SerialExecutor
from sim.experiment.sweep import CHECKPOINTS, INDEX_FILE, SWEEP_FILE, Point, points, run_sweep
from sim.scenario.errors import ScenarioError, toml_text
from sim.scenario.load import load_scenario
from sim.scenario.overrides import parse_set, parse_sets, parse_value
from tests.conftest import ROOT, SCENARIOS

T = TypeVar("T")
SETS = {"office.windows": [2, 3], "verification.reviewers": [2, 3]}
REPLICATIONS = 4


class CountingExecutor:
    """Runs replications serially and records, per call of ``map``, the indices it actually ran."""

    name = "serial"

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def map(self, task: Callable[[int], T], indices: Sequence[int]) -> Iterator[tuple[int, T]]:
        ran: list[int] = []
        self.calls.append(ran)
        for i, result in SerialExecutor().map(task, indices):
            ran.append(i)
            yield i, result

    @property
    def ran(self) -> int:
        return sum(len(c) for c in self.calls)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario")
    base = (SCENARIOS / "two_provinces.toml").as_posix()
    return write(folder / "short.toml", f'extends = "{base}"\n[run]\nend = 2022-09-14\nreplications = {REPLICATIONS}\n')


def files(out: Path) -> dict[str, bytes]:
    """The files that must not depend on interruptions: the index and every point's summary."""
    found = {INDEX_FILE: (out / INDEX_FILE).read_bytes()}
    for summary in sorted(out.glob("p*/summary.csv")):
        found[summary.parent.name] = summary.read_bytes()
    return found


class Interrupt:
    """A callback that raises KeyboardInterrupt on its ``at``-th call."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.calls = 0

    def __call__(self, *args: object) -> None:
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def uninterrupted(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("whole") / "sweep"
    executor = CountingExecutor()
    result = run_sweep(scenario, SETS, out, executor=executor)
    assert executor.calls == [[0, 1, 2, 3]] * 4
    assert result.ran == 16
    return out, files(out)


# --- parsing ---------------------------------------------------------------------------------------------------


def test_values_are_toml_values_or_bare_strings():
    assert parse_set("office.windows=2,3,4") == ("office.windows", [2, 3, 4])
    assert parse_set(" office . windows = 2 , 3.5 ") == ("office.windows", [2, 3.5])
    assert parse_set("run.end=2022-09-30") == ("run.end", [dt.date(2022, 9, 30)])
    assert parse_set("office.at_closing=serve,return_next_day") == ("office.at_closing", ["serve", "return_next_day"])
    assert parse_set("verification.batch_cutoff=16:00,17:00") == ("verification.batch_cutoff", ["16:00", "17:00"])
    assert parse_set('name="a,b",c') == ("name", ["a,b", "c"])
    _, values = parse_set(
        'office.intake_minutes={ dist = "exponential", mean = 10 },{ dist = "gamma", mean = 9, cv = 1 }'
    )
    assert values == [{"dist": "exponential", "mean": 10}, {"dist": "gamma", "mean": 9, "cv": 1}]
    assert parse_set('office.hours={ weekdays = ["09:00-12:00", "14:00-17:30"] }')[1] == [
        {"weekdays": ["09:00-12:00", "14:00-17:30"]}
    ]
    assert parse_set("offices[0].windows=4") == ("offices[0].windows", [4])
    assert parse_set("verification.linked_from.'Inner Mongolia'=start") == (
        'verification.linked_from."Inner Mongolia"',
        ["start"],
    )
    assert parse_sets(["office.windows=2,3", "verification.reviewers=5"]) == {
        "office.windows": [2, 3],
        "verification.reviewers": [5],
    }


@pytest.mark.parametrize(
    "value",
    [3, 2.5, 1e-300, True, "serve", 'a "quoted", \\ back', dt.date(2022, 10, 1), dt.time(16, 0),
     dt.datetime(2022, 10, 17, 9, 0), [1, "x"], {"dist": "exponential", "mean": 10}, {"Inner Mongolia": 0.5}, {}],
)  # fmt: skip
def test_values_written_back_as_toml_parse_to_themselves(value):
    assert parse_value(toml_text(value)) == value
    assert type(parse_value(toml_text(value))) is type(value)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["office.windows"], '--set: office.windows: must be written KEY.PATH=VALUE,VALUE,... (no "=" found)'),
        (["=3"], '--set: =3: the key path before "=" is empty'),
        (["office.windows="], '--set: office.windows: needs at least one value after "=", got "office.windows="'),
        (
            ["office.windows=2,,3"],
            '--set: office.windows: value 2 is empty (values are separated by commas), got "office.windows=2,,3"',
        ),
        (
            ["office..windows=3"],
            "--set: office..windows: must be keys joined by '.', each a bare TOML key or quoted, with [N] for an "
            "array entry",
        ),
        (["office.windows=2,2"], "--set: office.windows: value 2 is given twice, got 2"),
        (
            ["office.windows=2", "office.windows=3"],
            "--set: office.windows: is given twice; list all its values in one --set, separated by commas",
        ),
        (
            ["office.hours.weekdays=x", "office.hours=y"],
            "--set: office.hours.weekdays: lies inside office.hours, which is also set; set only one of them",
        ),
    ],
)
def test_bad_set_syntax_is_one_line_naming_set(texts, message):
    with pytest.raises(ScenarioError) as error:
        parse_sets(texts)
    assert error.value.message == message


def test_a_value_that_opens_like_toml_must_be_toml():
    with pytest.raises(ScenarioError) as error:  # the parser's own words follow "not valid TOML"
        parse_set("office.hours={ weekdays = [1,")
    assert error.value.message.startswith("--set: office.hours: value is not valid TOML (")
    assert error.value.message.endswith('), got "{ weekdays = [1,"')
    assert "\n" not in error.value.message


# --- overrides -------------------------------------------------------------------------------------------------


def test_overrides_set_nested_keys_create_tables_and_keep_types():
    path = SCENARIOS / "single_office.toml"
    s = load_scenario(
        path,
        overrides={
            "office.windows": 5,
            "office.intake_minutes.mean": 20,  # inside a distribution table: the rest of it stays
            "report.wait_threshold_minutes": 15,  # [report] is not in the file: created
            "run.end": dt.date(2022, 9, 30),
        },
    )
    assert s.offices[0].windows == 5
    assert (s.offices[0].intake_minutes.kind, s.offices[0].intake_minutes.mean) == ("lognormal", 20.0)
    assert s.offices[0].intake_minutes.cv == 0.4
    assert s.report.wait_threshold_minutes == 15.0
    assert s.run.end == dt.date(2022, 9, 30)
    assert s.resolved["office"]["windows"] == 5
    assert s.resolved["report"] == {"wait_threshold_minutes": 15}
    assert load_scenario(path, overrides={"offices[0].windows": 4}).offices[0].windows == 4
    assert load_scenario(path).resolved == load_scenario(path, overrides={}).resolved


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"office.windoes": 3}, '--set: office.windoes: unknown key (did you mean "windows"?), got 3'),
        ({"ofice.windows": 3}, '--set: ofice: unknown key (did you mean "office"?), got { windows = 3 }'),
        ({"office.windows": 0}, "--set: office.windows: must be an integer >= 1 and <= 500, got 0"),
        ({"office.windows": 2.5}, "--set: office.windows: must be an integer >= 1 and <= 500, got 2.5"),
        ({"offices[0].windows": 0}, "--set: offices[0].windows: must be an integer >= 1 and <= 500, got 0"),
        (
            {"run.end": "2022-09-30"},
            '--set: run.end: must be a date written as YYYY-MM-DD (unquoted), got "2022-09-30"',
        ),
        (
            {"office.at_closing": "serv"},
            '--set: office.at_closing: must be one of serve, return_next_day (did you mean "serve"?), got "serv"',
        ),
        (
            {"offices[1].windows": 2},
            "--set: offices[1].windows: index out of range: offices has indices 0 to 0, got 1",
        ),
        (
            {"office.windows.x": 1},
            "--set: office.windows.x: cannot set a key inside office.windows, which is not a table, got 3",
        ),
        ({"extends": "x.toml"}, "--set: extends: cannot be overridden: the files are read before the overrides"),
    ],
)
def test_errors_about_overridden_values_name_set(overrides, message):
    with pytest.raises(ScenarioError) as error:
        load_scenario(SCENARIOS / "single_office.toml", overrides=overrides)
    assert error.value.message == message


def test_errors_about_values_from_files_still_name_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = (SCENARIOS / "single_office.toml").as_posix()
    bad = write(tmp_path / "bad.toml", f'extends = "{base}"\n[office]\nat_closing = "later"\n[[offices]]\nname = "A"\n')
    for overrides in ({"office.windows": 4}, {"offices[0].windows": 4}):
        with pytest.raises(ScenarioError) as error:
            load_scenario(bad, overrides=overrides)
        assert error.value.message == (
            'bad.toml: office.at_closing: must be one of serve, return_next_day, got "later"'
        )
    fine = write(tmp_path / "fine.toml", f'extends = "{base}"\n[[offices]]\nname = "A"\nat_closing = "serve"\n')
    with pytest.raises(ScenarioError) as error:  # another key of the overridden array entry: still the file's
        load_scenario(fine, overrides={"offices[0].windows": 4, "offices[0].name": 7})
    assert error.value.message == "--set: offices[0].name: must be a string, got 7"
    assert load_scenario(fine, overrides={"offices[0].windows": 4}).offices[0].at_closing == "serve"


# --- points ----------------------------------------------------------------------------------------------------


def test_points_are_the_cartesian_product_last_key_fastest():
    found = points(
        {"office.windows": [2, 3], "office.at_closing": ["serve", "return_next_day"], "run.end": [dt.date(2022, 9, 30)]}
    )
    assert [p.index for p in found] == [0, 1, 2, 3]
    assert [tuple(p.overrides.values()) for p in found] == [
        (2, "serve", dt.date(2022, 9, 30)),
        (2, "return_next_day", dt.date(2022, 9, 30)),
        (3, "serve", dt.date(2022, 9, 30)),
        (3, "return_next_day", dt.date(2022, 9, 30)),
    ]
    assert found[1].name == "p001-office.windows=2-office.at_closing=return_next_day-run.end=2022-09-30"
    assert found[1].label == "office.windows=2,office.at_closing=return_next_day,run.end=2022-09-30"
    odd = points({'verification.linked_from."Inner Mongolia"': ["a b/c"], "office.intake_minutes": [{"dist": "x"}]})
    assert odd == [
        Point(
            0, odd[0].overrides, "p000-verification.linked_from._Inner_Mongolia_=a_b_c-office.intake_minutes=_dist_=_x"
        )
    ]
    assert [p.name for p in points({})] == ["p000"]
    with pytest.raises(ScenarioError, match="at most 10000"):
        points({"a": list(range(101)), "b": list(range(100))})


# --- sweeps ----------------------------------------------------------------------------------------------------


def test_uninterrupted_sweep_writes_a_folder_per_point_and_an_index(uninterrupted):
    out, found = uninterrupted
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        INDEX_FILE,
        "p000-office.windows=2-verification.reviewers=2",
        "p001-office.windows=2-verification.reviewers=3",
        "p002-office.windows=3-verification.reviewers=2",
        "p003-office.windows=3-verification.reviewers=3",
        SWEEP_FILE,
    ]  # no checkpoints left
    lines = found[INDEX_FILE].decode().splitlines()
    header = lines[0].split(",")
    assert header[:6] == ["point", "status", "office.windows", "verification.reviewers", "replications", "seed"]
    assert {"applicants", "wait_mean", "wait_mean_half_width", "utilisation", "lead_days_p90"} <= set(header)
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert [(r["office.windows"], r["verification.reviewers"], r["status"]) for r in rows] == [
        ("2", "2", "done"), ("2", "3", "done"), ("3", "2", "done"), ("3", "3", "done")
    ]  # fmt: skip
    assert {r["seed"] for r in rows} == {"20220901"}  # common random numbers across points
    # the same streams: every point sees the same applicants; three windows wait less than two
    assert len({r["applicants"] for r in rows}) == 1
    assert float(rows[2]["wait_mean"]) < float(rows[0]["wait_mean"])


def test_worker_processes_give_the_same_sweep(scenario, uninterrupted, tmp_path):
    out = tmp_path / "sweep"
    with pytest.raises(KeyboardInterrupt):  # interrupted inside the second point, then resumed on processes too
        run_sweep(scenario, SETS, out, executor=ProcessExecutor(2), progress=Interrupt(REPLICATIONS + 3))
    run_sweep(scenario, SETS, out, executor=ProcessExecutor(2))
    assert files(out) == uninterrupted[1]


def test_resume_after_an_interruption_between_points(scenario, uninterrupted, tmp_path):
    out = tmp_path / "sweep"
    first = CountingExecutor()
    with pytest.raises(KeyboardInterrupt):
        run_sweep(scenario, SETS, out, executor=first, on_point_done=Interrupt(1))
    assert first.calls == [[0, 1, 2, 3]]
    index = (out / INDEX_FILE).read_text().splitlines()
    assert [line.split(",")[1] for line in index[1:]] == ["done", "pending", "pending", "pending"]
    again = CountingExecutor()
    seen: list[tuple[str, bool, int]] = []
    result = run_sweep(
        scenario, SETS, out, executor=again, on_point_done=lambda p: seen.append((p.point.name[:4], p.reused, p.ran))
    )
    assert again.calls == [[0, 1, 2, 3]] * 3  # the finished point is not run again
    assert seen == [("p000", True, 0), ("p001", False, 4), ("p002", False, 4), ("p003", False, 4)]
    assert result.ran == 12
    assert files(out) == uninterrupted[1]


def test_resume_in_the_middle_of_a_point_runs_only_missing_replications(scenario, uninterrupted, tmp_path):
    out = tmp_path / "sweep"
    first = CountingExecutor()
    progress: list[tuple[int, int]] = []

    def stop_in_second_point(done: int, total: int) -> None:
        progress.append((done, total))
        if done == REPLICATIONS + 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(scenario, SETS, out, executor=first, progress=stop_in_second_point)
    assert first.calls == [[0, 1, 2, 3], [0, 1]]
    assert progress == [(n, 16) for n in range(1, 7)]
    point = "p001-office.windows=2-verification.reviewers=3"
    assert sorted(p.name for p in (out / CHECKPOINTS / point).iterdir()) == ["rep-0000.pkl", "rep-0001.pkl"]
    assert not (out / point).exists()
    again = CountingExecutor()
    progress.clear()
    result = run_sweep(scenario, SETS, out, executor=again, progress=lambda d, t: progress.append((d, t)))
    assert again.calls == [[2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]
    assert [(p.reused, p.restored, p.ran) for p in result.points] == [
        (True, 0, 0),
        (False, 2, 2),
        (False, 0, 4),
        (False, 0, 4),
    ]
    assert progress[:2] == [(4, 16), (6, 16)]
    assert progress[-1] == (16, 16)
    assert files(out) == uninterrupted[1]
    assert not (out / CHECKPOINTS).exists()
    # a finished sweep rerun runs nothing and rewrites the same index
    done = CountingExecutor()
    assert run_sweep(scenario, SETS, out, executor=done).ran == 0
    assert done.calls == []
    assert files(out) == uninterrupted[1]


def test_a_damaged_checkpoint_is_run_again(scenario, uninterrupted, tmp_path):
    out = tmp_path / "sweep"
    sets = {"office.windows": [2], "verification.reviewers": [2]}
    with pytest.raises(KeyboardInterrupt):
        run_sweep(scenario, sets, out, progress=Interrupt(3))
    checkpoints = out / CHECKPOINTS / "p000-office.windows=2-verification.reviewers=2"
    (checkpoints / "rep-0001.pkl").write_bytes(b"not a pickle")
    again = CountingExecutor()
    run_sweep(scenario, sets, out, executor=again)
    assert again.calls == [[1, 3]]
    summary = "p000-office.windows=2-verification.reviewers=2"
    assert (out / summary / "summary.csv").read_bytes() == uninterrupted[1][summary]


def test_another_request_into_the_same_folder_is_refused(scenario, uninterrupted, tmp_path, monkeypatch):
    out, found = uninterrupted
    monkeypatch.chdir(out.parent)
    untouched = CountingExecutor()
    cases = [
        ({"office.windows": [2, 4], "verification.reviewers": [2, 3]}, {}, "sets"),
        ({"office.windows": [2, 3]}, {}, "sets"),
        (SETS, {"seed": 7}, "seed"),
        (SETS, {"replications": 3}, "replications"),
    ]
    for sets, options, field in cases:
        with pytest.raises(ScenarioError) as error:
            run_sweep(scenario, sets, out, executor=untouched, **options)
        assert error.value.message.startswith(f"sweep/sweep.json: {field}: this folder holds a sweep with ")
        assert error.value.message.endswith(
            "resume with the same scenario, --set, --seed and --replications, or choose another --out"
        )
    with pytest.raises(ScenarioError) as error:
        run_sweep(scenario, {"office.windows": [2, 4], "verification.reviewers": [2, 3]}, out, executor=untouched)
    assert "--set office.windows=2,3 --set verification.reviewers=2,3, not --set office.windows=2,4" in str(error.value)
    changed = write(tmp_path / "changed.toml", scenario.read_text())
    shutil.copytree(out, tmp_path / "copy")
    sweep_json = tmp_path / "copy" / SWEEP_FILE
    sweep_json.write_text(sweep_json.read_text().replace(str(scenario.resolve()), str(changed.resolve())))
    write(changed, scenario.read_text().replace("replications = 4", "replications = 4\nseed = 5"))
    with pytest.raises(ScenarioError, match="seed: this folder holds a sweep with seed 20220901, not seed 5"):
        run_sweep(changed, SETS, tmp_path / "copy", executor=untouched)
    write(changed, scenario.read_text().replace("end = 2022-09-14", "end = 2022-09-15"))
    with pytest.raises(ScenarioError, match=r"points: the scenario \(or a file it extends\) changed since the sweep"):
        run_sweep(changed, SETS, tmp_path / "copy", executor=untouched)
    assert untouched.calls == []
    assert files(out) == found


def test_a_bad_point_fails_the_whole_sweep_before_anything_is_written(scenario, tmp_path):
    out = tmp_path / "sweep"
    executor = CountingExecutor()
    with pytest.raises(ScenarioError) as error:
        run_sweep(scenario, {"verification.reviewers": [2], "office.windows": [2, 0]}, out, executor=executor)
    assert error.value.message == "--set: office.windows: must be an integer >= 1 and <= 500, got 0"
    with pytest.raises(ScenarioError) as error:
        run_sweep(scenario, {"run.seed": [1, 2]}, out, seed=3, executor=executor)
    assert error.value.message == "--set: run.seed: cannot be swept together with --seed"
    assert not out.exists()
    assert executor.calls == []
    write(out / "summary.csv", "not a sweep\n")
    with pytest.raises(ScenarioError, match="--out: exists and is not a sweep folder"):
        run_sweep(scenario, SETS, out, executor=executor)


def test_the_command_line_resumes_with_the_same_command(scenario, uninterrupted, tmp_path):
    out = tmp_path / "cli"
    command = [sys.executable, "-m", "sim", "sweep", str(scenario), "--set", "office.windows=2,3"]
    command += ["--set", "verification.reviewers=2,3", "--out", str(out), "--serial", "--quiet"]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert first.returncode == 0, first.stderr
    assert "4 points, 16 replications run now" in first.stdout
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert again.returncode == 0, again.stderr
    assert "4 points, 0 replications run now" in again.stdout
    assert files(out) == uninterrupted[1]
    bad = subprocess.run(
        [*command[:-4], "--set", "office.windoes=2"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()]
    assert "office.windoes" in bad.stderr
