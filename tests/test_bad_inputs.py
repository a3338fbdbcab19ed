"""The command line refuses every scenario in ``tests/bad_inputs/`` with exit status 2 and one exact line.

Each ``tests/bad_inputs/*.toml`` is a small scenario that breaks exactly one rule (a comment at its top says
which). ``bases/`` holds the files the ``extends`` cases extend (``bases/journey.toml`` is the valid base of the
card-journey cases: two hukou provinces, ``[verification]`` and ``[production]``; ``bases/national.toml`` is the
valid base of the national cases: ``[data]`` tables of three provinces in two regions, five cities and a 3 x 3
migration table, one office per city, demand from migrant stocks and two ``[[phase]]`` entries) and ``data/`` the
CSV files they name (holidays; ``*_ok.csv`` are the small national tables, far quicker to load than the real ones);
neither folder is globbed as a case. For every case the real CLI runs in a subprocess from the
repository root, so the file is shown as ``tests/bad_inputs/NAME.toml``:

- ``run`` exits 2 with exactly one line on stderr, that line equals the expected message, nothing is printed on
  stdout and no traceback appears;
- ``run`` writes nothing: neither the ``--out`` folder nor a ``.partial`` folder is left behind;
- ``validate`` gives the same status and line, checked on a subset (``VALIDATE_TOO``, one case per loader stage)
  to keep the run time modest: each subprocess pays about half a second of interpreter and import start-up
  (tests/test_cli_startup.py keeps it so).

The messages follow from the loader's rules alone (no random seed is involved), so they are compared exactly.
A second test undoes each case's one defect in a copy of the corpus and checks that the scenario then loads,
which shows the message is about the intended defect and that the case breaks nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_inputs"
EXIT_BAD_INPUT = 2
TIMEOUT_SECONDS = 60
FLAT_PROFILE = "hour_profile = [" + ", ".join(["1"] * 24) + "]"

# Cases also checked with `validate`: one per stage of the loader (TOML, unknown keys, numbers, dates, hours,
# profiles, distributions, CSV tables, extends chains, required keys, provinces, origins, the reviewers check,
# the national data tables, the rollout phases, the per-prefecture local business check).
VALIDATE_TOO = {
    "toml_malformed",
    "unknown_top_key",
    "unknown_nested_key",
    "windows_wrong_type",
    "windows_missing",
    "applicants_inf",
    "run_missing",
    "date_quoted",
    "hours_overlap",
    "hour_profile_closed_hours_only",
    "dist_kind_typo",
    "holidays_bad_date",
    "extends_cycle",
    "extends_bad_value_in_base",
    "linked_from_after_run",
    "origins_unknown_province",
    "verification_reviewers_zero",
    "data_cities_bad_population",
    "phase_unknown_city",
    "background_per_million_too_many",
}


class Case(NamedTuple):
    """One bad scenario: its file stem, the one line expected on stderr, and how to undo its defect."""

    name: str
    message: str
    fix: tuple[str, str]
    """``(old, new)``: replacing the single occurrence of ``old`` in the file by ``new`` makes it valid."""


CASES = [
    Case(
        "toml_malformed",
        "tests/bad_inputs/toml_malformed.toml: toml: invalid TOML: Illegal character '\\n' (at line 15, column 20)",
        ('at_closing = "serve\n', 'at_closing = "serve"\n'),
    ),
    Case(
        "unknown_top_key",
        'tests/bad_inputs/unknown_top_key.toml: offfice: unknown key (did you mean "office"?), '
        'got { at_closing = "serve" }',
        ('\n[offfice]\nat_closing = "serve"\n', ""),
    ),
    Case(
        "unknown_nested_key",
        'tests/bad_inputs/unknown_nested_key.toml: office.window: unknown key (did you mean "windows"?), got 2',
        ("\nwindow = 2", "\nwindows = 2"),
    ),
    Case(
        "windows_wrong_type",
        'tests/bad_inputs/windows_wrong_type.toml: office.windows: must be an integer >= 1 and <= 500, got "three"',
        ('\nwindows = "three"', "\nwindows = 3"),
    ),
    Case(
        "windows_bool",
        "tests/bad_inputs/windows_bool.toml: office.windows: must be an integer >= 1 and <= 500, got true",
        ("\nwindows = true", "\nwindows = 1"),
    ),
    Case(
        "windows_zero",
        "tests/bad_inputs/windows_zero.toml: office.windows: must be an integer >= 1 and <= 500, got 0",
        ("\nwindows = 0", "\nwindows = 1"),
    ),
    Case(
        "windows_absurd",
        "tests/bad_inputs/windows_absurd.toml: office.windows: must be an integer >= 1 and <= 500, got 100000",
        ("\nwindows = 100000", "\nwindows = 100"),
    ),
    Case(
        "windows_missing",
        "tests/bad_inputs/windows_missing.toml: office.windows: is required",
        ("\nhours = ", "\nwindows = 2\nhours = "),
    ),
    Case(
        "applicants_negative",
        "tests/bad_inputs/applicants_negative.toml: office.applicants_per_day: must be a number >= 0 and <= 100000, "
        "got -5",
        ("\napplicants_per_day = -5", "\napplicants_per_day = 5"),
    ),
    Case(
        "applicants_inf",
        "tests/bad_inputs/applicants_inf.toml: office.applicants_per_day: must be a finite number, got inf",
        ("\napplicants_per_day = inf", "\napplicants_per_day = 40"),
    ),
    Case(
        "intake_mean_nan",
        "tests/bad_inputs/intake_mean_nan.toml: office.intake_minutes.mean: must be a finite number, got nan",
        ("mean = nan,", "mean = 12,"),
    ),
    Case(
        "at_closing_not_a_choice",
        "tests/bad_inputs/at_closing_not_a_choice.toml: office.at_closing: must be one of serve, return_next_day, "
        'got "close"',
        ('\nat_closing = "close"', '\nat_closing = "return_next_day"'),
    ),
    Case(
        "dist_kind_typo",
        "tests/bad_inputs/dist_kind_typo.toml: office.intake_minutes.dist: must be one of lognormal, gamma, "
        'exponential, deterministic, uniform, triangular, empirical (did you mean "lognormal"?), got "lognormall"',
        ('dist = "lognormall"', 'dist = "lognormal"'),
    ),
    Case(
        "triangular_mode_below_low",
        "tests/bad_inputs/triangular_mode_below_low.toml: office.intake_minutes.mode: must be a number >= 5 and "
        "<= 20, got 3",
        ("mode = 3,", "mode = 12,"),
    ),
    Case(
        "triangular_mode_above_high",
        "tests/bad_inputs/triangular_mode_above_high.toml: office.intake_minutes.mode: must be a number >= 5 and "
        "<= 20, got 25",
        ("mode = 25,", "mode = 12,"),
    ),
    Case(
        "offices_duplicate_name",
        'tests/bad_inputs/offices_duplicate_name.toml: offices[1].name: must be unique among offices, got "North"',
        ('name = "North"\nwindows = 3', 'name = "South"\nwindows = 3'),
    ),
    Case(
        "run_missing",
        "tests/bad_inputs/run_missing.toml: run: is required but missing",
        ("\n[office]", "\n[run]\nstart = 2023-01-02\nend = 2023-01-15\n\n[office]"),
    ),
    Case(
        "run_start_typo",
        'tests/bad_inputs/run_start_typo.toml: run.start: is required but missing (is "run.strat" a typo?)',
        ("\nstrat = ", "\nstart = "),
    ),
    Case(
        "run_end_before_start",
        "tests/bad_inputs/run_end_before_start.toml: run.end: must not be before run.start (2023-01-02), "
        "got 2023-01-01",
        ("\nend = 2023-01-01", "\nend = 2023-01-15"),
    ),
    Case(
        "run_end_50_years",
        "tests/bad_inputs/run_end_50_years.toml: run.end: must be within 3660 days of run.start, got 2073-01-02",
        ("\nend = 2073-01-02", "\nend = 2023-01-15"),
    ),
    Case(
        "warm_up_whole_horizon",
        "tests/bad_inputs/warm_up_whole_horizon.toml: run.warm_up_days: must be an integer >= 0 and <= 13, got 14",
        ("\nwarm_up_days = 14", "\nwarm_up_days = 13"),
    ),
    Case(
        "date_quoted",
        "tests/bad_inputs/date_quoted.toml: run.start: must be a date written as YYYY-MM-DD (unquoted), "
        'got "2023-01-02"',
        ('\nstart = "2023-01-02"', "\nstart = 2023-01-02"),
    ),
    Case(
        "replications_zero",
        "tests/bad_inputs/replications_zero.toml: run.replications: must be an integer >= 1 and <= 10000, got 0",
        ("\nreplications = 0", "\nreplications = 1"),
    ),
    Case(
        "hours_closing_before_opening",
        "tests/bad_inputs/hours_closing_before_opening.toml: office.hours.weekdays[0]: closing must be after opening, "
        'got "12:00-09:00"',
        ('"12:00-09:00",', '"09:00-12:00",'),
    ),
    Case(
        "hours_overlap",
        "tests/bad_inputs/hours_overlap.toml: office.hours.weekdays[1]: must start after the previous period closes, "
        'got "11:00-17:00"',
        ('"11:00-17:00"]', '"12:00-17:00"]'),
    ),
    Case(
        "hours_malformed_period",
        'tests/bad_inputs/hours_malformed_period.toml: office.hours.weekdays[0]: must be a period "HH:MM-HH:MM", '
        'got "9-12"',
        ('["9-12",', '["09:00-12:00",'),
    ),
    Case(
        "hours_past_midnight",
        "tests/bad_inputs/hours_past_midnight.toml: office.hours.weekdays[1]: must use times from 00:00 to 24:00, "
        'got "13:00-24:30"',
        ('"13:00-24:30"]', '"13:00-24:00"]'),
    ),
    Case(
        "hour_profile_empty",
        "tests/bad_inputs/hour_profile_empty.toml: demand.hour_profile: must be a non-empty list of numbers, got []",
        ("\nhour_profile = []", "\n" + FLAT_PROFILE),
    ),
    Case(
        "hour_profile_23_values",
        "tests/bad_inputs/hour_profile_23_values.toml: demand.hour_profile: must have 24 values, "
        "not 23, got [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]",
        ("0, 0, 0, 0, 0, 0]", "0, 0, 0, 0, 0, 0, 0]"),
    ),
    Case(
        "hour_profile_closed_hours_only",
        "tests/bad_inputs/hour_profile_closed_hours_only.toml: demand.hour_profile: must give weight to an opening "
        'hour of office "office", got [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0...',
        ("[1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,", "[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,"),
    ),
    Case(
        "holidays_missing_csv",
        "tests/bad_inputs/holidays_missing_csv.toml: calendar.holidays: file not found, "
        'got "data/no_such_holidays.csv"',
        ('"data/no_such_holidays.csv"', '"data/holidays_ok.csv"'),
    ),
    Case(
        "holidays_bad_date",
        'tests/bad_inputs/data/holidays_bad_date.csv: row 3, column date: must be a date YYYY-MM-DD, got "2022-02-30"',
        ('"data/holidays_bad_date.csv"', '"data/holidays_ok.csv"'),
    ),
    Case(
        "holidays_bad_kind",
        'tests/bad_inputs/data/holidays_bad_kind.csv: row 4, column kind: must be holiday or workday, got "day off"',
        ('"data/holidays_bad_kind.csv"', '"data/holidays_ok.csv"'),
    ),
    Case(
        "holidays_missing_column",
        'tests/bad_inputs/data/holidays_no_kind.csv: header: missing column "kind", got "date,name,source"',
        ('"data/holidays_no_kind.csv"', '"data/holidays_ok.csv"'),
    ),
    Case(
        "extends_missing",
        'tests/bad_inputs/extends_missing.toml: extends: file not found, got "bases/no_such_base.toml"',
        ('"bases/no_such_base.toml"', '"bases/valid.toml"'),
    ),
    Case(
        "extends_cycle",
        "tests/bad_inputs/bases/cycle_back.toml: extends: cycle tests/bad_inputs/extends_cycle.toml -> "
        "tests/bad_inputs/bases/cycle_back.toml -> tests/bad_inputs/extends_cycle.toml",
        ('"bases/cycle_back.toml"', '"bases/valid.toml"'),
    ),
    Case(
        "extends_bad_value_in_base",
        "tests/bad_inputs/bases/zero_windows.toml: office.windows: must be an integer >= 1 and <= 500, got 0",
        ('"bases/zero_windows.toml"', '"bases/valid.toml"'),
    ),
    Case(
        "extends_bad_value_here",
        "tests/bad_inputs/extends_bad_value_here.toml: office.applicants_per_day: must be a number >= 0 and "
        "<= 100000, got -5",
        ("\napplicants_per_day = -5", "\napplicants_per_day = 5"),
    ),
    Case(
        "extends_base_bad_csv",
        'tests/bad_inputs/data/holidays_bad_kind.csv: row 4, column kind: must be holiday or workday, got "day off"',
        ('"bases/bad_csv.toml"', '"bases/valid.toml"'),
    ),
    Case(
        "extends_unknown_table_in_base",
        'tests/bad_inputs/bases/typo_table.toml: offfice: unknown key (did you mean "office"?), '
        'got { at_closing = "serve" }',
        ('"bases/typo_table.toml"', '"bases/valid.toml"'),
    ),
    # The card's journey: hukou provinces, their reviewers and links, production (over bases/journey.toml).
    Case(
        "origins_unknown_province",
        "tests/bad_inputs/origins_unknown_province.toml: office.origins.Anhiu: is not a defined province "
        '(did you mean "Anhui"?), got 0.5',
        ("Anhiu = 0.5", "Anhui = 0.5"),
    ),
    Case(
        "origins_without_provinces",
        "tests/bad_inputs/origins_without_provinces.toml: office.origins: names hukou provinces, "
        "but no [[provinces]] exist",
        ("\norigins = { Anhui = 0.5, Henan = 0.5 }", ""),
    ),
    Case(
        "origins_missing",
        "tests/bad_inputs/origins_missing.toml: office.origins: is required when [[provinces]] are given "
        "(hukou shares)",
        ("cv = 0.4 }\n", "cv = 0.4 }\norigins = { Anhui = 0.5, Henan = 0.5 }\n"),
    ),
    Case(
        "province_reviewers_zero",
        "tests/bad_inputs/province_reviewers_zero.toml: provinces[0].reviewers: must be >= 1 for province "
        '"Anhui", which has applicants, got 0',
        ("\nreviewers = 0", "\nreviewers = 1"),
    ),
    Case(
        "verification_reviewers_zero",
        "tests/bad_inputs/verification_reviewers_zero.toml: verification.reviewers: must be >= 1 for province "
        '"Anhui", which has applicants, got 0',
        ("\nreviewers = 0", "\nreviewers = 1"),
    ),
    Case(
        "linked_from_before_run",
        "tests/bad_inputs/linked_from_before_run.toml: provinces[0].linked_from: must be a date from 2023-01-02 "
        'to 2023-01-15 (the run), "start" or "never", got 2022-12-01',
        ("\nlinked_from = 2022-12-01", "\nlinked_from = 2023-01-02"),
    ),
    Case(
        "linked_from_after_run",
        "tests/bad_inputs/linked_from_after_run.toml: provinces[1].linked_from: must be a date from 2023-01-02 "
        'to 2023-01-15 (the run), "start" or "never", got 2023-03-01',
        ("\nlinked_from = 2023-03-01", "\nlinked_from = 2023-01-15"),
    ),
    Case(
        "linked_from_not_a_choice",
        "tests/bad_inputs/linked_from_not_a_choice.toml: provinces[1].linked_from: must be a date from 2023-01-02 "
        'to 2023-01-15 (the run), "start" or "never", got "sometimes"',
        ('\nlinked_from = "sometimes"', '\nlinked_from = "never"'),
    ),
    Case(
        "reject_probability_above_one",
        "tests/bad_inputs/reject_probability_above_one.toml: verification.reject_probability: must be a number "
        ">= 0 and < 1, got 1.5",
        ("\nreject_probability = 1.5", "\nreject_probability = 0.15"),
    ),
    Case(
        "reject_probability_negative",
        "tests/bad_inputs/reject_probability_negative.toml: verification.reject_probability: must be a number "
        ">= 0 and < 1, got -0.1",
        ("\nreject_probability = -0.1", "\nreject_probability = 0"),
    ),
    Case(
        "reject_probability_one",
        "tests/bad_inputs/reject_probability_one.toml: verification.reject_probability: must be a number "
        ">= 0 and < 1, got 1",
        ("\nreject_probability = 1", "\nreject_probability = 0.99"),
    ),
    Case(
        "outage_end_before_start",
        "tests/bad_inputs/outage_end_before_start.toml: provinces[0].outages[0].end: must be after start "
        "(2023-01-05T12:00:00), got 2023-01-05T09:00:00",
        ("end = 2023-01-05T09:00:00", "end = 2023-01-05T15:00:00"),
    ),
    Case(
        "outage_quoted_datetime",
        "tests/bad_inputs/outage_quoted_datetime.toml: provinces[0].outages[0].start: must be a local date-time "
        'written as YYYY-MM-DDTHH:MM:SS (unquoted), got "2023-01-05T09:00:00"',
        ('start = "2023-01-05T09:00:00"', "start = 2023-01-05T09:00:00"),
    ),
    Case(
        "batch_cutoff_25h",
        'tests/bad_inputs/batch_cutoff_25h.toml: verification.batch_cutoff: must be a time of day "HH:MM" '
        'from 00:00 to 23:59, got "25:00"',
        ('\nbatch_cutoff = "25:00"', '\nbatch_cutoff = "15:00"'),
    ),
    Case(
        "batch_time_7pm",
        'tests/bad_inputs/batch_time_7pm.toml: production.batch_time: must be a time of day "HH:MM" '
        'from 00:00 to 23:59, got "7pm"',
        ('\nbatch_time = "7pm"', '\nbatch_time = "19:00"'),
    ),
    Case(
        "production_unknown_key",
        "tests/bad_inputs/production_unknown_key.toml: production.shiping_days: unknown key (did you mean "
        '"shipping_days"?), got { dist = "triangular", low = 1, mode = 2, high = 5 }',
        ("\nshiping_days", "\nshipping_days"),
    ),
    Case(
        "province_unknown_key",
        "tests/bad_inputs/province_unknown_key.toml: provinces[1].linked_form: unknown key (did you mean "
        '"linked_from"?), got "never"',
        ("\nlinked_form", "\nlinked_from"),
    ),
    Case(
        "delivery_not_a_choice",
        'tests/bad_inputs/delivery_not_a_choice.toml: office.delivery: must be one of window, kiosk, mail, got "drone"',
        ('\ndelivery = "drone"', '\ndelivery = "mail"'),
    ),
    Case(
        "provinces_duplicate_name",
        "tests/bad_inputs/provinces_duplicate_name.toml: provinces[1].name: must be unique among provinces, "
        'got "Anhui"',
        ('name = "Anhui"\nlinked_from = "never"', 'name = "Henan"\nlinked_from = "never"'),
    ),
    Case(
        "promised_working_days_zero",
        "tests/bad_inputs/promised_working_days_zero.toml: production.promised_working_days: must be an integer "
        ">= 1 and <= 365, got 0",
        ("\npromised_working_days = 0", "\npromised_working_days = 20"),
    ),
    # National data tables ([data]), one office per city and rollout phases (over bases/national.toml).
    Case(
        "phase_unknown_province",
        "tests/bad_inputs/phase_unknown_province.toml: phase[1].open.provinces[1]: is not a known province "
        '(did you mean "Sichuan"?), got "Sichaun"',
        ('"Sichaun"]', '"Sichuan"]'),
    ),
    Case(
        "phase_unknown_city",
        "tests/bad_inputs/phase_unknown_city.toml: phase[1].open.cities[1]: is not a known city "
        '(did you mean "Suzhou"?), got "Suzhuo"',
        ('"Suzhuo"]', '"Suzhou"]'),
    ),
    Case(
        "phase_unknown_region",
        'tests/bad_inputs/phase_unknown_region.toml: phase[1].open.regions[0]: is not a known region, got "GBA"',
        ('["GBA"]', '["YRD"]'),
    ),
    Case(
        "phases_out_of_order",
        "tests/bad_inputs/phases_out_of_order.toml: phase[1].start: must not be before the previous phase's start "
        "(2023-01-09), got 2023-01-02",
        ("start = 2023-01-02", "start = 2023-01-12"),
    ),
    Case(
        "phase_after_run",
        "tests/bad_inputs/phase_after_run.toml: phase[1].start: must be within the run (2023-01-02 to 2023-01-15), "
        "got 2023-02-01",
        ("start = 2023-02-01", "start = 2023-01-09"),
    ),
    Case(
        "phase_before_run",
        "tests/bad_inputs/phase_before_run.toml: phase[0].start: must be within the run (2023-01-02 to 2023-01-15), "
        "got 2022-12-01",
        ("start = 2022-12-01", "start = 2023-01-02"),
    ),
    Case(
        "phase_accept_not_a_choice",
        "tests/bad_inputs/phase_accept_not_a_choice.toml: phase[1].accept: must be one of pilot-cities-of-region, "
        'same-region, joined, network, all, got "everyone"',
        ('\naccept = "everyone"', '\naccept = "all"'),
    ),
    Case(
        "phase_open_unknown_selector",
        'tests/bad_inputs/phase_open_unknown_selector.toml: phase[1].open: must be "all" or a table with one of '
        'cities, provinces, regions, pilot_cities, batches, got { towns = ["Suzhou", "Chengdu"] }',
        ('{ towns = ["Suzhou"', '{ cities = ["Suzhou"'),
    ),
    Case(
        "phase_batches_by_typo",
        "tests/bad_inputs/phase_batches_by_typo.toml: phase[1].open.batches.by: must be one of interprov_in, "
        'population (did you mean "interprov_in"?), got "interprov"',
        ('by = "interprov",', 'by = "interprov_in",'),
    ),
    Case(
        "data_cities_missing_column",
        'tests/bad_inputs/data/cities_no_population.csv: header: missing column "population", '
        'got "code,province,name_zh,name_en,pilot,source"',
        ('"data/cities_no_population.csv"', '"data/cities_ok.csv"'),
    ),
    Case(
        "data_cities_bad_population",
        'tests/bad_inputs/data/cities_bad_population.csv: row 4, column population: must be a number, got "lots"',
        ('"data/cities_bad_population.csv"', '"data/cities_ok.csv"'),
    ),
    Case(
        "data_migration_unknown_province",
        "tests/bad_inputs/data/migration_unknown_province.csv: row 3, column destination: is not a province of the "
        'province table (did you mean "Sichuan"?), got "Sichaun"',
        ('"data/migration_unknown_province.csv"', '"data/migration_ok.csv"'),
    ),
    Case(
        "data_file_missing",
        'tests/bad_inputs/data_file_missing.toml: data.migration: file not found, got "data/no_such_migration.csv"',
        ('"data/no_such_migration.csv"', '"data/migration_ok.csv"'),
    ),
    Case(
        "migrant_demand_without_data",
        "tests/bad_inputs/migrant_demand_without_data.toml: data: is required with "
        "demand.applications_per_migrant_year (migrant tables)",
        ("\n[demand]\napplications_per_migrant_year = 0.002\n", ""),
    ),
    # Demand from migrant stocks: the pent-up release's shape and the demand mode.
    Case(
        "pent_up_shape_not_a_choice",
        "tests/bad_inputs/pent_up_shape_not_a_choice.toml: demand.pent_up.shape: must be one of even, decaying, "
        'ramp (did you mean "decaying"?), got "decay"',
        ('shape = "decay" }', 'shape = "decaying" }'),
    ),
    Case(
        "demand_mode_not_a_choice",
        "tests/bad_inputs/demand_mode_not_a_choice.toml: demand.mode: must be one of per_migrant, cohort, "
        'got "per_person"',
        ('\nmode = "per_person"', '\nmode = "per_migrant"'),
    ),
    Case(
        "cohort_take_up_above_one",
        "tests/bad_inputs/cohort_take_up_above_one.toml: demand.cohort.take_up: must be a number >= 0 and <= 1, "
        "got 1.5",
        ("take_up = 1.5 }", "take_up = 0.5 }"),
    ),
    Case(
        "phase_without_data",
        "tests/bad_inputs/phase_without_data.toml: phase: needs the [data] tables (provinces, cities) to select from",
        ('\n[[phase]]\nname = "Everything"\nstart = 2023-01-02\nopen = "all"\naccept = "all"\n', ""),
    ),
    Case(
        "office_override_unknown_city",
        "tests/bad_inputs/office_override_unknown_city.toml: office.override[0].city: is not a city of the city "
        'table (did you mean "Suzhou"?), got "Suzhuo"',
        ('city = "Suzhuo"', 'city = "Suzhou"'),
    ),
    Case(
        "windows_rule_without_per",
        "tests/bad_inputs/windows_rule_without_per.toml: office.windows: a per-population rule needs "
        'per = "prefecture", got { per_million_residents = 1 }',
        ("\nwindows = { per_million_residents = 1 }", "\nwindows = 2"),
    ),
    Case(
        "per_prefecture_without_data",
        "tests/bad_inputs/per_prefecture_without_data.toml: office.per: needs the [data] tables (cities) to place "
        'offices, got "prefecture"',
        ('\nper = "prefecture"\n', "\n"),
    ),
    # Local ID business and windows scaled per prefecture ([office] background and windows rules).
    Case(
        "background_rule_without_per",
        "tests/bad_inputs/background_rule_without_per.toml: office.background.per_million_residents_day: a "
        'per-population rule needs per = "prefecture", got 13.2',
        ("per_million_residents_day = 13.2", "per_day = 13.2"),
    ),
    Case(
        "background_rule_in_offices_entry",
        "tests/bad_inputs/background_rule_in_offices_entry.toml: offices[0].background.per_million_residents_day: "
        'a per-population rule needs per = "prefecture", got 10',
        ("per_million_residents_day = 10", "per_day = 10"),
    ),
    Case(
        "background_per_million_negative",
        "tests/bad_inputs/background_per_million_negative.toml: office.background.per_million_residents_day: must "
        "be a number >= 0 and <= 10000, got -13.2",
        ("{ per_million_residents_day = -13.2", "{ per_million_residents_day = 13.2"),
    ),
    Case(
        "background_per_million_nan",
        "tests/bad_inputs/background_per_million_nan.toml: office.background.per_million_residents_day: must be a "
        "finite number, got nan",
        ("{ per_million_residents_day = nan", "{ per_million_residents_day = 13.2"),
    ),
    Case(
        "background_per_million_too_many",
        "tests/bad_inputs/background_per_million_too_many.toml: office.background.per_million_residents_day: must "
        "give at most 100000 visits a day per office (Shanghai: 124354), got 5000",
        ("{ per_million_residents_day = 5000", "{ per_million_residents_day = 500"),
    ),
    Case(
        "background_per_million_typo",
        "tests/bad_inputs/background_per_million_typo.toml: office.background.per_million_resident_day: unknown key "
        '(did you mean "per_million_residents_day"?), got 13.2',
        ("{ per_million_resident_day", "{ per_million_residents_day"),
    ),
    Case(
        "background_override_not_a_number",
        "tests/bad_inputs/background_override_not_a_number.toml: office.override[0].background."
        'per_million_residents_day: must be a number, got "lots"',
        ('per_million_residents_day = "lots"', "per_million_residents_day = 20"),
    ),
    Case(
        "background_minutes_missing",
        "tests/bad_inputs/background_minutes_missing.toml: office.background.minutes: is required but missing",
        ("= 13.2 }", '= 13.2, minutes = { dist = "deterministic", mean = 5 } }'),
    ),
    Case(
        "windows_rule_round_typo",
        'tests/bad_inputs/windows_rule_round_typo.toml: office.windows.round: must be one of nearest, up, got "ceil"',
        (', round = "ceil"', ', round = "up"'),
    ),
    Case(
        "windows_rule_in_migrants_negative",
        "tests/bad_inputs/windows_rule_in_migrants_negative.toml: office.windows.per_million_in_migrants: must be a "
        "number >= 0 and <= 10000, got -1",
        (", per_million_in_migrants = -1", ", per_million_in_migrants = 1"),
    ),
    Case(
        "linked_from_unknown_province",
        "tests/bad_inputs/linked_from_unknown_province.toml: verification.linked_from.Sichaun: is not a hukou "
        'province (did you mean "Sichuan"?), got 2023-01-05',
        ("Sichaun = 2023-01-05", "Sichuan = 2023-01-05"),
    ),
    Case(
        "linked_from_without_default",
        "tests/bad_inputs/linked_from_without_default.toml: verification.linked_from.default: is required in a "
        "per-province linked_from table",
        ("{ Jiangsu = 2023-01-05 }", '{ default = "never", Jiangsu = 2023-01-05 }'),
    ),
]


def _params() -> list[object]:
    return [pytest.param(case, id=case.name) for case in CASES]


def test_every_case_file_has_one_expected_message() -> None:
    files = sorted(path.stem for path in BAD.glob("*.toml"))
    names = [case.name for case in CASES]
    assert len(set(names)) == len(names), "a case is listed twice"
    assert sorted(names) == files
    assert VALIDATE_TOO.issubset(names)
    for path in BAD.glob("*.toml"):
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name} must say what is wrong at its top"


class Outcome(NamedTuple):
    """What one CLI subprocess did."""

    status: int
    stdout: str
    stderr: str


def _cli(command: str, case: Case, out: Path) -> Outcome:
    args = [sys.executable, "-m", "sim", command, f"tests/bad_inputs/{case.name}.toml"]
    if command == "run":
        args += ["--out", str(out), "--serial", "--quiet"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def cli_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, dict[str, Future[Outcome]]]]:
    """Start the CLI on every selected case at once, one subprocess per core.

    Interpreter and import start-up (about half a second) dominates each subprocess, so running them side by side
    divides the wall time by the number of cores. Each case gets its own empty folder, the ``tmp_path`` of its
    ``run``; the result of each command is a future, so a timeout fails only its own case.
    """
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_cli_refuses_with_one_line"
    ]
    runs: dict[str, tuple[Path, dict[str, Future[Outcome]]]] = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for case in selected:
            folder = tmp_path_factory.mktemp(case.name)
            commands = ("run", "validate") if case.name in VALIDATE_TOO else ("run",)
            runs[case.name] = (folder, {c: pool.submit(_cli, c, case, folder / "out") for c in commands})
    return runs


@pytest.mark.parametrize("case", _params())
def test_cli_refuses_with_one_line(case: Case, cli_runs: dict[str, tuple[Path, dict[str, Future[Outcome]]]]) -> None:
    folder, futures = cli_runs[case.name]
    for command, future in futures.items():
        status, stdout, stderr = future.result()
        assert "Traceback" not in stdout + stderr, f"{command}: {stderr}"
        assert stderr.endswith("\n"), f"{command}: {stderr!r}"
        assert stderr.count("\n") == 1, f"{command}: {stderr!r}"
        assert stderr[:-1] == case.message, command
        assert stdout == "", command
        assert status == EXIT_BAD_INPUT, command
    assert not (folder / "out").exists()
    leftovers = [Path(root, name) for root, dirs, _ in os.walk(folder) for name in dirs if ".partial" in name]
    assert leftovers == []


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_undoing_the_defect_makes_the_scenario_valid(case: Case, tmp_path: Path) -> None:
    corpus = shutil.copytree(BAD, tmp_path / "bad_inputs")
    path = corpus / f"{case.name}.toml"
    text = path.read_text(encoding="utf-8")
    old, new = case.fix
    assert text.count(old) == 1, f"the fix must change exactly one place, found {text.count(old)}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    load_scenario(path)
