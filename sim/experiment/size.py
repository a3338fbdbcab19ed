"""Sizing: the fewest windows per office and reviewers per hukou province that meet every target in every month.

A target (:mod:`sim.experiment.targets`) holds for a station when, in every calendar month of the measurement
window (the arrival days after the warm-up; a month partly in the warm-up counts its later days only), the upper
end of the 95 % Student-t interval of the station's monthly figure across replications is within the bound. A
month in which fewer than two replications define the figure (no applicant of that office or province arrived)
is not judged. The month whose upper end is highest is the one that binds.

The search:

1. First guesses from theory (:mod:`sim.world.sizing`): per office the fewest windows whose busiest hour, as an
   M/M/c, meets the target in every month; per province the reviewers for a bound on their utilisation, or
   enough to keep up.
2. Every station at its cap (``--max-windows``, ``--max-reviewers``): a station that misses a target even then
   is an error naming it and its figure at the cap. A station whose figures are undefined in every month keeps
   today's staff.
3. Every staffing tried is simulated whole, on the same seed (common random numbers), so that two tries differ
   only by the staffing. Each station keeps the largest staff seen to miss (``lo``) and the smallest seen to meet
   (``hi``; the cap at first): a station that misses gets one more (then 2, 4 ... more, never reaching ``hi``),
   one that meets tries one fewer (then 2, 4 ... fewer, never reaching ``lo``), until ``hi = lo + 1`` for every
   station.
4. The whole system is checked at the result (offices share reviewers, and revisits and pickups come back to the
   windows): a station that misses there is searched upwards again, until one try meets every target at once.

Each try runs the scenario's replications on the executor (:class:`MonthlyFigures`, a picklable task like
:class:`~sim.experiment.runner.Replicate`); each replication is reduced where it runs to the monthly figures the
targets need, computed by :func:`~sim.experiment.metrics.replication_figures` over the month's days, so they are
the whole-horizon figures' definitions applied to a month, as in :mod:`sim.experiment.periods`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from sim.experiment.executors import Executor, SerialExecutor, running
from sim.experiment.journey import PROVINCE_PREFIX
from sim.experiment.metrics import replication_figures
from sim.experiment.periods import calendar_periods, period_figures, period_metrics
from sim.experiment.stats import Estimate, estimate
from sim.experiment.targets import StaffKind, Target
from sim.model.engine import DEFAULT_ENGINE, Engine, run_replication
from sim.model.result import ReplicationResult
from sim.scenario.horizon import cut_at
from sim.scenario.load import load_scenario, merged_data
from sim.scenario.schema import Scenario
from sim.scenario.staffing import Overrides, Staffing, staffing_overrides
from sim.world.calendar import Calendar, open_minutes_table
from sim.world.sizing import Bound, analytic_reviewers, analytic_windows, analytic_windows_by_month

MAX_TRIES = 200
"""Most staffings one search simulates (a safeguard: the search narrows every station's range at each try)."""

Note = Callable[[str], None]
"""Called with one line about the search's progress."""

Profile = Literal["flat", "monthly"]
"""``flat``: one staff per station for the whole run; ``monthly``: a staff per station and month (a step
profile, steps at the first day of a month)."""
PROFILES: tuple[Profile, ...] = ("flat", "monthly")


class SizingError(Exception):
    """A target that cannot be met within the caps (one line, naming the station and its figure at the cap)."""


@dataclass(frozen=True)
class Station:
    """Who is staffed: an office (windows) or a hukou province (reviewers).

    Attributes
    ----------
    kind : StaffKind
        ``office`` or ``province``.
    name : str
        Office or province name.
    today : int
        Windows or reviewers in the scenario.
    cap : int
        Most windows or reviewers the search may give.
    analytic : int
        The first guess from theory.
    """

    kind: StaffKind
    name: str
    today: int
    cap: int
    analytic: int

    @property
    def scope(self) -> str:
        """The scope its figures are reported under: the office's name, or ``hukou:<province>``."""
        return self.name if self.kind == "office" else PROVINCE_PREFIX + self.name

    @property
    def staff(self) -> str:
        """``windows`` or ``reviewers``."""
        return "windows" if self.kind == "office" else "reviewers"


@dataclass(frozen=True)
class Month:
    """A calendar month cut to the measurement window: its label and arrival days ``first`` to ``last - 1``."""

    label: str
    first: int
    last: int


@dataclass(frozen=True)
class Unit:
    """What the search sizes: a station over some months (all of them, or one month for a step profile).

    Attributes
    ----------
    station : int
        Index into :attr:`Sizing.stations`.
    months : tuple of int
        Indices into :func:`months` whose figures judge it.
    analytic : int
        The first guess.
    """

    station: int
    months: tuple[int, ...]
    analytic: int


def months(scenario: Scenario) -> tuple[Month, ...]:
    """The calendar months of the run with at least one arrival day after the warm-up, cut to those days."""
    periods, day_period = calendar_periods(scenario.run.start, scenario.run.end, "month")
    out = []
    for index, period in enumerate(periods):
        days = [d for d in range(scenario.run.warm_up_days, scenario.run.days) if day_period[d] == index]
        if days:
            out.append(Month(period.label, days[0], days[-1] + 1))
    return tuple(out)


@dataclass(frozen=True)
class MonthlyFigures:
    """The task each replication of a try runs: simulate, then reduce to the monthly figures the targets need.

    Attributes
    ----------
    scenario : Scenario
        The staffed scenario.
    engine : Engine
        The model engine.
    keys : tuple of (str, str)
        (scope, metric) pairs wanted.
    """

    scenario: Scenario
    engine: Engine
    keys: tuple[tuple[str, str], ...]

    def __call__(self, replication: int) -> dict[tuple[str, str], tuple[float, ...]]:
        """Per (scope, metric), the figure in each month of :func:`months` (NaN where undefined)."""
        result = run_replication(self.scenario, replication, engine=self.engine)
        return monthly_figures(self.scenario, result, self.keys)


def monthly_figures(
    scenario: Scenario, result: ReplicationResult, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[float, ...]]:
    """One replication's figures per month of :func:`months`, for the (scope, metric) pairs asked for.

    The figures :mod:`sim.experiment.periods` reports per period come from its vectorised
    :func:`~sim.experiment.periods.period_figures` (every month at once, the warm-up in no month); any other from
    :func:`~sim.experiment.metrics.replication_figures` over each month's days. Both apply the whole-horizon
    definitions to the month, so they agree where both exist.

    Returns
    -------
    dict
        (scope, metric) to one value per month, in the figure's catalogue unit; NaN where undefined.
    """
    span = months(scenario)
    periodic = {m.name for m in period_metrics(scenario)}
    day_period = np.full(scenario.run.days, -1, dtype=np.int64)
    for index, month in enumerate(span):
        day_period[month.first : month.last] = index
    values: dict[tuple[str, str], tuple[float, ...]] = {}
    if any(metric in periodic for _, metric in keys):
        offices = any(not scope.startswith(PROVINCE_PREFIX) for scope, metric in keys if metric in periodic)
        figures = period_figures(scenario, result, day_period, len(span), offices=offices)
        values.update({k: tuple(float(v) for v in figures[k]) for k in keys if k[1] in periodic and k in figures})
    rest = [k for k in keys if k not in values]
    if rest:
        run = scenario.run
        for month in span:
            end = run.start + dt.timedelta(days=month.last - 1)
            window = dataclasses.replace(scenario, run=dataclasses.replace(run, warm_up_days=month.first, end=end))
            figures_m = replication_figures(window, result)
            for key in rest:
                values[key] = (*values.get(key, ()), figures_m.get(key, math.nan))
    return {key: values.get(key, (math.nan,) * len(span)) for key in keys}


@dataclass(frozen=True)
class Judged:
    """A station's figure for one target under one staffing, in the month whose upper CI end is highest.

    Attributes
    ----------
    month : str
        ``2023-01``.
    estimate : Estimate
        Mean and 95 % CI across replications, in the target's unit.
    """

    month: str
    estimate: Estimate


@dataclass(frozen=True)
class Trial:
    """One simulated staffing.

    Attributes
    ----------
    staffing : tuple of int
        Per unit (in :attr:`Sizing.units` order), its windows or reviewers.
    labels : tuple of str
        The months judged (``2023-01``), in order.
    estimates : dict
        (station index, target index) to the figure's estimate in each month (``n < 2`` where undefined).
    """

    staffing: tuple[int, ...]
    labels: tuple[str, ...]
    estimates: dict[tuple[int, int], tuple[Estimate, ...]]

    def judged(self, pair: tuple[int, int], within: Sequence[int] | None = None) -> Judged | None:
        """The month (of ``within``, default all) whose 95 % CI upper end is highest; None where none has a CI."""
        best: Judged | None = None
        for m in range(len(self.labels)) if within is None else within:
            e = self.estimates[pair][m]
            if e.n >= 2 and (best is None or e.high > best.estimate.high):
                best = Judged(self.labels[m], e)
        return best


@dataclass(frozen=True)
class Row:
    """One row of ``sizing.csv``: a station, a target, its figure today and as recommended."""

    station: Station
    target: Target
    recommended: int
    before: Judged | None
    after: Judged | None


@dataclass(frozen=True)
class Sizing:
    """The outcome of a search.

    Attributes
    ----------
    scenario : Scenario
        The scenario as given (with the replications and seed used).
    path : Path
        Its file.
    targets : tuple of Target
        The targets.
    stations : tuple of Station
        Offices (when a target is on windows), then provinces (when one is on reviewers).
    recommended : tuple of int
        Per station, the recommended staff (with a step profile, its largest).
    rows : tuple of Row
        Per station and target that applies to it.
    tries : int
        Staffings simulated.
    overrides : Overrides
        The scenario overrides that set the recommended staff.
    profile : Profile
        ``flat`` or ``monthly``.
    staffings : tuple of Staffing
        Per station, the recommended staff from the start and its dated steps (none when flat).
    months : tuple of Month
        The months judged.
    by_month : tuple of tuple of int
        Per station, the recommended staff in each month.
    final : Trial
        The simulated recommendation (its monthly figures).
    staff_days_saved : tuple of int
        Per station, open days x staff that the profile saves against flat staffing at its largest count (0 when
        flat).
    peak_meets : bool or None
        With a step profile: whether flat staffing at each station's largest count met every target in every
        month when simulated (None when flat).
    """

    scenario: Scenario
    path: Path
    targets: tuple[Target, ...]
    stations: tuple[Station, ...]
    recommended: tuple[int, ...]
    rows: tuple[Row, ...]
    tries: int
    overrides: Overrides
    profile: Profile = "flat"
    staffings: tuple[Staffing, ...] = ()
    months: tuple[Month, ...] = ()
    by_month: tuple[tuple[int, ...], ...] = ()
    final: Trial | None = None
    staff_days_saved: tuple[int, ...] = ()
    peak_meets: bool | None = None


@dataclass(frozen=True)
class _Runs:
    """How a try's replications run: the executor, the engine and where progress lines go."""

    executor: Executor
    engine: Engine
    note: Note


class _Search:
    """Simulates staffings of one scenario (each once) and judges them against the targets."""

    def __init__(
        self,
        path: Path,
        scenario: Scenario,
        targets: tuple[Target, ...],
        stations: tuple[Station, ...],
        runs: _Runs,
        *,
        units: tuple[Unit, ...],
    ) -> None:
        self.path, self.scenario, self.targets, self.stations, self.runs = path, scenario, targets, stations, runs
        self.units = units
        self.months = months(scenario)
        self.data = merged_data(path)
        self.trials: dict[tuple[int, ...], Trial] = {}
        self.pairs = [(s, t) for s, st in enumerate(stations) for t, tg in enumerate(targets) if tg.kind == st.kind]

    def by_month(self, staffing: Sequence[int]) -> list[list[int]]:
        """Per station, its staff in each month, from the units' staff."""
        out = [[0] * len(self.months) for _ in self.stations]
        for unit, n in zip(self.units, staffing, strict=True):
            for m in unit.months:
                out[unit.station][m] = n
        return out

    def staffings(self, staffing: Sequence[int]) -> list[Staffing]:
        """Per station, its staff from the start and its steps (at the first day of a month whose staff changes)."""
        result = []
        for counts in self.by_month(staffing):
            steps = tuple(
                (self.scenario.run.start + dt.timedelta(days=self.months[m].first), counts[m])
                for m in range(1, len(counts))
                if counts[m] != counts[m - 1]
            )
            result.append((counts[0], steps))
        return result

    def overrides(self, staffing: Sequence[int]) -> Overrides:
        staffings = self.staffings(staffing)
        windows = {s.name: x for s, x in zip(self.stations, staffings, strict=True) if s.kind == "office"}
        reviewers = {s.name: x for s, x in zip(self.stations, staffings, strict=True) if s.kind == "province"}
        return staffing_overrides(self.data, self.scenario, windows, reviewers)

    def trial(self, staffing: Sequence[int], why: str) -> Trial:
        """Simulate a staffing (per unit; empty for the scenario's own staff) unless it was simulated before."""
        key = tuple(staffing)
        if key in self.trials:
            return self.trials[key]
        staffed = load_scenario(self.path, self.overrides(key) if key else None)
        staffed = dataclasses.replace(staffed, run=self.scenario.run)
        keys = tuple((self.stations[s].scope, self.targets[t].metric) for s, t in self.pairs)
        task = MonthlyFigures(staffed, self.runs.engine, keys)
        replications = range(self.scenario.run.replications)
        outcomes: dict[int, dict[tuple[str, str], tuple[float, ...]]] = {}
        with running(self.runs.executor, task, list(replications)) as results:
            for index, values in results:
                outcomes[index] = values
        estimates = {
            pair: tuple(estimate([outcomes[r][k][m] for r in replications]) for m in range(len(self.months)))
            for pair, k in zip(self.pairs, keys, strict=True)
        }
        trial = Trial(key, tuple(m.label for m in self.months), estimates)
        self.trials[key] = trial
        self.runs.note(f"try {len(self.trials)} ({why}){': ' + self.describe(trial) if key else ''}")
        return trial

    def meets(self, trial: Trial, unit: int) -> bool:
        """Whether every target of ``unit``'s station holds in each of its judged months in ``trial``."""
        u = self.units[unit]
        for s, t in self.pairs:
            if s != u.station:
                continue
            judged = trial.judged((s, t), u.months)
            if judged is not None and judged.estimate.high > self.targets[t].value * (1 + 1e-12):
                return False
        return True

    def describe(self, trial: Trial) -> str:
        met = [self.meets(trial, u) for u in range(len(self.units))]
        parts = []
        for index, (station, counts) in enumerate(zip(self.stations, self.by_month(trial.staffing), strict=True)):
            missing = any(not ok for u, ok in zip(self.units, met, strict=True) if u.station == index)
            staff = f"{min(counts)}-{max(counts)}" if min(counts) != max(counts) else str(counts[0])
            parts.append(f"{station.name}={staff}{' (misses)' if missing else ''}")
        shown = ", ".join(parts[:8]) + (f", ... {len(parts) - 8} more" if len(parts) > 8 else "")
        return f"{met.count(False)} missing; {shown}"


def _stations(
    scenario: Scenario, targets: tuple[Target, ...], max_windows: int, max_reviewers: int
) -> tuple[Station, ...]:
    """Offices (when a target is on windows) and provinces (when one is on reviewers), with their first guesses."""
    return _offices(scenario, targets, max_windows) + _provinces(scenario, targets, max_reviewers)


def _offices(scenario: Scenario, targets: tuple[Target, ...], cap: int) -> tuple[Station, ...]:
    """Every office, when a target is on windows: its first guess meets every such target."""
    chosen = [t for t in targets if t.kind == "office"]
    if not chosen:
        return ()
    guesses = [analytic_windows(scenario, _bound(t), cap) for t in chosen]
    return tuple(
        Station("office", office.name, office.windows, cap, max(g[i] for g in guesses))
        for i, office in enumerate(scenario.offices)
    )


def _provinces(scenario: Scenario, targets: tuple[Target, ...], cap: int) -> tuple[Station, ...]:
    """Every hukou province, when a target is on reviewers: enough for a bound on utilisation and a stable inbox."""
    chosen = [t for t in targets if t.kind == "province"]
    if not chosen:
        return ()
    bound = next((t.value for t in chosen if t.metric == "reviewer_utilisation"), None)
    guesses = analytic_reviewers(scenario, bound, cap)
    stable = analytic_reviewers(scenario, None, cap)
    return tuple(
        Station("province", p.name, p.reviewers, cap, max(a, b))
        for p, a, b in zip(scenario.provinces, guesses, stable, strict=True)
    )


def _units(
    scenario: Scenario, targets: tuple[Target, ...], stations: tuple[Station, ...], profile: Profile
) -> tuple[Unit, ...]:
    """What the search sizes: flat, a unit per station over every month; monthly, a unit per station and month.

    With a step profile, an office's first guess for a month is from that month's busiest hour.
    """
    span = months(scenario)
    if profile == "flat":
        return tuple(Unit(s, tuple(range(len(span))), station.analytic) for s, station in enumerate(stations))
    chosen = [t for t in targets if t.kind == "office"]
    cap = max((s.cap for s in stations if s.kind == "office"), default=1)
    guesses = [analytic_windows_by_month(scenario, _bound(t), cap) for t in chosen]
    units = []
    for s, station in enumerate(stations):
        for m, month in enumerate(span):
            guess = station.analytic
            if station.kind == "office":
                first = dt.date.fromisoformat(month.label + "-01")
                guess = max((g[s][first] for g in guesses if first in g[s]), default=station.analytic)
            units.append(Unit(s, (m,), guess))
    return tuple(units)


def _bound(target: Target) -> Bound:
    """The M/M/c figure of the busiest hour that a window target is checked against analytically."""
    name = target.metric
    if name in ("wait_mean", "background_wait_mean"):
        return Bound("mean_wait", target.value)
    if name.startswith("wait_p"):
        return Bound("quantile", target.value, int(name.removeprefix("wait_p")) / 100.0)
    if name.startswith("wait_share_over_"):
        return Bound("exceeds", target.value, float(name.removeprefix("wait_share_over_").removesuffix("min")))
    if name == "queue_length_mean":
        return Bound("queue", target.value)
    if name == "utilisation":
        return Bound("utilisation", target.value)
    return Bound("stable", target.value)


def size(
    path: str | Path,
    targets: Sequence[Target],
    *,
    replications: int | None = None,
    seed: int | None = None,
    max_windows: int = 50,
    max_reviewers: int = 1000,
    until: dt.date | None = None,
    executor: Executor | None = None,
    engine: Engine = DEFAULT_ENGINE,
    note: Note | None = None,
    start: Mapping[str, int] | None = None,
    profile: Profile = "flat",
) -> Sizing:
    """Find the fewest windows per office and reviewers per province that meet every target in every month.

    Parameters
    ----------
    path
        The scenario file.
    targets
        The targets (at least one), each on windows or on reviewers.
    replications, seed
        Override ``run.replications`` (at least 2, for a confidence interval) and ``run.seed``.
    max_windows, max_reviewers
        Caps on the staff of one office and of one province.
    until
        When given, arrivals stop at the end of this day in every try (:func:`~sim.scenario.horizon.cut_at`) and
        only the months up to it are judged; ``recommended.toml`` still extends the whole scenario.
    executor
        Where each try's replications run; serial when omitted.
    engine
        The model engine.
    note
        Called with a line after each try.
    start
        Office or province name to the staff the search starts from instead of the theory's first guess.
    profile
        ``flat`` (one staff per station) or ``monthly`` (a staff per station and month: a step profile, checked
        against flat staffing at its largest count).

    Returns
    -------
    Sizing
        The recommended staff, the figures today and as recommended.

    Raises
    ------
    SizingError
        When a station misses a target even at its cap (nothing is returned).
    ScenarioError
        When the scenario, or a staffing of it, breaks a rule.
    """
    path = Path(path)
    scenario = load_scenario(path) if until is None else cut_at(load_scenario(path), until)
    run = dataclasses.replace(
        scenario.run,
        replications=scenario.run.replications if replications is None else replications,
        seed=scenario.run.seed if seed is None else seed,
    )
    scenario = dataclasses.replace(scenario, run=run)
    chosen = tuple(targets)
    stations = tuple(
        dataclasses.replace(s, analytic=start[s.name]) if start and s.name in start else s
        for s in _stations(scenario, chosen, max_windows, max_reviewers)
    )
    runs = _Runs(executor or SerialExecutor(), engine, note or (lambda _: None))
    search = _Search(path, scenario, chosen, stations, runs, units=_units(scenario, chosen, stations, profile))
    at_cap = search.trial([stations[u.station].cap for u in search.units], "every station at its cap")
    _refuse_unreachable(search, at_cap)
    fixed = [_undefined(search, at_cap, u) for u in search.units]
    best = _narrow(search, fixed)
    today = search.trial([], "today's staff")
    final = search.trials[tuple(best)]
    by_month = tuple(tuple(counts) for counts in search.by_month(best))
    most = tuple(max(counts) for counts in by_month)
    rows = tuple(
        Row(stations[s], chosen[t], most[s], today.judged((s, t)), final.judged((s, t))) for s, t in search.pairs
    )
    peak_meets = None
    if profile == "monthly":
        peak = search.trial([most[u.station] for u in search.units], "flat staffing at the profile's largest counts")
        peak_meets = all(search.meets(peak, u) for u in range(len(search.units)))
    return Sizing(
        scenario,
        path,
        chosen,
        stations,
        most,
        rows,
        len(search.trials),
        search.overrides(best),
        profile=profile,
        staffings=tuple(search.staffings(best)),
        months=search.months,
        by_month=by_month,
        final=final,
        staff_days_saved=_saved(scenario, stations, search.months, by_month),
        peak_meets=peak_meets,
    )


def _undefined(search: _Search, trial: Trial, unit: Unit) -> bool:
    """Whether no figure of ``unit``'s station is defined in its months (it then keeps today's staff)."""
    return all(trial.judged(pair, unit.months) is None for pair in search.pairs if pair[0] == unit.station)


def _saved(
    scenario: Scenario, stations: tuple[Station, ...], span: Sequence[Month], by_month: Sequence[Sequence[int]]
) -> tuple[int, ...]:
    """Per station, open days x staff of flat staffing at its largest count minus the profile's, over the months."""
    offices = {o.name: o.hours for o in scenario.offices}
    provinces = {p.name: p.hours for p in scenario.provinces}
    result = []
    for station, counts in zip(stations, by_month, strict=True):
        hours = offices[station.name] if station.kind == "office" else provinces[station.name]
        opened = open_minutes_table([Calendar(scenario.run.start, hours, scenario.holidays)], scenario.run.days)[0] > 0
        most = max(counts, default=0)
        result.append(sum((most - n) * int(opened[m.first : m.last].sum()) for m, n in zip(span, counts, strict=True)))
    return tuple(result)


def _refuse_unreachable(search: _Search, at_cap: Trial) -> None:
    for s, t in search.pairs:
        judged = at_cap.judged((s, t))
        target = search.targets[t]
        if judged is not None and judged.estimate.high > target.value * (1 + 1e-12):
            station = search.stations[s]
            e = judged.estimate
            raise SizingError(
                f"{station.kind} {station.name!r}: {target.metric} <= {target.value:g} {target.unit} is not met even "
                f"at {station.cap} {station.staff} (the cap): in {judged.month} its 95 % CI reaches {e.high:.4g} "
                f"{target.unit} (mean {e.mean:.4g})"
            )


def _narrow(search: _Search, fixed: Sequence[bool]) -> list[int]:
    """Narrow every unit's range (lo, hi] until hi = lo + 1 and the staffing hi meets every target at once."""
    stations = [search.stations[u.station] for u in search.units]  # per unit
    today = [s.today for s in stations]
    lo = [0] * len(stations)
    hi = [s.cap for s in stations]
    steps = [1] * len(stations)
    last: list[bool | None] = [None] * len(stations)
    x = [today[i] if fixed[i] else min(max(u.analytic, 1), stations[i].cap) for i, u in enumerate(search.units)]
    why = "first guesses from theory"
    for _ in range(MAX_TRIES):
        trial = search.trial(x, why)
        met = [search.meets(trial, i) for i in range(len(stations))]
        for i in (i for i in range(len(stations)) if not fixed[i]):
            if met[i]:
                hi[i] = min(hi[i], x[i])
            else:
                lo[i] = max(lo[i], x[i])
                if hi[i] <= lo[i]:  # met before, with other stations staffed otherwise: search upwards again
                    hi[i] = stations[i].cap
            steps[i] = steps[i] * 2 if last[i] is met[i] else 1  # 1, 2, 4 ... while the answer stays the same
            last[i] = met[i]
        settled = [today[i] if fixed[i] else hi[i] for i in range(len(stations))]
        if all(fixed[i] or hi[i] - lo[i] <= 1 for i in range(len(stations))):
            if settled == x and all(met):
                return settled
            x, why = settled, "the whole system at the result"
            continue
        x = [
            settled[i] if fixed[i] or hi[i] - lo[i] <= 1 else _next(lo[i], hi[i], steps[i], met[i])
            for i in range(len(stations))
        ]
        why = "a station that misses gets more, one with slack fewer"
    raise SizingError(f"the search did not settle within {MAX_TRIES} tries")


def _next(lo: int, hi: int, step: int, met: bool) -> int:
    """The next staff strictly inside (lo, hi): ``step`` fewer than hi after a meet, more than lo after a miss."""
    return max(lo + 1, hi - step) if met else min(hi - 1, lo + step)
