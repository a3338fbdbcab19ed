"""Staffing targets: ``METRIC<=VALUE[unit]``, a catalogue figure that more staff brings down, and its bound.

A target names a figure of :mod:`sim.experiment.catalogue` that is reported per office or per hukou province and
falls as staff is added: the window figures (waits, the share waiting over the threshold, the share sent home,
utilisation, overtime, queue length, the local visits' wait) are judged per office and met by its windows; the
journey figures (verification turnaround, reviewer utilisation, lead and issue times, the shares late) are judged
per hukou province (scope ``hukou:<name>``) and met by its reviewers. Figures that staffing does not move
(arrivals, cards per day, rejections, visits per applicant, the queue at the end) or that are reported in total
only are refused.

The value is in the catalogue's unit, or given with a unit: ``min``, ``h`` or ``days`` for a time (converted to the
figure's own unit), ``share`` or ``%`` for a share, or the catalogue's unit as it is written.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

from sim.experiment.catalogue import CATALOGUE, WAIT_SHARE_OVER, UnknownMetricError, lookup, reported_name
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

StaffKind: TypeAlias = Literal["office", "province"]
"""Who a target is judged for: an office (its windows) or a hukou province (its reviewers)."""

WINDOW_TARGETS = (
    "wait_mean", "wait_p50", "wait_p90", "wait_p95", "wait_p99", "wait_max", WAIT_SHARE_OVER, "sent_home_share",
    "utilisation", "overtime_hours_per_open_day", "queue_length_mean", "background_wait_mean",
)  # fmt: skip
"""Catalogue figures judged per office and met by its windows."""

REVIEW_TARGETS = (
    "turnaround_hours_mean", "turnaround_hours_p90", "reviewer_utilisation", "lead_days_mean", "lead_days_p50",
    "lead_days_p90", "lead_days_p95", "lead_days_max", "issue_days_mean", "over_legal_limit_share",
    "over_promise_share",
)  # fmt: skip
"""Catalogue figures judged per hukou province and met by its reviewers."""

_MINUTES = {"minutes": 1.0, "hours": 60.0, "days": 1440.0}
"""Minutes per unit of the catalogue's time units."""
_TIME_SUFFIXES = {"min": 1.0, "minutes": 1.0, "h": 60.0, "hours": 60.0, "d": 1440.0, "days": 1440.0}
_SHARE_SUFFIXES = {"share": 1.0, "%": 0.01}
_FORM = re.compile(r"^\s*(?P<metric>[A-Za-z0-9_.+-]+?)\s*<=\s*(?P<value>[0-9.eE+-]+)\s*(?P<unit>[A-Za-z%/-]*)\s*$")


@dataclass(frozen=True)
class Target:
    """An upper bound on a monthly figure, per office or per hukou province.

    Attributes
    ----------
    text : str
        The target as given, e.g. ``wait_p90<=30min``.
    metric : str
        The figure's name as reported (``wait_share_over_30min`` with its threshold).
    value : float
        The bound, in the figure's catalogue unit.
    unit : str
        The figure's catalogue unit (``minutes``, ``days``, ``share`` ...).
    kind : StaffKind
        ``office`` (windows) or ``province`` (reviewers).
    """

    text: str
    metric: str
    value: float
    unit: str
    kind: StaffKind

    @property
    def label(self) -> str:
        """``wait_p90 <= 30 minutes``."""
        return f"{self.metric} <= {self.value:g} {self.unit}"


def parse_target(text: str) -> Target:
    """Read ``METRIC<=VALUE[unit]``.

    Parameters
    ----------
    text
        E.g. ``wait_p90<=30min``, ``lead_days_p95<=21``, ``reviewer_utilisation<=85%``.

    Returns
    -------
    Target
        The figure, its kind and the bound in the figure's unit.

    Raises
    ------
    ValueError
        One line: the form, an unknown figure (with a did-you-mean), a figure not per office or province or that
        staff does not bring down, a unit that does not fit the figure, or a bound that is not finite and >= 0.
    """
    match = _FORM.match(text)
    if match is None:
        raise ValueError(f"must be METRIC<=VALUE[unit] such as wait_p90<=30min, got {text!r}")
    name, unit = match["metric"], match["unit"]
    try:
        metric = lookup(name)
    except UnknownMetricError:
        close = difflib.get_close_matches(name, list(CATALOGUE), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown metric {name!r}{hint}, got {text!r}") from None
    kind = _kind(metric.name, metric.scopes, text)
    try:
        value = float(match["value"])
    except ValueError:
        raise ValueError(f"the bound must be a number, got {text!r}") from None
    value *= _factor(unit, metric.unit, text)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"the bound must be a finite number >= 0, got {text!r}")
    return Target(text, name, value, metric.unit, kind)


def _kind(name: str, scopes: tuple[str, ...], text: str) -> StaffKind:
    if name in WINDOW_TARGETS:
        return "office"
    if name in REVIEW_TARGETS:
        return "province"
    if "office" not in scopes and "hukou" not in scopes:
        raise ValueError(f"{name} is reported in total only, not per office or per hukou province, got {text!r}")
    raise ValueError(f"{name} does not fall as windows or reviewers are added, so it cannot size them, got {text!r}")


def _factor(unit: str, metric_unit: str, text: str) -> float:
    """What to multiply a bound written in ``unit`` by to have it in ``metric_unit``."""
    if not unit or unit == metric_unit:
        return 1.0
    if metric_unit in _MINUTES and unit in _TIME_SUFFIXES:
        return _TIME_SUFFIXES[unit] / _MINUTES[metric_unit]
    if metric_unit == "share" and unit in _SHARE_SUFFIXES:
        return _SHARE_SUFFIXES[unit]
    if metric_unit in _MINUTES:
        allowed = "min, h or days"
    elif metric_unit == "share":
        allowed = "share or %"
    else:
        allowed = f"none or {metric_unit}"
    raise ValueError(f"the unit {unit!r} does not fit {metric_unit} (use {allowed}), got {text!r}")


def check_targets(scenario: Scenario, targets: tuple[Target, ...]) -> None:
    """Refuse targets the scenario cannot report: journey figures without provinces, another wait threshold.

    Raises
    ------
    ScenarioError
        Naming the scenario file, ``--target``, the rule and the target.
    """
    threshold = scenario.report.wait_threshold_minutes
    for target in targets:
        if target.kind == "province" and not scenario.provinces:
            rule = "is a journey figure, and the scenario has no [[provinces]] (its applicants are never reviewed)"
            raise ScenarioError(scenario.file, "--target", rule, target.text)
        if target.metric.startswith(WAIT_SHARE_OVER) and target.metric != reported_name(WAIT_SHARE_OVER, threshold):
            rule = f"the scenario reports {reported_name(WAIT_SHARE_OVER, threshold)} (report.wait_threshold_minutes)"
            raise ScenarioError(scenario.file, "--target", rule, target.text)
    metrics = [t.metric for t in targets]
    for metric in metrics:
        if metrics.count(metric) > 1:
            raise ScenarioError(scenario.file, "--target", "names the same figure twice", metric)
