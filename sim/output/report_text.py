"""The fixed text of ``rollout-sim report``: its style sheet, phrases for the phases, and what the model assumes.

Every statement here is taken from the project's own documents (``DOMAIN.md`` beside the repository,
``scenarios/data/SOURCES.md``, ``docs/design.md``, ``docs/calibration.md``, ``docs/scenarios.md``) and carries their
confidence tag; the report shows each one only for the scenarios it concerns (:class:`Assumption`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

Applies: TypeAlias = Literal["all", "holidays", "journey", "national", "phases"]
"""Which scenarios a statement concerns: every one, those with a holiday calendar, those with hukou provinces (the
card's whole journey), those with the national data tables, those with ``[[phase]]`` entries."""


@dataclass(frozen=True)
class Assumption:
    """One statement of what the model assumes, with its source.

    Attributes
    ----------
    topic : str
        A few words naming what it is about.
    statement : str
        One or two sentences, figures with their units and confidence tags.
    source : str
        Where the project documents it (a file of the repository or beside it).
    applies : Applies
        Which scenarios it concerns.
    """

    topic: str
    statement: str
    source: str
    applies: Applies = "all"


TAGS: tuple[tuple[str, str], ...] = (
    ("[S]", "an official figure, seen in a copy of an official release or a reputable outlet quoting it"),
    ("[M]", "one non-official reprint"),
    ("[L]", "a guide or aggregator site, or an inference"),
    ("[E]", "an estimate computed in this project, not a published figure: a parameter to calibrate, never data"),
)
"""The confidence tags of ``DOMAIN.md`` and what each means."""

ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "Offices and queues",
        "Each office is one first-in-first-out queue served by its windows during its opening hours; arrivals while "
        "it is closed wait for the next opening. The run continues until everyone is served, so waits are never "
        "cut off at the horizon.",
        "docs/design.md",
    ),
    Assumption(
        "Arrivals",
        "Per office and day the number of arrivals is Poisson (the day's volume times its weekday weight), spread "
        "over the opening hours by the hour profile. First applicants and local ID business share the windows.",
        "docs/design.md",
    ),
    Assumption(
        "Opening hours and intake time",
        "Offices open on working days about 08:30/09:00-12:00 and 14:00/14:30-17:30/18:00 [L]. An intake was "
        'reported as "20 minutes" (Shanghai Qingpu, 2021-11-30) and "10-odd minutes" (Huzhou, 2021-12-03) [S]; '
        "the shipped scenarios' lognormal intake times (mean 12-13 minutes, cv 0.4) are estimates [E].",
        "DOMAIN.md; scenarios/single_office.toml",
    ),
    Assumption(
        "Figures and their precision",
        "Every figure is the mean across replications with a 95 % Student-t confidence interval; a comparison's "
        "differences are paired by replication on common random numbers. The peak-hour Erlang C check is a "
        "warning light, not a forecast.",
        "docs/design.md",
    ),
    Assumption(
        "Holidays",
        "Official holidays (closed) and make-up working days follow the State Council's yearly notices as encoded "
        "by the package chinese-calendar 1.11.0, 2020-2026 [S].",
        "scenarios/data/SOURCES.md",
        "holidays",
    ),
    Assumption(
        "The card's journey",
        "The residence-place office accepts, the hukou-place office reviews and signs off, the residence place "
        'produces and issues the card [S]. Review is promised "within 5 (working) days" [M]; review times and the '
        'share rejected for documents ("a few %", not published) are estimates [E].',
        "DOMAIN.md",
        "journey",
    ),
    Assumption(
        "Production and limits",
        "Production was promised in 15 working days in the Yangtze Delta pilot [S]; the legal limit is 60 days "
        "(Resident ID Card Law art. 12) [S]. Production, shipping and pickup delays are estimates [E].",
        "DOMAIN.md",
        "journey",
    ),
    Assumption(
        "Population and migrants",
        "Province populations and inter-provincial in-migrants are the 2020 census [S]; residents per "
        "prefecture-level unit come from one transcription of the 2020 census county tabulation [M]. The "
        "origin-destination table of migrants is an estimate [E] (a doubly-constrained gravity model between "
        "provincial capitals): only its destination totals are census figures.",
        "scenarios/data/SOURCES.md",
        "national",
    ),
    Assumption(
        "Demand",
        "First applications per migrant-year (0.006372 in the national base) are calibrated so that the history "
        "schedule expects the Ministry's 70,000 applications by 2022-07-31 [S]; that is about 0.64 of the upper "
        "bound of about 0.01 [E]. Take-up ramps, pent-up demand and the month profile are estimates [E].",
        "docs/calibration.md",
        "national",
    ),
    Assumption(
        "Local ID business and windows",
        "Local visits (13.2 per million residents a day) are derived from 26,000 cross-region ID sites [S] and "
        "115.94 M cross-region renewals and replacements by July 2024 [M]; windows are sized for a busiest-month "
        "utilisation of 0.6 [E].",
        "docs/calibration.md; scenarios/data/SOURCES.md",
        "national",
    ),
    Assumption(
        "Rollout dates",
        "Yangtze Delta pilot from 2021-10-20 [S]; nine provinces whole from 2022-08-01 [S]; the other provinces in "
        "batches from 2022-10-01 [S], in an order that is not published [E]; nationwide from 2024-05-27 [S]. The "
        "Beijing-Tianjin-Hebei and Guangdong-Hunan pilots existed [S] but their dates and cities are not known.",
        "DOMAIN.md; docs/calibration.md",
        "phases",
    ),
)
"""What the model assumes, in the order the report lists it."""

