"""Results folders: written to a temporary folder beside the target and renamed into place.

A crash or Ctrl-C while writing removes the temporary folder, so a results folder either holds a whole result or
does not exist. Files: ``scenario.json`` (resolved scenario), ``manifest.json`` (version, commit, seed, engine,
wall time), ``summary.csv`` / ``summary.json`` (mean and 95 % CI per scope and metric), ``weekly.csv`` /
``monthly.csv`` (the same per ISO week and calendar month, see :mod:`sim.experiment.periods`), ``daily.csv`` (per
replication, office and day), ``stages.csv`` (work in progress per stage and day) and ``records.npz`` (the visit,
applicant and verification-request tables of every replication, compressed columns).
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import json
import math
import os
import platform
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import simpy

import sim
from sim.experiment.calibrate import Calibration
from sim.experiment.compare import Comparison
from sim.experiment.periods import PERIOD_COLUMNS, PeriodKind, period_rows
from sim.experiment.precision import Stop
from sim.experiment.readings import Refit
from sim.experiment.runner import Experiment
from sim.experiment.series import DAILY_COLUMNS
from sim.experiment.stats import LEVEL
from sim.model.stages import Stage
from sim.scenario.schema import Scenario

SUMMARY_COLUMNS = ("scope", "metric", "unit", "mean", "ci_low", "ci_high", "half_width", "n")


def default_folder(root: Path, scenario_name: str, now: dt.datetime | None = None) -> Path:
    """``root/<scenario>/<YYYYmmdd-HHMMSS>``, with a suffix when that folder exists already."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = root / scenario_name / stamp
    suffix = 2
    while folder.exists():
        folder = root / scenario_name / f"{stamp}-{suffix}"
        suffix += 1
    return folder


