"""The metric catalogue: every reported figure declared once, with its unit, label, scopes and definition.

Everything that names a figure reads it from here: the per-replication figures (:mod:`sim.experiment.metrics`,
:mod:`sim.experiment.journey`), the weekly and monthly series (:mod:`sim.experiment.periods`), the precision
keys, the sweep index, the terminal tables (:mod:`sim.output.tables`), the figures (:mod:`sim.output.plots`) and
the report. A list of figures is declared with :func:`names`, which raises :class:`UnknownMetricError` when a name
is not in the catalogue, so a renamed figure fails at import, not as a silent ``-`` in a table; a name given on the
command line is checked with :func:`lookup`.

One figure's name depends on the scenario: ``wait_share_over_<T>min``, where ``T`` is
``report.wait_threshold_minutes``. It is declared once as :data:`WAIT_SHARE_OVER` and named for a scenario by
:func:`reported_name`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

Scope: TypeAlias = Literal["office", "hukou", "total"]
"""Where a figure is reported: per office, per hukou province (scope ``hukou:<name>``), pooled (``total``)."""

Group: TypeAlias = Literal["demand", "window", "journey"]
"""Which part of the model a figure describes; journey figures exist only when the scenario has provinces."""

WAIT_SHARE_OVER = "wait_share_over"
"""The catalogue name of ``wait_share_over_<T>min`` (share of applicants waiting more than the threshold)."""

_THRESHOLD_NAME = re.compile(r"^wait_share_over_(?P<t>[0-9.eE+-]+)min$")


class UnknownMetricError(KeyError):
    """A figure name that is not in the catalogue."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown metric {self.name!r}; the catalogue has: {', '.join(CATALOGUE)}"


@dataclass(frozen=True)
class Metric:
    """A reported figure.

    Attributes
    ----------
    name : str
        Column-safe identifier (as in ``summary.csv``); for :data:`WAIT_SHARE_OVER` the stem of the reported name.
    unit : str
        Unit of the value.
    label : str
        Short human name for table headers and axis labels (without the unit).
    description : str
        One line for tables and the data dictionary.
    definition : str
        How it is computed from a replication's records (which rows, which window, which formula).
    group : str
        ``demand``, ``window`` or ``journey`` (see :data:`Group`).
    scopes : tuple of str
        The scopes it is reported for (see :data:`Scope`).
    digits : int
        Decimals shown in tables.
    """

    name: str
    unit: str
    label: str
    description: str
    definition: str
    group: Group
    scopes: tuple[Scope, ...]
    digits: int

    def axis_label(self) -> str:
        """``label (unit)`` for an axis."""
        return f"{self.label} ({self.unit})"


_OFFICE_TOTAL: tuple[Scope, ...] = ("office", "total")
_ALL: tuple[Scope, ...] = ("office", "hukou", "total")
_WAIT = "waits of first-application intakes of applicants who arrived in the window"