OPEN_TEXT: dict[str, str] = {
    "cities": "opens the cities {names}",
    "provinces": "opens every city of {names}",
    "regions": "opens every city of the pilot regions {names}",
    "pilot_cities": "opens the pilot cities of the regions {names}",
}
"""How a phase's ``open`` selector reads, by selector (``{names}``: the names it lists)."""

OPEN_ALL = "opens every city"
OPEN_BATCHES = "opens the provinces not yet open, largest {by} first, in {count} batches, one every {every} months"

ACCEPT_TEXT: dict[str, str] = {
    "pilot-cities-of-region": "accepting hukou in a pilot city of another province of the same region",
    "same-region": "accepting any hukou of another province of the same region",
    "joined": "accepting every province that has opened a city so far",
    "all": "accepting every province",
}
"""How a phase's ``accept`` rule reads (``docs/scenarios.md``)."""

NO_PHASES = "No [[phase]] entries: every inter-provincial pair is enabled from the start."

PARAMETERS: tuple[tuple[str, str], ...] = (
    ("Opening hours", "office.hours"),
    ("First applicants per open day (per office)", "office.applicants_per_day"),
    ("Intake time (minutes)", "office.intake_minutes"),
    ("Local ID business", "office.background"),
    ("Queue at closing", "office.at_closing"),
    ("Card delivery", "office.delivery"),
    ("Demand mode", "demand.mode"),
    ("First applications per migrant-year (used with mode = per_migrant)", "demand.applications_per_migrant_year"),
    ("Cohort (used with mode = cohort)", "demand.cohort"),
    ("Take-up", "demand.take_up"),
    ("Pent-up demand", "demand.pent_up"),
    ("Weekday profile (Mon..Sun)", "demand.weekday_profile"),
    ("Hour profile (00:00..23:00)", "demand.hour_profile"),
    ("Month profile (Jan..Dec)", "demand.month_profile"),
    ("Reviewers", "verification.reviewers"),
    ("Review time (minutes)", "verification.review_minutes"),
    ("Rejection probability", "verification.reject_probability"),
    ("Linked in real time from", "verification.linked_from"),
    ("Promised working days", "production.promised_working_days"),
    ("Legal limit (days)", "production.legal_limit_days"),
    ("Data tables", "data"),
    ("Holiday calendar", "calendar.holidays"),
    ("Wait threshold (minutes)", "report.wait_threshold_minutes"),
)
"""Key parameters read from ``scenario.json`` as they are written there: label and key path (``[office]`` holds the
defaults that ``[[offices]]`` entries may override)."""

STYLE_SHEET = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #5b6470; --rule: #d8dde3; --band: #f4f6f8;
  --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #ffffff;
  font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 16px; margin: 20px 0 8px; }
p.lead { font-size: 16px; color: var(--muted); margin: 0 0 14px; }
nav { margin: 12px 0 4px; font-size: 14px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
div.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { background: var(--band); border-bottom: 2px solid var(--rule); }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.meta th { font-weight: normal; color: var(--muted); white-space: nowrap; }
table.meta td, table.meta th { border: 0; padding: 2px 12px 2px 0; }
tr.differs td { background: #fff4e5; }
code { font: 12.5px "DejaVu Sans Mono", "Liberation Mono", monospace; color: #39424e; }
figure { margin: 18px 0 26px; }
figure img { display: block; max-width: min(100%, 960px); height: auto; border: 1px solid var(--rule); }
figure img.wide { max-width: 100%; }
td.date { white-space: nowrap; }
details { margin: 4px 0 14px; }
details summary { cursor: pointer; color: var(--accent); font-size: 14px; }
figcaption { font-size: 13.5px; color: var(--muted); margin-top: 6px; max-width: 900px; }
ul.warnings { padding-left: 20px; }
ul.warnings li { color: var(--warn); margin: 4px 0; }
p.ok { color: #007a55; }
p.note, p.empty { color: var(--muted); font-size: 13.5px; }
svg.timeline { display: block; width: 100%; height: auto; margin: 8px 0; }
svg.timeline text { font: 12px "DejaVu Sans", Arial, sans-serif; fill: var(--ink); }
pre.notes { white-space: pre-wrap; background: var(--band); padding: 10px 12px; font-size: 12.5px;
  border-left: 3px solid var(--rule); }
dl.tags dt { float: left; clear: left; width: 40px; font-weight: bold; }
dl.tags dd { margin: 0 0 2px 44px; }
footer { margin-top: 40px; font-size: 12.5px; color: var(--muted); }
"""
"""The report's style sheet (inline; only fonts installed on the reader's machine, no web fonts)."""