def write_atomically(folder: Path, fill: Callable[[Path], None]) -> Path:
    """Create ``folder`` whole or not at all.

    Parameters
    ----------
    folder
        The results folder to create; it must not exist.
    fill
        Writes the folder's files into the temporary folder it is given.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    FileExistsError
        When ``folder`` exists, before or (another run finishing first) at the end; nothing is left behind.
    """
    if folder.exists():
        raise _exists(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    try:
        partial.mkdir()
        fill(partial)
        _claim(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def _claim(partial: Path, folder: Path) -> None:
    """Rename the finished partial folder to ``folder``, never over a folder another run wrote meanwhile."""
    if folder.exists():  # a rename would replace an empty folder silently
        raise _exists(folder)
    try:
        partial.rename(folder)
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise _exists(folder) from None
        raise


def remove_stale_partials(parent: Path) -> list[Path]:
    """Remove the partial folders in ``parent`` left by runs that were killed while writing; return them.

    A partial folder is ``.<name>.partial-<pid>``; it is stale when process ``pid`` no longer exists (one of a
    running process is left alone).
    """
    removed = []
    for partial in sorted(parent.glob(".*.partial-*")) if parent.is_dir() else ():
        pid = partial.name.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _exists(folder: Path) -> FileExistsError:
    """The error for a results folder that exists (its path in ``filename``)."""
    return FileExistsError(errno.EEXIST, f"{folder} exists already", str(folder))


def save_experiment(experiment: Experiment, folder: Path) -> Path:
    """Write an experiment's results folder atomically (see the module docstring)."""

    def fill(target: Path) -> None:
        _write_text(target / "scenario.json", _json(resolved_scenario(experiment)))
        _write_text(target / "manifest.json", _json(manifest(experiment)))
        _write_text(target / "summary.csv", summary_csv(experiment))
        _write_text(target / "summary.json", _json(summary_json(experiment)))
        _write_periods(experiment, target)
        _write_text(target / "daily.csv", daily_csv(experiment))
        _write_text(target / "stages.csv", stages_csv(experiment))
        save_records(experiment, target / "records.npz")

    return write_atomically(folder, fill)


COMPARISON_COLUMNS = (
    *SUMMARY_COLUMNS, "diff_mean", "diff_ci_low", "diff_ci_high", "diff_half_width"
)  # fmt: skip


def _write_periods(experiment: Experiment, target: Path) -> None:
    """``weekly.csv`` and ``monthly.csv`` of an experiment into ``target``."""
    periods: dict[str, PeriodKind] = {"weekly.csv": "week", "monthly.csv": "month"}
    for name, period in periods.items():
        rows = period_rows(experiment, period)
        _write_text(target / name, _csv(PERIOD_COLUMNS, ([_cell(x) for x in row] for row in rows)))


def save_comparison(comparison: Comparison, folder: Path) -> Path:
    """Write a comparison folder atomically.

    ``comparison.csv`` holds every scenario's summary rows with a leading ``scenario`` column and the paired
    difference to the first scenario (empty for the first); ``manifest.json`` the provenance; and each scenario's
    ``<name>/summary.csv``, ``<name>/scenario.json`` and the period series ``<name>/weekly.csv`` and
    ``<name>/monthly.csv`` (total and hukou scopes, offices too when there are few).
    """

    def fill(target: Path) -> None:
        rows = []
        for k, experiment in enumerate(comparison.experiments):
            for row in summary_rows(experiment):
                diff = comparison.differences.get((k, row["scope"], row["metric"]))
                extra = [None] * 4 if diff is None else [diff.mean, diff.low, diff.high, diff.half_width]
                cells = [experiment.scenario.name, *(row[c] for c in SUMMARY_COLUMNS), *extra]
                rows.append([_cell(_finite(x) if isinstance(x, float) else x) for x in cells])
            sub = target / experiment.scenario.name
            sub.mkdir()
            _write_text(sub / "summary.csv", summary_csv(experiment))
            _write_text(sub / "scenario.json", _json(resolved_scenario(experiment)))
            _write_periods(experiment, sub)
        _write_text(target / "comparison.csv", _csv(("scenario", *COMPARISON_COLUMNS), rows))
        first = comparison.experiments[0]
        info = manifest(first)
        info["scenarios"] = [e.scenario.name for e in comparison.experiments]
        info["wall_seconds"] = round(sum(e.wall_seconds for e in comparison.experiments), 3)
        _write_text(target / "manifest.json", _json(info))

    return write_atomically(folder, fill)


def save_calibration(fit: Calibration, scenario: Scenario, folder: Path, refits: Sequence[Refit] = ()) -> Path:
    """Write ``calibration.json``, the scenario and ``readings.csv``, atomically.

    ``calibration.json`` holds the fitted rate and its CI, the target, the expected and simulated counts;
    ``readings.csv`` the refit under each reading with its cumulative applications by quarter end.
    """
    data = {
        "scenario": scenario.name,
        "scenario_file": scenario.file,
        "seed": scenario.run.seed,
        "target_date": fit.target_date.isoformat(),
        "target": fit.target,
        "parameter": fit.parameter,
        "applications_per_migrant_year": {
            "before": fit.start_rate * fit.per_migrant,
            "calibrated": fit.rate * fit.per_migrant,
        },
        "rate_ci": [_finite(x) for x in fit.rate_interval],
        "expected_at_target_date": fit.expected,
        "simulated_at_target_date": {
            "mean": _finite(fit.simulated.mean),
            "ci_low": _finite(fit.simulated.low),
            "ci_high": _finite(fit.simulated.high),
            "replications": fit.simulated.n,
        },
        "target_inside_ci": fit.covered,
        "engine": fit.engine,
        "version": sim.__version__,
        "git_commit": git_commit(),
    }

    if fit.parameter != "demand.applications_per_migrant_year":
        data[fit.parameter.removeprefix("demand.")] = {"before": fit.start_rate, "calibrated": fit.rate}

    def fill(target: Path) -> None:
        _write_text(target / "calibration.json", _json(data))
        _write_text(target / "scenario.json", _json(scenario.resolved))
        if refits:
            _write_text(target / "readings.csv", readings_csv(refits))

    return write_atomically(folder, fill)


def readings_csv(refits: Sequence[Refit]) -> str:
    """``readings.csv``: per reading its change, the refitted parameter and the cumulative applications.

    One column per quarter end, ``cumulative_YYYY-MM-DD`` (expected applications).
    """
    quarters = refits[0].quarters
    header = ("reading", "change", "parameter", *(f"cumulative_{q.isoformat()}" for q in quarters))
    rows = ([r.reading.name, r.reading.change, _cell(r.rate), *(_cell(float(c)) for c in r.cumulative)] for r in refits)
    return _csv(header, rows)


def resolved_scenario(experiment: Experiment) -> dict[str, Any]:
    """The merged scenario, with the horizon (``--until``), replications and seed that were actually used."""
    data = json.loads(json.dumps(experiment.scenario.resolved))
    run = data.setdefault("run", {})
    used = experiment.scenario.run
    run["end"] = used.end.isoformat()
    run["warm_up_days"] = used.warm_up_days
    run["replications"] = used.replications
    run["seed"] = used.seed
    return dict(data)


def manifest(experiment: Experiment) -> dict[str, Any]:
    """Provenance of a run: versions, commit, seed, replications, executor, engine, wall time, the precision stop."""
    s = experiment.scenario
    return {
        "package": "rollout-sim",
        "version": sim.__version__,
        "git_commit": git_commit(),
        "scenario": s.name,
        "scenario_file": s.file,
        "seed": s.run.seed,
        "replications": s.run.replications,
        "executor": experiment.executor,
        "engine": experiment.engine,
        "wall_seconds": round(experiment.wall_seconds, 3),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "confidence_level": LEVEL,
        "precision": None if experiment.stop is None else _stop(experiment.stop),
    }


def _stop(stop: Stop) -> dict[str, Any]:
    """Why a ``--precision`` run stopped: met or capped, the deciding figure, every key figure's relative width."""
    return {
        "met": stop.met,
        "replications": stop.replications,
        "binding": "/".join(stop.binding),
        "relative_half_widths": {"/".join(k): _finite(w) for k, w in stop.relative_half_widths.items()},
    }


def git_commit() -> str | None:
    """The commit of the source tree the package was loaded from, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def summary_rows(experiment: Experiment) -> list[dict[str, Any]]:
    """One row per scope and metric: mean and CI (NaN-free: missing values are None)."""
    rows = []
    for scope in experiment.scopes:
        for metric in experiment.metrics:
            if (scope, metric.name) not in experiment.summary:
                continue
            e = experiment.summary[(scope, metric.name)]
            rows.append(
                {
                    "scope": scope,
                    "metric": metric.name,
                    "unit": metric.unit,
                    "mean": _finite(e.mean),
                    "ci_low": _finite(e.low),
                    "ci_high": _finite(e.high),
                    "half_width": _finite(e.half_width),
                    "n": e.n,
                }
            )
    return rows


def summary_csv(experiment: Experiment) -> str:
    """``summary.csv`` as text: floats in shortest round-trip form, empty where undefined."""
    return _csv(SUMMARY_COLUMNS, ([_cell(r[c]) for c in SUMMARY_COLUMNS] for r in summary_rows(experiment)))


def summary_json(experiment: Experiment) -> dict[str, Any]:
    """``summary.json``: the summary rows with the scenario, seed, replications and confidence level."""
    s = experiment.scenario
    return {
        "scenario": s.name,
        "seed": s.run.seed,
        "replications": s.run.replications,
        "confidence_level": LEVEL,
        "warm_up_days": s.run.warm_up_days,
        "metrics": {
            m.name: {"unit": m.unit, "label": m.label, "description": m.description, "definition": m.definition}
            for m in experiment.metrics
        },
        "rows": summary_rows(experiment),
    }


def daily_csv(experiment: Experiment) -> str:
    """``daily.csv`` as text (columns in :data:`~sim.experiment.series.DAILY_COLUMNS`)."""
    rows = (row for outcome in experiment.outcomes for row in outcome.daily)
    return _csv(DAILY_COLUMNS, ([_cell(x) for x in row] for row in rows))


def stages_csv(experiment: Experiment) -> str:
    """``stages.csv``: per replication, day and stage, the time-average number of applicants in the stage."""
    start = experiment.scenario.run.start
    rows = (
        [o.result.replication, (start + dt.timedelta(days=day)).isoformat(), stage.name.lower(), repr(area / 1440.0)]
        for o in experiment.outcomes
        for day in range(o.result.wip_area.shape[1])
        for stage, area in zip(Stage, o.result.wip_area[:, day].tolist(), strict=True)
    )
    return _csv(("replication", "date", "stage", "applicants_mean"), rows)


def save_records(experiment: Experiment, path: Path) -> None:
    """The visit, applicant and request tables of all replications as compressed npz columns.

    Each table's columns are concatenated over replications with a ``<table>/replication`` column; ``offices``
    and ``provinces`` map indices to names.
    """
    columns: dict[str, np.ndarray[Any, Any]] = {}
    for table in ("visits", "applicants", "requests"):
        parts = [getattr(o.result, table) for o in experiment.outcomes]
        for name in parts[0]:
            columns[f"{table}/{name}"] = np.concatenate([p[name] for p in parts])
        sizes = [next(iter(p.values())).size for p in parts]
        columns[f"{table}/replication"] = np.repeat(np.arange(len(parts), dtype=np.int32), sizes)
    columns["offices"] = np.array([o.name for o in experiment.scenario.offices])
    columns["provinces"] = np.array([p.name for p in experiment.scenario.provinces], dtype=str)
    with path.open("wb") as handle:
        np.savez_compressed(handle, allow_pickle=False, **columns)


def load_records(path: str | Path) -> dict[str, np.ndarray[Any, Any]]:
    """Read ``records.npz`` back: ``visits/<column>`` arrays and ``offices`` (names by office index)."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return repr(x) if math.isfinite(x) else ""
    return str(x)


def _csv(header: tuple[str, ...], rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
