"""The schedule generator and the absence rule, table by table."""
from collections import Counter
from datetime import date

import pytest

from bastau import rules
from bastau.calendar import holidays_in_file

HOLIDAYS = holidays_in_file()  # the rules need no database: the calendar's starting point, 2017-2027


def test_holidays_of_kazakhstan_are_data():
    assert {date(2026, 3, 21), date(2026, 3, 22), date(2026, 3, 23)} <= HOLIDAYS  # Nauryz
    assert date(2026, 12, 16) in HOLIDAYS and date(2026, 12, 17) not in HOLIDAYS  # since 2022: one day
    assert date(2018, 12, 1) in HOLIDAYS and date(2023, 12, 1) not in HOLIDAYS    # First President's Day, until 2021
    assert date(2026, 10, 25) in HOLIDAYS                                          # Republic Day, since 2022
    assert all(2017 <= d.year <= 2027 for d in HOLIDAYS)


@pytest.mark.parametrize("start, days", [
    (date(2026, 4, 1), 25), (date(2026, 4, 1), 30), (date(2026, 3, 16), 25), (date(2026, 12, 1), 30),
    (date(2017, 4, 3), 25),
])
def test_schedule_skips_sundays_and_holidays(start, days):
    dates = rules.training_dates(start, days, HOLIDAYS)
    assert len(dates) == days == len(set(dates))
    assert dates == sorted(dates) and dates[0] >= start
    assert not any(d.weekday() == 6 for d in dates)
    assert not any(d in HOLIDAYS for d in dates)


def test_schedule_around_nauryz():
    # Monday 16 March 2026: Nauryz (21–23 March) and the Sundays are left out.
    dates = rules.training_dates(date(2026, 3, 16), 25, HOLIDAYS)
    assert dates[:5] == [date(2026, 3, 16), date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 19),
                         date(2026, 3, 20)]
    assert dates[5] == date(2026, 3, 24)  # 21 (Sat), 22 (Sun), 23 (Mon) are Nauryz
    assert dates[-1] == date(2026, 4, 15)


def test_a_start_on_a_sunday_begins_on_monday():
    assert rules.training_dates(date(2026, 4, 5), 25, HOLIDAYS)[0] == date(2026, 4, 6)


@pytest.mark.parametrize("days", [24, 31, 0])
def test_training_lasts_25_to_30_days(days):
    with pytest.raises(ValueError):
        rules.training_dates(date(2026, 4, 1), days, HOLIDAYS)


@pytest.mark.parametrize("days", [25, 26, 27, 28, 29, 30])
def test_twelve_modules_spread_over_the_days_in_order(days):
    modules = [rules.module_of_day(i, days) for i in range(days)]
    assert modules == sorted(modules) and modules[0] == 1 and modules[-1] == 12
    assert set(Counter(modules).values()) <= {2, 3}  # every module gets two or three days
    assert len(set(modules)) == 12


@pytest.mark.parametrize("marks, unexcused, flagged", [
    ([], 0, False),
    (["present"] * 20, 0, False),
    (["absent"] * 3, 3, False),                              # 3 unexcused days: fine
    (["absent"] * 4, 4, True),                               # 4: flagged for the commission
    (["absent"] * 3 + ["excused"] * 5, 3, False),            # excused days do not count
    (["absent", "present", "absent", "excused", "absent", "absent"], 4, True),
])
def test_absence_rule(marks, unexcused, flagged):
    assert rules.unexcused_days(marks) == unexcused
    assert rules.needs_expulsion_review(rules.unexcused_days(marks)) is flagged


@pytest.mark.parametrize("enrolled, capacity, adding, fits", [
    (0, 30, 30, True), (29, 30, 1, True), (30, 30, 1, False), (25, 30, 6, False),
])
def test_cohort_capacity(enrolled, capacity, adding, fits):
    assert rules.cohort_has_places(enrolled, capacity, adding) is fits


@pytest.mark.parametrize("unexcused, kept_at, at_risk", [
    (0, 0, False), (2, 0, False), (3, 0, True), (4, 0, False),  # 3 days: one more and the commission decides
    (4, 4, True), (5, 4, False), (3, 4, False), (6, 6, True),   # after a "keep": one more than it covered
])
def test_one_day_from_review_is_the_last_day_a_call_can_help(unexcused, kept_at, at_risk):
    assert rules.one_day_from_review(unexcused, kept_at) is at_risk
    assert not (at_risk and rules.awaits_commission(unexcused, kept_at))
