"""One percentage format per locale (bastau/formats.py): the same value reads the same on a page, in a message and in
an export — «6 %», «82 %», «91,0 %» with a no-break space, in Kazakh and in Russian."""
from __future__ import annotations

import html
from datetime import date

import pytest

from bastau import formats, rules
from bastau.audit_notes import _referral
from tests.conftest import page_text
from tests.journey import RU

NBSP = "\u00a0"


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_percent_decimal_and_date_per_locale(app, locale):
    assert formats.percent(82, locale=locale) == f"82{NBSP}%"
    assert formats.percent(91, places=1, locale=locale) == f"91,0{NBSP}%"
    assert formats.percent(5.5, locale=locale) == f"5,5{NBSP}%"
    assert formats.percent(None, locale=locale) == "—"
    assert formats.decimal(12345.67, locale=locale) == f"12{NBSP}345,7"
    assert formats.short_date(date(2026, 12, 1), locale=locale) == "01.12.2026"


def test_the_request_locale_is_used_when_none_is_given(app):
    with app.test_request_context(headers=RU):
        assert formats.long_date(date(2026, 12, 1)) == "1 декабря 2026\u202fг."


@pytest.mark.parametrize("headers, locale", [({}, "kk"), (RU, "ru")])
def test_loan_rate_reads_the_same_on_the_page_and_in_the_history_message(app, client, headers, locale):
    expected = formats.percent(rules.LOAN_RATE_PERCENT, locale=locale)
    assert expected == f"6{NBSP}%"
    page = html.unescape(page_text(client.get("/", headers=headers)))
    assert expected in page and "6%" not in page
    with app.test_request_context(headers=headers):
        message = _referral("agricultural_support_fund; 5000000 KZT; 36 months; 6%")
    assert expected in message and "6%" not in message


@pytest.mark.parametrize("headers", [{}, RU])
def test_dashboard_percentages_use_the_same_helper(app, headers):
    from bastau.dashboard.routes import percent
    with app.test_request_context(headers=headers):
        assert percent(91.04) == f"91,0{NBSP}%" == formats.percent(91.04, places=1)
        assert percent(None) == "—"
