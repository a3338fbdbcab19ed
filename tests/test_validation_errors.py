"""A scenario with several independent mistakes is refused with one line per mistake, not only the first.

The loader checks section by section (run, calendar, data, demand, provinces, offices, production, phases, report,
unknown root keys), each office, province and phase on its own, and raises every error at once: the CLI prints
them one per line and exits 2. A section that needs one that failed is skipped, so a mistake is reported once and
not again as the knock-on errors of the sections that depend on it. A single mistake is still the plain one-line
:class:`ScenarioError`; more than :data:`MAX_REPORTED` errors end with a line counting the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from sim.scenario.errors import MAX_REPORTED, ScenarioError, ScenarioErrors, combine
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "tests" / "bad_inputs" / "bases" / "national.toml"
EXIT_BAD_INPUT = 2
TIMEOUT_SECONDS = 60

RUN = """
[run]
start = 2023-01-02
end = 2023-01-15
replications = {replications}
seed = 1
"""

OFFICE = """
[[offices]]
name = "{name}"
windows = {windows}
hours = {{ weekdays = ["09:00-12:00", "13:00-17:00"] }}
applicants_per_day = 40
intake_minutes = {{ dist = "lognormal", mean = 12, cv = 0.4 }}
"""

REPORT = """
[report]
wait_threshold_minutes = {threshold}
"""


def scenario(replications: int = 2, windows: tuple[int, ...] = (2,), threshold: int = 30) -> str:
    """A small valid scenario, broken where an argument is out of range."""
    offices = "".join(OFFICE.format(name=f"office {k}", windows=w) for k, w in enumerate(windows))
    return RUN.format(replications=replications) + offices + REPORT.format(threshold=threshold)


THREE = [
    "three.toml: run.replications: must be an integer >= 1 and <= 10000, got 0",
    "three.toml: offices[0].windows: must be an integer >= 1 and <= 500, got -1",
    "three.toml: report.wait_threshold_minutes: must be a number >= 0 and <= 1440, got -5",
]


class Outcome(NamedTuple):
    """What one CLI subprocess did."""

    status: int
    stdout: str
    stderr: str


def cli(folder: Path, *args: str) -> Outcome:
    """Run ``python -m sim ARGS`` in ``folder`` (so files are named relative to it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def refused_with(outcome: Outcome, lines: list[str]) -> None:
    """The CLI exited 2 with exactly ``lines`` on stderr, nothing on stdout and no traceback."""
    assert "Traceback" not in outcome.stdout + outcome.stderr, outcome.stderr
    assert outcome.stderr.splitlines() == lines
    assert outcome.stderr.endswith("\n")
    assert outcome.stdout == ""
    assert outcome.status == EXIT_BAD_INPUT


def messages(path: Path) -> list[str]:
    """The lines of the error that loading ``path`` raises."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.message.split("\n")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_three_independent_mistakes_give_three_lines(command: str, tmp_path: Path) -> None:
    (tmp_path / "three.toml").write_text(scenario(replications=0, windows=(-1,), threshold=-5), encoding="utf-8")
    extra = ("--serial", "--quiet") if command == "run" else ()
    refused_with(cli(tmp_path, command, "three.toml", *extra), THREE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["three.toml"]  # nothing written


def test_one_mistake_is_one_plain_line(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text(scenario(windows=(2, 0, 3)), encoding="utf-8")
    line = "one.toml: offices[1].windows: must be an integer >= 1 and <= 500, got 0"
    refused_with(cli(tmp_path, "validate", "one.toml"), [line])
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "one.toml")
    assert type(caught.value) is ScenarioError
    assert not isinstance(caught.value, ScenarioErrors)


def test_the_fixed_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "fixed.toml"
    path.write_text(scenario(), encoding="utf-8")
    assert load_scenario(path).run.replications == 2


def test_each_office_is_checked_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "offices.toml"
    path.write_text(scenario(windows=(0, 2, 501)) + '\n[[offices]]\nname = "office 1"\n', encoding="utf-8")
    assert messages(path) == [
        "offices.toml: offices[0].windows: must be an integer >= 1 and <= 500, got 0",
        "offices.toml: offices[2].windows: must be an integer >= 1 and <= 500, got 501",
        'offices.toml: offices[3].name: must be unique among offices, got "office 1"',
    ]


def test_a_broken_data_table_skips_the_sections_that_need_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Offices per prefecture, the provinces and the phases all need [data]: without the skip they would add
    # 'office.per: needs the [data] tables' and 'phase: needs the [data] tables', the user's one mistake twice more.
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "national.toml"
    path.write_text(f'extends = "{NATIONAL.as_posix()}"\n[data]\ncities = "missing.csv"\n', encoding="utf-8")
    assert messages(path) == ['national.toml: data.cities: file not found, got "missing.csv"']
    path.write_text(path.read_text(encoding="utf-8") + REPORT.format(threshold=-5), encoding="utf-8")
    assert messages(path) == [
        'national.toml: data.cities: file not found, got "missing.csv"',
        "national.toml: report.wait_threshold_minutes: must be a number >= 0 and <= 1440, got -5",
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            'start = "2023-01-02"\nend = 2023-01-15\nwarm_up_days = 3\n',
            'run.start: must be a date written as YYYY-MM-DD (unquoted), got "2023-01-02"',
            id="warm-up-needs-start",
        ),
        pytest.param(
            "start = 2023-01-15\nend = 2023-01-02\nwarm_up_days = 3\n",
            "run.end: must not be before run.start (2023-01-15), got 2023-01-02",
            id="warm-up-needs-end",
        ),
        pytest.param(
            "strat = 2023-01-02\nend = 2023-01-15\n",
            'run.start: is required but missing (is "run.strat" a typo?)',
            id="typo-once",
        ),
    ],
)
def test_a_dependent_key_is_not_reported_again(
    text: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "run.toml"
    body = scenario().split("[[offices]]", 1)[1]
    path.write_text(f"[run]\n{text}\n[[offices]]{body}", encoding="utf-8")
    assert messages(path) == [f"run.toml: {line}"]


def test_a_misspelled_section_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not also 'offices[0].windows: is required' etc.: [[offises]] is taken for a misspelled [[offices]].
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "typo.toml"
    path.write_text(scenario().replace("[[offices]]", "[[offises]]") + "\n[[offices]]\n", encoding="utf-8")
    lines = messages(path)
    assert len(lines) == 1
    assert lines[0].startswith('typo.toml: offises: unknown key (did you mean "offices"?)')


def test_more_than_the_cap_end_with_a_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "many.toml"
    path.write_text(scenario(windows=(0,) * 25), encoding="utf-8")
    lines = messages(path)
    assert len(lines) == MAX_REPORTED + 1 == 21
    assert lines[:MAX_REPORTED] == [
        f"many.toml: offices[{k}].windows: must be an integer >= 1 and <= 500, got 0" for k in range(MAX_REPORTED)
    ]
    assert lines[-1] == "... and 5 more errors"


def test_combine_keeps_order_drops_repeated_keys_and_counts_one_more() -> None:
    errors = [ScenarioError("f.toml", f"offices[{k}].windows", "must be >= 1", 0) for k in range(MAX_REPORTED + 1)]
    repeated = ScenarioError("f.toml", "offices[0].windows", "must be >= 1", -1)
    combined = combine([ScenarioErrors(errors[:2]), repeated, *errors[2:]])
    assert isinstance(combined, ScenarioErrors)
    assert combined.errors == tuple(errors)
    assert combined.key == "offices[0].windows"  # a ScenarioError's fields are the first error's
    assert combined.message.split("\n")[-1] == "... and 1 more error"
    assert str(combined) == combined.message
    assert combine([errors[0], repeated]) is errors[0]