_METRICS = (
    Metric(
        name="applicants",
        unit="applicants",
        label="applicants",
        description="first applicants who applied locally in the window",
        definition="applicant records whose arrival day is in the window",
        group="demand",
        scopes=("total",),
        digits=0,
    ),
    Metric(
        name="forgone",
        unit="applications",
        label="forgone applications",
        description="applications made in the hukou province instead",
        definition="the day's migrant demand not yet enabled by the schedule, summed over the window",
        group="demand",
        scopes=("total",),
        digits=0,
    ),
    Metric(
        name="forgone_share",
        unit="share",
        label="forgone share",
        description="forgone / (applicants + forgone)",
        definition="forgone / (applicants + forgone)",
        group="demand",
        scopes=("total",),
        digits=3,
    ),
    Metric(
        name="peak_office_utilisation",
        unit="share",
        label="peak office utilisation",
        description="highest window utilisation of any office (a share of staffed time, at most 1)",
        definition="max over offices of the office's utilisation (staffed busy window-minutes / staffed ones)",
        group="demand",
        scopes=("total",),
        digits=3,
    ),
    Metric(
        name="arrivals_per_open_day",
        unit="applicants/day",
        label="arrivals per open day",
        description="first applicants arriving per open day",
        definition="intake visits arriving in the window / open days in the window (total: summed over offices)",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="served_per_open_day",
        unit="applicants/day",
        label="served per open day",
        description="first-application intakes finished per open day",
        definition="intake visits ending in the window / open days in the window (total: summed over offices)",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_mean",
        unit="minutes",
        label="mean wait",
        description="mean wait in the queue before the window",
        definition=f"mean of the {_WAIT}",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_p50",
        unit="minutes",
        label="median wait",
        description="median of the wait",
        definition=f"50th percentile (linear interpolation) of the {_WAIT}",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_p90",
        unit="minutes",
        label="90th percentile wait",
        description="90th percentile of the wait",
        definition=f"90th percentile (linear interpolation) of the {_WAIT}",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_p95",
        unit="minutes",
        label="95th percentile wait",
        description="95th percentile of the wait",
        definition=f"95th percentile (linear interpolation) of the {_WAIT}",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_p99",
        unit="minutes",
        label="99th percentile wait",
        description="99th percentile of the wait",
        definition=f"99th percentile (linear interpolation) of the {_WAIT}",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_max",
        unit="minutes",
        label="longest wait",
        description="longest wait",
        definition=f"max of the {_WAIT}",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="wait_share_over",
        unit="share",
        label="share waiting over the threshold",
        description="share of applicants waiting over the threshold",
        definition=f"share of the {_WAIT} above report.wait_threshold_minutes",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=3,
    ),
    Metric(
        name="sent_home_share",
        unit="share",
        label="sent home",
        description="share of applicants sent home at closing at least once",
        definition="intake visits arriving in the window with returns > 0 / those visits",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=3,
    ),
    Metric(
        name="utilisation",
        unit="share",
        label="window utilisation",
        description="staffed window-minutes worked per staffed window-minute (at most 1; the rest is overtime)",
        definition=(
            "per office and day, min(busy window-minutes, windows x open minutes), summed over the window's days / "
            "(windows x open minutes) summed over the same days (total: summed over offices first)"
        ),
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=3,
    ),
    Metric(
        name="overtime_hours_per_open_day",
        unit="window-hours/day",
        label="overtime",
        description="window-hours worked beyond the staffed window-minutes, per open day",
        definition=(
            "per office and day, busy window-minutes - min(busy window-minutes, windows x open minutes), summed "
            "over the window's days, / 60 / open days in the window (total: summed over offices). It counts work "
            "beyond the day's staffed window-minutes: work after closing that the same day's idle open minutes "
            "offset is not counted"
        ),
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=2,
    ),
    Metric(
        name="queue_length_mean",
        unit="persons",
        label="mean queue length",
        description="time-average number waiting during opening hours",
        definition="queue person-minutes / open minutes over the window's days",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=2,
    ),
    Metric(
        name="queue_at_end",
        unit="visits",
        label="queue at the end",
        description="applicants' window visits still waiting when the last arrival day ended",
        definition=(
            "applicants' window visits (intakes, revisits, window pickups) that arrived before the end of the run's "
            "last arrival day (minute run.days x 1,440) and had not started service by then (total: summed over "
            "offices); local ID visits and kiosk pickups are not counted"
        ),
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="background_wait_mean",
        unit="minutes",
        label="mean wait of local business",
        description="mean wait of local (background) ID visits",
        definition="summed waits of local ID visits / their count, by arrival day in the window",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=1,
    ),
    Metric(
        name="turned_away",
        unit="visits",
        label="turned away",
        description="first intakes and local visits turned away by a cap (max_in_office, daily_quota)",
        definition="turn-aways on the window's days (a visitor turned away again on a return counts again)",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=0,
    ),
    Metric(
        name="returned",
        unit="visits",
        label="returned",
        description="turn-aways after which the visitor comes back on a later open day",
        definition="of the turn-aways on the window's days, those that end in a return",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=0,
    ),
    Metric(
        name="given_up",
        unit="visitors",
        label="gave up",
        description="visitors who gave up after being turned away",
        definition="of the turn-aways on the window's days, those that end in giving up",
        group="window",
        scopes=_OFFICE_TOTAL,
        digits=0,
    ),
    Metric(
        name="turnaround_hours_mean",
        unit="hours",
        label="mean verification turnaround",
        description="verification turnaround, intake end to decision, mean",
        definition="decided - sent of the requests of the window's applicants, hours, mean",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="turnaround_hours_p90",
        unit="hours",
        label="90th percentile verification turnaround",
        description="verification turnaround, 90th percentile",
        definition="decided - sent of the requests of the window's applicants, hours, 90th percentile",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="reviewer_utilisation",
        unit="share",
        label="reviewer utilisation",
        description="busy reviewer-minutes per working reviewer-minute",
        definition=(
            "busy reviewer-minutes / (reviewers x working minutes) over the window's days "
            "(hukou scopes; total pools the provinces)"
        ),
        group="journey",
        scopes=("hukou", "total"),
        digits=3,
    ),
    Metric(
        name="rejected_share",
        unit="share",
        label="rejected share",
        description="share of applicants sent back at least once",
        definition="the window's reviewed applicants with more than one attempt / those applicants",
        group="journey",
        scopes=_ALL,
        digits=3,
    ),
    Metric(
        name="visits_per_applicant",
        unit="visits",
        label="visits per applicant",
        description="office visits per applicant: intakes, revisits and pickup",
        definition="mean visits of the window's applicants",
        group="journey",
        scopes=_ALL,
        digits=2,
    ),
    Metric(
        name="lead_days_mean",
        unit="days",
        label="mean lead time",
        description="first visit to card in hand, mean",
        definition="in_hand - arrival of applicants who arrived in the window and were reviewed, days, mean",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="lead_days_p50",
        unit="days",
        label="median lead time",
        description="first visit to card in hand, median",
        definition="in_hand - arrival of applicants who arrived in the window and were reviewed, days, median",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="lead_days_p90",
        unit="days",
        label="90th percentile lead time",
        description="first visit to card in hand, 90th percentile",
        definition="in_hand - arrival of applicants who arrived in the window and were reviewed, days, 90th percentile",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="lead_days_p95",
        unit="days",
        label="95th percentile lead time",
        description="first visit to card in hand, 95th percentile",
        definition="in_hand - arrival of applicants who arrived in the window and were reviewed, days, 95th percentile",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="lead_days_max",
        unit="days",
        label="longest lead time",
        description="first visit to card in hand, longest",
        definition="in_hand - arrival of applicants who arrived in the window and were reviewed, days, longest",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="issue_days_mean",
        unit="days",
        label="mean issue time",
        description="first visit to card ready (at the office or delivered by post)",
        definition="card_ready - arrival of the window's reviewed applicants, days, mean",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
    Metric(
        name="over_legal_limit_share",
        unit="share",
        label="over legal limit",
        description="share whose card was ready later than the legal limit",
        definition="card_ready - arrival > production.legal_limit_days, share of the window's reviewed applicants",
        group="journey",
        scopes=_ALL,
        digits=3,
    ),
    Metric(
        name="over_promise_share",
        unit="share",
        label="late against promise",
        description="share whose card was ready later than the promised working days",
        definition="card_ready later than arrival + promised working days, share of the reviewed applicants",
        group="journey",
        scopes=_ALL,
        digits=3,
    ),
    Metric(
        name="cards_per_day",
        unit="cards/day",
        label="cards per day",
        description="cards in hand per calendar day of the window",
        definition="the window's applicants with their card in hand / days in the window",
        group="journey",
        scopes=_ALL,
        digits=1,
    ),
)

CATALOGUE: dict[str, Metric] = {metric.name: metric for metric in _METRICS}
"""Every reported figure by catalogue name, in table order (demand, windows, journey)."""


def reported_name(name: str, threshold_minutes: float) -> str:
    """The name a figure has in a scenario's results (``wait_share_over`` gets its threshold)."""
    return f"{WAIT_SHARE_OVER}_{threshold_minutes:g}min" if name == WAIT_SHARE_OVER else name


def lookup(name: str) -> Metric:
    """The catalogue entry of a figure name as it appears in results (``wait_share_over_30min`` included).

    Raises
    ------
    UnknownMetricError
        When the name is not a reported figure.
    """
    if name in CATALOGUE:
        return CATALOGUE[name]
    if _THRESHOLD_NAME.match(name):
        return CATALOGUE[WAIT_SHARE_OVER]
    raise UnknownMetricError(name)


def names(*chosen: str) -> tuple[str, ...]:
    """Check a list of figure names against the catalogue (at import) and return it.

    Raises
    ------
    UnknownMetricError
        At the first name that is not in the catalogue.
    """
    for name in chosen:
        lookup(name)
    return chosen


def group(kind: Group) -> tuple[Metric, ...]:
    """The figures of one group, in catalogue order."""
    return tuple(m for m in CATALOGUE.values() if m.group == kind)
