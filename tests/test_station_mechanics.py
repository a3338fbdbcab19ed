"""Mechanics: deterministic service times and scripted arrivals give exact event logs."""

from __future__ import annotations

import datetime as dt

from sim.scenario.schema import Hours
from tests.conftest import OFFICE_HOURS

DAY = 1440.0


def test_fifo_one_window(harness):
    h = harness(windows=1)
    for i, t in enumerate([0.0, 1.0, 2.0]):
        h.arrive_at(t, i)
    h.env.run()
    assert h.log == [(0, 0.0, 10.0, 0.0, 0), (1, 10.0, 20.0, 9.0, 0), (2, 20.0, 30.0, 18.0, 0)]


def test_two_windows_share_one_queue(harness):
    h = harness(windows=2)
    for i in range(3):
        h.arrive_at(0.0, i)
    h.arrive_at(5.0, 3, service=1.0)
    h.env.run()
    assert h.log == [
        (0, 0.0, 10.0, 0.0, 0),
        (1, 0.0, 10.0, 0.0, 0),
        (3, 10.0, 11.0, 5.0, 0),  # the log is in order of service end
        (2, 10.0, 20.0, 10.0, 0),
    ]


def test_arrival_at_closing_instant_waits_for_the_afternoon(harness):
    h = harness(windows=1, hours=OFFICE_HOURS)
    h.arrive_at(719.0, 0)  # 11:59, queued before closing: served (serve mode)
    h.arrive_at(720.0, 1)  # 12:00 exactly: closed, joins at 14:00
    h.env.run()
    assert h.log == [(0, 719.0, 729.0, 0.0, 0), (1, 840.0, 850.0, 0.0, 0)]


def test_serve_mode_finishes_the_queue_after_closing(harness):
    h = harness(windows=1, hours=OFFICE_HOURS)
    for i in range(3):
        h.arrive_at(1049.0, i)  # 17:29, one minute before closing
    h.arrive_at(1051.0, 9)  # 17:31, after closing: next morning
    h.env.run()
    assert h.log == [
        (0, 1049.0, 1059.0, 0.0, 0),
        (1, 1059.0, 1069.0, 10.0, 0),
        (2, 1069.0, 1079.0, 20.0, 0),
        (9, DAY + 540.0, DAY + 550.0, 0.0, 0),
    ]


def test_return_next_day_sends_the_queue_home_ahead_of_new_arrivals(harness):
    h = harness(windows=1, hours=OFFICE_HOURS, at_closing="return_next_day")
    for i in range(3):
        h.arrive_at(1045.0, i)  # 17:25
    h.arrive_at(1100.0, 7)  # after closing: comes back tomorrow, behind those sent home
    h.arrive_at(DAY + 541.0, 8)  # tomorrow 09:01, a new arrival
    h.env.run()
    # 0 is served 17:25-17:35 (the clerk finishes the visitor at the window); 1 and 2 waited 5 minutes and go home.
    assert h.log == [
        (0, 1045.0, 1055.0, 0.0, 0),
        (1, DAY + 540.0, DAY + 550.0, 5.0, 1),
        (2, DAY + 550.0, DAY + 560.0, 15.0, 1),
        (7, DAY + 560.0, DAY + 570.0, 20.0, 0),
        (8, DAY + 570.0, DAY + 580.0, 29.0, 0),
    ]


def test_a_clerk_free_at_the_closing_instant_starts_nobody_in_return_mode(harness):
    h = harness(windows=1, hours=OFFICE_HOURS, at_closing="return_next_day")
    h.arrive_at(1040.0, 0)  # served 17:20-17:30, ends exactly at closing
    h.arrive_at(1041.0, 1)  # queued at closing: sent home
    h.env.run()
    assert h.log == [(0, 1040.0, 1050.0, 0.0, 0), (1, DAY + 540.0, DAY + 550.0, 9.0, 1)]


def test_holiday_closes_the_office_until_the_make_up_working_day(harness):
    # Friday 30 Sep 2022; 1-7 Oct is Golden Week; Saturday 8 Oct is a make-up working day.
    holidays = (*tuple((dt.date(2022, 10, d), "holiday") for d in range(1, 8)), (dt.date(2022, 10, 8), "workday"))
    h = harness(windows=1, hours=OFFICE_HOURS, start=dt.date(2022, 9, 30), holidays=holidays)
    h.arrive_at(1060.0, 0)  # Friday 17:40, closed
    h.env.run()
    saturday_open = 8 * DAY + 540.0
    assert h.log == [(0, saturday_open, saturday_open + 10.0, 0.0, 0)]


def test_stage_counts_mid_run(harness):
    h = harness(windows=1)
    for i in range(4):
        h.arrive_at(0.0, i)
    h.env.run(until=15.0)
    stages = h.office.stages()
    assert (stages.arrived, stages.served, stages.in_service, stages.waiting, stages.away) == (4, 1, 1, 2, 0)
    assert stages.balanced


def test_hold_keeps_the_inbox_overnight_and_resumes_at_opening(harness):
    h = harness(windows=1, hours=OFFICE_HOURS, at_closing="hold")
    h.arrive_at(715.0, 0)  # 11:55: served to 12:05, past closing
    h.arrive_at(716.0, 1)  # queued at closing: held until 14:00
    h.arrive_at(1200.0, 2)  # 20:00, closed: into the inbox, first thing tomorrow
    h.env.run()
    assert h.log == [
        (0, 715.0, 725.0, 0.0, 0),
        (1, 840.0, 850.0, 124.0, 0),
        (2, DAY + 540.0, DAY + 550.0, DAY + 540.0 - 1200.0, 0),
    ]
    assert h.office.stages().balanced


def test_touching_periods_are_one_period_nobody_is_sent_home_between_them(harness):
    touching = Hours(weekdays=((540.0, 600.0), (600.0, 660.0)))  # 09:00-10:00 and 10:00-11:00
    h = harness(windows=1, hours=touching, at_closing="return_next_day")
    h.arrive_at(590.0, 0)  # served 09:50-10:00
    h.arrive_at(595.0, 1)  # queued at 10:00 exactly, when the first finishes: starts then, not sent home
    h.env.run()
    assert h.log == [(0, 590.0, 600.0, 0.0, 0), (1, 600.0, 610.0, 5.0, 0)]
    assert h.office.calendar.periods(0) == ((540.0, 660.0),)
