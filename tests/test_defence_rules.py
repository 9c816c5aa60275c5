"""The defence and certificate rules, table-driven (no Flask, no database)."""
from collections import namedtuple
from datetime import date

import pytest

from bastau import rules
from bastau.lifecycle import certificate_due

C = namedtuple("C", "id weight max_points")
RUBRIC = [C(1, 2, 10), C(2, 3, 10), C(3, 2, 10), C(4, 1, 10), C(5, 2, 10)]


@pytest.mark.parametrize("scores, expected", [
    ({1: 10, 2: 10, 3: 10, 4: 10, 5: 10}, 100.0),
    ({}, 0.0),
    ({1: 6, 2: 6, 3: 6, 4: 6, 5: 6}, 60.0),
    ({2: 10}, 30.0),                      # weight 3 of 10; left-out criteria count 0
    ({4: 10}, 10.0),
    ({1: 5, 2: 5, 3: 5, 4: 5, 5: 5}, 50.0),
    ({1: 99}, 20.0),                      # never more than the criterion's maximum
])
def test_weighted_percent(scores, expected):
    assert rules.weighted_percent(scores, RUBRIC) == pytest.approx(expected)


def test_weighted_percent_other_maximum():
    assert rules.weighted_percent({1: 3, 2: 10}, [C(1, 1, 5), C(2, 1, 10)]) == pytest.approx(80.0)


@pytest.mark.parametrize("totals, passed", [
    ([60.0, 60.0], True),
    ([100.0, 20.0], True),                # average 60
    ([59.0, 60.0], False),
    ([100.0, 100.0, 0.0], False),         # one member's zero is a veto
    ([0.0], False),
    ([], False),                          # nobody scored
    ([70.0, 50.0, 60.0], True),
    ([200 / 3, 160 / 3], True),           # exactly 60 on average despite floating point
])
def test_defence_passed(totals, passed):
    assert rules.defence_passed(totals) is passed


@pytest.mark.parametrize("percent, shown", [(59.99, 59), (60.0, 60), (100.0, 100), (0.0, 0), (59.9999999999, 60)])
def test_shown_percent(percent, shown):
    assert rules.shown_percent(percent) == shown


@pytest.mark.parametrize("status, kind", [
    ("defended", "completion"), ("referred_for_financing", "completion"), ("loan_approved", "completion"),
    ("not_defended", "participation"), ("expelled", None), ("training_completed", None), ("withdrawn", None),
    ("in_training", None),
])
def test_certificate_due(status, kind):
    assert certificate_due(status) == kind


@pytest.mark.parametrize("defended, kind", [(True, "completion"), (False, "participation")])
def test_certificate_kind(defended, kind):
    assert rules.certificate_kind(defended) == kind


def test_certificate_number_is_unambiguous_and_random():
    numbers = {rules.certificate_number(2026) for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert number.startswith("BB26-") and len(number) == 15
        assert set(number[5:]) <= set(rules.CERTIFICATE_ALPHABET)
        assert not set(number[5:]) & set("0O1IL5S8B")


@pytest.mark.parametrize("typed, number", [
    ("bb26-7kq3mz9txa", "BB26-7KQ3MZ9TXA"), (" BB26 7KQ3 MZ9T XA ", "BB26-7KQ3MZ9TXA"),
    ("BB267KQ3MZ9TXA", "BB26-7KQ3MZ9TXA"), ("", ""),
])
def test_normalise_certificate_number(typed, number):
    assert rules.normalise_certificate_number(typed) == number


@pytest.mark.parametrize("surname, first_name, masked", [
    ("Сәрсенбаева", "Әйгерім", "С*********а Ә."),
    ("Ли", "Ирина", "Л* И."),
    ("Ан", None, "А*"),
    ("Қасымов-Нұрланов", "Ерлан", "Қ**************в Е."),
    ("Омаров", "", "О****в"),
])
def test_mask_name(surname, first_name, masked):
    assert rules.mask_name(surname, first_name) == masked


@pytest.mark.parametrize("issued, until", [
    (date(2026, 6, 15), date(2028, 6, 15)),
    (date(2024, 2, 29), date(2026, 2, 28)),   # no 29 February two years later
    (date(2026, 12, 31), date(2028, 12, 31)),
    (date(2026, 1, 31), date(2028, 1, 31)),
    (date(2026, 8, 31), date(2028, 8, 31)),
])
def test_loan_priority_until(issued, until):
    assert rules.loan_priority_until(issued) == until
